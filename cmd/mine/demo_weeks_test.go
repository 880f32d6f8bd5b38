package main

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/panos-mine/mine"
	"github.com/panos-mine/mine/history"
)

// Over four simulated weeks, with the suggested rules added above the
// catch-all week by week, the history database shows the catch-all's
// weekly hits and its ordinary clients' sessions declining and the
// readiness verdict turning to ready; the traffic it lost shows up on the
// added rules, and every planted catch-all service was among them.
func TestDemoWeeksDrainsCatchAll(t *testing.T) {
	d := &deps{io: stdio{out: io.Discard, err: io.Discard}, getenv: func(string) string { return "" }, now: time.Now,
		global: &globalOptions{}, logger: slog.New(slog.DiscardHandler)}
	db := filepath.Join(t.TempDir(), "demo.db")
	ctx := context.Background()
	res, err := runDemoWeeks(ctx, d, &demoOptions{seed: 2, weeks: 4, db: db, sessionsPerDay: 500})
	if err != nil {
		t.Fatal(err)
	}

	store, err := history.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	trend, err := store.Trend(ctx, "demo-seed-2")
	if err != nil {
		t.Fatal(err)
	}
	if len(trend) != 4 {
		t.Fatalf("history holds %d weeks; want 4", len(trend))
	}
	var hits, sessions []int64
	var verdicts []string
	for _, p := range trend {
		if !p.HitsKnown {
			t.Fatalf("run %d: catch-all hits unknown: %+v", p.RunID, p)
		}
		hits = append(hits, p.CatchAllHits)
		sessions = append(sessions, p.ClientSessions)
		verdicts = append(verdicts, p.Verdict)
	}
	t.Logf("catch-all weekly hits %v, client sessions %v, verdicts %v", hits, sessions, verdicts)
	for i := 1; i < len(hits); i++ {
		if hits[i] >= hits[i-1] || sessions[i] >= sessions[i-1] {
			t.Errorf("week %d: %d hits, %d client sessions; week %d had %d and %d: want both declining",
				i+1, hits[i], sessions[i], i, hits[i-1], sessions[i-1])
		}
	}
	if sessions[3] > demoMaxWeeklySessions {
		t.Errorf("last week: %d client sessions still on the catch-all", sessions[3])
	}
	if verdicts[0] != mine.VerdictNotReady || verdicts[3] != mine.VerdictReady {
		t.Errorf("verdicts over the weeks = %q; want not-ready first and ready last", verdicts)
	}

	// The hits the catch-all lost went to the rules added above it: their
	// counters, new in the weeks after they were added, are in the history.
	added := map[string]bool{}
	for _, s := range res.reports[0].Suggestions {
		added[s.Name] = true
	}
	ds, err := store.Deltas(ctx, trend[3].RunID)
	if err != nil {
		t.Fatal(err)
	}
	var onAdded int64
	for _, dl := range ds {
		if added[dl.Rule] {
			if !dl.Known() {
				t.Errorf("added rule %s: hits unknown (%s)", dl.Rule, dl.Kind)
			}
			onAdded += dl.Hits
		}
	}
	if onAdded < (hits[0]-hits[3])/2 {
		t.Errorf("week 4: the added rules took %d hits; the catch-all lost %d since week 1", onAdded, hits[0]-hits[3])
	}

	// Every service the simulator planted behind the catch-all was
	// suggested in week 1, and none is left on it in week 4.
	truth := res.sim.Truth()
	for _, svc := range truth.CatchAllServices {
		found := slices.ContainsFunc(res.reports[0].Suggestions, func(s mine.Suggestion) bool {
			return slices.Contains(s.Destination, svc.Destination) && slices.Contains(s.Application, svc.Application)
		})
		if !found {
			t.Errorf("planted catch-all service %s %s/%d was not suggested in week 1", svc.Destination, svc.Application, svc.Port)
		}
	}
	if n := len(res.last.Suggestions); n != 0 {
		t.Errorf("week 4 still suggests %d rules: %v", n, res.last.Suggestions[0].Name)
	}
}

func TestDemoWeeksUsage(t *testing.T) {
	for _, args := range [][]string{
		{"demo", "--weeks", "13"},
		{"demo", "--weeks", "0", "--db", filepath.Join(t.TempDir(), "x.db")},
		{"demo", "--weeks", "2", "--days", "3"},
	} {
		code, _, errs := runCLI(t, nil, args...)
		if code != exitUsage || !strings.Contains(errs, "--") {
			t.Errorf("mine %v = %d, %q; want %d", args, code, errs, exitUsage)
		}
	}
}

// The weeks end ready whatever the hour they start at: at these clocks
// (found by running every third hour of three days), a client first seen
// after its service's rule was added kept the catch-all in use in the
// last week, until the administrator opened the rules' sources before it.
func TestDemoWeeksReadyAtTheseHours(t *testing.T) {
	for _, at := range []time.Time{
		time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC),
		time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC),
		time.Date(2026, 12, 1, 22, 0, 0, 0, time.UTC),
		time.Date(2026, 12, 2, 16, 0, 0, 0, time.UTC),
	} {
		d := &deps{io: stdio{out: io.Discard, err: io.Discard}, getenv: func(string) string { return "" }, now: func() time.Time { return at },
			global: &globalOptions{}, logger: slog.New(slog.DiscardHandler)}
		res, err := runDemoWeeks(context.Background(), d, &demoOptions{seed: 2, weeks: 4, db: filepath.Join(t.TempDir(), "demo.db"), sessionsPerDay: 500})
		if err != nil {
			t.Fatal(err)
		}
		if v := verdictWord(res.last); v != mine.VerdictReady || len(res.last.Suggestions) != 0 {
			var names []string
			for _, s := range res.last.Suggestions {
				names = append(names, s.Name)
			}
			t.Errorf("weeks ending %s: last week %s, suggestions %v; want ready and none", at.Format(time.RFC3339), v, names)
		}
	}
}
