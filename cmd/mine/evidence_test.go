package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/panos-mine/mine"
	"github.com/panos-mine/mine/collect"
	"github.com/panos-mine/mine/panosim"
)

// evidenceDevice is a simulator with three days of logs, served on
// loopback, and a way to run the pipeline against it in this process.
type evidenceDevice struct {
	sim  *panosim.Server
	host *simHost
}

func newEvidenceDevice(t *testing.T, o panosim.Options, wrap func(http.Handler) http.Handler) *evidenceDevice {
	t.Helper()
	o.Start = time.Date(2026, 11, 9, 0, 0, 0, 0, time.UTC)
	o.PollsBeforeFinish = -1
	sim, host := deployedSim(t, o, wrap, 3*24*time.Hour)
	return &evidenceDevice{sim: sim, host: host}
}

// run runs the pipeline with --evidence mode; tune adjusts the collector.
func (e *evidenceDevice) run(t *testing.T, mode string, tune func(*collect.Client)) *mine.Report {
	t.Helper()
	d := &deps{io: stdio{out: io.Discard, err: io.Discard}, getenv: func(string) string { return "" }, now: time.Now,
		global: &globalOptions{}, logger: slog.New(slog.DiscardHandler)}
	p := pipeline{conn: collect.Config{Host: e.host.host, Port: e.host.port, APIKey: e.sim.APIKey(), RootCAs: e.host.pool, Now: time.Now},
		vsys: "vsys1", since: 3 * 24 * time.Hour, now: e.sim.Now(), evidence: mode, verifyFlows: 0,
		tune: func(c *collect.Client) {
			fastPolls(c)
			c.RetryBase = time.Millisecond
			if tune != nil {
				tune(c)
			}
		}}
	r, err := p.run(context.Background(), d)
	if err != nil {
		t.Fatalf("run --evidence %s: %v", mode, err)
	}
	return r
}

// TestReportEvidenceSameAnalysis: on several simulated estates, and at a
// larger volume (each log served four times), the device's reports give
// the analysis the full pull gives: the same suggestions, scanners and
// findings (their times to the hour) and the same verdicts; also when the
// reports are cut at their row limit so often that they are split and
// parts read as log entries.
func TestReportEvidenceSameAnalysis(t *testing.T) {
	for _, tc := range []struct {
		name     string
		o        panosim.Options
		rows     int
		replicas int
	}{
		{"seed 1", panosim.Options{Seed: 1, SessionsPerDay: 3000}, 0, 1},
		{"seed 4 object policy", panosim.Options{Seed: 4, SessionsPerDay: 2000, ObjectPolicy: true}, 0, 1},
		{"seed 9 four times the volume", panosim.Options{Seed: 9, SessionsPerDay: 2000}, 0, 4},
		{"seed 1 reports cut at 40 rows", panosim.Options{Seed: 1, SessionsPerDay: 3000}, 40, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dev := newEvidenceDevice(t, tc.o, nil)
			dev.sim.SetReplicas(tc.replicas)
			full := dev.run(t, evidenceFull, nil)
			got := dev.run(t, evidenceReport, func(c *collect.Client) { c.ReportRows = tc.rows })
			if len(full.Suggestions) == 0 || len(full.Scanners) == 0 || len(full.Findings) == 0 {
				t.Fatalf("the full pull finds %d suggestions, %d scanners, %d findings: too little to compare", len(full.Suggestions), len(full.Scanners), len(full.Findings))
			}
			if same := sameAnalysis(full, got); !strings.HasPrefix(same, "yes") {
				t.Errorf("report evidence against the full pull: %s", same)
			}
			ev := got.Collection.Evidence
			if ev.Mode != mine.EvidenceReport || !ev.CountsExact || ev.EntriesCounted || ev.TimeResolution != "1h" || ev.ReportJobs == 0 {
				t.Errorf("evidence = %+v; want report mode, exact counts, entries by repeat counts, 1h", ev)
			}
			if tc.rows > 0 && (ev.ReportSplits == 0 || ev.RawParts == 0) {
				t.Errorf("reports cut at %d rows: %d splits, %d raw parts; want both", tc.rows, ev.ReportSplits, ev.RawParts)
			}
			for _, k := range []struct {
				name       string
				full, repo int64
			}{
				{"responses", full.Totals.Responses, got.Totals.Responses},
				{"catch-all responses", full.Totals.CatchAllResponses, got.Totals.CatchAllResponses},
				{"catch-all sessions", full.Totals.CatchAllSessions, got.Totals.CatchAllSessions},
				{"catch-all bytes", full.Totals.CatchAllBytes, got.Totals.CatchAllBytes},
				{"distinct URLs", int64(full.Totals.DistinctURLs), int64(got.Totals.DistinctURLs)},
			} {
				if k.full != k.repo {
					t.Errorf("%s: %d from reports, %d from the full pull", k.name, k.repo, k.full)
				}
			}
			if full.Collection.Evidence.BytesReceived <= ev.BytesReceived {
				t.Errorf("reports received %d bytes, the full pull %d; want fewer", ev.BytesReceived, full.Collection.Evidence.BytesReceived)
			}
		})
	}
}

// TestEvidenceAutoFallsBack: a device that refuses reports is read entry
// by entry with --evidence auto, the JSON saying why; with --evidence
// report, the run fails.
func TestEvidenceAutoFallsBack(t *testing.T) {
	var refused atomic.Int64
	dev := newEvidenceDevice(t, panosim.Options{Seed: 2, SessionsPerDay: 800}, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r.ParseForm()
			if r.Form.Get("type") == "report" {
				refused.Add(1)
				fmt.Fprint(w, `<response status="error" code="17"><msg><line>report type not supported</line></msg></response>`)
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	r := dev.run(t, evidenceAuto, nil)
	ev := r.Collection.Evidence
	threat, _ := dev.sim.LogCounts()
	if ev.Mode != mine.EvidenceFull || !strings.Contains(ev.Fallback, "report type not supported") || r.Totals.ThreatLogs != int64(threat) || refused.Load() == 0 {
		t.Errorf("auto against a device refusing reports: evidence %+v, %d threat logs of %d; want full with the reason", ev, r.Totals.ThreatLogs, threat)
	}
	d := &deps{io: stdio{out: io.Discard, err: io.Discard}, getenv: func(string) string { return "" }, now: time.Now,
		global: &globalOptions{}, logger: slog.New(slog.DiscardHandler)}
	p := pipeline{conn: collect.Config{Host: dev.host.host, Port: dev.host.port, APIKey: dev.sim.APIKey(), RootCAs: dev.host.pool, Now: time.Now},
		vsys: "vsys1", since: 24 * time.Hour, now: dev.sim.Now(), evidence: evidenceReport, tune: fastPolls}
	if _, err := p.run(context.Background(), d); err == nil || !strings.Contains(err.Error(), "cannot run the reports") {
		t.Errorf("--evidence report against a device refusing reports: err = %v; want the reports refused", err)
	}
}
