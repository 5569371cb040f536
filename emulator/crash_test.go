package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"testing"
)

const crashChildEnv = "EMULATOR_CRASH_CHILD_DIR"

// TestCrashMidRequestLeavesNoHalfWrittenObject kills a real process in the middle of a request's
// transaction (after the organization and its first domain are written, before the rest) and
// checks, after reopening the database, that committed data is intact and nothing of the
// interrupted request exists.
func TestCrashMidRequestLeavesNoHalfWrittenObject(t *testing.T) {
	if dir := os.Getenv(crashChildEnv); dir != "" {
		crashChild(t, dir)
		return
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashMidRequestLeavesNoHalfWrittenObject$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 3 {
		t.Fatalf("child did not crash mid-request as planned (err %v):\n%s", err, out)
	}

	te := newTestEmulator(t, Options{DataDir: dir})
	names := map[string]bool{}
	for _, o := range te.must(http.StatusOK, sk, "GET", "/organizations?limit=100", nil).list(t) {
		names[str(o, "name")] = true
	}
	if !names["Committed"] || names["Half"] || len(names) != 1 {
		t.Fatalf("organizations after the crash: %v, want only Committed", names)
	}
	for _, ev := range te.must(http.StatusOK, sk, "GET", "/events?limit=100&events=organization.created,organization_domain.created", nil).list(t) {
		if bytes.Contains(mustJSON(t, ev), []byte("half")) || bytes.Contains(mustJSON(t, ev), []byte("Half")) {
			t.Fatalf("event of the interrupted request survived: %v", ev)
		}
	}
	// The database is usable: the interrupted create succeeds now.
	te.createOrg("Half", map[string]any{"domains": []string{"half.test", "half2.test"}})
}

// crashChild commits one organization, then exits the process at the third write of a second
// create, with the transaction open.
func crashChild(t *testing.T, dir string) {
	e, err := New(context.Background(), Options{DataDir: dir, Seed: smallSeed()})
	if err != nil {
		t.Fatal(err)
	}
	post := func(body string) int {
		req := httptest.NewRequest("POST", "/organizations", bytes.NewBufferString(body))
		req.Header.Set("Authorization", "Bearer "+sk)
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		e.Handler().ServeHTTP(rec, req)
		return rec.Code
	}
	if code := post(`{"name":"Committed"}`); code != http.StatusCreated {
		t.Fatalf("create: %d", code)
	}
	crashHook = func(n int) {
		if n == 3 {
			os.Exit(3) // no deferred rollback, no Close: as if the process were killed
		}
	}
	post(`{"name":"Half","domains":["half.test","half2.test"]}`)
	t.Fatal("the request finished; the crash hook did not fire")
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
