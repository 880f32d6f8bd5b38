package history

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/panos-mine/mine"
)

// hc is a hit counter as a device reports it.
type hc struct {
	rule    string
	uuid    string
	hits    uint64
	first   time.Time
	reset   time.Time
	created time.Time
	serial  string // default: the primary's
}

const (
	serialA = "007951000123456"
	serialB = "007951000654321"
	caUUID  = "7f0c1c3e-1111-4c22-9c8e-000000000001"
	dnsUUID = "7f0c1c3e-1111-4c22-9c8e-000000000002"
)

var longAgo = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

// weekSnap is the snapshot of target for ISO week n after mon (n = 1 is
// the week starting mon), read at the window's end, with a catch-all
// named caName. The report figures derive from n so tests can recognise
// them.
func weekSnap(target string, n int, caName string, counters ...hc) *mine.Snapshot {
	w := mine.Window{From: mon.Add(time.Duration(n-1) * week), To: mon.Add(time.Duration(n) * week)}
	snap := &mine.Snapshot{
		Target:    target,
		Conn:      mine.Target{Host: "fw1.example.net", Port: 443, Vsys: "vsys1"},
		Device:    mine.Device{Hostname: "fw1", Serial: serialA, Model: "PA-VM", Family: "vm", SWVersion: "10.2.9", Location: time.UTC},
		Window:    w,
		Collected: w.To,
		Rules: []mine.Rule{
			{Name: "Allow-DNS", UUID: dnsUUID, Position: 0, Action: "allow"},
			{Name: caName, UUID: caUUID, Position: 1, Action: "allow"},
		},
		Report: &mine.Report{
			Generated: w.To,
			Window:    w,
			CatchAll:  []string{caName},
			Totals: mine.Totals{ThreatLogs: int64(100 * n), Responses: int64(150 * n), CatchAllResponses: int64(90 * n),
				TrafficLogs: int64(40 * n), CatchAllSessions: int64(1000 / n), CatchAllBytes: 1 << 20, DistinctURLs: 50 / n},
			StatusCounts:         map[int]int64{200: 100, 404: 30, 503: 2},
			CatchAllStatusCounts: map[int]int64{200: int64(60 / n), 301: 5, 404: 20, 500: 1, 503: 1},
			Suggestions: []mine.Suggestion{{Name: "mine-jenkins-10-20-3-5", From: []string{"trust"}, To: []string{"dmz"},
				Source: []string{"any"}, Destination: []string{"10.20.3.5"}, Application: []string{"jenkins"},
				Service: []string{"tcp-8080"}, Ports: []int{8080}, Sessions: 10, Responses: 20, URLs: 3, CatchAllRule: caName}},
			Scanners: []mine.Scanner{{Source: "10.1.9.9", Targets: []string{"10.20.3.5"}, DistinctPaths: 40, Responses: 60, NotFound: 55}},
			Findings: []mine.Finding{{Kind: mine.FindingBrokenLink, Team: "ci-team", Destination: "10.20.3.5", Host: "ci.corp.example",
				Port: 8080, Path: "/job/{id}/old", Status: 404, Count: 12, Sources: 3}},
			Readiness: []mine.Readiness{{Rule: caName, Verdict: mine.VerdictNotReady,
				Criteria: []mine.Criterion{{Name: "catch-all-hits", Result: mine.ResultFail, Evidence: "busy"}}}},
		},
		ClientSessions: map[string]int64{caName: int64(900 / n)},
	}
	for _, c := range counters {
		serial := c.serial
		if serial == "" {
			serial = serialA
		}
		snap.Hits = append(snap.Hits, mine.RuleHits{Rule: c.rule, Vsys: "vsys1", Serial: serial, HitCount: c.hits,
			FirstHit: c.first, LastHit: w.To.Add(-time.Minute), LastReset: c.reset, Created: c.created, Modified: c.created})
		if c.rule != caName && c.rule != "Allow-DNS" {
			found := false
			for _, r := range snap.Rules {
				found = found || r.Name == c.rule
			}
			if !found {
				snap.Rules = append(snap.Rules, mine.Rule{Name: c.rule, UUID: c.uuid, Position: len(snap.Rules), Action: "allow"})
			}
		}
	}
	for _, r := range snap.Rules {
		snap.Report.HitCounts = append(snap.Report.HitCounts, mine.HitCount{Rule: r.Name, Position: r.Position + 1,
			Action: r.Action, CatchAll: r.Name == caName})
	}
	return snap
}

func openTemp(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state", "history.db")
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func mustSave(t *testing.T, s *Store, snap *mine.Snapshot) Saved {
	t.Helper()
	saved, err := s.Save(context.Background(), snap)
	if err != nil {
		t.Fatalf("Save(%s %s): %v", snap.Target, snap.Window, err)
	}
	return saved
}

// tableCounts counts the rows of every table: what a failed write must
// leave unchanged.
func tableCounts(t *testing.T, db *sql.DB) map[string]int {
	t.Helper()
	ctx := context.Background()
	names, err := texts(ctx, db, `SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, n := range names {
		var c int
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM "`+n+`"`).Scan(&c); err != nil {
			t.Fatal(err)
		}
		out[n] = c
	}
	return out
}

// deltaOf finds the delta of a rule key on a serial in a run.
func deltaOf(t *testing.T, s *Store, runID int64, serial, key string) mine.HitDelta {
	t.Helper()
	ds, err := s.Deltas(context.Background(), runID)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if d.Serial == serial && d.RuleKey == key {
			return d
		}
	}
	t.Fatalf("run %d has no delta for %s on %s; has %+v", runID, key, serial, ds)
	return mine.HitDelta{}
}
