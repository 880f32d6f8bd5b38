package main

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/panos-mine/mine"
	"github.com/panos-mine/mine/collect"
	"github.com/panos-mine/mine/history"
	"github.com/panos-mine/mine/panosim"
	"github.com/panos-mine/mine/signatures"
)

// weeklyEpoch is a Monday: the simulated devices of these tests start
// there, so windows aligned on ISO weeks fall on whole simulated weeks.
var weeklyEpoch = time.Date(2026, 10, 5, 0, 0, 0, 0, time.UTC)

// runAt runs the CLI in-process with the clock reading now.
func runAt(t *testing.T, now time.Time, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	return runAtCtx(t, context.Background(), now, env, args...)
}

func runAtCtx(t *testing.T, ctx context.Context, now time.Time, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	d := &deps{io: stdio{in: strings.NewReader(""), out: &out, err: &errb},
		getenv: func(k string) string { return env[k] }, now: func() time.Time { return now }, global: &globalOptions{}}
	root := newRootCmd(d)
	root.SetArgs(args)
	root.SetIn(d.io.in)
	root.SetOut(d.io.out)
	root.SetErr(d.io.err)
	err := root.ExecuteContext(ctx)
	if err != nil {
		fmt.Fprintf(&errb, "mine: %v\n", err)
	}
	return exitCode(ctx, err), out.String(), errb.String()
}

// weeklyDevice is a simulator with the signatures deployed, served over
// HTTPS through an optional front handler.
type weeklyDevice struct {
	sim  *panosim.Server
	host *simHost
	cert string
}

func newWeeklyDevice(t *testing.T, seed int64, front func(http.Handler) http.Handler) *weeklyDevice {
	t.Helper()
	return newWeeklyDeviceKey(t, seed, "", front)
}

// newWeeklyDeviceKey is newWeeklyDevice with the API key the simulator
// accepts ("" for its default).
func newWeeklyDeviceKey(t *testing.T, seed int64, key string, front func(http.Handler) http.Handler) *weeklyDevice {
	t.Helper()
	sim := panosim.New(panosim.Options{Seed: seed, Start: weeklyEpoch, SessionsPerDay: 300, PollsBeforeFinish: -1, APIKey: key})
	var h http.Handler = sim
	if front != nil {
		h = front(sim)
	}
	host, err := startSim(h, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { host.close() })
	cert := filepath.Join(t.TempDir(), "cert.pem")
	if err := os.WriteFile(cert, host.pem, 0o600); err != nil {
		t.Fatal(err)
	}
	dep, err := signatures.Connect(context.Background(), collect.Config{Host: host.host, Port: host.port, APIKey: sim.APIKey(), RootCAs: host.pool})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dep.Deploy(context.Background(), signatures.Default(), signatures.Location{}); err != nil {
		t.Fatal(err)
	}
	return &weeklyDevice{sim: sim, host: host, cert: cert}
}

// catchAllCounter reads the catch-all's hit counter straight from the
// simulator's XML API, with the test's own XML structs: a fact mine's
// code did not produce.
func (w *weeklyDevice) catchAllCounter(t *testing.T) uint64 {
	t.Helper()
	form := url.Values{"type": {"op"}, "key": {w.sim.APIKey()}, "cmd": {"<show><rule-hit-count><vsys><vsys-name><entry name='vsys1'>" +
		"<rule-base><entry name='security'><rules><all/></rules></entry></rule-base></entry></vsys-name></vsys></rule-hit-count></show>"}}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("POST", "/api/", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w.sim.ServeHTTP(rec, req)
	var doc struct {
		Rules []struct {
			Name string `xml:"name,attr"`
			Hits uint64 `xml:"hit-count"`
		} `xml:"result>rule-hit-count>vsys>entry>rule-base>entry>rules>entry"`
	}
	if err := xml.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatalf("hit counts: %v: %s", err, rec.Body.String())
	}
	for _, r := range doc.Rules {
		if r.Name == "Allow-Web-Ports" {
			return r.Hits
		}
	}
	t.Fatalf("no Allow-Web-Ports counter in %s", rec.Body.String())
	return 0
}

// writeConfig writes a weekly job's configuration for the device.
func (w *weeklyDevice) writeConfig(t *testing.T, dir string, extra string) string {
	t.Helper()
	cfg := fmt.Sprintf(`targets:
  - name: edge
    host: %s
    port: %d
    api_key_env: EDGE_KEY
    ca_file: %s
    vsys: vsys1
    catch_all: [Allow-Web-Ports]
window: 7d
output_dir: %s
db: %s
json: true
owners:
  - pattern: 10.20.0.0/16
    team: dmz-apps
thresholds:
  min_window: 7d
%s`, w.host.host, w.host.port, w.cert, filepath.Join(dir, "reports"), filepath.Join(dir, "history.db"), extra)
	path := filepath.Join(dir, "mine.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// The weekly job stores one run per target and ISO week, replaces a rerun
// of the same week, counts the catch-all's hits from the device's counter
// snapshots, and never writes the API key anywhere.
func TestRunConfigWeekly(t *testing.T) {
	dev := newWeeklyDevice(t, 3, nil)
	dir := t.TempDir()
	cfg := dev.writeConfig(t, dir, "")
	env := map[string]string{"EDGE_KEY": dev.sim.APIKey()}
	ctx := context.Background()

	var counters []uint64
	var runs []time.Time
	for week := 1; week <= 2; week++ {
		dev.sim.Advance(7 * 24 * time.Hour) // to Monday 00:00
		counters = append(counters, dev.catchAllCounter(t))
		now := dev.sim.Now().Add(3 * time.Hour) // the job runs Monday morning
		runs = append(runs, now)
		code, out, errs := runAt(t, now, env, "run", "--config", cfg, "--no-resume", "--progress", "never", "-q")
		if code != 0 {
			t.Fatalf("week %d: mine run --config = %d\nstdout:\n%s\nstderr:\n%s", week, code, out, errs)
		}
		t.Logf("week %d summary:\n%s", week, out)
		_, wk := dev.sim.Now().Add(-time.Second).ISOWeek()
		if !strings.Contains(out, "edge") || !strings.Contains(out, fmt.Sprintf("W%02d", wk)) {
			t.Errorf("week %d summary does not name the target and ISO week W%02d:\n%s", week, wk, out)
		}
		book := filepath.Join(dir, "reports", fmt.Sprintf("mine-edge-2026-W%02d.xlsx", wk))
		if _, err := os.Stat(book); err != nil {
			t.Errorf("week %d workbook: %v", week, err)
		}
	}
	// the same week again, an hour later: replaced, not added
	code, out, errs := runAt(t, runs[1].Add(time.Hour), env, "run", "--config", cfg, "--no-resume", "--progress", "never", "-q")
	if code != 0 {
		t.Fatalf("rerun = %d: %s%s", code, out, errs)
	}

	store, err := history.Open(ctx, filepath.Join(dir, "history.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	trend, err := store.Trend(ctx, "edge")
	if err != nil {
		t.Fatal(err)
	}
	if len(trend) != 2 {
		t.Fatalf("history has %d runs of edge; want 2 (the rerun replaces week 2)", len(trend))
	}
	for i, p := range trend {
		wantWin := mine.Window{From: weeklyEpoch.Add(time.Duration(i) * 7 * 24 * time.Hour), To: weeklyEpoch.Add(time.Duration(i+1) * 7 * 24 * time.Hour)}
		if p.Window != wantWin {
			t.Errorf("run %d window = %s; want the ISO week %s", i+1, p.Window, wantWin)
		}
	}
	// Week 1: the simulator's counter started inside the window, so the
	// whole counter is the week's; week 2 is the difference of the two
	// counters the device reported.
	if !trend[0].HitsKnown || uint64(trend[0].CatchAllHits) != counters[0] {
		t.Errorf("week 1 catch-all hits = %d (known %v); the device's counter says %d", trend[0].CatchAllHits, trend[0].HitsKnown, counters[0])
	}
	if want := counters[1] - counters[0]; !trend[1].HitsKnown || uint64(trend[1].CatchAllHits) != want {
		t.Errorf("week 2 catch-all hits = %d; the device's counters say %d - %d = %d", trend[1].CatchAllHits, counters[1], counters[0], want)
	}
	if trend[1].ClientSessions == 0 || trend[1].Verdict == "" {
		t.Errorf("week 2 = %+v; want client sessions and a verdict", trend[1])
	}

	// The key is nowhere on disk: not in the database, not in a report.
	key := []byte(dev.sim.APIKey())
	filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || filepath.Base(path) == "mine.yaml" {
			return nil
		}
		b, err := os.ReadFile(path)
		if err == nil && bytes.Contains(b, key) {
			t.Errorf("%s contains the API key", path)
		}
		return nil
	})

	// mine history prints the trend from the database
	// (piped, tab-separated: a header and one line per run)
	code, out, errs = runAt(t, runs[1], nil, "history", "--db", filepath.Join(dir, "history.db"))
	if code != 0 || !strings.HasPrefix(out, "TARGET\tWEEK\t") || strings.Count(out, "\nedge\t") != 2 || strings.Count(out, "\n") != 3 {
		t.Errorf("mine history = %d:\n%s%s", code, out, errs)
	}
	code, out, errs = runAt(t, runs[1], nil, "history", "--db", filepath.Join(dir, "history.db"), "--format", "table")
	if code != 0 || !strings.Contains(out, "edge:") || !strings.Contains(out, "│ WEEK ") {
		t.Errorf("mine history --format table = %d:\n%s%s", code, out, errs)
	}
}

// gate holds the simulator's first log query until released, so a first
// weekly job is still running when the second starts.
type gate struct {
	next    http.Handler
	once    sync.Once
	entered chan struct{}
	release chan struct{}
}

func (g *gate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	if t := r.Form.Get("type"); t == "log" || t == "report" { // the first collection request
		first := false
		g.once.Do(func() { first = true; close(g.entered) })
		if first { // only the first query waits: nothing else can hang on it
			<-g.release
		}
	}
	g.next.ServeHTTP(w, r)
}

// Two weekly jobs never overlap: while one runs, a second is refused with
// exit code 1 and told who holds the lock; once the first is done, the next
// runs.
func TestRunConfigRefusesConcurrentRun(t *testing.T) {
	g := &gate{entered: make(chan struct{}), release: make(chan struct{})}
	dev := newWeeklyDevice(t, 4, func(h http.Handler) http.Handler { g.next = h; return g })
	dev.sim.Advance(7 * 24 * time.Hour)
	dir := t.TempDir()
	cfg := dev.writeConfig(t, dir, "")
	env := map[string]string{"EDGE_KEY": dev.sim.APIKey()}
	now := dev.sim.Now().Add(time.Hour)

	first := make(chan int, 1)
	go func() {
		code, out, errs := runAt(t, now, env, "run", "--config", cfg, "--no-resume", "--progress", "never", "-q")
		if code != 0 {
			t.Errorf("first run = %d: %s%s", code, out, errs)
		}
		first <- code
	}()
	select {
	case <-g.entered:
	case <-time.After(30 * time.Second):
		close(g.release)
		t.Fatal("the first run never queried logs")
	}
	code, _, errs := runAt(t, now, env, "run", "--config", cfg, "--no-resume", "--progress", "never", "-q")
	close(g.release)
	if code != exitFailure || !strings.Contains(errs, "another mine run holds the lock") || !strings.Contains(errs, "pid "+strconv.Itoa(os.Getpid())) {
		t.Errorf("second run while the first runs = %d, %q; want %d, the lock and its holder's pid", code, errs, exitFailure)
	}
	if c := <-first; c != 0 {
		return
	}
	code, out, errs := runAt(t, now.Add(time.Minute), env, "run", "--config", cfg, "--no-resume", "--progress", "never", "-q")
	if code != 0 {
		t.Errorf("run after the first finished = %d: %s%s", code, out, errs)
	}
}

func TestLoadConfig(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "fw2.key")
	os.WriteFile(keyFile, []byte("KEY-FROM-FILE\n"), 0o600)
	base := `targets:
  - name: edge
    host: fw1.example.net
    api_key_env: EDGE_KEY
`
	tests := []struct {
		name    string
		yaml    string
		env     map[string]string
		wantErr string
		check   func(t *testing.T, jc *jobConfig)
	}{
		{name: "issue example and defaults", yaml: `targets:
  - name: edge
    host: fw1.example.net
    port: 443
    api_key_env: PANOS_API_KEY
    insecure_skip_verify: false
    vsys: vsys1
    catch_all: [Allow-Web-Ports]
window: 7d
output_dir: /var/lib/mine/reports
db: /var/lib/mine/history.db
`, env: map[string]string{"PANOS_API_KEY": "k1"}, check: func(t *testing.T, jc *jobConfig) {
			tg := jc.targets[0]
			if tg.conn.APIKey != "k1" || tg.conn.Host != "fw1.example.net" || tg.conn.Port != 443 || tg.target.Vsys != "vsys1" ||
				tg.catchAll[0] != "Allow-Web-Ports" || jc.window != 7*24*time.Hour || jc.align != "week" ||
				jc.db != "/var/lib/mine/history.db" || jc.lockFile != "/var/lib/mine/history.db.lock" || jc.outputDir != "/var/lib/mine/reports" {
				t.Errorf("config = %+v, target %+v", jc, tg)
			}
		}},
		{name: "key file, owners mapping, thresholds, retention, HA peer", yaml: `targets:
  - name: dc
    host: fw2
    api_key_file: ` + keyFile + `
    ha_peer: {host: fw2b}
window: 2d
retention: 26w
owners:
  10.20.0.0/16: dmz-apps
  "*.corp.example": web-team
thresholds: {min_window: 14d, max_weekly_sessions: 5}
`, check: func(t *testing.T, jc *jobConfig) {
			tg := jc.targets[0]
			if tg.conn.APIKey != "KEY-FROM-FILE" || tg.peer == nil || tg.peer.Host != "fw2b" || tg.peer.APIKey != "KEY-FROM-FILE" ||
				jc.align != "day" || jc.retention != 26*7*24*time.Hour || jc.readiness.MinWindow != 14*24*time.Hour ||
				jc.readiness.MaxWeeklySessions != 5 || len(jc.owners) != 2 || jc.owners[1] != (mine.Owner{Pattern: "*.corp.example", Team: "web-team"}) {
				t.Errorf("config = %+v, target %+v", jc, tg)
			}
		}},
		{name: "unknown key", yaml: base + "windoow: 7d\n", env: map[string]string{"EDGE_KEY": "k"}, wantErr: `mine.yaml line 5: unknown key "windoow" (did you mean "window"?)`},
		{name: "unknown key in a target", yaml: base + "    hots: fw2\n", env: map[string]string{"EDGE_KEY": "k"}, wantErr: `mine.yaml line 5: unknown key "hots" in targets[0] (did you mean "host"?)`},
		{name: "unknown key, nothing near", yaml: base + "thresholds: {zzz: 1}\n", env: map[string]string{"EDGE_KEY": "k"}, wantErr: `line 5: unknown key "zzz" in thresholds (known: freshness, max_weekly_sessions, min_window, recent)`},
		{name: "value of the wrong kind", yaml: base + "    port: https\n", env: map[string]string{"EDGE_KEY": "k"}, wantErr: `mine.yaml line 5: targets[0].port: want a whole number, got "https"`},
		{name: "a flag that is not one", yaml: base + "json: sometimes\n", env: map[string]string{"EDGE_KEY": "k"}, wantErr: `line 5: json: want true or false, got "sometimes"`},
		{name: "bad threshold", yaml: base + "thresholds:\n  recent: soon\n", env: map[string]string{"EDGE_KEY": "k"}, wantErr: `mine.yaml line 6: thresholds.recent: invalid duration "soon"`},
		{name: "not YAML", yaml: "targets: [\n", wantErr: "mine.yaml: line 1"},
		{name: "key variable unset", yaml: base, wantErr: "mine.yaml line 2: target edge: environment variable EDGE_KEY (api_key_env) is not set"},
		{name: "no key at all", yaml: "targets:\n  - {name: a, host: h}\n", wantErr: "no API key"},
		{name: "bad window", yaml: base + "window: 7x\n", env: map[string]string{"EDGE_KEY": "k"}, wantErr: `mine.yaml line 5: window: invalid duration "7x"`},
		{name: "two targets one name", yaml: base + "  - {name: edge, host: fw9, api_key_env: EDGE_KEY}\n", env: map[string]string{"EDGE_KEY": "k"}, wantErr: "mine.yaml line 5: target edge is listed twice"},
		{name: "vsys and device group", yaml: "targets:\n  - {name: a, host: h, api_key_env: K, vsys: vsys1, device_group: DG}\n", env: map[string]string{"K": "k"}, wantErr: "not both"},
		{name: "name unfit for a file", yaml: "targets:\n  - {name: ../x, host: h, api_key_env: K}\n", env: map[string]string{"K": "k"}, wantErr: "name"},
		{name: "no targets", yaml: "window: 7d\n", wantErr: "no targets"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "mine.yaml")
			os.WriteFile(path, []byte(tc.yaml), 0o600)
			var errb bytes.Buffer
			d := &deps{getenv: func(k string) string { return tc.env[k] }, global: &globalOptions{},
				logger: slog.New(slog.NewTextHandler(&errb, nil))}
			jc, err := loadConfig(d, path, "")
			if tc.wantErr != "" {
				var ue usageError
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !errors.As(err, &ue) {
					t.Fatalf("loadConfig = %v; want a usage error containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("loadConfig: %v", err)
			}
			tc.check(t, jc)
		})
	}
}

// A configuration file (or key file) others can read gets a warning;
// a private one does not.
func TestConfigReadableWarning(t *testing.T) {
	for _, mode := range []os.FileMode{0o600, 0o640, 0o644} {
		dir := t.TempDir()
		path := filepath.Join(dir, "mine.yaml")
		os.WriteFile(path, []byte("targets:\n  - {name: a, host: h, api_key_env: K}\n"), 0o600)
		os.Chmod(path, mode)
		var errb bytes.Buffer
		d := &deps{getenv: func(k string) string { return "k" }, global: &globalOptions{}, logger: slog.New(slog.NewTextHandler(&errb, nil))}
		if _, err := loadConfig(d, path, ""); err != nil {
			t.Fatal(err)
		}
		warned := strings.Contains(errb.String(), "readable by group or others")
		if want := mode&0o044 != 0; warned != want {
			t.Errorf("config mode %04o: warned %v; want %v (%s)", mode, warned, want, errb.String())
		}
	}
}

func TestWindowAlignment(t *testing.T) {
	// Thursday 2026-11-26 14:37:09 UTC, ISO week 48
	now := time.Date(2026, 11, 26, 15, 37, 9, 0, time.FixedZone("CET", 3600))
	tests := []struct {
		align       string
		window      time.Duration
		from, to    time.Time
		wantISOWeek string
	}{
		{"week", 7 * 24 * time.Hour, time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC), "2026-W47"},
		{"week", 14 * 24 * time.Hour, time.Date(2026, 11, 9, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC), "2026-W47"},
		{"day", 24 * time.Hour, time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC), "2026-W48"},
		{"hour", 36 * time.Hour, time.Date(2026, 11, 25, 2, 0, 0, 0, time.UTC), time.Date(2026, 11, 26, 14, 0, 0, 0, time.UTC), "2026-W48"},
	}
	for _, tc := range tests {
		jc := &jobConfig{align: tc.align, window: tc.window}
		w := jc.windowAt(now)
		if !w.From.Equal(tc.from) || !w.To.Equal(tc.to) || isoWeek(w) != tc.wantISOWeek {
			t.Errorf("windowAt(%s, %s) = %s (%s); want %s/%s (%s)", tc.align, tc.window, w, isoWeek(w), tc.from, tc.to, tc.wantISOWeek)
		}
	}
	// a Monday just after midnight still reports the week that ended
	mon := time.Date(2027, 1, 4, 0, 5, 0, 0, time.UTC)
	if w := (&jobConfig{align: "week", window: 7 * 24 * time.Hour}).windowAt(mon); isoWeek(w) != "2026-W53" {
		t.Errorf("windowAt(%s) is ISO week %s; want 2026-W53", mon, isoWeek(w))
	}
}

func TestRunConfigUsage(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "mine.yaml")
	os.WriteFile(cfg, []byte("targets:\n  - {name: a, host: h, api_key_env: K}\n"), 0o600)
	code, _, errs := runCLI(t, map[string]string{"K": "k"}, "run", "--config", cfg, "--host", "fw")
	if code != exitUsage || !strings.Contains(errs, "--host") {
		t.Errorf("run --config with --host = %d, %q; want %d", code, errs, exitUsage)
	}
	code, _, errs = runCLI(t, nil, "run", "--config", filepath.Join(dir, "missing.yaml"))
	if code != exitUsage {
		t.Errorf("run --config missing file = %d, %q; want %d", code, errs, exitUsage)
	}
	// an unreachable device fails its target with exit code 3
	os.WriteFile(cfg, []byte(fmt.Sprintf("targets:\n  - {name: a, host: 127.0.0.1, port: 1, api_key_env: K}\ndb: %s\noutput_dir: %s\ntimeout: 2s\n",
		filepath.Join(dir, "h.db"), dir)), 0o600)
	code, out, errs := runCLI(t, map[string]string{"K": "k"}, "run", "--config", cfg, "--no-resume", "--progress", "never")
	if code != exitDevice || !strings.Contains(out, "FAILED") {
		t.Errorf("run --config against a closed port = %d; want %d and a FAILED line\nstdout:\n%s\nstderr:\n%s", code, exitDevice, out, errs)
	}
}

// mine run --db keeps a run given on the command line too, under the
// host's name; the same window again replaces it.
func TestRunFlagsWithDB(t *testing.T) {
	dev := newWeeklyDevice(t, 5, nil)
	dev.sim.Advance(3 * 24 * time.Hour)
	db := filepath.Join(t.TempDir(), "h.db")
	env := map[string]string{"PANOS_API_KEY": dev.sim.APIKey()}
	args := []string{"run", "--host", dev.host.host, "--port", strconv.Itoa(dev.host.port), "--ca-file", dev.cert,
		"--since", "2d", "--until", dev.sim.Now().Format(time.RFC3339), "--db", db, "--out", "", "--json", os.DevNull,
		"--no-resume", "--progress", "never", "-q"}
	for i := 0; i < 2; i++ {
		if code, out, errs := runAt(t, dev.sim.Now().Add(time.Hour), env, args...); code != 0 {
			t.Fatalf("mine run --db = %d: %s%s", code, out, errs)
		}
	}
	store, err := history.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	trend, err := store.Trend(context.Background(), dev.host.host)
	if err != nil || len(trend) != 1 || trend[0].Window.Duration() != 48*time.Hour {
		t.Errorf("history of %s = %+v, %v; want one 2-day run", dev.host.host, trend, err)
	}
}

// An HA pair keeps two counters; the history sums the two devices' deltas,
// each counted against its own previous snapshot.
func TestRunConfigHAPeer(t *testing.T) {
	fw := newWeeklyDevice(t, 7, nil)
	peer := newWeeklyDeviceKey(t, 8, fw.sim.APIKey(), nil) // another serial, the same credentials
	dir := t.TempDir()
	pems, _ := os.ReadFile(fw.cert)
	peerPEM, _ := os.ReadFile(peer.cert)
	both := filepath.Join(dir, "ca.pem")
	os.WriteFile(both, append(pems, peerPEM...), 0o600)
	fw.cert = both
	cfg := fw.writeConfig(t, dir, "")
	b, _ := os.ReadFile(cfg)
	b = bytes.Replace(b, []byte("    vsys: vsys1\n"), []byte(fmt.Sprintf("    vsys: vsys1\n    ha_peer: {host: %s, port: %d}\n", peer.host.host, peer.host.port)), 1)
	os.WriteFile(cfg, b, 0o600)
	env := map[string]string{"EDGE_KEY": fw.sim.APIKey()}

	var sums []uint64
	for week := 1; week <= 2; week++ {
		fw.sim.Advance(7 * 24 * time.Hour)
		peer.sim.Advance(7 * 24 * time.Hour)
		sums = append(sums, fw.catchAllCounter(t)+peer.catchAllCounter(t))
		if code, out, errs := runAt(t, fw.sim.Now().Add(time.Hour), env, "run", "--config", cfg, "--no-resume", "--progress", "never", "-q"); code != 0 {
			t.Fatalf("week %d = %d: %s%s", week, code, out, errs)
		}
	}
	store, err := history.Open(context.Background(), filepath.Join(dir, "history.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	trend, err := store.Trend(context.Background(), "edge")
	if err != nil || len(trend) != 2 {
		t.Fatalf("trend = %+v, %v", trend, err)
	}
	if uint64(trend[0].CatchAllHits) != sums[0] || uint64(trend[1].CatchAllHits) != sums[1]-sums[0] {
		t.Errorf("catch-all hits = %d, %d; the two devices' counters say %d, %d", trend[0].CatchAllHits, trend[1].CatchAllHits, sums[0], sums[1]-sums[0])
	}
	ds, err := store.Deltas(context.Background(), trend[1].RunID)
	if err != nil {
		t.Fatal(err)
	}
	serials := map[string]bool{}
	for _, d := range ds {
		serials[d.Serial] = true
	}
	if len(serials) != 2 {
		t.Errorf("week 2 deltas cover serials %v; want the firewall and its peer", serials)
	}
}

// A weekly job interrupted while it collects exits 130 and leaves nothing
// in the history; the next run stores the week as if nothing happened.
func TestRunConfigInterrupted(t *testing.T) {
	g := &gate{entered: make(chan struct{}), release: make(chan struct{})}
	dev := newWeeklyDevice(t, 9, func(h http.Handler) http.Handler { g.next = h; return g })
	dev.sim.Advance(7 * 24 * time.Hour)
	dir := t.TempDir()
	cfg := dev.writeConfig(t, dir, "")
	env := map[string]string{"EDGE_KEY": dev.sim.APIKey()}
	now := dev.sim.Now().Add(time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		code, _, _ := runAtCtx(t, ctx, now, env, "run", "--config", cfg, "--no-resume", "--progress", "never", "-q")
		done <- code
	}()
	<-g.entered
	cancel()
	close(g.release)
	if code := <-done; code != exitInterrupted {
		t.Errorf("interrupted run = %d; want %d", code, exitInterrupted)
	}
	store, err := history.Open(context.Background(), filepath.Join(dir, "history.db"))
	if err != nil {
		t.Fatal(err)
	}
	if targets, err := store.Targets(context.Background()); err != nil || len(targets) != 0 {
		t.Errorf("history after an interrupted run holds %v, %v; want nothing", targets, err)
	}
	store.Close()
	if code, out, errs := runAt(t, now, env, "run", "--config", cfg, "--no-resume", "--progress", "never", "-q"); code != 0 {
		t.Errorf("run after the interruption = %d: %s%s", code, out, errs)
	}
}

func TestHistoryPath(t *testing.T) {
	tests := []struct {
		flag, cfg string
		env       map[string]string
		want      string
	}{
		{"/a.db", "/c.db", map[string]string{"MINE_DB": "/e.db"}, "/a.db"},
		{"", "/c.db", map[string]string{"MINE_DB": "/e.db"}, "/e.db"},
		{"", "/c.db", nil, "/c.db"},
		{"", "", map[string]string{"XDG_STATE_HOME": "/state", "HOME": "/home/u"}, "/state/mine/history.db"},
		{"", "", map[string]string{"HOME": "/home/u"}, "/home/u/.local/state/mine/history.db"},
	}
	for _, tc := range tests {
		d := &deps{getenv: func(k string) string { return tc.env[k] }}
		if got := historyPath(d, tc.flag, tc.cfg); got != tc.want {
			t.Errorf("historyPath(%q, %q, %v) = %q; want %q", tc.flag, tc.cfg, tc.env, got, tc.want)
		}
	}
}
