package buildinfo

import (
	"runtime/debug"
	"testing"
)

func TestRead(t *testing.T) {
	build := func(main string, settings ...debug.BuildSetting) func() (*debug.BuildInfo, bool) {
		return func() (*debug.BuildInfo, bool) {
			return &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: main}, Settings: settings}, true
		}
	}
	rev := debug.BuildSetting{Key: "vcs.revision", Value: "0123456789abcdef0123"}
	dirty := debug.BuildSetting{Key: "vcs.modified", Value: "true"}
	for _, tc := range []struct {
		name, stamped, rev string
		read               func() (*debug.BuildInfo, bool)
		want               string
	}{
		{"ldflags win over the module version", "v9.9.9", "", build("v1.0.0", rev), "v9.9.9 (0123456789ab)"},
		{"go install records the module version", "", "", build("v1.2.3"), "v1.2.3"},
		{"a work-tree build is devel", "", "", build("(devel)", rev, dirty), "devel (0123456789ab, modified)"},
		{"stamped revision without VCS information", "v1.0.0", "fedcba9876543210", func() (*debug.BuildInfo, bool) { return nil, false }, "v1.0.0 (fedcba987654)"},
		{"no build information", "", "", func() (*debug.BuildInfo, bool) { return nil, false }, "devel"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := read(tc.stamped, tc.rev, tc.read)
			if got := in.String(); got != tc.want {
				t.Errorf("String() = %q, want %q", got, tc.want)
			}
			if in.GoVersion == "" {
				t.Error("no Go version")
			}
		})
	}
}
