package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/workos-mcp/workos-mcp/emulator"
	"github.com/workos-mcp/workos-mcp/workos"
)

// TestEmulateEndToEnd drives `workos-mcp emulate` as an application under test would: a webhook
// handler on loopback receives a signed event, a password sign-in answers a JWT whose key is at
// /sso/jwks/{clientId}; the server runs in --strict-idempotency mode, as WorkOS would answer.
func TestEmulateEndToEnd(t *testing.T) {
	base, _, _, _ := startCommand(t, nil, "emulate", "--addr", "127.0.0.1:0", "--data", "", "--strict-idempotency")
	c := workos.New(workos.Options{BaseURL: base, APIKey: emulator.DemoSandboxAPIKey})
	ctx := context.Background()

	var mu sync.Mutex
	var secret string
	got := make(chan string, 4)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		s := secret
		mu.Unlock()
		// WorkOS-Signature: t=<ms>, v1=<hex HMAC-SHA256 of "<t>.<body>">, checked here independently.
		var ts, sig string
		for _, part := range strings.Split(r.Header.Get("WorkOS-Signature"), ",") {
			k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
			switch k {
			case "t":
				ts = v
			case "v1":
				sig = v
			}
		}
		mac := hmac.New(sha256.New, []byte(s))
		mac.Write([]byte(ts + "." + string(body)))
		if hex.EncodeToString(mac.Sum(nil)) != sig {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		got <- string(body)
	}))
	defer hook.Close()
	var ep struct{ Secret string }
	if _, err := c.Do(ctx, "POST", "/webhook_endpoints", nil, map[string]any{"endpoint_url": hook.URL, "events": []string{"organization.created"}}, &ep); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	secret = ep.Secret
	mu.Unlock()
	var org workos.Organization
	if _, err := c.Do(ctx, "POST", "/organizations", nil, map[string]any{"name": "End To End Co"}, &org); err != nil {
		t.Fatal(err)
	}
	select {
	case body := <-got:
		if !strings.Contains(body, org.ID) || !strings.Contains(body, `"organization.created"`) {
			t.Fatalf("delivery %s", body)
		}
	case <-time.After(time.Minute):
		t.Fatal("no signed delivery within a minute")
	}

	var auth struct {
		AccessToken string `json:"access_token"`
	}
	body, _ := json.Marshal(map[string]any{"client_id": emulator.DemoSandboxClientID, "client_secret": emulator.DemoSandboxAPIKey,
		"grant_type": "password", "email": "alice@acme.test", "password": emulator.DemoPassword})
	resp, err := http.Post(base+"/user_management/authenticate", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(resp.Body).Decode(&auth)
	resp.Body.Close()
	if strings.Count(auth.AccessToken, ".") != 2 {
		t.Fatalf("access token %q is not a JWT", auth.AccessToken)
	}
	if code, jwks := getBody(t, base+"/sso/jwks/"+emulator.DemoSandboxClientID); code != 200 || !strings.Contains(jwks, `"alg":"RS256"`) {
		t.Fatalf("jwks: %d %s", code, jwks)
	}
}
