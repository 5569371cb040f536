package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The load loop is a closed loop like wrk's: c connections, each sending the next request as
// soon as the previous answer is read. It writes pre-built request bytes on kept-alive
// HTTP/1.1 connections and parses only the status line, the framing headers and the body, so
// that it costs the shared CPUs a few microseconds per request (net/http's client costs several
// times that, which would depress the fastest targets on a 2-core machine). Neither wrk nor hey
// is installed here, and the harness must run where CI runs it.

// request is one target's pre-built HTTP request.
type request struct {
	addr string // host:port
	raw  []byte
	// want is a fragment every answer's body must hold (a JSON-RPC result, not an error);
	// reject one none may hold (a tool's error, which is a result too).
	want, reject []byte
}

// newRequest builds the bytes of one request with its body and headers.
func newRequest(addr, method, path string, headers map[string]string, body []byte, want string) request {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\n", method, path, addr)
	keys := make([]string, 0, len(headers))
	for k := range headers {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "%s: %s\r\n", k, headers[k])
	}
	if body != nil {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(body))
	}
	b.WriteString("\r\n")
	b.Write(body)
	return request{addr: addr, raw: b.Bytes(), want: []byte(want)}
}

// loadResult is one load run's counts and latencies.
type loadResult struct {
	ok, bad   int             // answers: 200 with the wanted fragment / anything else
	errs      int             // transport errors (the connection is reopened)
	lat       []time.Duration // of the ok answers
	elapsed   time.Duration
	firstFail string
}

// drive runs the closed loop at concurrency c for d.
func drive(req request, c int, d time.Duration) loadResult {
	var (
		mu  sync.Mutex
		all loadResult
		wg  sync.WaitGroup
	)
	start := time.Now()
	deadline := start.Add(d)
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := worker(req, deadline)
			mu.Lock()
			all.ok += r.ok
			all.bad += r.bad
			all.errs += r.errs
			all.lat = append(all.lat, r.lat...)
			if all.firstFail == "" {
				all.firstFail = r.firstFail
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	all.elapsed = time.Since(start)
	return all
}

func worker(req request, deadline time.Time) loadResult {
	var (
		r    loadResult
		conn net.Conn
		br   *bufio.Reader
		body []byte
	)
	r.lat = make([]time.Duration, 0, 4096)
	fail := func(msg string) {
		if r.firstFail == "" {
			r.firstFail = msg
		}
	}
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	for time.Now().Before(deadline) {
		if conn == nil {
			var err error
			conn, err = net.DialTimeout("tcp", req.addr, 5*time.Second)
			if err != nil {
				r.errs++
				fail(err.Error())
				time.Sleep(10 * time.Millisecond)
				continue
			}
			br = bufio.NewReaderSize(conn, 64<<10)
		}
		// A stuck server must not hold the round past its end by more than a few seconds.
		_ = conn.SetDeadline(deadline.Add(10 * time.Second))
		t0 := time.Now()
		if _, err := conn.Write(req.raw); err != nil {
			r.errs++
			fail(err.Error())
			conn.Close()
			conn = nil
			continue
		}
		status, keep, b, err := readResponse(br, body[:0])
		body = b
		if err != nil {
			r.errs++
			fail(err.Error())
			conn.Close()
			conn = nil
			continue
		}
		lat := time.Since(t0)
		if status == 200 && bytes.Contains(body, req.want) && (req.reject == nil || !bytes.Contains(body, req.reject)) {
			r.ok++
			r.lat = append(r.lat, lat)
		} else {
			r.bad++
			fail(fmt.Sprintf("%d %.300s", status, body))
		}
		if !keep {
			conn.Close()
			conn = nil
		}
	}
	return r
}

// readResponse reads one HTTP/1.1 response: its status, whether the connection stays open, and
// its body (Content-Length or chunked), appended to buf.
func readResponse(br *bufio.Reader, buf []byte) (status int, keep bool, body []byte, err error) {
	tp := textproto.NewReader(br)
	line, err := tp.ReadLine()
	if err != nil {
		return 0, false, buf, err
	}
	proto, rest, ok := strings.Cut(line, " ")
	if !ok || !strings.HasPrefix(proto, "HTTP/1.") || len(rest) < 3 {
		return 0, false, buf, fmt.Errorf("bad status line %q", line)
	}
	if status, err = strconv.Atoi(rest[:3]); err != nil {
		return 0, false, buf, fmt.Errorf("bad status line %q", line)
	}
	keep = proto == "HTTP/1.1"
	length, chunked := -1, false
	for {
		h, err := tp.ReadLine()
		if err != nil {
			return status, false, buf, err
		}
		if h == "" {
			break
		}
		k, v, _ := strings.Cut(h, ":")
		v = strings.TrimSpace(v)
		switch {
		case strings.EqualFold(k, "Content-Length"):
			if length, err = strconv.Atoi(v); err != nil {
				return status, false, buf, fmt.Errorf("bad Content-Length %q", v)
			}
		case strings.EqualFold(k, "Transfer-Encoding"):
			chunked = strings.EqualFold(v, "chunked")
		case strings.EqualFold(k, "Connection"):
			keep = !strings.EqualFold(v, "close")
		}
	}
	switch {
	case chunked:
		for {
			sz, err := tp.ReadLine()
			if err != nil {
				return status, false, buf, err
			}
			sz, _, _ = strings.Cut(sz, ";")
			n, err := strconv.ParseInt(strings.TrimSpace(sz), 16, 32)
			if err != nil {
				return status, false, buf, fmt.Errorf("bad chunk size %q", sz)
			}
			if n == 0 {
				for { // trailers
					t, err := tp.ReadLine()
					if err != nil {
						return status, false, buf, err
					}
					if t == "" {
						return status, keep, buf, nil
					}
				}
			}
			if buf, err = readN(br, buf, int(n)+2); err != nil {
				return status, false, buf, err
			}
			buf = buf[:len(buf)-2]
		}
	case length >= 0:
		buf, err = readN(br, buf, length)
		return status, keep, buf, err
	default: // body until close
		b, err := io.ReadAll(br)
		return status, false, append(buf, b...), err
	}
}

func readN(br *bufio.Reader, buf []byte, n int) ([]byte, error) {
	if n > 16<<20 {
		return buf, errors.New("answer over 16 MiB")
	}
	buf = slices.Grow(buf, n)
	_, err := io.ReadFull(br, buf[len(buf):len(buf)+n])
	return buf[:len(buf)+n], err
}

// percentile of sorted latencies (nearest rank).
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p*float64(len(sorted))+0.5) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}
