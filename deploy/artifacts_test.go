package deploy

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestDockerfile: no container engine runs in CI, so the image cannot be built there; CI runs
// scripts/release.sh instead, and this test keeps the Dockerfile's build step that same script,
// its final stage static and non-root, with a health check.
func TestDockerfile(t *testing.T) {
	df := read(t, "../Dockerfile")
	stages := regexp.MustCompile(`(?m)^FROM\s+(\S+)`).FindAllStringSubmatch(df, -1)
	if len(stages) < 2 {
		t.Fatalf("want a multi-stage build, found %d stages", len(stages))
	}
	if !regexp.MustCompile(`(?m)^RUN\b[^\n]*(\\\n[^\n]*)*scripts/release\.sh`).MatchString(df) {
		t.Error("the build stage does not RUN scripts/release.sh")
	}
	final := df[strings.LastIndex(df, "\nFROM "):]
	if base := stages[len(stages)-1][1]; !strings.Contains(base, "static") && base != "scratch" {
		t.Errorf("final stage %s: want a static base (distroless static or scratch)", base)
	}
	m := regexp.MustCompile(`(?m)^USER\s+(\S+)`).FindStringSubmatch(final)
	if m == nil || m[1] == "root" || m[1] == "0" || strings.HasPrefix(m[1], "0:") {
		t.Errorf("final stage runs as %v: want a non-root USER", m)
	}
	if !regexp.MustCompile(`(?m)^HEALTHCHECK\b.*\n?.*workos-mcp", "health"`).MatchString(final) {
		t.Error("final stage has no HEALTHCHECK running workos-mcp health")
	}
	for _, want := range []string{"COPY --from=build", "ENTRYPOINT", `CMD ["serve"]`} {
		if !strings.Contains(final, want) {
			t.Errorf("final stage lacks %s", want)
		}
	}
	if !strings.Contains(read(t, "../.dockerignore"), ".git") {
		t.Error(".dockerignore does not keep .git out of the build context")
	}
}

// TestComposeReusesTheStackFiles: the compose file has the topology of stack.sh (Redis, dev,
// three serve replicas, HAProxy) and mounts the same configuration files.
func TestComposeReusesTheStackFiles(t *testing.T) {
	compose := read(t, "compose.yaml")
	script := read(t, "stack.sh")
	for _, f := range []string{"./workos-mcp.yaml", "./haproxy.cfg", "./redis.conf", "stack.env"} {
		if !strings.Contains(compose, f) {
			t.Errorf("compose.yaml does not use %s", f)
		}
		if !strings.Contains(script, strings.TrimPrefix(f, "./")) {
			t.Errorf("stack.sh does not use %s", f)
		}
	}
	for _, svc := range []string{"redis", "dev", "r1", "r2", "r3", "haproxy"} {
		if !regexp.MustCompile(`(?m)^  ` + svc + `:$`).MatchString(compose) {
			t.Errorf("compose.yaml has no service %s", svc)
		}
	}
	if n := strings.Count(compose, `["serve", "--addr"`); n != 3 {
		t.Errorf("compose.yaml runs %d serve replicas, want 3", n)
	}
	cfg := read(t, "haproxy.cfg")
	for _, port := range []string{"18081", "18082", "18083"} {
		if !strings.Contains(compose, "127.0.0.1:"+port) || !strings.Contains(cfg, "127.0.0.1:"+port) {
			t.Errorf("replica port %s differs between compose.yaml and haproxy.cfg", port)
		}
	}
}

// TestSystemdUnit: the unit checks the configuration before starting serve, and is sandboxed.
func TestSystemdUnit(t *testing.T) {
	u := read(t, "systemd/workos-mcp.service")
	for _, want := range []string{"ExecStartPre=/usr/local/bin/workos-mcp serve --check", "ExecStart=/usr/local/bin/workos-mcp serve",
		"DynamicUser=yes", "NoNewPrivileges=yes", "ProtectSystem=strict", "EnvironmentFile=", "Restart=on-failure"} {
		if !strings.Contains(u, want) {
			t.Errorf("workos-mcp.service lacks %s", want)
		}
	}
}
