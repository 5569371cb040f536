// Package buildinfo says which build of workos-mcp is running: the version stamped at link time
// (scripts/release.sh passes -ldflags "-X github.com/workos-mcp/workos-mcp/internal/buildinfo.version=v1.2.3"),
// else the module version `go install …@v1.2.3` records, else "devel"; and the VCS revision
// the Go toolchain records. The binary's version command, the MCP serverInfo, the audit-log user
// agent and the /metrics build_info gauge all read it from here.
package buildinfo

import (
	"runtime"
	"runtime/debug"
	"sync"
)

// version and revision are set at link time (-X …/internal/buildinfo.version=v1.2.3
// -X …/internal/buildinfo.revision=<commit>); see the package comment. The revision is stamped
// because builds without the .git directory (a container build context, -buildvcs=false)
// record none.
var (
	version  = ""
	revision = ""
)

// Info describes the running build.
type Info struct {
	// Version is a semantic version ("v1.2.3"), or "devel" for a build from a work tree.
	Version string
	// Revision is the VCS commit the binary was built from (12 hex digits), when known.
	Revision string
	// Modified is true when the work tree had uncommitted changes at build time.
	Modified bool
	// GoVersion is the Go toolchain that built the binary.
	GoVersion string
}

var (
	once sync.Once
	info Info
)

// Get returns the build's information (computed once).
func Get() Info {
	once.Do(func() { info = read(version, revision, debug.ReadBuildInfo) })
	return info
}

func read(stamped, stampedRev string, readBuild func() (*debug.BuildInfo, bool)) Info {
	in := Info{Version: stamped, GoVersion: runtime.Version()}
	if bi, ok := readBuild(); ok {
		if in.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			in.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				in.Revision = s.Value
				if len(in.Revision) > 12 {
					in.Revision = in.Revision[:12]
				}
			case "vcs.modified":
				in.Modified = s.Value == "true"
			}
		}
		if bi.GoVersion != "" {
			in.GoVersion = bi.GoVersion
		}
	}
	if stampedRev != "" {
		in.Revision, in.Modified = stampedRev, false
		if len(in.Revision) > 12 {
			in.Revision = in.Revision[:12]
		}
	}
	if in.Version == "" {
		in.Version = "devel"
	}
	return in
}

// Version is Get().Version.
func Version() string { return Get().Version }

// String is the version with the revision, e.g. "v1.2.3 (0123456789ab)" or
// "devel (0123456789ab, modified)".
func (i Info) String() string {
	s := i.Version
	switch {
	case i.Revision != "" && i.Modified:
		s += " (" + i.Revision + ", modified)"
	case i.Revision != "":
		s += " (" + i.Revision + ")"
	}
	return s
}
