package main

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
)

func TestLogFormats(t *testing.T) {
	tests := []struct {
		format string
		term   bool
		want   string // the line, or a prefix of it for text and json
		prefix bool
	}{
		{"human", false, "info: threat logs collected (entries 25054, took 1.2s, device fw1 ?[2J)\n", false},
		{"auto", true, "info: threat logs collected (entries 25054, took 1.2s, device fw1 ?[2J)\n", false},
		{"auto", false, "time=", true},
		{"text", true, "time=", true},
		{"json", true, `{"time":`, true},
	}
	for _, tc := range tests {
		var buf bytes.Buffer
		l, err := newLogger(&buf, tc.format, slog.LevelInfo, tc.term)
		if err != nil {
			t.Fatalf("newLogger(%s) = %v", tc.format, err)
		}
		l.Info("threat logs collected", "entries", 25054, "took", "1.2s", "device", "fw1 \x1b[2J")
		got := buf.String()
		if tc.prefix && !strings.HasPrefix(got, tc.want) || !tc.prefix && got != tc.want {
			t.Errorf("--log-format %s (terminal %v) wrote %q; want %q", tc.format, tc.term, got, tc.want)
		}
	}
	// The structured formats keep every attribute as a key.
	var buf bytes.Buffer
	l, _ := newLogger(&buf, "json", slog.LevelInfo, false)
	l.Warn("no rule hit counts", "reason", "unsupported")
	var rec map[string]any
	if err := json.Unmarshal(buf.Bytes(), &rec); err != nil || rec["level"] != "WARN" || rec["reason"] != "unsupported" {
		t.Errorf("json log = %q, %v; want level WARN and the reason key", buf.String(), err)
	}
	if _, err := newLogger(&buf, "yaml", slog.LevelInfo, false); err == nil || !strings.Contains(err.Error(), `--log-format "yaml": want one of auto, human, text, json`) {
		t.Errorf("newLogger(yaml) = %v; want a usage error naming the formats", err)
	}
}

// Levels, groups and attributes added with With read as words.
func TestHumanHandler(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(newHumanHandler(&buf, slog.LevelInfo))
	l.Debug("hidden")
	l.With("target", "edge").WithGroup("job").Warn("slow", "id", 7, slog.Group("page", "n", 2))
	l.Error("failed")
	want := "warning: slow (target edge, job.id 7, job.page.n 2)\nerror: failed\n"
	if got := buf.String(); got != want {
		t.Errorf("human log =\n%q\nwant\n%q", got, want)
	}
}
