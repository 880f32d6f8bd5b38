package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/panos-mine/mine"
)

// truth is the simulator's planted ground truth, read from `mine sim truth`
// JSON: the test does not share the simulator's Go types.
type truth struct {
	TimeZone         string    `json:"time_zone"`
	CatchAll         []string  `json:"catch_all"`
	CatchAllServices []service `json:"catch_all_services"`
	CoveredServices  []service `json:"covered_services"`
	OpaqueServices   []service `json:"opaque_services"`
	Scanners         []struct {
		Source  string   `json:"source"`
		Targets []string `json:"targets"`
	} `json:"scanners"`
	ScannerOnly []string `json:"scanner_only_destinations"`
}

type service struct {
	Name        string `json:"name"`
	Destination string `json:"destination"`
	Application string `json:"application"`
	Port        int    `json:"port"`
}

// runCLI runs mine in-process and returns exit code, stdout and stderr.
func runCLI(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, stdio{in: strings.NewReader(""), out: &out, err: &errb}, func(k string) string { return env[k] })
	return code, out.String(), errb.String()
}

func simTruth(t *testing.T, seed int64) truth {
	t.Helper()
	code, out, errs := runCLI(t, nil, "sim", "truth", "--seed", strconv.FormatInt(seed, 10))
	if code != 0 {
		t.Fatalf("mine sim truth = %d: %s", code, errs)
	}
	var tr truth
	if err := json.Unmarshal([]byte(out), &tr); err != nil {
		t.Fatalf("truth JSON: %v", err)
	}
	if len(tr.CatchAllServices) < 5 {
		t.Fatalf("truth for seed %d plants %d catch-all services; the simulator promises at least 5", seed, len(tr.CatchAllServices))
	}
	return tr
}

// The demo, run as a user runs it, recovers every planted catch-all service
// and suggests nothing for scanner-only or covered traffic, on several seeds.
func TestDemoRecoversPlantedServices(t *testing.T) {
	for _, seed := range []int64{1, 2, 3} {
		t.Run("seed "+strconv.FormatInt(seed, 10), func(t *testing.T) {
			dir := t.TempDir()
			xlsx, js := filepath.Join(dir, "x.xlsx"), filepath.Join(dir, "x.json")
			code, out, errs := runCLI(t, nil, "demo", "--seed", strconv.FormatInt(seed, 10), "--out", xlsx, "--json", js)
			if code != 0 {
				t.Fatalf("mine demo = %d; stderr:\n%s", code, errs)
			}
			tr := simTruth(t, seed)
			var doc struct {
				CatchAll    []string `json:"catch_all"`
				Window      struct{ From, To string }
				Status      map[string]int64 `json:"status_counts"`
				Suggestions []struct {
					Name        string   `json:"name"`
					Destination []string `json:"destination"`
					Application []string `json:"application"`
					Ports       []int    `json:"ports"`
					Sessions    int64    `json:"sessions"`
					URLs        int      `json:"urls"`
				} `json:"suggestions"`
				Scanners []struct {
					Source string `json:"source"`
				} `json:"scanners"`
				HitCounts []struct {
					Rule     string  `json:"rule"`
					HitCount uint64  `json:"hit_count"`
					FirstHit *string `json:"first_hit"`
					LastHit  *string `json:"last_hit"`
				} `json:"hit_counts"`
			}
			b, err := os.ReadFile(js)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, &doc); err != nil {
				t.Fatalf("report JSON: %v", err)
			}
			if !slices.Equal(doc.CatchAll, tr.CatchAll) {
				t.Errorf("catch_all = %v; planted %v", doc.CatchAll, tr.CatchAll)
			}
			for _, ts := range []string{doc.Window.From, doc.Window.To} {
				if _, err := time.Parse(time.RFC3339, ts); err != nil {
					t.Errorf("window time %q is not RFC 3339", ts)
				}
			}
			for _, svc := range tr.CatchAllServices {
				found := false
				for _, s := range doc.Suggestions {
					if slices.Contains(s.Destination, svc.Destination) && slices.Contains(s.Application, svc.Application) && slices.Contains(s.Ports, svc.Port) {
						found = true
						if s.Sessions <= 0 || s.URLs <= 0 {
							t.Errorf("suggestion %s has no evidence: %+v", s.Name, s)
						}
					}
				}
				if !found {
					t.Errorf("planted catch-all service %+v got no suggestion", svc)
				}
			}
			bad := map[string]string{}
			for _, d := range tr.ScannerOnly {
				bad[d] = "scanner-only destination"
			}
			for _, c := range tr.CoveredServices {
				bad[c.Destination+"/"+c.Application] = "service covered by an App-ID rule"
			}
			for _, s := range doc.Suggestions {
				for _, d := range s.Destination {
					if why, ok := bad[d]; ok {
						t.Errorf("suggestion %s names %s, a %s", s.Name, d, why)
					}
					if why, ok := bad[d+"/"+s.Application[0]]; ok {
						t.Errorf("suggestion %s names %s, a %s", s.Name, d, why)
					}
				}
			}
			if len(doc.Suggestions) != len(tr.CatchAllServices) {
				t.Errorf("%d suggestions for %d planted catch-all services", len(doc.Suggestions), len(tr.CatchAllServices))
			}
			var found, planted []string
			for _, sc := range doc.Scanners {
				found = append(found, sc.Source)
			}
			for _, sc := range tr.Scanners {
				planted = append(planted, sc.Source)
			}
			slices.Sort(found)
			slices.Sort(planted)
			if !slices.Equal(found, planted) {
				t.Errorf("scanners found %v; planted %v", found, planted)
			}
			if doc.Status["200"] == 0 || doc.Status["404"] == 0 {
				t.Errorf("status_counts = %v; want 200s and 404s", doc.Status)
			}
			var caHits uint64
			for _, h := range doc.HitCounts {
				if slices.Contains(tr.CatchAll, h.Rule) {
					caHits = h.HitCount
					if h.FirstHit == nil || h.LastHit == nil {
						t.Errorf("catch-all hit count %+v lacks first/last hit", h)
					}
				}
			}
			if caHits == 0 {
				t.Errorf("catch-all hit count is 0")
			}
			if !strings.Contains(out, tr.CatchAll[0]) {
				t.Errorf("summary on stdout does not name the catch-all %q:\n%s", tr.CatchAll[0], out)
			}
			checkWorkbook(t, xlsx, len(doc.Suggestions))
		})
	}
}

func checkWorkbook(t *testing.T, path string, suggestions int) {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatalf("open workbook: %v", err)
	}
	defer f.Close()
	want := []string{"Summary", "Suggested Rules", "Catch-all URLs", "Status Codes", "Rule Hit Counts"}
	if got := f.GetSheetList(); len(got) < len(want) || !slices.Equal(got[:len(want)], want) {
		t.Fatalf("sheets = %v; want %v", got, want)
	}
	// the analysis sheets follow, filled from the demo's planted estate
	for _, sh := range []string{"Coverage", "App Team Handoff", "Scanners", "Readiness", "About"} {
		if !slices.Contains(f.GetSheetList(), sh) {
			t.Errorf("workbook lacks sheet %s; has %v", sh, f.GetSheetList())
		}
	}
	for _, sh := range append(want, "Coverage", "App Team Handoff", "Scanners", "Readiness") {
		rows, err := f.GetRows(sh)
		if err != nil {
			t.Fatalf("read %s: %v", sh, err)
		}
		if len(rows) < 2 {
			t.Errorf("sheet %s has %d rows; want data", sh, len(rows))
		}
		if sh == "Suggested Rules" && len(rows) != suggestions+1 {
			t.Errorf("Suggested Rules has %d rows; want header + %d", len(rows), suggestions)
		}
	}
}

// Everything the simulator logged in the window is collected: the window is
// rendered in the device's time zone (not UTC), and paging loses nothing.
func TestDemoCollectsEveryThreatLog(t *testing.T) {
	d := &deps{io: stdio{out: io.Discard, err: io.Discard}, getenv: func(string) string { return "" }, now: time.Now,
		global: &globalOptions{}, logger: slog.New(slog.DiscardHandler)}
	r, sim, err := runDemo(context.Background(), d, &demoOptions{seed: 5, days: 2})
	if err != nil {
		t.Fatal(err)
	}
	// the demo collects with the device's reports, which count responses
	// (repeat counts summed), not entries
	if r.Collection == nil || r.Collection.Evidence == nil || r.Collection.Evidence.Mode != mine.EvidenceReport {
		t.Fatalf("demo collection %+v; want report evidence", r.Collection)
	}
	if n := sim.LogResponses(); n == 0 || r.Totals.Responses != int64(n) || r.Totals.ThreatLogs != int64(n) {
		t.Errorf("counted %d responses in %d threat logs; the simulator's threat logs stand for %d", r.Totals.Responses, r.Totals.ThreatLogs, n)
	}
	if r.Device.TimeZone == "UTC" || r.Device.TimeZone == "" {
		t.Errorf("device time zone = %q; the simulator runs on a non-UTC zone", r.Device.TimeZone)
	}
	var _ mine.Report = *r
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		args []string
		code int
		msg  string
	}{
		{"unknown flag", nil, []string{"run", "--nope"}, exitUsage, "unknown flag"},
		{"no host", map[string]string{"PANOS_API_KEY": "k"}, []string{"run"}, exitUsage, "--host"},
		{"no credentials", nil, []string{"run", "--host", "fw"}, exitUsage, "PANOS_API_KEY"},
		{"bad since", map[string]string{"PANOS_API_KEY": "k"}, []string{"run", "--host", "fw", "--since", "7x"}, exitUsage, "--since"},
		{"host with scheme", map[string]string{"PANOS_API_KEY": "k"}, []string{"run", "--host", "https://fw"}, exitUsage, "without scheme"},
		{"bad location", map[string]string{"PANOS_API_KEY": "k"}, []string{"signatures", "deploy", "--host", "fw", "--location", "dg"}, exitUsage, "--location"},
		{"extra argument", nil, []string{"demo", "now"}, exitUsage, "unknown command"},
		{"too many jobs", map[string]string{"PANOS_API_KEY": "k"}, []string{"run", "--host", "fw", "--jobs", "9"}, exitUsage, "--jobs"},
		{"bad until", map[string]string{"PANOS_API_KEY": "k"}, []string{"run", "--host", "fw", "--until", "monday"}, exitUsage, "--until"},
		{"future until", map[string]string{"PANOS_API_KEY": "k"}, []string{"run", "--host", "fw", "--until", "2999-01-01T00:00:00Z"}, exitUsage, "future"},
		{"bad progress", map[string]string{"PANOS_API_KEY": "k"}, []string{"run", "--host", "fw", "--progress", "sometimes"}, exitUsage, "--progress"},
		{"bad faults", nil, []string{"sim", "serve", "--faults", "reset=x"}, exitUsage, "--faults"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errs := runCLI(t, tc.env, tc.args...)
			if code != tc.code || !strings.Contains(errs, tc.msg) {
				t.Errorf("mine %v = %d, %q; want %d and a message containing %q", tc.args, code, errs, tc.code, tc.msg)
			}
		})
	}
}

// A wrong key is refused with exit code 3, and the key never shows.
func TestWrongKeyExit3NoSecretShown(t *testing.T) {
	h, cert := serveSim(t, 1)
	const secret = "WRONG-KEY-c2VjcmV0"
	code, out, errs := runCLI(t, map[string]string{"PANOS_API_KEY": secret},
		"run", "--host", h.host, "--port", strconv.Itoa(h.port), "--ca-file", cert, "--json", "-", "--out", "", "--since", "1d")
	if code != exitDevice {
		t.Errorf("mine run with a wrong key = %d; want %d; stderr %s", code, exitDevice, errs)
	}
	if strings.Contains(out+errs, secret) {
		t.Errorf("output shows the API key:\n%s%s", out, errs)
	}
}

// An untrusted certificate is refused unless the user opts out.
func TestCertificateVerified(t *testing.T) {
	h, _ := serveSim(t, 1)
	env := map[string]string{"PANOS_USERNAME": "admin", "PANOS_PASSWORD": "paloalto"}
	code, _, errs := runCLI(t, env, "run", "--host", h.host, "--port", strconv.Itoa(h.port), "--json", "-", "--out", "", "--since", "1d")
	if code != exitDevice || !strings.Contains(errs, "certificate") {
		t.Errorf("mine run against a self-signed device = %d, %q; want %d and a certificate error", code, errs, exitDevice)
	}
	code, out, errs := runCLI(t, env, "run", "--host", h.host, "--port", strconv.Itoa(h.port), "--insecure-skip-verify", "--json", "-", "--out", "", "--since", "1d")
	if code != 0 || !strings.Contains(out, `"catch_all"`) {
		t.Errorf("mine run --insecure-skip-verify = %d; stderr %s", code, errs)
	}
}
