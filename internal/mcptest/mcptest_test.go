package mcptest

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// TestConnectCallAnswer: every request of the session carries the header; a tool's answer is
// read as text and JSON, a tool error as an answer with the error flag.
func TestConnectCallAnswer(t *testing.T) {
	server := mcp.NewServer(&mcp.Implementation{Name: "mcptest", Version: "1"}, nil)
	type in struct {
		Fail bool `json:"fail,omitempty"`
	}
	type out struct {
		Caller string `json:"caller"`
	}
	mcp.AddTool(server, &mcp.Tool{Name: "whoami"}, func(ctx context.Context, req *mcp.CallToolRequest, args in) (*mcp.CallToolResult, out, error) {
		if args.Fail {
			return nil, out{}, errors.New("refused: you asked for it")
		}
		return nil, out{Caller: req.Extra.Header.Get("X-Test-User")}, nil
	})
	h := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return server }, &mcp.StreamableHTTPOptions{Stateless: true})
	var missing atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Test-User") != "ada" {
			missing.Add(1)
		}
		h.ServeHTTP(w, r)
	}))
	defer srv.Close()

	cs := Connect(t, srv.URL, http.Header{"X-Test-User": {"ada"}}, nil)
	if m := OK(t, cs, "whoami", nil); m["caller"] != "ada" {
		t.Errorf("OK answer: %v", m)
	}
	if text := Fails(t, cs, "whoami", map[string]any{"fail": true}, "you asked for it"); !strings.Contains(text, "refused") {
		t.Errorf("Fails text: %q", text)
	}
	if text, m, isErr := Call(t, cs, "whoami", map[string]any{"fail": true}); !isErr || m != nil || text == "" {
		t.Errorf("Call of a failing tool: %q %v %v", text, m, isErr)
	}
	if n := missing.Load(); n != 0 {
		t.Errorf("%d requests without the session's header", n)
	}
}

// TestFetchCode reads the code from the redirect, and refuses an error redirect, a redirect
// without a code, and an answer that is no redirect.
func TestFetchCode(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("case") {
		case "ok":
			http.Redirect(w, r, "http://127.0.0.1:9/cb?code=c0de&state=st&iss=http://issuer", http.StatusFound)
		case "denied":
			http.Redirect(w, r, "http://127.0.0.1:9/cb?error=access_denied&error_description=no", http.StatusFound)
		case "nocode":
			http.Redirect(w, r, "http://127.0.0.1:9/cb?state=st", http.StatusFound)
		default:
			w.Write([]byte("a sign-in page"))
		}
	}))
	defer srv.Close()
	fetch := func(c string) (*auth.AuthorizationResult, error) {
		return FetchCode(t.Context(), &auth.AuthorizationArgs{URL: srv.URL + "/oauth2/authorize?case=" + c})
	}
	if res, err := fetch("ok"); err != nil || res.Code != "c0de" || res.State != "st" || res.Iss != "http://issuer" {
		t.Errorf("ok: %+v %v", res, err)
	}
	for c, want := range map[string]string{"denied": "access_denied", "nocode": "without a code", "page": "without a redirect"} {
		if _, err := fetch(c); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error containing %q", c, err, want)
		}
	}
}

// TestRegisterClient sends a public client's registration and returns the client ID.
func TestRegisterClient(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/oauth2/register" || r.Header.Get("Content-Type") != "application/json" {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(http.StatusCreated)
		w.Write([]byte(`{"client_id":"client_1"}`))
	}))
	defer srv.Close()
	if id := RegisterClient(t, srv.URL, "Test", "http://127.0.0.1:9/cb"); id != "client_1" {
		t.Errorf("client ID %q", id)
	}
}
