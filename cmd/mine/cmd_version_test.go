package main

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestWriteVersion(t *testing.T) {
	tests := []struct {
		name string
		bi   *debug.BuildInfo
		want string
	}{
		{"release build", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v1.2.3"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "83eab4d0c6e1f2a3b4c5d6e7f8091a2b3c4d5e6f"}, {Key: "vcs.time", Value: "2026-11-30T12:00:00Z"}, {Key: "vcs.modified", Value: "false"}}},
			"mine v1.2.3\ncommit  83eab4d0c6e1f2a3b4c5d6e7f8091a2b3c4d5e6f\ndate    2026-11-30T12:00:00Z\ngo      go1.26.0\n"},
		{"a checkout with changes", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "83eab4d"}, {Key: "vcs.time", Value: "2026-11-30T12:00:00Z"}, {Key: "vcs.modified", Value: "true"}}},
			"mine (devel)\ncommit  83eab4d (modified)\ndate    2026-11-30T12:00:00Z\ngo      go1.26.0\n"},
		{"go run, no vcs", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"}},
			"mine (devel)\ncommit  unknown\ndate    unknown\ngo      go1.26.0\n"},
		{"no build info", nil, "mine unknown\ncommit  unknown\ndate    unknown\ngo      unknown\n"},
	}
	for _, tc := range tests {
		var b strings.Builder
		if err := writeVersion(&b, tc.bi); err != nil || b.String() != tc.want {
			t.Errorf("writeVersion(%s) = %q, %v; want %q", tc.name, b.String(), err, tc.want)
		}
	}
	// The command prints what this test binary carries: at least the lines.
	code, out, _ := runCLI(t, nil, "version")
	if code != 0 || !strings.HasPrefix(out, "mine ") || !strings.Contains(out, "\ncommit  ") || !strings.Contains(out, "\ndate    ") {
		t.Errorf("mine version = %d, %q", code, out)
	}
}
