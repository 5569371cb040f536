package deploy

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/workos-mcp/workos-mcp/internal/mcpload"
)

const (
	testVersion = "v0.0.0-faulttest"
	admin       = "admin@example.com"
)

// The fault test's stack runs on its own ports (a stack.sh base whose seven ports are free, not
// the default 18000 nor the soak's 24000) and run directory, so that it never meets a stack
// someone runs by hand, nor another run of this test.
var (
	portBase   int
	lbURL      string
	devURL     string
	replicaURL map[string]string
)

func addr(off int) string { return fmt.Sprintf("http://127.0.0.1:%d", portBase+off) }

// pickPorts chooses a free base below the ephemeral port range.
func pickPorts(t *testing.T) {
	bases := []int{23000, 25000, 26000, 27000, 28000, 29000, 30000, 31000}
	rand.Shuffle(len(bases), func(i, j int) { bases[i], bases[j] = bases[j], bases[i] })
	for _, b := range bases {
		var lns []net.Listener
		free := true
		for _, off := range []int{0, 79, 80, 81, 82, 83, 404} {
			ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", b+off))
			if err != nil {
				free = false
				break
			}
			lns = append(lns, ln)
		}
		for _, ln := range lns {
			ln.Close()
		}
		if free {
			portBase = b
			lbURL, devURL = addr(0), addr(80)
			replicaURL = map[string]string{"r1": addr(81), "r2": addr(82), "r3": addr(83)}
			return
		}
	}
	t.Fatalf("no free port base among %v", bases)
}

// need finds a tool the test runs: it skips without it, and fails under CI=true.
func need(t *testing.T, name string, more ...string) string {
	t.Helper()
	for _, p := range append([]string{name}, more...) {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	msg := fmt.Sprintf("%s not found (apt-get install %s; .ci/run installs it)", name, name)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// stack drives deploy/stack.sh for one test.
type stack struct {
	t   *testing.T
	dir string
	env []string
}

func (s *stack) run(args ...string) {
	s.t.Helper()
	cmd := exec.Command("./stack.sh", args...)
	cmd.Env = s.env
	out, err := cmd.CombinedOutput()
	if err != nil {
		s.t.Fatalf("stack.sh %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	s.t.Logf("stack.sh %s\n%s", strings.Join(args, " "), strings.TrimSpace(string(out)))
}

func (s *stack) log(name string) string {
	b, _ := os.ReadFile(filepath.Join(s.dir, name+".log"))
	return string(b)
}

// TestReplicatedStackSurvivesFaults runs deploy/stack.sh (Redis, dev standing in for WorkOS,
// three serve replicas, HAProxy), puts it under load from hey while one replica is SIGKILLed
// and another restarted, with confirmation flows running through the load balancer the whole
// time, then takes Redis away and brings it back. It asserts that no confirmed operation ran
// twice or was lost, that every request either succeeded or failed with a clean retryable
// error, that the survivors kept serving, and that confirmations fail closed without Redis. The
// figures it logs are the ones docs/operations.md reports.
func TestReplicatedStackSurvivesFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("the fault test runs the replicated stack (about two minutes)")
	}
	if runtime.GOOS != "linux" {
		t.Skip("the stack script needs Linux")
	}
	need(t, "redis-server")
	need(t, "haproxy", "/usr/sbin/haproxy")
	hey := need(t, "hey")

	pickPorts(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	build := exec.Command("../scripts/release.sh", testVersion)
	build.Env = append(os.Environ(), "RELEASE_TARGETS="+runtime.GOOS+"/"+runtime.GOARCH, "RELEASE_OUT="+bin)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("scripts/release.sh: %v\n%s", err, out)
	}
	run := filepath.Join(dir, "run")
	s := &stack{t: t, dir: run, env: append(os.Environ(),
		"WORKOS_MCP_BIN="+filepath.Join(bin, "workos-mcp-"+runtime.GOOS+"-"+runtime.GOARCH),
		"WORKOS_MCP_DEPLOY_DIR="+run,
		"WORKOS_MCP_DEPLOY_PORT_BASE="+strconv.Itoa(portBase),
		"WORKOS_MCP_DEPLOY_AUTO_APPROVE="+admin,
		"WORKOS_MCP_DEPLOY_CONFIRMATION=agent",
		// The load is far above one person's limit and WorkOS's per-key rate: the test is about
		// replicas failing, not about limits (which have their own tests).
		"WORKOS_MCP_DEPLOY_LIMITS={per_second: 5000, burst: 10000}",
		"WORKOS_MCP_DEPLOY_DEV_ARGS=--rate-limit 0",
	)}
	t.Cleanup(func() {
		cmd := exec.Command("./stack.sh", "down")
		cmd.Env = s.env
		_ = cmd.Run()
		if t.Failed() {
			for _, n := range []string{"haproxy", "r1", "r2", "r3", "redis"} {
				t.Logf("--- %s.log (tail)\n%s", n, tail(s.log(n), 30))
			}
		}
	})
	s.run("up")

	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	tokens := &mcpload.TokenSource{AuthURL: devURL, Resource: lbURL + "/mcp", Email: admin}
	c := &mcpload.Client{HTTP: &http.Client{Timeout: 30 * time.Second}, Token: tokens.Token}
	tok, err := tokens.Token(ctx)
	if err != nil {
		t.Fatalf("token from dev's authorization server: %v", err)
	}

	// The stamped version reaches the binary, MCP clients and /metrics.
	checkVersion(t, ctx, tok)

	// Baseline: load with every replica up.
	base := runHey(t, ctx, hey, tok, 8*time.Second)
	t.Logf("baseline: %s", base)

	// Under load: kill r1 (SIGKILL), restart r2 (SIGTERM, start), while confirmation flows run.
	var flows flowStats
	flowCtx, stopFlows := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; flowCtx.Err() == nil && i < 60; i++ {
				runFlow(flowCtx, t, c, fmt.Sprintf("Fault %d-%d", w, i), &flows)
			}
		}()
	}
	heyDone := make(chan heyResult, 1)
	go func() { heyDone <- runHey(t, ctx, hey, tok, 24*time.Second) }()
	time.Sleep(4 * time.Second)
	s.run("kill", "r1")
	time.Sleep(5 * time.Second)
	s.run("restart", "r2")
	chaos := <-heyDone
	stopFlows()
	wg.Wait()
	t.Logf("under faults: %s", chaos)
	t.Logf("confirmation flows: %s", flows.String())

	// Every request either succeeded or failed cleanly (a 5xx from the load balancer that says
	// the replica went away, or a reset connection); at least 95% succeeded.
	for code, n := range chaos.codes {
		if code != 200 && code != 502 && code != 503 && code != 504 {
			t.Errorf("hey: %d responses with status %d", n, code)
		}
	}
	for msg, n := range chaos.errors {
		if !strings.Contains(msg, "EOF") && !strings.Contains(msg, "connection reset") && !strings.Contains(msg, "connection refused") {
			t.Errorf("hey: %d requests failed uncleanly: %s", n, msg)
		}
	}
	if chaos.total == 0 || float64(chaos.codes[200]) < 0.95*float64(chaos.total) {
		t.Errorf("under faults only %d of %d requests succeeded", chaos.codes[200], chaos.total)
	}
	if base.codes[200] != base.total || base.total == 0 {
		t.Errorf("baseline: %s", base)
	}
	if flows.unclean > 0 || flows.doubleOK > 0 {
		t.Errorf("confirmation flows: %s", flows.String())
	}
	if flows.done < 10 {
		t.Errorf("only %d confirmation flows completed: %s", flows.done, flows.String())
	}

	// The survivors keep serving, directly.
	for _, r := range []string{"r2", "r3"} {
		if res := c.Call(ctx, replicaURL[r]+"/mcp", "whoami", nil); res.Kind != mcpload.OK {
			t.Errorf("%s after the faults: %+v", r, res)
		}
	}

	// Redis goes away: a confirmation fails closed with a clear error and runs nothing; reads
	// go on; /readyz says which check fails. When Redis returns, the same token works once.
	id := createOrg(ctx, t, c, "Redis outage")
	token := deleteToken(ctx, t, c, id)
	s.run("stop", "redis")
	res := c.Call(ctx, lbURL+"/mcp", "mutate", confirmArgs(id, token))
	// Which Redis-backed store refuses first (the used tokens, or the audit record queue that
	// also lives there) does not matter: the answer says what is unavailable and that nothing ran.
	if res.Kind != mcpload.ToolError || !strings.Contains(res.Text, "unavailable") || !strings.Contains(res.Text, "nothing was done") {
		t.Errorf("confirmation without Redis: %s %q", res.Kind, res.Text)
	}
	if !orgExists(ctx, t, c, id) {
		t.Errorf("the organization was deleted while Redis was down")
	}
	if r := c.Call(ctx, lbURL+"/mcp", "whoami", nil); r.Kind != mcpload.OK {
		t.Errorf("whoami without Redis: %+v", r)
	}
	code, body := get(t, replicaURL["r3"]+"/readyz")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, `"redis"`) || strings.Contains(body, `"redis":"ok"`) {
		t.Errorf("r3 /readyz without Redis: %d %s", code, body)
	}
	s.run("start", "redis")
	waitReady(t, replicaURL["r3"])
	if r := c.Call(ctx, lbURL+"/mcp", "mutate", confirmArgs(id, token)); r.Kind != mcpload.OK {
		t.Errorf("confirmation after Redis returned: %s %q", r.Kind, r.Text)
	}
	if r := c.Call(ctx, replicaURL["r2"]+"/mcp", "mutate", confirmArgs(id, token)); !usedRefusal(r) {
		t.Errorf("second confirmation after Redis returned: %s %q", r.Kind, r.Text)
	}
	// A token used before the outage is still used after it (Redis persists every write).
	if flows.lastToken != "" {
		if r := c.Call(ctx, lbURL+"/mcp", "mutate", confirmArgs(flows.lastID, flows.lastToken)); !usedRefusal(r) {
			t.Errorf("a token used before the Redis restart: %s %q", r.Kind, r.Text)
		}
	}

	// No confirmed operation ran twice or was lost: dev (WorkOS) saw exactly one DELETE of each
	// organization a flow confirmed, and every one of them is gone.
	deletes := countDeletes(s.log("dev"))
	flows.mu.Lock()
	confirmed := append(flows.confirmed, id)
	flows.mu.Unlock()
	for _, org := range confirmed {
		if n := deletes[org]; n != 1 {
			t.Errorf("organization %s: %d DELETE calls reached WorkOS, want exactly 1", org, n)
		}
	}
	for _, org := range confirmed[len(confirmed)-min(len(confirmed), 5):] {
		if orgExists(ctx, t, c, org) {
			t.Errorf("confirmed organization %s still exists", org)
		}
	}
	t.Logf("FIGURES baseline{%s} faults{%s} flows{%s} deletes=%d", base, chaos, flows.String(), len(deletes))
}

// checkVersion: the release script's version is what `version`, MCP serverInfo and the
// build_info gauge say.
func checkVersion(t *testing.T, ctx context.Context, tok string) {
	body := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"fault-test","version":"1"}}}`
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, replicaURL["r1"]+"/mcp", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), `"version":"`+testVersion+`"`) {
		t.Errorf("serverInfo does not carry the stamped version: %s", b)
	}
	m, err := mcpload.Scrape(ctx, replicaURL["r2"]+"/metrics", "go_goroutines")
	if err != nil || m["go_goroutines"] == 0 {
		t.Errorf("metrics: %v %v", m, err)
	}
	_, metrics := get(t, replicaURL["r2"]+"/metrics")
	if !regexp.MustCompile(`workos_mcp_build_info\{goversion="go[^"]+",revision="[^"]+",version="` + regexp.QuoteMeta(testVersion) + `"\} 1`).MatchString(metrics) {
		t.Errorf("no build_info gauge with the stamped version:\n%s", grepLines(metrics, "build_info"))
	}
}

// flowStats counts the outcomes of confirmation flows.
type flowStats struct {
	mu                  sync.Mutex
	done                int      // flows whose organization ended deleted
	retried             int      // confirmations retried after a retryable error
	redone              int      // flows confirmed again with a new token: the replica died with the first
	refusedAsUsed       int      // re-confirmations refused as already used (the expected answer)
	replicaGone         int      // re-confirmations that found the killed replica gone
	doubleOK            int      // re-confirmations that ran again: must be 0
	unclean             int      // unexpected outcomes: must be 0
	confirmed           []string // organizations whose deletion a flow confirmed
	lastID, lastToken   string
	uncleanSamples      []string
	retryableByStatuses map[string]int
}

func (f *flowStats) String() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return fmt.Sprintf("done=%d retried=%d redone=%d refused_as_used=%d replica_gone=%d double_ok=%d unclean=%d retryable=%v %v",
		f.done, f.retried, f.redone, f.refusedAsUsed, f.replicaGone, f.doubleOK, f.unclean, f.retryableByStatuses, f.uncleanSamples)
}

func (f *flowStats) add(fn func(f *flowStats)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.retryableByStatuses == nil {
		f.retryableByStatuses = map[string]int{}
	}
	fn(f)
}

func (f *flowStats) bad(what string, r mcpload.Result) {
	f.add(func(f *flowStats) {
		f.unclean++
		if len(f.uncleanSamples) < 5 {
			f.uncleanSamples = append(f.uncleanSamples, fmt.Sprintf("%s: %s status=%d err=%v rpc=%q %.200s", what, r.Kind, r.Status, r.Err, r.RPCError, r.Text))
		}
	})
}

func (f *flowStats) retryable(r mcpload.Result) {
	f.add(func(f *flowStats) {
		k := strconv.Itoa(r.Status)
		if r.Err != nil {
			k = "conn"
		}
		f.retryableByStatuses[k]++
	})
}

// callRetrying retries a call on retryable outcomes (bounded), as a client behind a load
// balancer does.
func callRetrying(ctx context.Context, c *mcpload.Client, f *flowStats, tool string, args map[string]any) mcpload.Result {
	var r mcpload.Result
	for range 20 {
		r = c.Call(ctx, lbURL+"/mcp", tool, args)
		if r.Kind != mcpload.Retryable {
			return r
		}
		f.retryable(r)
		select {
		case <-ctx.Done():
			return r
		case <-time.After(250 * time.Millisecond):
		}
	}
	return r
}

// runFlow creates an organization, asks to delete it, confirms with the token through the load
// balancer (retrying retryable errors), then replays the token against every replica.
func runFlow(ctx context.Context, t *testing.T, c *mcpload.Client, name string, f *flowStats) {
	r := callRetrying(ctx, c, f, "mutate", map[string]any{"operation": "organizations.create", "params": map[string]any{"name": name}})
	if ctx.Err() != nil {
		return
	}
	id, _ := dig(r.Structured, "result", "id").(string)
	if r.Kind != mcpload.OK || id == "" {
		f.bad("create", r)
		return
	}
	for attempt := 0; attempt < 5; attempt++ {
		r = callRetrying(context.WithoutCancel(ctx), c, f, "mutate", map[string]any{"operation": "organizations.delete", "params": map[string]any{"id": id}})
		token, _ := r.Structured["confirmation_token"].(string)
		if r.Kind != mcpload.OK || token == "" {
			f.bad("delete without token", r)
			return
		}
		first := true
		var ran bool
		for range 20 {
			r = c.Call(context.WithoutCancel(ctx), lbURL+"/mcp", "mutate", confirmArgs(id, token))
			if r.Kind == mcpload.OK {
				ran = true
				break
			}
			if r.Kind == mcpload.Retryable {
				f.retryable(r)
				f.add(func(f *flowStats) { f.retried++ })
				first = false
				time.Sleep(250 * time.Millisecond)
				continue
			}
			if !first && usedRefusal(r) {
				// An earlier attempt reached a replica that marked the token used: it either
				// ran the deletion (the organization is gone) or died first (it is not).
				ran = !orgExists(context.WithoutCancel(ctx), t, c, id)
				break
			}
			f.bad("confirm", r)
			return
		}
		if !ran {
			f.add(func(f *flowStats) { f.redone++ })
			continue
		}
		f.add(func(f *flowStats) { f.done++; f.confirmed = append(f.confirmed, id); f.lastID, f.lastToken = id, token })
		// Replays never run again: each replica refuses the used token (or is the dead one).
		for _, rn := range []string{"r1", "r2", "r3"} {
			r := c.Call(context.WithoutCancel(ctx), replicaURL[rn]+"/mcp", "mutate", confirmArgs(id, token))
			switch {
			case r.Kind == mcpload.OK:
				f.add(func(f *flowStats) { f.doubleOK++ })
			case usedRefusal(r):
				f.add(func(f *flowStats) { f.refusedAsUsed++ })
			case r.Kind == mcpload.Retryable:
				f.add(func(f *flowStats) { f.replicaGone++ })
			default:
				f.bad("replay on "+rn, r)
			}
		}
		return
	}
	f.bad("confirm: five tokens in a row lost", r)
}

func confirmArgs(id, token string) map[string]any {
	return map[string]any{"operation": "organizations.delete", "params": map[string]any{"id": id}, "confirmation_token": token}
}

func usedRefusal(r mcpload.Result) bool {
	return r.Kind == mcpload.ToolError && strings.Contains(r.Text, "already used") && strings.Contains(r.Text, "nothing was done")
}

func createOrg(ctx context.Context, t *testing.T, c *mcpload.Client, name string) string {
	t.Helper()
	r := c.Call(ctx, lbURL+"/mcp", "mutate", map[string]any{"operation": "organizations.create", "params": map[string]any{"name": name}})
	id, _ := dig(r.Structured, "result", "id").(string)
	if r.Kind != mcpload.OK || id == "" {
		t.Fatalf("create: %+v", r)
	}
	return id
}

func deleteToken(ctx context.Context, t *testing.T, c *mcpload.Client, id string) string {
	t.Helper()
	r := c.Call(ctx, lbURL+"/mcp", "mutate", map[string]any{"operation": "organizations.delete", "params": map[string]any{"id": id}})
	token, _ := r.Structured["confirmation_token"].(string)
	if r.Kind != mcpload.OK || token == "" {
		t.Fatalf("delete without token: %+v", r)
	}
	return token
}

func orgExists(ctx context.Context, t *testing.T, c *mcpload.Client, id string) bool {
	for range 20 {
		r := c.Call(ctx, lbURL+"/mcp", "query", map[string]any{"operation": "organizations.get", "params": map[string]any{"id": id}})
		switch {
		case r.Kind == mcpload.OK:
			return true
		case r.Kind == mcpload.ToolError && strings.Contains(strings.ToLower(r.Text), "not found"):
			return false
		case r.Kind == mcpload.Retryable:
			time.Sleep(250 * time.Millisecond)
		default:
			t.Errorf("organizations.get %s: %+v", id, r)
			return true
		}
	}
	t.Errorf("organizations.get %s: no answer", id)
	return true
}

func dig(m map[string]any, keys ...string) any {
	var v any = m
	for _, k := range keys {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[k]
	}
	return v
}

// countDeletes reads dev's access log: DELETE calls per organization ID that WorkOS (the
// emulator) answered with success.
func countDeletes(log string) map[string]int {
	out := map[string]int{}
	sc := bufio.NewScanner(strings.NewReader(log))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var l struct {
			Msg, Method, Path string
			Status            int
		}
		if json.Unmarshal(sc.Bytes(), &l) != nil || l.Msg != "http request" || l.Method != http.MethodDelete {
			continue
		}
		if id, ok := strings.CutPrefix(l.Path, "/workos/organizations/"); ok && !strings.Contains(id, "/") {
			out[id]++
		}
	}
	return out
}

// heyResult is hey's summary: requests by status, transport errors, latency.
type heyResult struct {
	total          int
	codes          map[int]int
	errors         map[string]int
	p50, p99, rate float64
}

func (h heyResult) String() string {
	var codes []string
	for c, n := range h.codes {
		codes = append(codes, fmt.Sprintf("%d:%d", c, n))
	}
	sort.Strings(codes)
	var errs []string
	for msg, n := range h.errors {
		errs = append(errs, fmt.Sprintf("%q:%d", msg, n))
	}
	sort.Strings(errs)
	return fmt.Sprintf("requests=%d codes=[%s] transport_errors=[%s] rps=%.0f p50=%.1fms p99=%.1fms",
		h.total, strings.Join(codes, " "), strings.Join(errs, " "), h.rate, h.p50*1000, h.p99*1000)
}

var (
	heyCode    = regexp.MustCompile(`^\s*\[(\d+)\]\s+(\d+) responses`)
	heyError   = regexp.MustCompile(`^\s*\[(\d+)\]\s+(.+)$`)
	heyPercent = regexp.MustCompile(`^\s*(\d+)% in ([\d.]+) secs`)
	heyRate    = regexp.MustCompile(`^\s*Requests/sec:\s+([\d.]+)`)
)

// runHey puts the load balancer under load: whoami (a WorkOS read per call) from 8 workers.
func runHey(t *testing.T, ctx context.Context, hey, tok string, d time.Duration) heyResult {
	body := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"whoami","arguments":{}}}`
	cmd := exec.CommandContext(ctx, hey, "-z", d.String(), "-c", "8", "-t", "20", "-m", "POST",
		"-T", "application/json", "-H", "Accept: application/json, text/event-stream",
		"-H", "Authorization: Bearer "+tok, "-d", body, lbURL+"/mcp")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("hey: %v\n%s", err, out)
	}
	h := heyResult{codes: map[int]int{}, errors: map[string]int{}}
	section := ""
	for _, line := range strings.Split(string(out), "\n") {
		switch {
		case strings.HasPrefix(line, "Status code distribution"):
			section = "codes"
			continue
		case strings.HasPrefix(line, "Error distribution"):
			section = "errors"
			continue
		}
		if m := heyRate.FindStringSubmatch(line); m != nil {
			h.rate, _ = strconv.ParseFloat(m[1], 64)
		}
		if m := heyPercent.FindStringSubmatch(line); m != nil {
			v, _ := strconv.ParseFloat(m[2], 64)
			switch m[1] {
			case "50":
				h.p50 = v
			case "99":
				h.p99 = v
			}
		}
		if section == "codes" {
			if m := heyCode.FindStringSubmatch(line); m != nil {
				c, _ := strconv.Atoi(m[1])
				n, _ := strconv.Atoi(m[2])
				h.codes[c] += n
				h.total += n
			}
		}
		if section == "errors" {
			if m := heyError.FindStringSubmatch(line); m != nil {
				n, _ := strconv.Atoi(m[1])
				// Drop the request's URL so that equal errors group.
				msg := m[2]
				if i := strings.LastIndex(msg, ": "); i >= 0 {
					msg = msg[i+2:]
				}
				h.errors[msg] += n
				h.total += n
			}
		}
	}
	if h.total == 0 {
		t.Errorf("hey reported no requests:\n%s", out)
	}
	return h
}

func get(t *testing.T, u string) (int, string) {
	resp, err := http.Get(u)
	if err != nil {
		t.Errorf("GET %s: %v", u, err)
		return 0, ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func waitReady(t *testing.T, base string) {
	t.Helper()
	for range 150 {
		if resp, err := http.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%s/readyz not ready within 30 s", base)
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
