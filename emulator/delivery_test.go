package emulator

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// receiver is a webhook endpoint under test: it checks each delivery's signature with its own
// implementation of WorkOS's documented algorithm (not the emulator's signer) and answers from a
// script.
type receiver struct {
	t      *testing.T
	srv    *httptest.Server
	secret string
	answer func(n int) int // status for the n-th delivery (0-based)

	mu     sync.Mutex
	bodies []map[string]any
	bad    []string
}

func newReceiver(t *testing.T, answer func(n int) int) *receiver {
	rv := &receiver{t: t, answer: answer}
	rv.srv = httptest.NewServer(http.HandlerFunc(rv.serve))
	t.Cleanup(rv.srv.Close)
	return rv
}

// verifyWorkOSSignature checks a WorkOS-Signature header ("t=<unix ms>, v1=<hex>") against the
// raw body: v1 must be the hex HMAC-SHA256, keyed by the endpoint secret, of "<t>.<body>", and t
// within five minutes of now.
func verifyWorkOSSignature(header string, body []byte, secret string, now time.Time) error {
	var ts, sig string
	for _, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return fmt.Errorf("malformed part %q", part)
		}
		switch k {
		case "t":
			ts = v
		case "v1":
			sig = v
		}
	}
	ms, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || sig == "" {
		return fmt.Errorf("header %q lacks t or v1", header)
	}
	if d := now.Sub(time.UnixMilli(ms)); d > 5*time.Minute || d < -5*time.Minute {
		return fmt.Errorf("timestamp %s is %v away", ts, d)
	}
	mac := hmac.New(sha256.New, []byte(secret))
	io.WriteString(mac, ts+"."+string(body))
	want := mac.Sum(nil)
	got, err := hex.DecodeString(sig)
	if err != nil || !hmac.Equal(got, want) {
		return fmt.Errorf("signature mismatch")
	}
	return nil
}

func (rv *receiver) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rv.mu.Lock()
	defer rv.mu.Unlock()
	if err := verifyWorkOSSignature(r.Header.Get("WorkOS-Signature"), body, rv.secret, time.Now()); err != nil || r.Method != http.MethodPost ||
		r.Header.Get("Content-Type") != "application/json" {
		rv.bad = append(rv.bad, fmt.Sprintf("%s %s: %v", r.Method, r.Header.Get("WorkOS-Signature"), err))
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		rv.bad = append(rv.bad, "body is not JSON")
	}
	n := len(rv.bodies)
	rv.bodies = append(rv.bodies, m)
	w.WriteHeader(rv.answer(n))
}

func (rv *receiver) received() []map[string]any {
	rv.mu.Lock()
	defer rv.mu.Unlock()
	if len(rv.bad) > 0 {
		rv.t.Fatalf("bad deliveries: %v", rv.bad)
	}
	return append([]map[string]any(nil), rv.bodies...)
}

// eventually polls cond (bounded: the worker runs in the background) and fails with what when
// it never holds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for range 1500 {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("never happened: %s", what)
}

func (te *testEmulator) deliveries(q string) []map[string]any {
	te.t.Helper()
	return te.must(http.StatusOK, sk, "GET", "/_emulator/webhook_deliveries?limit=100&"+q, nil).list(te.t)
}

func (te *testEmulator) subscribe(rv *receiver, events ...string) map[string]any {
	te.t.Helper()
	ep := te.must(http.StatusCreated, sk, "POST", "/webhook_endpoints", map[string]any{"endpoint_url": rv.srv.URL + "/hook", "events": events}).json(te.t)
	rv.mu.Lock()
	rv.secret = str(ep, "secret")
	rv.mu.Unlock()
	return ep
}

func TestWebhookDelivery(t *testing.T) {
	te := newTestEmulator(t, Options{Webhooks: WebhookOptions{RetryBase: 10 * time.Millisecond, MaxAttempts: 3}})
	// The first two attempts fail: the delivery is retried with backoff and lands on the third.
	rv := newReceiver(t, func(n int) int {
		if n < 2 {
			return http.StatusServiceUnavailable
		}
		return http.StatusNoContent
	})
	ep := te.subscribe(rv, "organization.created")
	other := newReceiver(t, func(int) int { return 200 })
	te.subscribe(other, "user.created") // not subscribed to organization.created

	org := te.must(http.StatusCreated, sk, "POST", "/organizations", map[string]any{"name": "Hooked Inc"}).json(t)
	eventually(t, "the delivery is delivered", func() bool {
		ds := te.deliveries("webhook_endpoint_id=" + str(ep, "id"))
		return len(ds) == 1 && ds[0]["state"] == "delivered"
	})
	got := rv.received()
	if len(got) != 3 {
		t.Fatalf("%d attempts received, want 3", len(got))
	}
	evs := te.must(http.StatusOK, sk, "GET", "/events?events=organization.created", nil).list(t)
	if got[2]["id"] != evs[0]["id"] || got[2]["event"] != "organization.created" || got[2]["data"].(map[string]any)["id"] != org["id"] {
		t.Fatalf("delivered %v, want the organization.created event %v", got[2], evs[0])
	}
	d := te.deliveries("webhook_endpoint_id=" + str(ep, "id"))[0]
	if d["attempts"] != float64(3) || d["last_status"] != float64(204) || d["event_id"] != evs[0]["id"] || d["delivered_at"] == nil || d["last_error"] != nil {
		t.Fatalf("log entry %v", d)
	}
	if n := len(other.received()); n != 0 {
		t.Fatalf("an endpoint not subscribed to the event got %d deliveries", n)
	}

	// Redelivery queues the event again, as a new delivery.
	r := te.must(http.StatusCreated, sk, "POST", "/_emulator/webhook_deliveries/"+str(d, "id")+"/redeliver", nil).json(t)
	eventually(t, "the redelivery is delivered", func() bool {
		ds := te.deliveries("state=delivered&event_id=" + str(evs[0], "id"))
		return len(ds) == 2
	})
	if got := rv.received(); len(got) != 4 || got[3]["id"] != evs[0]["id"] || r["id"] == d["id"] {
		t.Fatalf("redelivery: %d received, %v", len(got), r)
	}
	te.must(http.StatusNotFound, sk, "POST", "/_emulator/webhook_deliveries/webhook_delivery_nope/redeliver", nil)

	// A receiver that never accepts: the delivery fails after MaxAttempts, and says why.
	te.must(http.StatusOK, sk, "PATCH", "/webhook_endpoints/"+str(ep, "id"), map[string]any{"status": "disabled"})
	down := newReceiver(t, func(int) int { return http.StatusInternalServerError })
	dep := te.subscribe(down, "organization.updated")
	te.must(http.StatusOK, sk, "PUT", "/organizations/"+str(org, "id"), map[string]any{"name": "Hooked Two"})
	eventually(t, "the delivery fails", func() bool {
		ds := te.deliveries("webhook_endpoint_id=" + str(dep, "id"))
		return len(ds) == 1 && ds[0]["state"] == "failed"
	})
	f := te.deliveries("webhook_endpoint_id=" + str(dep, "id"))[0]
	if f["attempts"] != float64(3) || f["last_status"] != float64(500) || !strings.Contains(fmt.Sprint(f["last_error"]), "500") || len(down.received()) != 3 {
		t.Fatalf("failed delivery %v after %d attempts", f, len(down.received()))
	}
	// The disabled endpoint got nothing more; deliveries are per environment.
	if len(te.deliveries("webhook_endpoint_id="+str(ep, "id"))) != 2 {
		t.Fatal("a disabled endpoint was queued a delivery")
	}
	if n := len(te.must(http.StatusOK, DemoProductionAPIKey, "GET", "/_emulator/webhook_deliveries", nil).list(t)); n != 0 {
		t.Fatalf("production sees %d sandbox deliveries", n)
	}
	// The demo seed's endpoint (hooks.acme.test, subscribed to organization.updated) is a name that
	// never resolves: its delivery fails at once, without a network attempt, and says why.
	eventually(t, "the seed endpoint's delivery fails", func() bool {
		for _, d := range te.deliveries("state=failed&event=organization.updated") {
			if strings.Contains(str(d, "endpoint_url"), "hooks.acme.test") {
				return d["attempts"] == float64(1) && strings.Contains(fmt.Sprint(d["last_error"]), "reserved name")
			}
		}
		return false
	})
	// Seeded events are history: the seed's user.created events (the seed endpoint subscribes to
	// them) were not queued.
	if ds := te.deliveries("event=user.created"); len(ds) != 0 {
		t.Fatalf("seeded events were queued: %v", ds)
	}
}

// A delivery cut short by Close stays pending and is sent after a restart.
func TestWebhookDeliverySurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	release := make(chan struct{})
	var mu sync.Mutex
	var secret string
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		s := secret
		mu.Unlock()
		if r.URL.Path == "/hang" {
			select { // the first server's attempt: hang until the emulator gives up on Close
			case <-r.Context().Done():
			case <-release:
			}
			return
		}
		if err := verifyWorkOSSignature(r.Header.Get("WorkOS-Signature"), body, s, time.Now()); err != nil {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		mu.Lock()
		got = append(got, string(body))
		mu.Unlock()
	}))
	defer srv.Close()
	defer close(release)

	ctx := context.Background()
	e1, err := New(ctx, Options{DataDir: dir, Seed: smallSeed()})
	if err != nil {
		t.Fatal(err)
	}
	te1 := &testEmulator{Emulator: e1, srv: newServer(t, e1), t: t}
	ep := te1.must(http.StatusCreated, sk, "POST", "/webhook_endpoints", map[string]any{"endpoint_url": srv.URL + "/hang", "events": []string{"organization.created"}}).json(t)
	mu.Lock()
	secret = str(ep, "secret")
	mu.Unlock()
	te1.must(http.StatusCreated, sk, "POST", "/organizations", map[string]any{"name": "Pending Co"})
	eventually(t, "the first attempt starts", func() bool {
		e1.deliverer.mu.Lock()
		defer e1.deliverer.mu.Unlock()
		return len(e1.deliverer.inFlight) == 1
	})
	if err := e1.Close(); err != nil {
		t.Fatal(err)
	}

	e2, err := New(ctx, Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer e2.Close()
	te2 := &testEmulator{Emulator: e2, srv: newServer(t, e2), t: t}
	ds := te2.deliveries("")
	if len(ds) != 1 || ds[0]["state"] != "pending" || ds[0]["attempts"] != float64(0) {
		t.Fatalf("after restart: %v", ds)
	}
	// Point the endpoint at a path that answers; the pending delivery goes to the URL it was
	// queued for, so redeliver to the new one.
	te2.must(http.StatusOK, sk, "PATCH", "/webhook_endpoints/"+str(ep, "id"), map[string]any{"endpoint_url": srv.URL + "/ok"})
	te2.must(http.StatusCreated, sk, "POST", "/_emulator/webhook_deliveries/"+str(ds[0], "id")+"/redeliver", nil)
	eventually(t, "the redelivery arrives", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) == 1 && strings.Contains(got[0], "Pending Co")
	})
}
