package interop

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/workos-mcp/workos-mcp/internal/interop/harness"
)

// TestConformance runs the MCP conformance suite's server scenarios against `workos-mcp dev`
// through a token-injecting proxy. testdata/conformance-baseline.yml lists the scenarios that
// need the suite's own test tools, prompts or resources (which a workspace server does not
// have), each with why; anything else failing fails the test, and so does a baselined scenario
// that starts passing. The suite's exit code alone would also pass a run that executed nothing
// (a proxy that lost the token, a suite that renamed its scenarios), so the summary is read back:
// every announced scenario reported, the scenarios this issue names ran real checks and passed
// them, and the number of passed checks stays above a floor.
func TestConformance(t *testing.T) {
	suite := harness.Conformance(t)
	p := startDev(t, nil, "--auto-approve", "admin@example.com")
	proxy := tokenProxy(t, p.base, func() string { return p.token(t, "admin@example.com") })
	baseline, _ := filepath.Abs(filepath.Join("testdata", "conformance-baseline.yml"))
	// The suite writes one directory per scenario and run: start from an empty directory, so that
	// the artifact is this run's and does not grow across runs.
	out := harness.FreshOutDir(t, "conformance")

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	// Every scenario (--suite all: active, draft and extension), each with a generous timeout
	// because the machine running CI is shared.
	args := []string{"server", "--url", proxy + "/mcp", "--suite", "all", "--timeout", "120000",
		"--expected-failures", baseline, "-o", out}
	one := os.Getenv("WORKOS_MCP_CONFORMANCE_SCENARIO")
	if one != "" {
		// One scenario, for debugging; the baseline does not apply.
		args = []string{"server", "--url", proxy + "/mcp", "--scenario", one, "--timeout", "120000", "-o", out}
	}
	output, err := suite.Command(ctx, args...).CombinedOutput()
	os.WriteFile(filepath.Join(out, "summary.txt"), output, 0o644)
	if err != nil {
		t.Fatalf("conformance suite: %v\n%s\n(server log:\n%.4000s)", err, output, p.stderr)
	}
	sum, err := parseConformanceSummary(string(output))
	if err != nil {
		t.Fatalf("%v\n%s", err, output)
	}
	if one != "" {
		if r, ok := sum.scenarios[one]; !ok || r.passed == 0 {
			t.Fatalf("scenario %s ran no passing check: %+v", one, r)
		}
		return
	}
	allowed, err := baselinedChecks(baseline)
	if err != nil {
		t.Fatal(err)
	}
	if problems := sum.check(requiredScenarios, allowed, minPassedChecks); len(problems) > 0 {
		t.Fatalf("the conformance run did not exercise the server as expected:\n  %s\n%s",
			strings.Join(problems, "\n  "), output)
	}
	t.Logf("conformance suite passed (baseline applied): %d scenarios, %d checks passed, %d failed (all baselined); full output in %s",
		len(sum.scenarios), sum.passed, sum.failed, filepath.Join(out, "summary.txt"))
}

// requiredScenarios must run at least this many checks and fail none (but their baselined
// checks, see baselinedChecks): the protocol basics, and
// the transport protections this issue names (DNS rebinding, header validation, the stateless
// session rules). The numbers are what the pinned suite version runs today.
var requiredScenarios = map[string]int{
	"server-initialize":           2,
	"server-stateless":            20, // 23 pass; the 5 baselined ones need fixture tools
	"ping":                        2,
	"logging-set-level":           2,
	"tools-list":                  3,
	"resources-list":              2,
	"prompts-list":                2,
	"sep-2164-resource-not-found": 4,
	"dns-rebinding-protection":    2,
	"http-header-validation":      14,
	"caching":                     7,
}

// minPassedChecks is a floor under the passed checks of the whole run (119 with the pinned suite).
const minPassedChecks = 110

type scenarioResult struct{ passed, failed int }

type conformanceSummary struct {
	announced      int // "Running all suite (N scenarios)"
	scenarios      map[string]scenarioResult
	passed, failed int // the "Total:" line
}

var (
	announcedRe = regexp.MustCompile(`(?m)^Running \S+ suite \((\d+) scenarios\)`)
	scenarioRe  = regexp.MustCompile(`(?m)^\S+ (\S+): (\d+) passed, (\d+) failed\s*$`)
	totalRe     = regexp.MustCompile(`(?m)^Total: (\d+) passed, (\d+) failed\s*$`)
)

// parseConformanceSummary reads the suite's console summary: one "✓|✗ name: N passed, M failed"
// line per scenario and a "Total:" line.
func parseConformanceSummary(out string) (*conformanceSummary, error) {
	s := &conformanceSummary{scenarios: map[string]scenarioResult{}}
	if m := announcedRe.FindStringSubmatch(out); m != nil {
		s.announced, _ = strconv.Atoi(m[1])
	}
	for _, m := range scenarioRe.FindAllStringSubmatch(out, -1) {
		p, _ := strconv.Atoi(m[2])
		f, _ := strconv.Atoi(m[3])
		s.scenarios[m[1]] = scenarioResult{p, f}
	}
	m := totalRe.FindStringSubmatch(out)
	if m == nil || len(s.scenarios) == 0 {
		return nil, fmt.Errorf("conformance output has no per-scenario results or no Total line")
	}
	s.passed, _ = strconv.Atoi(m[1])
	s.failed, _ = strconv.Atoi(m[2])
	return s, nil
}

// baselinedChecks counts, per scenario, the single checks the baseline file expects to fail
// (entries written "scenario:check-id").
func baselinedChecks(path string) (map[string]int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	n := map[string]int{}
	for _, line := range strings.Split(string(b), "\n") {
		entry, _, _ := strings.Cut(strings.TrimSpace(line), "#")
		entry = strings.TrimSpace(strings.TrimPrefix(entry, "- "))
		if scenario, _, ok := strings.Cut(entry, ":"); ok && strings.HasPrefix(strings.TrimSpace(line), "- ") {
			n[scenario]++
		}
	}
	return n, nil
}

// check lists what is wrong with a full run: scenarios announced but not reported, required
// scenarios that ran too few checks or failed more than their baselined checks, too few passed
// checks overall.
func (s *conformanceSummary) check(required, allowedFailures map[string]int, minPassed int) []string {
	var problems []string
	if s.announced == 0 || len(s.scenarios) != s.announced {
		problems = append(problems, fmt.Sprintf("%d scenarios announced, %d reported", s.announced, len(s.scenarios)))
	}
	names := make([]string, 0, len(required))
	for name := range required {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		r, ok := s.scenarios[name]
		switch {
		case !ok:
			problems = append(problems, name+": not run")
		case r.failed > allowedFailures[name]:
			problems = append(problems, fmt.Sprintf("%s: %d checks failed, %d baselined", name, r.failed, allowedFailures[name]))
		case r.passed < required[name]:
			problems = append(problems, fmt.Sprintf("%s: %d checks passed, want at least %d", name, r.passed, required[name]))
		}
	}
	if s.passed < minPassed {
		problems = append(problems, fmt.Sprintf("%d checks passed in all, want at least %d", s.passed, minPassed))
	}
	return problems
}

// TestConformanceSummaryCheck pins the reading of the suite's summary, so that a run that
// executed nothing, or lost a required scenario, is caught.
func TestConformanceSummaryCheck(t *testing.T) {
	good := "Running all suite (3 scenarios) against http://127.0.0.1:1/mcp\n" +
		"✓ dns-rebinding-protection: 2 passed, 0 failed\n" +
		"✓ tools-list: 3 passed, 0 failed\n" +
		"✗ tools-call-image: 1 passed, 1 failed\n\n" +
		"Total: 6 passed, 1 failed\n"
	req := map[string]int{"dns-rebinding-protection": 2, "tools-list": 3}
	s, err := parseConformanceSummary(good)
	if err != nil {
		t.Fatal(err)
	}
	if s.announced != 3 || len(s.scenarios) != 3 || s.passed != 6 || s.failed != 1 || s.scenarios["tools-call-image"] != (scenarioResult{1, 1}) {
		t.Fatalf("parsed %+v", s)
	}
	if p := s.check(req, nil, 6); len(p) != 0 {
		t.Fatalf("a good run has problems: %v", p)
	}
	for name, tc := range map[string]struct {
		out  string
		want string
	}{
		"required scenario failing":        {strings.Replace(good, "✓ tools-list: 3 passed, 0 failed", "✗ tools-list: 2 passed, 1 failed", 1), "tools-list: 1 checks failed, 0 baselined"},
		"required scenario without checks": {strings.Replace(good, "dns-rebinding-protection: 2 passed", "dns-rebinding-protection: 0 passed", 1), "dns-rebinding-protection: 0 checks passed, want at least 2"},
		"required scenario missing":        {strings.Replace(good, "✓ tools-list: 3 passed, 0 failed\n", "", 1), "tools-list: not run"},
		"too few checks":                   {strings.Replace(good, "Total: 6 passed", "Total: 5 passed", 1), "5 checks passed in all"},
	} {
		s, err := parseConformanceSummary(tc.out)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if p := strings.Join(s.check(req, nil, 6), "; "); !strings.Contains(p, tc.want) {
			t.Errorf("%s: problems %q, want %q", name, p, tc.want)
		}
	}
	if _, err := parseConformanceSummary("Running all suite (65 scenarios)\nerror: connect ECONNREFUSED\n"); err == nil {
		t.Error("an output without results was accepted")
	}
	// Baselined single checks excuse that many failures of their scenario, no more.
	s, _ = parseConformanceSummary(strings.Replace(good, "✓ tools-list: 3 passed, 0 failed", "✗ tools-list: 3 passed, 1 failed", 1))
	if p := s.check(req, map[string]int{"tools-list": 1}, 6); len(p) != 0 {
		t.Errorf("a baselined check failing: %v", p)
	}
	n, err := baselinedChecks(filepath.Join("testdata", "conformance-baseline.yml"))
	if err != nil || n["server-stateless"] < 1 || n["tools-list"] != 0 || len(n) != 1 {
		t.Errorf("baselined checks of the real baseline: %v %v", n, err)
	}
}
