package main

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/workos-mcp/workos-mcp/internal/telemetry"
	"github.com/workos-mcp/workos-mcp/workspace"
)

// limitsConfig is goodConfig with per-person limits and a record queue.
const limitsConfig = goodConfig + `
records: {queue_dir: records, max_queued: 500}
`

func withTeamLimits(limits string) string {
	return strings.Replace(limitsConfig, "    audit_log: {api_key_env: ACME_TEAM_KEY}\n",
		"    audit_log: {api_key_env: ACME_TEAM_KEY}\n    limits: "+limits+"\n", 1)
}

func TestServeConfigLimits(t *testing.T) {
	p := writeConfig(t, "c.yaml", withTeamLimits(`{per_second: 2.5, burst: 8, environments: {production: {burst: 3}}}`))
	cfg, err := loadServeConfig(p, lookup(goodEnv))
	if err != nil {
		t.Fatal(err)
	}
	l := cfg.Workspace.Teams[0].Limits
	if l.PerSecond != 2.5 || l.Burst != 8 || l.Environments["production"].Burst != 3 || l.Environments["production"].PerSecond != 0 {
		t.Errorf("limits = %+v", l)
	}
	if !strings.HasSuffix(cfg.RecordsDir, "/records") || cfg.Workspace.MaxQueuedRecords != 500 {
		t.Errorf("records: dir %q max %d", cfg.RecordsDir, cfg.Workspace.MaxQueuedRecords)
	}
	wc := workspaceConfig(cfg, telemetry.NewMetrics(), slog.Default())
	if wc.Teams[0].Limits.Burst != 8 || wc.MaxQueuedRecords != 500 {
		t.Errorf("workspace config: %+v", wc.Teams[0].Limits)
	}

	// Without a limits block: the workspace defaults.
	cfg, err = loadServeConfig(writeConfig(t, "c.yaml", goodConfig), lookup(goodEnv))
	if err != nil {
		t.Fatal(err)
	}
	if l := cfg.Workspace.Teams[0].Limits; l.PerSecond != 0 || l.Burst != 0 || cfg.RecordsDir != "" || cfg.Workspace.MaxQueuedRecords != 0 {
		t.Errorf("defaults: %+v %q %d", l, cfg.RecordsDir, cfg.Workspace.MaxQueuedRecords)
	}
}

func TestServeConfigLimitsRefused(t *testing.T) {
	for _, tc := range []struct{ limits, want string }{
		{`{per_second: 0}`, "teams[0].limits.per_second: 0: use a number above 0"},
		{`{per_second: -1}`, "teams[0].limits.per_second: -1"},
		{`{per_second: .nan}`, "teams[0].limits.per_second: NaN"},
		{`{per_second: 1e9}`, "at most 10000"},
		{`{burst: 0}`, "teams[0].limits.burst: 0: use a whole number from 1 to"},
		{`{burst: 2.5}`, "teams[0].limits.burst: 2.5: use a whole number"},
		{`{per_second: fast}`, "cannot unmarshal"},
		{`{environments: {staging: {burst: 2}}}`, `teams[0].limits.environments.staging: "staging" is not one of this team's environments`},
		{`{environments: {production: {environments: {sandbox: {}}}}}`, "teams[0].limits.environments.production.environments: unknown key"},
		{`{rate: 5}`, "teams[0].limits.rate: unknown key"},
	} {
		_, err := loadServeConfig(writeConfig(t, "c.yaml", withTeamLimits(tc.limits)), lookup(goodEnv))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("limits %s: error %v, want %q", tc.limits, err, tc.want)
		}
	}
	for _, tc := range []struct{ records, want string }{
		{`{max_queued: 0}`, "records.max_queued: 0: use 1 to"},
		{`{max_queued: -5}`, "records.max_queued"},
		{`{queue: /tmp}`, "records.queue: unknown key"},
	} {
		_, err := loadServeConfig(writeConfig(t, "c.yaml", goodConfig+"records: "+tc.records+"\n"), lookup(goodEnv))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("records %s: error %v, want %q", tc.records, err, tc.want)
		}
	}
}

func TestRedisKeys(t *testing.T) {
	if l, r := redisKeys(workspace.DefaultRedisUsedTokensPrefix); l != workspace.DefaultRedisLimiterPrefix || r != workspace.DefaultRedisRecordQueueKey {
		t.Errorf("default prefix: %q %q", l, r)
	}
	if l, r := redisKeys("acme:"); l != "acme:limit:" || r != "acme:records" {
		t.Errorf("custom prefix: %q %q", l, r)
	}
}
