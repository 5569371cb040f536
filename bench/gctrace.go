package main

import (
	"bufio"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// gcLog collects a Go server's GODEBUG=gctrace=1 lines from its stderr, to measure the bytes it
// allocates in a turn without a debug endpoint in product code. Other lines pass through to the
// process's log file.
type gcLog struct {
	mu     sync.Mutex
	cycles []gcCycle
}

// gcCycle is one completed GC cycle, as gctrace prints it at mark termination.
type gcCycle struct {
	at       time.Time // when the harness read the line: the cycle's mark termination, give or take the pipe's delay
	heapEnd  int64     // B in "A->B->C MB": heap at mark termination (the live heap of the cycle before plus everything allocated since it)
	heapLive int64     // C: heap marked live by this cycle
}

// gcLine matches a gctrace line and captures A, B and C (whole MB, rounded down by the runtime).
var gcLine = regexp.MustCompile(`^gc \d+ @[0-9.]+s \d+%: .* (\d+)->(\d+)->(\d+) MB`)

// gctraceEnv is the environment entry that turns gctrace on, appended to an inherited GODEBUG.
func gctraceEnv() string {
	if v := os.Getenv("GODEBUG"); v != "" {
		return "GODEBUG=" + v + ",gctrace=1"
	}
	return "GODEBUG=gctrace=1"
}

// copy reads r line by line until EOF, recording gc lines and writing the others to w.
func (g *gcLog) copy(r io.Reader, w io.Writer) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if m := gcLine.FindStringSubmatch(line); m != nil {
			b, _ := strconv.ParseInt(m[2], 10, 64)
			c, _ := strconv.ParseInt(m[3], 10, 64)
			g.mu.Lock()
			g.cycles = append(g.cycles, gcCycle{at: time.Now(), heapEnd: b << 20, heapLive: c << 20})
			g.mu.Unlock()
			continue
		}
		_, _ = io.WriteString(w, strings.TrimRight(line, "\r")+"\n")
	}
	_, _ = io.Copy(io.Discard, r) // a line over 1 MiB: keep the pipe drained
}

// rate is the process's allocation rate in bytes per second between from and to, from the GC
// intervals that lie wholly inside it: interval k runs from cycle k-1's mark termination to cycle
// k's, in which the process allocated B(k) − C(k−1). ok is false when no interval fits; idle is
// true when no cycle at all ended inside [from, to] (the process allocated less than one GC goal).
func (g *gcLog) rate(from, to time.Time) (perSec float64, ok, idle bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	idle = true
	for _, c := range g.cycles {
		if !c.at.Before(from) && !c.at.After(to) {
			idle = false
		}
	}
	var bytes int64
	var first, last time.Time
	for k := 1; k < len(g.cycles); k++ {
		prev, cur := g.cycles[k-1], g.cycles[k]
		if prev.at.Before(from) || cur.at.After(to) {
			continue
		}
		if first.IsZero() {
			first = prev.at
		}
		last = cur.at
		bytes += cur.heapEnd - prev.heapLive
	}
	if first.IsZero() || !last.After(first) {
		return 0, false, idle
	}
	return float64(bytes) / last.Sub(first).Seconds(), true, false
}
