// Command soak is the soak benchmark's load driver (scripts/soak.sh runs it; not part of CI):
// mixed tool calls against one workos-mcp replica for a fixed time, with the replica's resident
// memory and goroutines read from its /metrics at the start (after a warm-up) and at the end
// (after the load stops and a short idle), so that a leak shows as growth.
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/workos-mcp/workos-mcp/internal/mcpload"
)

func main() {
	replica := flag.String("url", "http://127.0.0.1:24081", "the replica's base URL")
	auth := flag.String("auth", "http://127.0.0.1:24080", "workos-mcp dev's origin (authorization server, --auto-approve)")
	resource := flag.String("resource", "http://127.0.0.1:24000/mcp", "the MCP resource URL tokens are for (the replica's public_url + /mcp)")
	email := flag.String("email", "admin@example.com", "the person calling (dev's --auto-approve)")
	duration := flag.Duration("duration", 10*time.Minute, "how long to call")
	workers := flag.Int("c", 4, "concurrent callers")
	warmup := flag.Duration("warmup", 15*time.Second, "load before the start sample")
	flag.Parse()
	if err := run(*replica, *auth, *resource, *email, *duration, *warmup, *workers); err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(1)
	}
}

type sample struct{ rss, goroutines, heap float64 }

func scrape(ctx context.Context, base string) (sample, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	m, err := mcpload.Scrape(ctx, base+"/metrics", "process_resident_memory_bytes", "go_goroutines", "go_memstats_heap_inuse_bytes")
	if err != nil {
		return sample{}, err
	}
	return sample{m["process_resident_memory_bytes"], m["go_goroutines"], m["go_memstats_heap_inuse_bytes"]}, nil
}

type stats struct {
	mu    sync.Mutex
	kinds map[string]map[string]int
	lat   map[string][]time.Duration
	bad   []string
}

func (s *stats) add(tool string, r mcpload.Result) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.kinds[tool] == nil {
		s.kinds[tool] = map[string]int{}
	}
	s.kinds[tool][r.Kind]++
	s.lat[tool] = append(s.lat[tool], r.Duration)
	if r.Kind == mcpload.Unclean && len(s.bad) < 5 {
		s.bad = append(s.bad, fmt.Sprintf("%s: status=%d err=%v rpc=%q %.200s", tool, r.Status, r.Err, r.RPCError, r.Text))
	}
}

func run(replica, auth, resource, email string, duration, warmup time.Duration, workers int) error {
	ctx := context.Background()
	tokens := &mcpload.TokenSource{AuthURL: auth, Resource: resource, Email: email}
	c := &mcpload.Client{HTTP: &http.Client{Timeout: time.Minute}, Token: tokens.Token}
	if _, err := tokens.Token(ctx); err != nil {
		return fmt.Errorf("token: %w", err)
	}
	endpoint := replica + "/mcp"
	st := &stats{kinds: map[string]map[string]int{}, lat: map[string][]time.Duration{}}
	call := func(ctx context.Context, tool string, args map[string]any) mcpload.Result {
		r := c.Call(ctx, endpoint, tool, args)
		if ctx.Err() == nil {
			st.add(tool, r)
		}
		return r
	}
	// The mix: reads of every kind, and a confirmed deletion now and then.
	mix := []func(ctx context.Context, w, i int){
		func(ctx context.Context, _, _ int) { call(ctx, "whoami", nil) },
		func(ctx context.Context, _, _ int) {
			call(ctx, "list_operations", map[string]any{"words": "organization"})
		},
		func(ctx context.Context, _, _ int) {
			call(ctx, "query", map[string]any{"operation": "organizations.list", "params": map[string]any{"limit": 10}})
		},
		func(ctx context.Context, _, _ int) {
			call(ctx, "query", map[string]any{"operation": "users.list", "params": map[string]any{"limit": 10}})
		},
		func(ctx context.Context, _, _ int) {
			call(ctx, "describe_organization", map[string]any{"domain": "acme.test"})
		},
		func(ctx context.Context, _, _ int) { call(ctx, "audit_configuration", nil) },
		func(ctx context.Context, w, i int) {
			r := call(ctx, "mutate", map[string]any{"operation": "organizations.create", "params": map[string]any{"name": fmt.Sprintf("Soak %d-%d", w, i)}})
			id, _ := r.Structured["result"].(map[string]any)["id"].(string)
			if id == "" {
				return
			}
			del := map[string]any{"operation": "organizations.delete", "params": map[string]any{"id": id}}
			r = call(ctx, "mutate", del)
			tok, _ := r.Structured["confirmation_token"].(string)
			if tok == "" {
				return
			}
			del["confirmation_token"] = tok
			call(ctx, "mutate", del)
		},
	}
	loadCtx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 42))
			for i := 0; loadCtx.Err() == nil; i++ {
				mix[rng.IntN(len(mix))](loadCtx, w, i)
			}
		}()
	}
	time.Sleep(warmup)
	start, err := scrape(ctx, replica)
	if err != nil {
		stop()
		return err
	}
	began := time.Now()
	fmt.Printf("start (after %s warm-up): rss=%.1f MiB goroutines=%.0f heap_inuse=%.1f MiB\n", warmup, start.rss/(1<<20), start.goroutines, start.heap/(1<<20))
	for t := time.Minute; t < duration; t += time.Minute {
		time.Sleep(time.Until(began.Add(t)))
		if s, err := scrape(ctx, replica); err == nil {
			fmt.Printf("  +%s: rss=%.1f MiB goroutines=%.0f heap_inuse=%.1f MiB\n", t, s.rss/(1<<20), s.goroutines, s.heap/(1<<20))
		}
	}
	time.Sleep(time.Until(began.Add(duration)))
	stop()
	wg.Wait()
	time.Sleep(5 * time.Second) // let idle connections and handlers wind down
	end, err := scrape(ctx, replica)
	if err != nil {
		return err
	}
	elapsed := time.Since(began)
	fmt.Printf("end (5 s after the load stopped): rss=%.1f MiB goroutines=%.0f heap_inuse=%.1f MiB\n", end.rss/(1<<20), end.goroutines, end.heap/(1<<20))
	fmt.Printf("growth: rss %+.1f MiB (%.2fx), goroutines %+.0f, heap_inuse %+.1f MiB\n",
		(end.rss-start.rss)/(1<<20), end.rss/start.rss, end.goroutines-start.goroutines, (end.heap-start.heap)/(1<<20))

	total := 0
	tools := make([]string, 0, len(st.kinds))
	for tool := range st.kinds {
		tools = append(tools, tool)
	}
	sort.Strings(tools)
	fmt.Printf("\n%-22s %8s %8s %8s %10s %10s\n", "tool", "calls", "ok", "tool_err", "p50", "p99")
	for _, tool := range tools {
		k := st.kinds[tool]
		l := st.lat[tool]
		sort.Slice(l, func(i, j int) bool { return l[i] < l[j] })
		n := len(l)
		total += n
		fmt.Printf("%-22s %8d %8d %8d %10s %10s", tool, n, k[mcpload.OK], k[mcpload.ToolError], l[n/2].Round(100*time.Microsecond), l[min(n-1, n*99/100)].Round(100*time.Microsecond))
		if k[mcpload.Unclean]+k[mcpload.Retryable] > 0 {
			fmt.Printf("  unclean=%d retryable=%d", k[mcpload.Unclean], k[mcpload.Retryable])
		}
		fmt.Println()
	}
	fmt.Printf("\n%d calls in %s (%.0f/s) from %d callers\n", total, elapsed.Round(time.Second), float64(total)/elapsed.Seconds(), workers)
	if len(st.bad) > 0 {
		fmt.Printf("unclean samples:\n  %s\n", strings.Join(st.bad, "\n  "))
	}
	return nil
}
