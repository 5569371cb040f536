package mcpload

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestCallClassifiesOutcomes(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		switch r.URL.Path {
		case "/sse":
			w.Header().Set("Content-Type", "text/event-stream")
			w.Write([]byte("event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"hi\"}],\"structuredContent\":{\"a\":1}}}\n\n"))
		case "/tool-error":
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"jsonrpc":"2.0","id":1,"result":{"isError":true,"content":[{"type":"text","text":"the confirmation token was already used"}]}}`))
		case "/rpc-error":
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"bad params"}}`))
		case "/bad-gateway":
			w.WriteHeader(http.StatusBadGateway)
		case "/garbage":
			w.Write([]byte("<html>"))
		default:
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	defer srv.Close()
	c := &Client{Token: func(context.Context) (string, error) { return "tok", nil }}
	ctx := context.Background()
	for path, want := range map[string]string{"/sse": OK, "/tool-error": ToolError, "/rpc-error": Unclean, "/bad-gateway": Retryable, "/garbage": Unclean, "/boom": Unclean} {
		r := c.Call(ctx, srv.URL+path, "whoami", nil)
		if r.Kind != want {
			t.Errorf("%s: %s (%+v), want %s", path, r.Kind, r, want)
		}
	}
	if r := c.Call(ctx, srv.URL+"/sse", "whoami", nil); r.Text != "hi" || r.Structured["a"] != float64(1) {
		t.Errorf("SSE result: %+v", r)
	}
	if r := c.Call(ctx, srv.URL+"/tool-error", "mutate", nil); !strings.Contains(r.Text, "already used") {
		t.Errorf("tool error text: %+v", r)
	}
	srv.Close()
	if r := c.Call(ctx, srv.URL+"/sse", "whoami", nil); r.Kind != Retryable {
		t.Errorf("refused connection: %s %v", r.Kind, r.Err)
	}
}
