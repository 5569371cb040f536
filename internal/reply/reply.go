// Package reply watches what a handler answers: the one http.ResponseWriter wrapper of the
// module, for access logs and metrics (status), contract checks (status and body) and in-process
// round trips (everything, with no network).
package reply

import (
	"bufio"
	"bytes"
	"net"
	"net/http"
)

// Recorder passes a response on to the ResponseWriter it wraps and remembers its status, its size
// and, if asked, its body. It forwards Flush (SSE streams) and Hijack, and Unwrap lets
// http.ResponseController reach the wrapped writer (deadlines, full duplex).
//
// A Recorder with no ResponseWriter records alone, like httptest.ResponseRecorder without linking
// httptest into the binary: Header is its own, the body is kept (set Capture) and goes nowhere else.
type Recorder struct {
	http.ResponseWriter

	// Capture is how much of the body Body keeps: 0 none, a negative value all of it. A body
	// longer than a positive Capture is kept up to where it no longer fits, and Overflow says so.
	Capture int

	status   int
	written  int64
	body     bytes.Buffer
	overflow bool
	header   http.Header // without a ResponseWriter
}

// Header is the wrapped writer's header, or the Recorder's own without one.
func (r *Recorder) Header() http.Header {
	if r.ResponseWriter != nil {
		return r.ResponseWriter.Header()
	}
	if r.header == nil {
		r.header = http.Header{}
	}
	return r.header
}

// WriteHeader records the first status written and passes every call on.
func (r *Recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	if r.ResponseWriter != nil {
		r.ResponseWriter.WriteHeader(code)
	}
}

// Write records an implicit 200, counts p and keeps it as Capture says, and passes it on.
func (r *Recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	if r.Capture != 0 && !r.overflow {
		if r.Capture > 0 && r.body.Len()+len(p) > r.Capture {
			r.overflow = true
		} else {
			r.body.Write(p)
		}
	}
	if r.ResponseWriter == nil {
		r.written += int64(len(p))
		return len(p), nil
	}
	n, err := r.ResponseWriter.Write(p)
	r.written += int64(n)
	return n, err
}

// Flush forwards to the wrapped writer if it can flush.
func (r *Recorder) Flush() {
	if r.ResponseWriter != nil {
		_ = http.NewResponseController(r.ResponseWriter).Flush()
	}
}

// Hijack forwards to the wrapped writer; it fails with http.ErrNotSupported when that cannot.
func (r *Recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if r.ResponseWriter == nil {
		return nil, nil, http.ErrNotSupported
	}
	return http.NewResponseController(r.ResponseWriter).Hijack()
}

// Unwrap exposes the wrapped writer to http.ResponseController.
func (r *Recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// Status is the status code sent: the first one written, 200 once only a body was written, and
// 200 if nothing was written at all, since net/http then sends 200.
func (r *Recorder) Status() int {
	if r.status == 0 {
		return http.StatusOK
	}
	return r.status
}

// Wrote reports whether the handler wrote anything: a status or some of a body.
func (r *Recorder) Wrote() bool { return r.status != 0 }

// Written is how many body bytes the wrapped writer accepted (all of them without one).
func (r *Recorder) Written() int64 { return r.written }

// Body is the body kept as Capture says. It is valid until the next Write.
func (r *Recorder) Body() []byte { return r.body.Bytes() }

// Overflow reports that the body grew past a positive Capture, so Body holds only its start.
func (r *Recorder) Overflow() bool { return r.overflow }
