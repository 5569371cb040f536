package reply

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestStatus(t *testing.T) {
	for _, tc := range []struct {
		name  string
		serve func(w http.ResponseWriter)
		want  int
	}{
		{"nothing written", func(http.ResponseWriter) {}, 200},
		{"body only", func(w http.ResponseWriter) { _, _ = io.WriteString(w, "x") }, 200},
		{"explicit", func(w http.ResponseWriter) { w.WriteHeader(404) }, 404},
		{"first wins", func(w http.ResponseWriter) { w.WriteHeader(201); w.WriteHeader(500) }, 201},
		{"status after body", func(w http.ResponseWriter) { _, _ = io.WriteString(w, "x"); w.WriteHeader(500) }, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			under := httptest.NewRecorder()
			rec := &Recorder{ResponseWriter: under}
			tc.serve(rec)
			if got := rec.Status(); got != tc.want {
				t.Fatalf("Status %d, want %d", got, tc.want)
			}
			if under.Code != tc.want {
				t.Fatalf("the wrapped writer got %d, want %d", under.Code, tc.want)
			}
			if rec.Wrote() != (tc.name != "nothing written") {
				t.Fatalf("Wrote %v", rec.Wrote())
			}
		})
	}
}

func TestPassesThroughAndCounts(t *testing.T) {
	under := httptest.NewRecorder()
	rec := &Recorder{ResponseWriter: under}
	rec.Header().Set("Content-Type", "text/plain")
	_, _ = io.WriteString(rec, "hello, ")
	_, _ = io.WriteString(rec, "world")
	if under.Body.String() != "hello, world" || under.Header().Get("Content-Type") != "text/plain" {
		t.Fatalf("wrapped writer got %q, %v", under.Body.String(), under.Header())
	}
	if rec.Written() != 12 {
		t.Fatalf("Written %d, want 12", rec.Written())
	}
	if len(rec.Body()) != 0 {
		t.Fatalf("Body %q kept without Capture", rec.Body())
	}
}

func TestCapture(t *testing.T) {
	rec := &Recorder{ResponseWriter: httptest.NewRecorder(), Capture: 8}
	_, _ = io.WriteString(rec, "12345")
	if string(rec.Body()) != "12345" || rec.Overflow() {
		t.Fatalf("Body %q overflow %v", rec.Body(), rec.Overflow())
	}
	_, _ = io.WriteString(rec, "6789")
	_, _ = io.WriteString(rec, "0")
	if string(rec.Body()) != "12345" || !rec.Overflow() || rec.Written() != 10 {
		t.Fatalf("past Capture: Body %q overflow %v written %d", rec.Body(), rec.Overflow(), rec.Written())
	}

	all := &Recorder{ResponseWriter: httptest.NewRecorder(), Capture: -1}
	_, _ = io.WriteString(all, strings.Repeat("x", 1<<16))
	if len(all.Body()) != 1<<16 || all.Overflow() {
		t.Fatalf("Capture -1 kept %d bytes, overflow %v", len(all.Body()), all.Overflow())
	}
}

// Without a ResponseWriter the Recorder stands alone: its own header, the body kept.
func TestStandalone(t *testing.T) {
	rec := &Recorder{Capture: -1}
	rec.Header().Set("X-A", "1")
	rec.WriteHeader(http.StatusTeapot)
	n, err := io.WriteString(rec, "brew")
	if n != 4 || err != nil {
		t.Fatalf("Write = %d, %v", n, err)
	}
	rec.Flush()
	if rec.Header().Get("X-A") != "1" || rec.Status() != http.StatusTeapot || string(rec.Body()) != "brew" || rec.Written() != 4 {
		t.Fatalf("header %v status %d body %q written %d", rec.Header(), rec.Status(), rec.Body(), rec.Written())
	}
	if _, _, err := rec.Hijack(); !errors.Is(err, http.ErrNotSupported) {
		t.Fatalf("Hijack err %v", err)
	}
}

func TestFlushReachesTheWrappedWriter(t *testing.T) {
	under := httptest.NewRecorder()
	rec := &Recorder{ResponseWriter: under}
	var f http.Flusher = rec
	f.Flush()
	if !under.Flushed {
		t.Fatal("Flush not forwarded")
	}
	// Through a second wrapper, as when middleware nests.
	under2 := httptest.NewRecorder()
	outer := &Recorder{ResponseWriter: &Recorder{ResponseWriter: under2}}
	if err := http.NewResponseController(outer).Flush(); err != nil || !under2.Flushed {
		t.Fatalf("ResponseController Flush: %v, flushed %v", err, under2.Flushed)
	}
}

// plain is a ResponseWriter with nothing but the three methods.
type plain struct{ http.ResponseWriter }

func TestFlushAndHijackOnAPlainWriter(t *testing.T) {
	rec := &Recorder{ResponseWriter: plain{httptest.NewRecorder()}}
	rec.Flush() // no panic, nothing to do
	if _, _, err := rec.Hijack(); !errors.Is(err, http.ErrNotSupported) {
		t.Fatalf("Hijack err %v, want ErrNotSupported", err)
	}
}

// hijacker records that Hijack reached it.
type hijacker struct {
	http.ResponseWriter
	called bool
}

func (h *hijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h.called = true
	return nil, nil, nil
}

func TestHijackForwarded(t *testing.T) {
	h := &hijacker{ResponseWriter: httptest.NewRecorder()}
	rec := &Recorder{ResponseWriter: h}
	if _, _, err := rec.Hijack(); err != nil || !h.called {
		t.Fatalf("Hijack: %v, reached %v", err, h.called)
	}
}

// deadliner stands for a connection's writer: http.ResponseController finds it through Unwrap.
type deadliner struct {
	http.ResponseWriter
	deadline time.Time
}

func (d *deadliner) SetWriteDeadline(t time.Time) error { d.deadline = t; return nil }

func TestUnwrapServesResponseController(t *testing.T) {
	d := &deadliner{ResponseWriter: httptest.NewRecorder()}
	rec := &Recorder{ResponseWriter: d}
	if rec.Unwrap() != d {
		t.Fatal("Unwrap does not give the wrapped writer")
	}
	when := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := http.NewResponseController(rec).SetWriteDeadline(when); err != nil || !d.deadline.Equal(when) {
		t.Fatalf("SetWriteDeadline through the Recorder: %v, %v", err, d.deadline)
	}
}

// Through a real server: an SSE-style handler's flushes reach the client before it ends.
func TestFlushOverTheWire(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &Recorder{ResponseWriter: w}
		_, _ = io.WriteString(rec, "first\n")
		rec.Flush()
		<-release
		_, _ = io.WriteString(rec, "second\n")
	}))
	defer srv.Close()
	defer close(release)
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	line, err := bufio.NewReader(resp.Body).ReadString('\n')
	if err != nil || line != "first\n" {
		t.Fatalf("read %q, %v before the handler ended", line, err)
	}
}
