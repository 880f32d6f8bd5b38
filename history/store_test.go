package history

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/panos-mine/mine"
)

func TestMigrateFromEmpty(t *testing.T) {
	s, path := openTemp(t)
	ctx := context.Background()
	v, err := s.Version(ctx)
	if err != nil || v != len(migrationList) || v < 2 {
		t.Fatalf("Version() = %d, %v; want %d", v, err, len(migrationList))
	}
	names, err := texts(ctx, s.db, `SELECT type || ' ' || name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND type IN ('table', 'view') ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"table carried_flows", "table changes", "table devices", "table findings", "table readiness", "table rule_deltas", "table rule_hits",
		"table rule_sessions", "table runs", "table scanners", "table status_counts", "table suggestions",
		"view catch_all_trend", "view rule_trend"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("schema objects = %q; want %q", names, want)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		t.Errorf("database mode %v; want private to the user", st.Mode().Perm())
	}
	// Opening again is a no-op.
	s.Close()
	s2, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if v, _ := s2.Version(ctx); v != len(migrationList) {
		t.Errorf("version after reopening = %d", v)
	}
}

// A database written by schema version 1 (before hit deltas) keeps its
// runs and gains the deltas, computed from its snapshots.
func TestMigrateFromVersion1(t *testing.T) {
	ctx := context.Background()
	path := t.TempDir() + "/old.db"
	s, err := openVersion(ctx, path, 1)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := s.Version(ctx); v != 1 {
		t.Fatalf("old schema version = %d; want 1", v)
	}
	// Two weekly runs written by hand, as a version 1 mine would have.
	for i, run := range []struct {
		from, to string
		hits     int64
	}{
		{"2026-11-16T00:00:00Z", "2026-11-23T00:00:00Z", 5000},
		{"2026-11-23T00:00:00Z", "2026-11-30T00:00:00Z", 5720},
	} {
		id := int64(i + 1)
		if _, err := s.db.ExecContext(ctx, `INSERT INTO runs (id, target, host, window_from, window_to, collected_at,
			generated_at, catch_all, threat_logs, responses, catch_all_responses, traffic_logs, catch_all_sessions,
			catch_all_bytes, catch_all_distinct_urls, scanner_responses, report)
			VALUES (?, 'edge', 'fw1', ?, ?, ?, ?, '["Allow-Web-Ports"]', 1, 1, 1, 1, ?, 1, 1, 0, '{}')`,
			id, run.from, run.to, run.to, run.to, 100*id); err != nil {
			t.Fatal(err)
		}
		if _, err := s.db.ExecContext(ctx, `INSERT INTO devices (run_id, serial, role, hostname, model, family,
			sw_version, panorama, time_zone) VALUES (?, ?, 'primary', 'fw1', 'PA-VM', 'vm', '10.2.9', 0, 'UTC')`, id, serialA); err != nil {
			t.Fatal(err)
		}
		if _, err := s.db.ExecContext(ctx, `INSERT INTO rule_hits (run_id, serial, vsys, rule_key, rule_uuid, rule,
			position, action, catch_all, hit_count, first_hit, created) VALUES (?, ?, 'vsys1', ?, ?, 'Allow-Web-Ports', 2,
			'allow', 1, ?, '2026-01-05T09:00:00Z', '2026-01-05T09:00:00Z')`, id, serialA, caUUID, caUUID, run.hits); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()

	s, err = Open(ctx, path)
	if err != nil {
		t.Fatalf("Open(version 1 database): %v", err)
	}
	defer s.Close()
	if v, _ := s.Version(ctx); v != len(migrationList) {
		t.Errorf("version after migration = %d; want %d", v, len(migrationList))
	}
	trend, err := s.Trend(ctx, "edge")
	if err != nil {
		t.Fatal(err)
	}
	if len(trend) != 2 {
		t.Fatalf("trend has %d runs; want the 2 old ones", len(trend))
	}
	if trend[0].HitsKnown {
		t.Errorf("week 1 catch-all hits known (%d); the old counter has no earlier snapshot", trend[0].CatchAllHits)
	}
	if !trend[1].HitsKnown || trend[1].CatchAllHits != 720 || trend[1].CatchAllSessions != 200 {
		t.Errorf("week 2 = %d hits (known %v), %d sessions; want 5720-5000 = 720 hits and 200 sessions",
			trend[1].CatchAllHits, trend[1].HitsKnown, trend[1].CatchAllSessions)
	}
	// the new columns exist and old runs have no verdict
	if trend[1].Verdict != "" {
		t.Errorf("migrated run has verdict %q", trend[1].Verdict)
	}
	// and the migrated database takes new runs
	mustSave(t, s, weekSnap("edge", 20, "Allow-Web-Ports", hc{rule: "Allow-Web-Ports", uuid: caUUID, hits: 6000, first: longAgo, created: longAgo}))
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	s, path := openTemp(t)
	if _, err := s.db.Exec("PRAGMA user_version = 99"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err := Open(context.Background(), path)
	if !errors.Is(err, ErrSchemaTooNew) {
		t.Errorf("Open(schema 99) = %v; want ErrSchemaTooNew", err)
	}
}

func caCounter(hits uint64) hc {
	return hc{rule: "Allow-Web-Ports", uuid: caUUID, hits: hits, first: longAgo, created: longAgo}
}

func dnsCounter(hits uint64) hc {
	return hc{rule: "Allow-DNS", uuid: dnsUUID, hits: hits, first: longAgo, created: longAgo}
}

// Running the same target and window again replaces the run, and the
// deltas of the runs next to it follow the replacement.
func TestSaveSameWindowReplaces(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	w1 := mustSave(t, s, weekSnap("edge", 1, "Allow-Web-Ports", caCounter(1000), dnsCounter(50)))
	mustSave(t, s, weekSnap("edge", 2, "Allow-Web-Ports", caCounter(1800), dnsCounter(60)))
	mustSave(t, s, weekSnap("other", 2, "Allow-Web-Ports", caCounter(1)))
	before := tableCounts(t, s.db)

	// week 1 again, read a little later with a higher counter
	again := weekSnap("edge", 1, "Allow-Web-Ports", caCounter(1200), dnsCounter(55))
	again.Collected = again.Collected.Add(time.Hour)
	saved := mustSave(t, s, again)
	if !saved.Replaced || saved.RunID == w1.RunID {
		t.Errorf("rerun of week 1: Saved = %+v; want a replacement with a new id (old %d)", saved, w1.RunID)
	}
	if after := tableCounts(t, s.db); !reflect.DeepEqual(after, before) {
		t.Errorf("row counts after the rerun = %v; want %v (nothing duplicated)", after, before)
	}
	trend, err := s.Trend(ctx, "edge")
	if err != nil {
		t.Fatal(err)
	}
	if len(trend) != 2 || trend[0].RunID != saved.RunID {
		t.Fatalf("trend = %+v; want 2 runs, the first the rerun %d", trend, saved.RunID)
	}
	// week 2 now counts from the rerun's snapshot: 1800 - 1200
	if !trend[1].HitsKnown || trend[1].CatchAllHits != 600 || !trend[1].Since.Equal(again.Collected) {
		t.Errorf("week 2 after the rerun: %d hits since %s (known %v); want 600 since %s",
			trend[1].CatchAllHits, trend[1].Since, trend[1].HitsKnown, again.Collected)
	}
	var n int
	if err := s.db.QueryRow(`SELECT count(*) FROM runs WHERE target = 'edge'`).Scan(&n); err != nil || n != 2 {
		t.Errorf("edge has %d runs (%v); want 2", n, err)
	}
}

// A write that fails at any step leaves no trace: not the run, not a row of
// it, and the earlier runs untouched.
func TestSaveInterruptedLeavesNoTrace(t *testing.T) {
	steps := []string{"run", "devices", "rule_hits", "rule_deltas", "findings", "commit"}
	for _, step := range steps {
		t.Run(step, func(t *testing.T) {
			s, _ := openTemp(t)
			ctx := context.Background()
			mustSave(t, s, weekSnap("edge", 1, "Allow-Web-Ports", caCounter(1000), dnsCounter(5)))
			before := tableCounts(t, s.db)
			trendBefore, _ := s.Trend(ctx, "edge")
			boom := errors.New("interrupted")
			s.hook = func(at string) error {
				if at == step {
					return boom
				}
				return nil
			}
			_, err := s.Save(ctx, weekSnap("edge", 2, "Allow-Web-Ports", caCounter(1500), dnsCounter(9)))
			if !errors.Is(err, boom) {
				t.Fatalf("Save interrupted at %s = %v; want the interruption", step, err)
			}
			s.hook = nil
			if after := tableCounts(t, s.db); !reflect.DeepEqual(after, before) {
				t.Errorf("rows after the interrupted save = %v; want %v", after, before)
			}
			if tr, _ := s.Trend(ctx, "edge"); !reflect.DeepEqual(tr, trendBefore) {
				t.Errorf("trend changed: %+v; want %+v", tr, trendBefore)
			}
			// a rerun of the replaced window interrupted also keeps the old run
			s.hook = func(at string) error {
				if at == step {
					return boom
				}
				return nil
			}
			if _, err := s.Save(ctx, weekSnap("edge", 1, "Allow-Web-Ports", caCounter(1111))); !errors.Is(err, boom) {
				t.Fatalf("rerun interrupted = %v", err)
			}
			if tr, _ := s.Trend(ctx, "edge"); !reflect.DeepEqual(tr, trendBefore) {
				t.Errorf("an interrupted rerun changed the run it was replacing: %+v", tr)
			}
		})
	}
}

// crashEnv makes the test binary, run as a child, crash in the middle of
// a save: the process dies with the transaction open, as a killed weekly
// job would.
const crashEnv = "MINE_HISTORY_CRASH_DB"

func TestMain(m *testing.M) {
	if path := os.Getenv(crashEnv); path != "" {
		crashMidSave(path)
	}
	os.Exit(m.Run())
}

func crashMidSave(path string) {
	s, err := Open(context.Background(), path)
	if err != nil {
		os.Exit(2)
	}
	s.hook = func(step string) error {
		if step == "findings" {
			os.Exit(42) // no rollback, no close: the process just ends
		}
		return nil
	}
	s.Save(context.Background(), weekSnap("edge", 2, "Allow-Web-Ports", caCounter(2000), dnsCounter(9)))
	os.Exit(3) // not reached
}

func TestCrashMidSaveLeavesNoTrace(t *testing.T) {
	s, path := openTemp(t)
	ctx := context.Background()
	mustSave(t, s, weekSnap("edge", 1, "Allow-Web-Ports", caCounter(1000), dnsCounter(5)))
	before := tableCounts(t, s.db)
	s.Close()

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashEnv+"="+path)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 42 {
		t.Fatalf("child = %v, output %s; want it to die mid-save with status 42", err, out)
	}
	s2, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	var check string
	if err := s2.db.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Errorf("integrity_check = %q, %v", check, err)
	}
	if after := tableCounts(t, s2.db); !reflect.DeepEqual(after, before) {
		t.Errorf("rows after a crash mid-save = %v; want %v", after, before)
	}
	// and the next run is stored normally, counted from week 1
	saved := mustSave(t, s2, weekSnap("edge", 2, "Allow-Web-Ports", caCounter(1400), dnsCounter(9)))
	if !saved.Point.HitsKnown || saved.Point.CatchAllHits != 400 {
		t.Errorf("week 2 after the crash: %+v; want 400 catch-all hits", saved.Point)
	}
}

// A reset counter restarts the delta and records the gap; a rename is
// followed by the rule's UUID.
func TestResetAndRename(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	resetAt := mon.Add(2*week + 3*day) // Thursday of week 3
	weeks := []*mine.Snapshot{
		weekSnap("edge", 1, "Allow-Web-Ports", caCounter(10_000)),
		weekSnap("edge", 2, "Allow-Web-Ports", caCounter(10_900)),
		// an admin cleared the counter on Thursday; 250 hits since
		weekSnap("edge", 3, "Allow-Web-Ports", hc{rule: "Allow-Web-Ports", uuid: caUUID, hits: 250,
			first: resetAt.Add(time.Minute), reset: resetAt, created: longAgo}),
		// renamed; same UUID, the counter goes on
		weekSnap("edge", 4, "Legacy-Web-Ports", hc{rule: "Legacy-Web-Ports", uuid: caUUID, hits: 750,
			first: resetAt.Add(time.Minute), reset: resetAt, created: longAgo}),
		// renamed again, on a device that wipes the counter on rename
		weekSnap("edge", 5, "Web-Ports-Old", hc{rule: "Web-Ports-Old", uuid: caUUID, hits: 300,
			first: mon.Add(4*week + day), reset: resetAt, created: longAgo}),
	}
	var ids []int64
	for _, w := range weeks {
		ids = append(ids, mustSave(t, s, w).RunID)
	}
	trend, err := s.Trend(ctx, "edge")
	if err != nil {
		t.Fatal(err)
	}
	type pt struct {
		hits   int64
		known  bool
		resets int
	}
	var got []pt
	for _, p := range trend {
		got = append(got, pt{p.CatchAllHits, p.HitsKnown, p.Resets})
	}
	want := []pt{{0, false, 0}, {900, true, 0}, {250, true, 1}, {500, true, 0}, {300, true, 1}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("catch-all trend (hits, known, resets) = %v; want %v", got, want)
	}
	d := deltaOf(t, s, ids[2], serialA, caUUID)
	wantGap := mine.Window{From: weeks[1].Collected, To: resetAt}
	if d.Kind != mine.DeltaReset || d.Gap == nil || *d.Gap != wantGap {
		t.Errorf("week 3 delta = %+v; want a reset with the gap %s", d, wantGap)
	}
	d = deltaOf(t, s, ids[3], serialA, caUUID)
	if d.Rule != "Legacy-Web-Ports" || d.Kind != mine.DeltaCounted || d.Hits != 500 {
		t.Errorf("week 4 (renamed) delta = %+v; want 500 counted hits under the new name", d)
	}
	d = deltaOf(t, s, ids[4], serialA, caUUID)
	if d.Kind != mine.DeltaReset || d.Reason != "counter went down" || d.Gap.To != mon.Add(4*week+day) {
		t.Errorf("week 5 (renamed, wiped) delta = %+v; want a reset with its gap ending at the first hit", d)
	}
	// the gap is in the database for anyone to read
	var gaps int
	if err := s.db.QueryRow(`SELECT count(*) FROM rule_trend WHERE target = 'edge' AND gap_from IS NOT NULL`).Scan(&gaps); err != nil || gaps != 2 {
		t.Errorf("rule_trend shows %d gaps (%v); want 2", gaps, err)
	}
}

// Without UUIDs (PAN-OS before 9.0) a rename is followed by the rule's
// creation time.
func TestRenameWithoutUUID(t *testing.T) {
	s, _ := openTemp(t)
	created := longAgo.Add(time.Hour)
	w1 := weekSnap("edge", 1, "Allow-Web-Ports", hc{rule: "Allow-Web-Ports", hits: 100, first: longAgo, created: created})
	w2 := weekSnap("edge", 2, "Web-Legacy", hc{rule: "Web-Legacy", hits: 180, first: longAgo, created: created})
	for _, w := range []*mine.Snapshot{w1, w2} {
		for i := range w.Rules {
			w.Rules[i].UUID = ""
		}
	}
	mustSave(t, s, w1)
	saved := mustSave(t, s, w2)
	d := deltaOf(t, s, saved.RunID, serialA, "name:Allow-Web-Ports")
	if d.Rule != "Web-Legacy" || d.Kind != mine.DeltaCounted || d.Hits != 80 {
		t.Errorf("renamed rule without UUID: %+v; want 80 counted hits under key name:Allow-Web-Ports", d)
	}
}

// HA peers keep separate counters: each is counted against its own
// previous snapshot, and the catch-all figure sums them.
func TestHAPeers(t *testing.T) {
	s, _ := openTemp(t)
	peer := mine.Device{Hostname: "fw1b", Serial: serialB, Model: "PA-VM", SWVersion: "10.2.9"}
	var last Saved
	for n, hits := range [][2]uint64{{1000, 10}, {1600, 10}, {1700, 410}} { // failover in week 3
		w := weekSnap("edge", n+1, "Allow-Web-Ports", caCounter(hits[0]),
			hc{rule: "Allow-Web-Ports", uuid: caUUID, hits: hits[1], first: longAgo, created: longAgo, serial: serialB})
		w.HAPeer = &peer
		last = mustSave(t, s, w)
	}
	if !last.Point.HitsKnown || last.Point.CatchAllHits != 100+400 {
		t.Errorf("week 3 catch-all hits = %d (known %v); want 100 on the primary + 400 on the peer", last.Point.CatchAllHits, last.Point.HitsKnown)
	}
	var role, peerOf string
	if err := s.db.QueryRow(`SELECT role, ha_peer_serial FROM devices WHERE run_id = ? AND serial = ?`, last.RunID, serialB).Scan(&role, &peerOf); err != nil ||
		role != "ha-peer" || peerOf != serialA {
		t.Errorf("peer device row = %q, %q, %v; want ha-peer of %s", role, peerOf, err, serialA)
	}
}

// The trend carries the analysis figures of each run and its verdict; the
// readiness criteria and the findings are stored with it.
func TestTrend(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	for n, hits := range []uint64{1000, 1900, 2200} {
		w := weekSnap("edge", n+1, "Allow-Web-Ports", caCounter(hits))
		if n == 2 {
			w.Report.Readiness[0].Verdict = mine.VerdictInsufficientEvidence
		}
		mustSave(t, s, w)
	}
	tr, err := s.Trend(ctx, "edge")
	if err != nil {
		t.Fatal(err)
	}
	p := tr[2]
	want := mine.TrendPoint{RunID: p.RunID, Target: "edge", Serial: serialA,
		Window:    mine.Window{From: mon.Add(2 * week), To: mon.Add(3 * week)},
		Collected: mon.Add(3 * week), Since: mon.Add(2 * week),
		CatchAllHits: 300, HitsKnown: true, CatchAllSessions: 1000 / 3, ClientSessions: 900 / 3,
		CatchAllResponses: 270, DistinctURLs: 50 / 3,
		StatusClasses: [6]int64{0, 0, 20, 5, 20, 2}, Suggestions: 1, Verdict: mine.VerdictInsufficientEvidence}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("week 3 trend point =\n  %+v\nwant\n  %+v", p, want)
	}
	verdicts := []string{tr[0].Verdict, tr[1].Verdict, tr[2].Verdict}
	if !slices.Equal(verdicts, []string{"not-ready", "not-ready", "insufficient-evidence"}) {
		t.Errorf("verdicts = %q", verdicts)
	}
	var criteria, team string
	if err := s.db.QueryRow(`SELECT criteria FROM readiness WHERE run_id = ?`, p.RunID).Scan(&criteria); err != nil ||
		!strings.Contains(criteria, `"evidence":"busy"`) {
		t.Errorf("readiness criteria = %q, %v", criteria, err)
	}
	if err := s.db.QueryRow(`SELECT team FROM findings WHERE run_id = ?`, p.RunID).Scan(&team); err != nil || team != "ci-team" {
		t.Errorf("finding team = %q, %v; want ci-team", team, err)
	}
}

func TestOverallVerdict(t *testing.T) {
	r := func(vs ...string) []mine.Readiness {
		var out []mine.Readiness
		for _, v := range vs {
			out = append(out, mine.Readiness{Verdict: v})
		}
		return out
	}
	tests := []struct {
		in   []mine.Readiness
		want string
	}{
		{nil, ""},
		{r("ready"), "ready"},
		{r("ready", "insufficient-evidence"), "insufficient-evidence"},
		{r("insufficient-evidence", "not-ready", "ready"), "not-ready"},
	}
	for _, tc := range tests {
		if got := overallVerdict(tc.in); got != tc.want {
			t.Errorf("overallVerdict(%v) = %q; want %q", tc.in, got, tc.want)
		}
	}
}

// WeeklyHits gives the readiness verdict the weeks before the run and the
// run itself, under the rule's current name, with resets; a rerun of a
// stored window leaves that window's old run out.
func TestWeeklyHits(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	mustSave(t, s, weekSnap("edge", 1, "Allow-Web-Ports", caCounter(1000)))
	mustSave(t, s, weekSnap("edge", 2, "Allow-Web-Ports", caCounter(1600)))
	w3 := weekSnap("edge", 3, "Web-Old", hc{rule: "Web-Old", uuid: caUUID, hits: 100, first: mon.Add(2*week + day), created: longAgo})
	mustSave(t, s, w3)
	// week 3 again, later: the stored week 3 must not count as its own past
	w3.Collected = w3.Collected.Add(2 * time.Hour)
	w3.Hits[0].HitCount = 130
	got, err := s.WeeklyHits(ctx, w3)
	if err != nil {
		t.Fatal(err)
	}
	want := []mine.WeeklyHits{
		{Rule: "Web-Old", Week: mon, Hits: 0, Sessions: 900},
		{Rule: "Web-Old", Week: mon.Add(week), Hits: 600, Sessions: 450},
		{Rule: "Web-Old", Week: mon.Add(2 * week), Hits: 130, Sessions: 300, Reset: true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("WeeklyHits =\n  %+v\nwant\n  %+v", got, want)
	}
	// Preview writes nothing
	before := tableCounts(t, s.db)
	ds, err := s.Preview(ctx, w3)
	if err != nil || len(ds) != 1 || ds[0].Kind != mine.DeltaReset || ds[0].Hits != 130 {
		t.Errorf("Preview = %+v, %v; want one reset delta of 130", ds, err)
	}
	if after := tableCounts(t, s.db); !reflect.DeepEqual(after, before) {
		t.Errorf("Preview changed the database: %v; was %v", after, before)
	}
}

func TestPruneAndDeleteTarget(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	for n := 1; n <= 4; n++ {
		mustSave(t, s, weekSnap("edge", n, "Allow-Web-Ports", caCounter(uint64(1000*n))))
	}
	mustSave(t, s, weekSnap("lab", 1, "Allow-Web-Ports", caCounter(5)))
	n, err := s.Prune(ctx, "edge", mon.Add(2*week+time.Second))
	if err != nil || n != 2 {
		t.Fatalf("Prune = %d, %v; want 2 runs", n, err)
	}
	tr, _ := s.Trend(ctx, "edge")
	if len(tr) != 2 || !tr[0].HitsKnown || tr[0].CatchAllHits != 1000 {
		t.Errorf("after pruning: %+v; want weeks 3 and 4, week 3 keeping its measured 1000 hits", tr)
	}
	if n, err := s.DeleteTarget(ctx, "lab"); err != nil || n != 1 {
		t.Errorf("DeleteTarget(lab) = %d, %v", n, err)
	}
	if ts, _ := s.Targets(ctx); !slices.Equal(ts, []string{"edge"}) {
		t.Errorf("Targets() = %q; want [edge]", ts)
	}
}

func TestSaveRejectsIncompleteSnapshot(t *testing.T) {
	s, _ := openTemp(t)
	bad := weekSnap("edge", 1, "Allow-Web-Ports")
	bad.Window.To = bad.Window.From
	if _, err := s.Save(context.Background(), bad); err == nil {
		t.Error("Save(empty window) = nil error")
	}
	noTarget := weekSnap("", 1, "Allow-Web-Ports")
	if _, err := s.Save(context.Background(), noTarget); err == nil {
		t.Error("Save(no target) = nil error")
	}
}
