package main

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/panos-mine/mine/report"
)

// The files a user hands mine: the weekly job's YAML configuration, an
// owners file and a saved JSON report. Each is refused with an error or
// read, never a panic; a report read back renders.

func fuzzDeps() *deps {
	return &deps{io: stdio{out: io.Discard, err: io.Discard}, getenv: func(string) string { return "" },
		now: func() time.Time { return time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC) }, global: &globalOptions{},
		logger: slog.New(slog.DiscardHandler)}
}

func fuzzFile(t *testing.T, b []byte) string {
	p := filepath.Join(t.TempDir(), "in")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func FuzzLoadConfig(f *testing.F) {
	f.Add([]byte("targets:\n  - name: edge\n    host: fw1\n    api_key_env: K\nwindow: 7d\n"))
	f.Add([]byte("targets:\n  - {name: a, host: h, device_tz: America/New_York, ha_peer: {host: b}}\nowners:\n  10.0.0.0/8: ops\n"))
	f.Add([]byte("windoow: 7d\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		d := fuzzDeps()
		d.getenv = func(k string) string {
			if k == "K" || k == "PANOS_API_KEY" {
				return "key"
			}
			return ""
		}
		jc, err := loadConfig(d, fuzzFile(t, b), filepath.Join(t.TempDir(), "h.db"))
		if err == nil && len(jc.targets) == 0 {
			t.Fatal("a configuration without targets was accepted")
		}
	})
}

func FuzzReadOwners(f *testing.F) {
	f.Add([]byte("10.20.0.0/16: platform\n'*.corp.example': web\n"))
	f.Add([]byte("owners:\n  - {pattern: 10.0.0.1, team: db}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		owners, err := readOwners(fuzzFile(t, b))
		if err == nil && len(owners) == 0 {
			t.Fatal("no owners read without an error")
		}
		for _, o := range owners {
			_ = matchOwner(owners, "10.20.1.2", o.Pattern)
		}
	})
}

func FuzzReadReport(f *testing.F) {
	f.Add([]byte(`{"generated":"2026-11-23T06:00:00Z","catch_all":["Allow-Web-Ports"],"totals":{"threat_logs":3},"status_counts":{"200":3},"collection":{"threat":{"collected":3}}}`))
	f.Add([]byte(`{"suggestions":[{"name":"x","ports":[80],"top_urls":[{"url":"a","count":1}]}],"readiness":[{"rule":"r","criteria":[{"name":"n"}]}]}`))
	f.Add([]byte(`{"foo":1}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := readReport(fuzzFile(t, b))
		if err != nil {
			return
		}
		if err := report.WriteSummary(io.Discard, r); err != nil {
			t.Fatalf("summary of a report read back: %v", err)
		}
		if err := report.WriteJSON(io.Discard, r); err != nil {
			t.Fatalf("JSON of a report read back: %v", err)
		}
	})
}
