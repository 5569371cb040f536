package mcptest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/workos-mcp/workos-mcp/mcpfast"
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

// recordingT records failures instead of failing the test that runs it.
type recordingT struct {
	testing.TB
	errors []string
}

func (r *recordingT) Helper() {}
func (r *recordingT) Errorf(format string, a ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, a...))
}

// TestConformsCatchesAnAnswerOffItsSchema: a server that trusts its outputs (no check at run
// time) and answers off its published schema is caught by Call; a conforming answer passes.
func TestConformsCatchesAnAnswerOffItsSchema(t *testing.T) {
	s := mcpfast.New(&mcp.Implementation{Name: "mcptest", Version: "1"}, nil)
	s.TrustOutputs(true)
	type out struct {
		Kind string `json:"kind"`
	}
	schema := &jsonschema.Schema{Type: "object", Required: []string{"kind"}, Properties: map[string]*jsonschema.Schema{
		"kind": {Type: "string", Enum: []any{"good"}},
	}}
	mcpfast.AddTool(s, &mcp.Tool{Name: "kind", OutputSchema: schema}, func(ctx context.Context, req *mcp.CallToolRequest, in struct {
		Kind string `json:"kind"`
	}) (*mcp.CallToolResult, out, error) {
		return nil, out{Kind: in.Kind}, nil
	})
	srv := httptest.NewServer(s.Handler(&mcp.StreamableHTTPOptions{Stateless: true}))
	defer srv.Close()
	cs := Connect(t, srv.URL, nil, nil)

	rt := &recordingT{TB: t}
	Call(rt, cs, "kind", map[string]any{"kind": "good"})
	if len(rt.errors) != 0 {
		t.Fatalf("a conforming answer failed: %v", rt.errors)
	}
	Call(rt, cs, "kind", map[string]any{"kind": "bad"})
	if len(rt.errors) != 1 || !strings.Contains(rt.errors[0], "does not conform to its output schema") {
		t.Fatalf("an answer off its schema: %v", rt.errors)
	}
}
