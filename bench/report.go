package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"time"
)

// Target names, as the table prints them.
const (
	namePeer      = "peer: mcp-use + oauthWorkOSProvider, greet"
	nameFloor     = "floor: net/http + authkit, fixed answer"
	nameExample   = "example server (go-sdk + mcpfast + authkit), greet"
	nameWhoami    = "product: tools/call whoami"
	nameToolsList = "product: tools/list"
	nameQuery     = "product, serve → dev's emulator: tools/call query organizations.list"
	nameQueryDev  = "product, dev alone (one process): tools/call query organizations.list"
	nameDirect    = "direct: GET /organizations to the emulator"
)

// report is a run's results.
type report struct {
	opts               options
	machine            string
	versions           map[string]string
	loadStart, loadEnd string
	start, end         time.Time
	targets            []*target
	samples            map[string]map[int][]sample
	rss                map[string]int64
	loadToolCPU        float64
	issuerFetches      int64
}

// median of one metric over a target's rounds at concurrency c. Negative values (unknown) are
// left out; with none known the median is -1.
func (r *report) median(name string, c int, f func(sample) float64) float64 {
	var v []float64
	for _, s := range r.samples[name][c] {
		if x := f(s); x >= 0 {
			v = append(v, x)
		}
	}
	if len(v) == 0 && len(r.samples[name][c]) > 0 {
		return -1
	}
	if len(v) == 0 {
		return 0
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

func rps(s sample) float64 { return s.rps }
func cpu(s sample) float64 { return s.cpuPerCall }
func bop(s sample) float64 { return s.bytesPerCall }
func p50(s sample) float64 { return float64(s.p50.Microseconds()) / 1000 }
func p99(s sample) float64 { return float64(s.p99.Microseconds()) / 1000 }

// failures is an error naming every target that did not answer well in every turn.
func (r *report) failures() error {
	var bad []string
	for _, t := range r.targets {
		for _, c := range r.opts.Concurrencies {
			for i, s := range r.samples[t.name][c] {
				if s.ok == 0 || s.bad > 0 || s.errs > 0 {
					bad = append(bad, fmt.Sprintf("%s, c=%d, round %d: %d good, %d bad answers, %d transport errors; first: %s",
						t.name, c, i+1, s.ok, s.bad, s.errs, s.firstFail))
				}
			}
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("targets that did not answer well:\n  %s", strings.Join(bad, "\n  "))
	}
	return nil
}

// print writes the table, the ratios, the machine and the versions, in Markdown.
func (r *report) print(w io.Writer) {
	mode := fmt.Sprintf("%d interleaved rounds of %s per target and concurrency, medians", r.opts.Rounds, r.opts.Duration)
	if r.opts.Quick {
		mode = "quick: one round of " + r.opts.Duration.String() + " per target (checks answers; the figures mean nothing)"
	}
	fmt.Fprintf(w, "\n%s, %s → %s UTC\n\n", mode, r.start.UTC().Format("2006-01-02 15:04"), r.end.UTC().Format("15:04"))
	fmt.Fprintf(w, "| target | c | req/s | p50 ms | p99 ms | server CPU µs/call | server B/op | RSS MiB at end |\n")
	fmt.Fprintf(w, "|---|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, c := range r.opts.Concurrencies {
		for _, t := range r.targets {
			var rss int64
			for _, p := range t.procs {
				rss += r.rss[p.name]
			}
			bo := "—"
			if b := r.median(t.name, c, bop); b >= 0 {
				bo = fmt.Sprintf("%.0f", b)
			}
			fmt.Fprintf(w, "| %s | %d | %.0f | %.2f | %.2f | %.0f | %s | %.0f |\n", t.name, c,
				r.median(t.name, c, rps), r.median(t.name, c, p50), r.median(t.name, c, p99),
				r.median(t.name, c, cpu), bo, float64(rss)/(1<<20))
		}
	}
	fmt.Fprintf(w, "\nRatios (of the medians above):\n\n| ratio | issue 14's goal |")
	for _, c := range r.opts.Concurrencies {
		fmt.Fprintf(w, " c=%d |", c)
	}
	fmt.Fprintf(w, "\n|---|---|%s\n", strings.Repeat("---:|", len(r.opts.Concurrencies)))
	ratio := func(label, goal, a, b string, f func(sample) float64) {
		fmt.Fprintf(w, "| %s | %s |", label, goal)
		for _, c := range r.opts.Concurrencies {
			num, den := r.median(a, c, f), r.median(b, c, f)
			if len(r.samples[a][c]) == 0 || num < 0 || den <= 0 { // a target left out by -only, or unknown
				fmt.Fprintf(w, " — |")
				continue
			}
			fmt.Fprintf(w, " %.2f |", num/den)
		}
		fmt.Fprintln(w)
	}
	ratio("example server ÷ peer, req/s", "≥ 10", nameExample, namePeer, rps)
	ratio("example server ÷ floor, req/s", "≥ 0.30", nameExample, nameFloor, rps)
	ratio("floor ÷ peer, req/s", "—", nameFloor, namePeer, rps)
	ratio("whoami ÷ peer, req/s", "≥ 8", nameWhoami, namePeer, rps)
	ratio("tools/list ÷ floor, CPU per call", "≤ 3", nameToolsList, nameFloor, cpu)
	ratio("query through dev ÷ direct, CPU per call", "≤ 3", nameQueryDev, nameDirect, cpu)
	ratio("query through serve + dev ÷ direct, CPU per call", "— (three exchanges to one)", nameQuery, nameDirect, cpu)
	fmt.Fprintf(w, "\nMachine: %s; load average %s at start, %s at end.\n", r.machine, r.loadStart, r.loadEnd)
	fmt.Fprintf(w, "Versions: Go %s, Node %s, mcp-use %s, go-sdk %s.\n",
		r.versions["go"], r.versions["node"], r.versions["mcp-use"], r.versions["go-sdk"])
	fmt.Fprintf(w, "Server CPU: user+system time of the target's processes over its turn (/proc/<pid>/stat) ÷ good answers; "+
		"the targets through serve count serve and dev (its emulator) together; query through dev and the direct call count dev alone. "+
		"Server B/op: bytes the target's Go processes allocated per good answer, from their GODEBUG=gctrace=1 lines "+
		"(whole GC intervals inside the turn, B(k) − C(k−1) in whole MB, scaled to the turn; a process with no GC cycle in the turn counts 0 (it allocated less than one heap goal); — for the peer, or with a single cycle in the turn). "+
		"The load loop itself (this process) used %.1f µs of CPU per request. "+
		"The fake AuthKit served %d metadata and key-set requests in the whole run.\n", r.loadToolCPU, r.issuerFetches)
}

// machineInfo is the CPU count and model.
func machineInfo() string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	return fmt.Sprintf("%d CPUs (nproc), %s, %s/%s", runtime.NumCPU(), model, runtime.GOOS, runtime.GOARCH)
}

// loadAvg is the 1, 5 and 15-minute load averages.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " / ")
}

// versions are the toolchains and libraries of the run.
func versions(ctx context.Context, root, node, mcpUsePackage string) (map[string]string, error) {
	v := map[string]string{"go": runtime.Version()}
	out, err := exec.CommandContext(ctx, node, "--version").Output()
	if err != nil {
		return nil, fmt.Errorf("%s --version: %w", node, err)
	}
	v["node"] = strings.TrimSpace(string(out))
	b, err := os.ReadFile(mcpUsePackage)
	if err != nil {
		return nil, err
	}
	var pkg struct{ Version string }
	if err := json.Unmarshal(b, &pkg); err != nil {
		return nil, fmt.Errorf("%s: %w", mcpUsePackage, err)
	}
	v["mcp-use"] = pkg.Version
	cmd := exec.CommandContext(ctx, "go", "list", "-m", "-f", "{{.Version}}", "github.com/modelcontextprotocol/go-sdk")
	cmd.Dir = root
	if out, err = cmd.Output(); err != nil {
		return nil, fmt.Errorf("go list go-sdk: %w", err)
	}
	v["go-sdk"] = strings.TrimSpace(string(out))
	return v, nil
}
