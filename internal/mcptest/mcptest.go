// Package mcptest is how tests talk to an MCP server as a person's agent does: open a go-sdk
// client session whose every request carries the person's credentials (a bearer token, or a
// test header the server under test trusts), call a tool, and read its answer.
//
// An answer is read from the tool result's text content, which the server keeps a faithful
// rendering of its structured content (Call checks it, and checks the structured content against
// the output schema the server publishes for the tool, as a strict client would): the text, that
// text parsed as a JSON object, and whether the result is a tool error. A failure to reach the server at all (a protocol error) ends the
// test; a tool error is an answer like any other.
package mcptest

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Bounds on a test's waits: for the session to open, and for one tool call.
const (
	connectWithin = time.Minute
	callWithin    = 2 * time.Minute
)

// Elicit answers the server's elicitations (form questions to the person) during a session.
type Elicit func(context.Context, *mcp.ElicitRequest) (*mcp.ElicitResult, error)

// Bearer is the header of a request authenticated with an OAuth access token.
func Bearer(token string) http.Header {
	return http.Header{"Authorization": {"Bearer " + token}}
}

// headers adds a fixed set of headers to every request.
type headers struct {
	h    http.Header
	next http.RoundTripper
}

func (h headers) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	for k, v := range h.h {
		r.Header[k] = v
	}
	return h.next.RoundTrip(r)
}

// HTTPClient is an HTTP client whose every request carries header, bounded like a tool call:
// for a session Connect does not open (other client capabilities, a raw protocol error to read).
func HTTPClient(header http.Header) *http.Client {
	return &http.Client{Transport: headers{header, http.DefaultTransport}, Timeout: callWithin}
}

// Connect opens a client session to the streamable HTTP endpoint whose every request carries
// header; elicit, when not nil, answers the server's elicitations. The session closes when the
// test ends.
func Connect(t testing.TB, endpoint string, header http.Header, elicit Elicit) *mcp.ClientSession {
	t.Helper()
	client := mcp.NewClient(&mcp.Implementation{Name: "workos-mcp-test", Version: "1"}, &mcp.ClientOptions{ElicitationHandler: elicit})
	tr := &mcp.StreamableClientTransport{Endpoint: endpoint, HTTPClient: HTTPClient(header)}
	ctx, cancel := context.WithTimeout(context.Background(), connectWithin)
	defer cancel()
	cs, err := client.Connect(ctx, tr, nil)
	if err != nil {
		t.Fatalf("connect to %s: %v", endpoint, err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

// Call runs a tool and returns its answer: the text content, that text parsed as a JSON object
// (nil when it is not one), and whether the result is a tool error.
func Call(t testing.TB, cs *mcp.ClientSession, tool string, args map[string]any) (string, map[string]any, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), callWithin)
	defer cancel()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		t.Fatalf("call %s: %v", tool, err)
	}
	var text strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			text.WriteString(tc.Text)
		}
	}
	var m map[string]any
	_ = json.Unmarshal([]byte(text.String()), &m)
	Faithful(t, tool, res, text.String())
	Conforms(t, cs, tool, res)
	return text.String(), m, res.IsError
}

// schemas caches each session's published output schemas, resolved, by tool name.
var schemas sync.Map // *mcp.ClientSession → map[string]*jsonschema.Resolved

// Conforms fails the test unless a result's structured content validates against the output
// schema the server lists for the tool (tools/list, read once per session). Servers may skip
// checking their own outputs at run time (mcpfast.Server.TrustOutputs); this is the check.
func Conforms(t testing.TB, cs *mcp.ClientSession, tool string, res *mcp.CallToolResult) {
	t.Helper()
	if res.StructuredContent == nil || res.IsError {
		return
	}
	v, ok := schemas.Load(cs)
	if !ok {
		ctx, cancel := context.WithTimeout(context.Background(), callWithin)
		defer cancel()
		list, err := cs.ListTools(ctx, nil)
		if err != nil {
			t.Fatalf("list tools to check %s's answer: %v", tool, err)
		}
		m := map[string]*jsonschema.Resolved{}
		for _, tl := range list.Tools {
			if tl.OutputSchema == nil {
				continue
			}
			b, err := json.Marshal(tl.OutputSchema)
			if err != nil {
				t.Fatalf("%s's output schema: %v", tl.Name, err)
			}
			var sch jsonschema.Schema
			if err := json.Unmarshal(b, &sch); err != nil {
				t.Fatalf("%s's output schema: %v", tl.Name, err)
			}
			r, err := sch.Resolve(nil)
			if err != nil {
				t.Fatalf("%s's output schema does not resolve: %v", tl.Name, err)
			}
			m[tl.Name] = r
		}
		v, _ = schemas.LoadOrStore(cs, m)
	}
	r := v.(map[string]*jsonschema.Resolved)[tool]
	if r == nil {
		t.Errorf("%s answered structured content but lists no output schema (or is not listed)", tool)
		return
	}
	sc := res.StructuredContent
	if err := r.Validate(&sc); err != nil {
		t.Errorf("%s's structured content does not conform to its output schema: %v", tool, err)
	}
}

// Faithful fails the test unless a result's text content is its structured content, when it
// has some, as JSON; a tool error carries none.
func Faithful(t testing.TB, tool string, res *mcp.CallToolResult, text string) {
	t.Helper()
	if res.StructuredContent == nil {
		return
	}
	if res.IsError {
		t.Errorf("%s: a tool error carries structured content: %v", tool, res.StructuredContent)
		return
	}
	var fromText any
	if err := json.Unmarshal([]byte(text), &fromText); err != nil {
		t.Errorf("%s: the text of a structured answer is not JSON: %v: %s", tool, err, text)
		return
	}
	if !reflect.DeepEqual(fromText, res.StructuredContent) {
		t.Errorf("%s: text and structured content differ:\n text: %s\n structured: %v", tool, text, res.StructuredContent)
	}
}

// OK runs a tool that must succeed and returns its answer as a JSON object; a tool error ends
// the test.
func OK(t testing.TB, cs *mcp.ClientSession, tool string, args map[string]any) map[string]any {
	t.Helper()
	text, m, isErr := Call(t, cs, tool, args)
	if isErr {
		t.Fatalf("%s %v: unexpected error: %s", tool, args, text)
	}
	return m
}

// Fails runs a tool that must answer with a tool error containing want, and returns the error's
// text.
func Fails(t testing.TB, cs *mcp.ClientSession, tool string, args map[string]any, want string) string {
	t.Helper()
	text, _, isErr := Call(t, cs, tool, args)
	if !isErr {
		t.Fatalf("%s %v: want an error containing %q, got success: %s", tool, args, want, text)
	}
	if !strings.Contains(text, want) {
		t.Fatalf("%s %v: error %q does not contain %q", tool, args, text, want)
	}
	return text
}
