// Package version reports which ferry build is running. The values are set
// at link time by the Makefile (-ldflags -X), so a binary built with plain
// `go build` still says something useful: the module version from the build
// info, or "dev".
package version

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Set by -ldflags "-X github.com/ferry-gitops/ferry/internal/version.Version=...".
var (
	Version = ""
	Commit  = ""
	Date    = ""
)

// Info is what `ferry version -o json` prints.
type Info struct {
	Version   string `json:"version"`
	Commit    string `json:"commit,omitempty"`
	Date      string `json:"date,omitempty"`
	GoVersion string `json:"goVersion"`
	Platform  string `json:"platform"`
}

// Get returns the version of the running binary.
func Get() Info {
	info := Info{Version: Version, Commit: Commit, Date: Date, GoVersion: runtime.Version(),
		Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if info.Version == "" {
		info.Version = "dev"
		if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			info.Version = bi.Main.Version
		}
	}
	return info
}

// String is the one-line form printed by `ferry version`.
func (i Info) String() string {
	s := "ferry " + i.Version
	if i.Commit != "" {
		s += fmt.Sprintf(" (commit %s", i.Commit)
		if i.Date != "" {
			s += ", built " + i.Date
		}
		s += ")"
	}
	return s + " " + i.GoVersion + " " + i.Platform
}
