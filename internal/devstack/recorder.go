package devstack

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
)

// recorder is a minimal ResponseWriter for in-process round trips.
type recorder struct {
	code   int
	header http.Header
	body   bytes.Buffer
	wrote  bool
}

func newRecorder() *recorder { return &recorder{header: http.Header{}} }

// Header is the response header.
func (r *recorder) Header() http.Header { return r.header }

// WriteHeader records the first status code.
func (r *recorder) WriteHeader(code int) {
	if !r.wrote {
		r.code, r.wrote = code, true
	}
}

// Write buffers the body.
func (r *recorder) Write(b []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	return r.body.Write(b)
}

// Flush does nothing: the body is returned whole.
func (r *recorder) Flush() {}

func (r *recorder) response(req *http.Request) *http.Response {
	if !r.wrote {
		r.code = http.StatusOK
	}
	h := r.header.Clone()
	h.Set("Content-Length", strconv.Itoa(r.body.Len()))
	return &http.Response{
		Status: strconv.Itoa(r.code) + " " + http.StatusText(r.code), StatusCode: r.code,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, Body: io.NopCloser(bytes.NewReader(r.body.Bytes())),
		ContentLength: int64(r.body.Len()), Request: req,
	}
}
