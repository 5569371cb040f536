package jsonbench

import (
	"bytes"
	stdjson "encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	sjson "github.com/segmentio/encoding/json"
)

// callMessage is a realistic stateless tools/call as a client sends it: a progress token in
// _meta and a few typed arguments.
const callMessage = `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"_meta":{"progressToken":"p-7"},` +
	`"name":"query","arguments":{"operation":"list_users","params":{"organization_id":"org_01HXYZ","limit":10,"order":"desc"}}}}`

// message is the shape of a JSON-RPC 2.0 request as a server first reads it.
type message struct {
	Version string             `json:"jsonrpc"`
	ID      stdjson.RawMessage `json:"id,omitempty"`
	Method  string             `json:"method,omitempty"`
	Params  stdjson.RawMessage `json:"params,omitempty"`
}

// callParams is the shape of tools/call params.
type callParams struct {
	Meta      map[string]any     `json:"_meta,omitempty"`
	Name      string             `json:"name"`
	Arguments stdjson.RawMessage `json:"arguments,omitempty"`
}

// queryArgs is the shape of the tool's typed input.
type queryArgs struct {
	Operation string         `json:"operation"`
	Params    map[string]any `json:"params,omitempty"`
}

// viaDecoder is (a): what go-sdk v1.8.0's internal/json.Unmarshal does for every value.
func viaDecoder(data []byte, v any) error {
	d := sjson.NewDecoder(bytes.NewReader(data))
	d.DontMatchCaseInsensitiveStructFields()
	return d.Decode(v)
}

// viaParse is (b): the proposed fix, with Decode's semantics (what follows the value is ignored).
func viaParse(data []byte, v any) error {
	_, err := sjson.Parse(data, v, sjson.DontMatchCaseInsensitiveStructFields)
	return err
}

var errTrailing = errors.New("json: invalid data after top-level value")

// viaParseStrict is (b'): the fix with encoding/json.Unmarshal's semantics (only white space may
// follow the value; Parse already skips trailing white space).
func viaParseStrict(data []byte, v any) error {
	rest, err := sjson.Parse(data, v, sjson.DontMatchCaseInsensitiveStructFields)
	if err == nil && len(rest) != 0 {
		err = errTrailing
	}
	return err
}

var decoders = []struct {
	name   string
	decode func([]byte, any) error
}{
	{"a-decoder", viaDecoder},
	{"b-parse", viaParse},
	{"b-parse-strict", viaParseStrict},
	{"c-stdlib", stdjson.Unmarshal},
}

// decodeCall performs the decodes a stateless tools/call goes through in go-sdk v1.8.0, in order,
// on values of the same shapes (see docs/benchmarks.md for the call sites): twice the body as a
// batch probe, then as a message, then its method; twice _meta; the params; the arguments as a
// map (schema defaults and validation) and as the typed input. Eleven values in all.
func decodeCall(decode func([]byte, any) error, body []byte) error {
	var msg message
	for range 2 {
		var batch []stdjson.RawMessage
		if decode(body, &batch) == nil {
			return errors.New("a single message decoded as a batch")
		}
		msg = message{}
		if err := decode(body, &msg); err != nil {
			return err
		}
		var method string
		if err := decode([]byte(`"`+msg.Method+`"`), &method); err != nil {
			return err
		}
	}
	for range 2 {
		var meta struct {
			Meta map[string]any `json:"_meta,omitempty"`
		}
		if err := decode(msg.Params, &meta); err != nil {
			return err
		}
	}
	var p callParams
	if err := decode(msg.Params, &p); err != nil {
		return err
	}
	var m map[string]any
	if err := decode(p.Arguments, &m); err != nil {
		return err
	}
	var in queryArgs
	return decode(p.Arguments, &in)
}

// TestDecodersAgree checks that the fix decodes every value of a tools/call exactly as the
// stream decoder does, and that both keep the SDK's case-sensitive field matching.
func TestDecodersAgree(t *testing.T) {
	body := []byte(callMessage)
	var want, got message
	if err := viaDecoder(body, &want); err != nil {
		t.Fatal(err)
	}
	for _, d := range decoders {
		got = message{}
		if err := d.decode(body, &got); err != nil {
			t.Fatalf("%s: %v", d.name, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %+v, want %+v", d.name, got, want)
		}
		if err := decodeCall(d.decode, body); err != nil {
			t.Errorf("%s: the tools/call sequence: %v", d.name, err)
		}
	}
	for _, d := range []func([]byte, any) error{viaDecoder, viaParse} {
		var p callParams
		if err := d([]byte(`{"Name":"x","name":"y"}`), &p); err != nil || p.Name != "y" {
			t.Errorf("case-sensitive match: got %q, %v; want %q", p.Name, err, "y")
		}
		p = callParams{}
		if err := d([]byte(`{"NAME":"x"}`), &p); err != nil || p.Name != "" {
			t.Errorf("case-insensitive key filled the field: %q, %v", p.Name, err)
		}
	}
}

// TestParseCopies checks that parsing in place leaves nothing aliased to the input: the SDK
// keeps json.RawMessage fields (params, arguments) after the body's buffer is gone.
func TestParseCopies(t *testing.T) {
	body := []byte(callMessage)
	var m message
	if err := viaParse(body, &m); err != nil {
		t.Fatal(err)
	}
	params := string(m.Params)
	for i := range body {
		body[i] = 'x'
	}
	if string(m.Params) != params || m.Method != "tools/call" {
		t.Fatalf("decoded values changed with the input: %q %q", m.Method, m.Params)
	}
}

// TestTrailingBytes records the semantics the fix must choose between: the stream decoder, and so
// go-sdk v1.8.0's public jsonrpc.DecodeMessage, accepts a message followed by anything; Parse
// returns the rest, so the fix can keep that or reject it as encoding/json does.
func TestTrailingBytes(t *testing.T) {
	trailing := []byte(callMessage + ` garbage`)
	if _, err := jsonrpc.DecodeMessage(trailing); err != nil {
		t.Errorf("go-sdk DecodeMessage rejected trailing bytes (%v): its semantics changed; update docs/benchmarks.md", err)
	}
	var m message
	if err := viaDecoder(trailing, &m); err != nil {
		t.Errorf("stream decoder: %v", err)
	}
	if err := viaParse(trailing, &m); err != nil {
		t.Errorf("parse with Decode semantics: %v", err)
	}
	if err := viaParseStrict(trailing, &m); !errors.Is(err, errTrailing) {
		t.Errorf("strict parse: got %v, want %v", err, errTrailing)
	}
	if err := viaParseStrict([]byte(callMessage+" \r\n\t"), &m); err != nil {
		t.Errorf("strict parse rejected trailing white space: %v", err)
	}
	if err := stdjson.Unmarshal(trailing, &m); err == nil {
		t.Error("encoding/json accepted trailing bytes")
	}
}

// BenchmarkDecode decodes one value of each shape a tools/call carries, and the whole sequence
// of eleven, with (a) the SDK's stream decoder, (b) Parse in place, (b') Parse rejecting trailing
// bytes, and (c) encoding/json.
func BenchmarkDecode(b *testing.B) {
	body := []byte(callMessage)
	var msg message
	if err := viaDecoder(body, &msg); err != nil {
		b.Fatal(err)
	}
	var p callParams
	if err := viaDecoder(msg.Params, &p); err != nil {
		b.Fatal(err)
	}
	for _, d := range decoders {
		b.Run("message/"+d.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var m message
				if err := d.decode(body, &m); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("params/"+d.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var q callParams
				if err := d.decode(msg.Params, &q); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("call11/"+d.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := decodeCall(d.decode, body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSDKDecodeMessage is the upstream reproduction: go-sdk's public jsonrpc.DecodeMessage
// on one tools/call message (two internal unmarshals: the message, then its method).
func BenchmarkSDKDecodeMessage(b *testing.B) {
	body := []byte(callMessage)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := jsonrpc.DecodeMessage(body); err != nil {
			b.Fatal(err)
		}
	}
}
