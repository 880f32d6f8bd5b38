package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/panos-mine/mine"
	"github.com/panos-mine/mine/collect"
	"github.com/panos-mine/mine/panosim"
	"github.com/panos-mine/mine/signatures"
)

// simEpoch is where the simulated devices of these tests start: a fixed
// Monday in the past, so every run sees the same traffic.
var simEpoch = time.Date(2026, 9, 7, 0, 0, 0, 0, time.UTC)

// simDevice is a simulated firewall served over HTTPS on loopback, with the
// CLI flags and environment that reach it.
type simDevice struct {
	sim  *panosim.Server
	host *simHost
	cert string
	env  map[string]string
}

// newSimDevice starts a simulator of seed at volume spd (sessions per
// working day), deploys the HTTP status signatures through the real
// client unless bare, and lets days of traffic flow.
func newSimDevice(t *testing.T, seed int64, spd int, days int, bare bool) *simDevice {
	t.Helper()
	return newSimDeviceWith(t, panosim.Options{Seed: seed, SessionsPerDay: spd}, days, bare)
}

// newSimDeviceWith is newSimDevice with more of the simulator's options.
func newSimDeviceWith(t *testing.T, o panosim.Options, days int, bare bool) *simDevice {
	t.Helper()
	o.Start, o.PollsBeforeFinish, o.Username, o.Password = simEpoch, -1, demoUser, demoPassword
	sim := panosim.New(o)
	h, err := startSim(sim, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.close() })
	cert := filepath.Join(t.TempDir(), "cert.pem")
	if err := os.WriteFile(cert, h.pem, 0o644); err != nil {
		t.Fatal(err)
	}
	if !bare {
		dep, err := signatures.Connect(context.Background(), collect.Config{Host: h.host, Port: h.port, APIKey: sim.APIKey(), RootCAs: h.pool})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := dep.Deploy(context.Background(), signatures.Default(), signatures.Location{}); err != nil {
			t.Fatal(err)
		}
	}
	sim.Advance(time.Duration(days) * 24 * time.Hour)
	return &simDevice{sim: sim, host: h, cert: cert, env: map[string]string{"PANOS_API_KEY": sim.APIKey()}}
}

// args is a command line against the device, the window ending at the
// simulator's clock.
func (s *simDevice) args(cmd ...string) []string {
	return append(cmd, "--host", s.host.host, "--port", strconv.Itoa(s.host.port), "--ca-file", s.cert,
		"--until", s.sim.Now().Format(time.RFC3339), "--no-resume", "--progress", "never", "--slice", "24h", "-q")
}

// config calls the simulator's XML API directly, as an administrator
// would: the test's hands, not mine's code.
func (s *simDevice) config(t *testing.T, form url.Values) {
	t.Helper()
	form.Set("key", s.sim.APIKey())
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("POST", "/api/", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	s.sim.ServeHTTP(rec, req)
	if body := rec.Body.String(); !strings.Contains(body, `status="success"`) {
		t.Fatalf("XML API %v: %s", form, body)
	}
}

// plantedTruth is the simulator's ground truth as `mine sim truth` prints
// it (the test does not share the simulator's Go types).
type plantedTruth struct {
	CatchAll         []string        `json:"catch_all"`
	CatchAllServices []plantedSvc    `json:"catch_all_services"`
	OpaqueServices   []plantedSvc    `json:"opaque_services"`
	CoveredServices  []plantedSvc    `json:"covered_services"`
	ScannerOnly      []string        `json:"scanner_only_destinations"`
	BrokenLinks      []plantedStatus `json:"broken_links"`
	ServerErrors     []plantedStatus `json:"server_errors"`
	Scanners         []struct {
		Source string `json:"source"`
	} `json:"scanners"`
}

type plantedSvc struct {
	Destination string `json:"destination"`
	Application string `json:"application"`
	Port        int    `json:"port"`
	DefaultPort bool   `json:"default_port"`
	Host        string `json:"host"`
}

type plantedStatus struct {
	Destination string `json:"destination"`
	Host        string `json:"host"`
	Path        string `json:"path"`
	Status      int    `json:"status"`
}

var truthCache sync.Map

func plantedTruthOf(t *testing.T, seed int64) plantedTruth {
	t.Helper()
	if v, ok := truthCache.Load(seed); ok {
		return v.(plantedTruth)
	}
	code, out, errs := runCLI(t, nil, "sim", "truth", "--seed", strconv.FormatInt(seed, 10))
	if code != 0 {
		t.Fatalf("mine sim truth = %d: %s", code, errs)
	}
	var tr plantedTruth
	if err := json.Unmarshal([]byte(out), &tr); err != nil {
		t.Fatalf("truth JSON: %v", err)
	}
	truthCache.Store(seed, tr)
	return tr
}

// score is precision and recall of found items against planted ones.
type score struct{ tp, found, planted, recalled int }

func (s score) precision() float64 {
	if s.found == 0 {
		return 1
	}
	return float64(s.tp) / float64(s.found)
}

func (s score) recall() float64 {
	if s.planted == 0 {
		return 1
	}
	return float64(s.recalled) / float64(s.planted)
}

func (s score) String() string {
	return fmt.Sprintf("P %.2f R %.2f (%d/%d found, %d/%d planted)", s.precision(), s.recall(), s.tp, s.found, s.recalled, s.planted)
}

// measure scores found against planted with match.
func measure[F, P any](found []F, planted []P, match func(F, P) bool) score {
	s := score{found: len(found), planted: len(planted)}
	for _, f := range found {
		for _, p := range planted {
			if match(f, p) {
				s.tp++
				break
			}
		}
	}
	for _, p := range planted {
		for _, f := range found {
			if match(f, p) {
				s.recalled++
				break
			}
		}
	}
	return s
}

// The report of `mine run`, as far as these tests read it.
type analysisDoc struct {
	Suggestions []mine.Suggestion `json:"suggestions"`
	Scanners    []mine.Scanner    `json:"scanners"`
	Findings    []mine.Finding    `json:"findings"`
	Coverage    mine.Coverage     `json:"coverage"`
	Readiness   []mine.Readiness  `json:"readiness"`
}

// The analysis recovers the simulator's planted truth, measured by
// precision and recall over real loopback HTTPS through the CLI, on
// several seeds and two volumes: suggestions the catch-all services
// (right service too: application-default exactly when the planted port
// is the application's default), scanners, broken links and failing
// servers.
func TestAnalysisRecoversPlantedTruth(t *testing.T) {
	const days = 2
	type run struct {
		seed int64
		spd  int
	}
	var runs []run
	for _, spd := range []int{800, 4000} {
		for _, seed := range []int64{1, 2, 3, 4} {
			runs = append(runs, run{seed, spd})
		}
	}
	for _, r := range runs {
		t.Run(fmt.Sprintf("seed %d spd %d", r.seed, r.spd), func(t *testing.T) {
			t.Parallel()
			tr := plantedTruthOf(t, r.seed)
			dev := newSimDevice(t, r.seed, r.spd, days, false)
			code, out, errs := runCLI(t, dev.env, dev.args("run", "--since", fmt.Sprint(days)+"d", "--out", "", "--json", "-")...)
			if code != 0 {
				t.Fatalf("mine run = %d: %s", code, errs)
			}
			var doc analysisDoc
			if err := json.Unmarshal([]byte(out), &doc); err != nil {
				t.Fatalf("report JSON: %v", err)
			}

			sug := measure(doc.Suggestions, tr.CatchAllServices, func(s mine.Suggestion, p plantedSvc) bool {
				return slices.Contains(s.Destination, p.Destination) && slices.Contains(s.Application, p.Application) && slices.Contains(s.Ports, p.Port)
			})
			for _, s := range doc.Suggestions {
				for _, p := range tr.CatchAllServices {
					if !slices.Contains(s.Destination, p.Destination) {
						continue
					}
					want := []string{"tcp-" + strconv.Itoa(p.Port)}
					if p.DefaultPort {
						want = []string{"application-default"}
					}
					if !slices.Equal(s.Service, want) {
						t.Errorf("suggestion %s service = %v; planted %s on port %d (default %v) wants %v", s.Name, s.Service, p.Application, p.Port, p.DefaultPort, want)
					}
				}
			}
			scan := measure(doc.Scanners, tr.Scanners, func(s mine.Scanner, p struct {
				Source string `json:"source"`
			}) bool {
				return s.Source == p.Source
			})
			findings := func(kind string) []mine.Finding {
				var out []mine.Finding
				for _, f := range doc.Findings {
					if f.Kind == kind {
						out = append(out, f)
					}
				}
				return out
			}
			hit := func(f mine.Finding, p plantedStatus) bool {
				return f.Destination == p.Destination && f.Status == p.Status && slices.Contains(f.Examples, p.Host+p.Path)
			}
			broken := measure(findings(mine.FindingBrokenLink), tr.BrokenLinks, hit)
			failing := measure(findings(mine.FindingServerError), tr.ServerErrors, hit)
			t.Logf("suggestions %s; scanners %s; broken links %s; server errors %s; coverage %.2f",
				sug, scan, broken, failing, doc.Coverage.CoveredShare)
			for _, c := range []struct {
				what string
				s    score
				min  float64
			}{{"suggestions", sug, 0.95}, {"scanners", scan, 0.95}, {"broken links", broken, 0.9}, {"server errors", failing, 0.9}} {
				if c.s.precision() < c.min || c.s.recall() < c.min {
					t.Errorf("%s: %s; want precision and recall at least %.2f", c.what, c.s, c.min)
				}
			}
		})
	}
}

// mine suggest prints the rules in every format; --apply shows the plan
// and, on a session that can place rules, creates them disabled above the
// catch-all, or changes nothing.
func TestSuggestCommand(t *testing.T) {
	dev := newSimDevice(t, 2, 1500, 1, false)
	tr := plantedTruthOf(t, 2)
	for _, format := range []string{"table", "tsv", "csv", "set", "xml", "json"} {
		code, out, errs := runCLI(t, dev.env, dev.args("suggest", "--since", "1d", "--format", format)...)
		if code != 0 {
			t.Fatalf("mine suggest --format %s = %d: %s", format, code, errs)
		}
		for _, svc := range tr.CatchAllServices {
			name := "mine-" + svc.Application + "-" + strings.ReplaceAll(svc.Destination, ".", "-")
			if format == "xml" || format == "json" {
				name = svc.Destination
			}
			if !strings.Contains(out, name) {
				t.Errorf("mine suggest --format %s does not name %s:\n%s", format, name, out)
			}
		}
		switch format {
		case "set":
			if !strings.Contains(out, "move rulebase security rules") || !strings.Contains(out, "disabled yes") {
				t.Errorf("set commands lack the move or the disabled flag:\n%s", out)
			}
		case "csv":
			recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
			if err != nil || len(recs) != len(tr.CatchAllServices)+1 || recs[0][0] != "name" {
				t.Errorf("suggest CSV = %v, %d records; want a header and one per planted service", err, len(recs))
			}
		case "json":
			var doc analysisDoc
			if err := json.Unmarshal([]byte(out), &doc); err != nil || len(doc.Suggestions) != len(tr.CatchAllServices) || doc.Coverage.Total == 0 {
				t.Errorf("suggest JSON = %v, %d suggestions, coverage %+v", err, len(doc.Suggestions), doc.Coverage)
			}
		}
	}

	rules := func() string {
		rec := httptest.NewRecorder()
		form := url.Values{"type": {"config"}, "action": {"get"}, "key": {dev.sim.APIKey()},
			"xpath": {"/config/devices/entry[@name='localhost.localdomain']/vsys/entry[@name='vsys1']/rulebase/security/rules"}}
		req := httptest.NewRequest("POST", "/api/", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		dev.sim.ServeHTTP(rec, req)
		return rec.Body.String()
	}
	before := rules()
	env := map[string]string{"PANOS_USERNAME": demoUser, "PANOS_PASSWORD": demoPassword}
	code, _, errs := runCLI(t, env, dev.args("suggest", "--since", "1d", "--format", "set", "--apply", "--yes")...)
	after := rules()
	switch {
	case code == exitFailure && strings.Contains(errs, "cannot move rules"):
		// The XML API session cannot move rules yet: nothing was written.
		if before != after {
			t.Errorf("mine suggest --apply failed but changed the candidate rules")
		}
	case code == 0:
		for _, svc := range tr.CatchAllServices {
			name := "mine-" + svc.Application + "-" + strings.ReplaceAll(svc.Destination, ".", "-")
			i, j := strings.Index(after, `name="`+name+`"`), strings.Index(after, `name="`+tr.CatchAll[0]+`"`)
			if i < 0 || j < 0 || i > j {
				t.Errorf("rule %s is not above %s after --apply", name, tr.CatchAll[0])
			}
		}
		if strings.Count(after, "<disabled>yes</disabled>") < len(tr.CatchAllServices) {
			t.Errorf("applied rules are not disabled:\n%s", after)
		}
	default:
		t.Errorf("mine suggest --apply = %d: %s", code, errs)
	}

	// Without --yes, a "no" changes nothing.
	var outb, errb strings.Builder
	code = run(context.Background(), dev.args("suggest", "--since", "1d", "--apply"),
		stdio{in: strings.NewReader("n\n"), out: &outb, err: &errb}, func(k string) string { return env[k] })
	if code != 0 && !strings.Contains(errb.String(), "cannot move rules") {
		t.Errorf("mine suggest --apply, answered no = %d: %s", code, errb.String())
	}
	if code == 0 && !strings.Contains(errb.String(), "nothing changed") && !strings.Contains(errb.String(), "nothing to apply") {
		t.Errorf("mine suggest --apply, answered no: stderr %s", errb.String())
	}
}
