package devstack

import (
	"bytes"
	"io"
	"net/http"
	"strconv"

	"github.com/workos-mcp/workos-mcp/internal/reply"
)

// newRecorder records a whole response in memory for an in-process round trip.
func newRecorder() *reply.Recorder { return &reply.Recorder{Capture: -1} }

// recorded is the response rec recorded, as a client reads it.
func recorded(rec *reply.Recorder, req *http.Request) *http.Response {
	code, body := rec.Status(), rec.Body()
	h := rec.Header() // the recorder's own (it wraps no ResponseWriter), and it is done with
	h.Set("Content-Length", strconv.Itoa(len(body)))
	return &http.Response{
		Status: strconv.Itoa(code) + " " + http.StatusText(code), StatusCode: code,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, Body: io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)), Request: req,
	}
}
