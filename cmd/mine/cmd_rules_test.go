package main

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/panos-mine/mine"
	"github.com/panos-mine/mine/panosim"
)

// TestRulesConfigFile runs 'mine rules --config-file' on real public
// configurations with no device and no connection settings at all, and
// checks what the hand-worked answers in testdata/real/configs say.
func TestRulesConfigFile(t *testing.T) {
	const dir = "../../testdata/real/configs/"
	code, out, errOut := runCLI(t, nil, "rules", "--config-file", dir+"panos-php-stage00.xml", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var rb mine.RulebaseReport
	if err := json.Unmarshal([]byte(out), &rb); err != nil {
		t.Fatalf("JSON: %v\n%s", err, out)
	}
	// 58 rules and the two default rules; free-internet (position 1)
	// is the catch-all and shadows ntp (2); cleanup (57) shadows test-tag
	// (58) together with rule 45.
	if len(rb.Rules) != 60 || !slices.Equal(rb.CatchAll, []string{"free-internet"}) {
		t.Fatalf("%d rules, catch-all %v; want 60 and free-internet", len(rb.Rules), rb.CatchAll)
	}
	if r := rb.Rules[0]; !r.CatchAll || !r.PortBased || r.Location != "vsys1" || r.Position != 1 || r.Reason == "" || r.HitCount != nil {
		t.Errorf("rule 1 = %+v", r)
	}
	if r := rb.Rules[1]; r.Name != "ntp" || !slices.Equal(r.ShadowedBy, []string{"free-internet"}) {
		t.Errorf("rule 2 = %+v; want ntp shadowed by free-internet", r)
	}
	if r := rb.Rules[57]; r.Name != "test-tag" || !slices.Contains(r.ShadowedBy, "cleanup") {
		t.Errorf("rule 58 = %+v; want test-tag shadowed by cleanup", r)
	}
	if r := rb.Rules[59]; r.Name != "interzone-default" || r.Location != "default" {
		t.Errorf("rule 60 = %+v; want interzone-default", r)
	}

	// Panorama: ancestors' rules in order; TSV for scripts.
	code, out, errOut = runCLI(t, nil, "rules", "--config-file", dir+"panos-php-panorama-8.1.xml", "--device-group", "DE-Berlin Office", "--format", "tsv")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var locs []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n")[1:] {
		locs = append(locs, strings.Split(line, "\t")[1])
	}
	want := []string{"shared/pre", "shared/pre", "Perimeter-FWs/pre", "DE-Berlin Office/pre", "DE-Berlin Office/pre", "DE-Berlin Office/pre",
		"Perimeter-FWs/post", "shared/post", "default", "default"}
	if !slices.Equal(locs, want) {
		t.Errorf("locations %q; want %q", locs, want)
	}

	// Errors name what is wrong; a named shadowed rule is a usage error.
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"rules", "--config-file", dir + "panos-php-panorama-8.1.xml"}, 1, "name the device group"},
		{[]string{"rules", "--config-file", dir + "panos-php-stage00.xml", "--catch-all", "ntp"}, 2, `"ntp" can never match`},
		{[]string{"rules", "--config-file", dir + "nope.xml"}, 1, "no such file"},
		{[]string{"rules", "--config-file", dir + "panos-php-stage00.xml", "--format", "yaml"}, 2, "yaml"},
	} {
		code, _, errOut := runCLI(t, nil, tt.args...)
		if code != tt.code || !strings.Contains(errOut, tt.want) {
			t.Errorf("%v: exit %d, %q; want exit %d and %q", tt.args, code, errOut, tt.code, tt.want)
		}
	}
}

// TestSuggestConfigFile: the device's running configuration saved to a
// file and given with --config-file gives the same suggestions and
// coverage as the device's own rulebase, and 'mine rules' reads the same
// catch-all from it without a device.
func TestSuggestConfigFile(t *testing.T) {
	dev := newSimDevice(t, 3, 1500, 1, false)
	rec := httptest.NewRecorder()
	form := url.Values{"type": {"config"}, "action": {"show"}, "key": {dev.sim.APIKey()}, "xpath": {"/config"}}
	req := httptest.NewRequest("POST", "/api/", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	dev.sim.ServeHTTP(rec, req)
	file := filepath.Join(t.TempDir(), "running-config.xml")
	if err := os.WriteFile(file, rec.Body.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	suggest := func(extra ...string) analysisDoc {
		t.Helper()
		code, out, errs := runCLI(t, dev.env, dev.args(append([]string{"suggest", "--since", "1d", "--format", "json"}, extra...)...)...)
		if code != 0 {
			t.Fatalf("mine suggest %v = %d: %s", extra, code, errs)
		}
		var doc analysisDoc
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatal(err)
		}
		return doc
	}
	live, saved := suggest(), suggest("--config-file", file)
	if len(live.Suggestions) == 0 || !reflect.DeepEqual(live.Suggestions, saved.Suggestions) || live.Coverage.Covered != saved.Coverage.Covered {
		t.Errorf("suggestions from the device (%d, covered %d) and from its saved configuration (%d, covered %d) differ",
			len(live.Suggestions), live.Coverage.Covered, len(saved.Suggestions), saved.Coverage.Covered)
	}
	code, out, errs := runCLI(t, nil, "rules", "--config-file", file, "--format", "json")
	if code != 0 {
		t.Fatalf("mine rules = %d: %s", code, errs)
	}
	var rb mine.RulebaseReport
	if err := json.Unmarshal([]byte(out), &rb); err != nil || !slices.Equal(rb.CatchAll, plantedTruthOf(t, 3).CatchAll) {
		t.Errorf("mine rules on the saved configuration: catch-all %v (%v); want the planted %v", rb.CatchAll, err, plantedTruthOf(t, 3).CatchAll)
	}
}

// TestObjectPolicyTruth runs the whole pipeline on panosim's ObjectPolicy
// scenario, whose rules above the catch-all use every kind of object (a
// service named tcp-8080 that is 8443, a dynamic group, users, an
// intrazone rule, a negated group...), and measures the suggestions
// against the planted truth: every service the catch-all carries gets a
// suggestion, and no service a rule above already carries does.
func TestObjectPolicyTruth(t *testing.T) {
	for _, seed := range []int64{1, 2} {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			dev := newSimDeviceWith(t, panosim.Options{Seed: seed, SessionsPerDay: 1500, ObjectPolicy: true}, 2, false)
			tr := dev.sim.Truth()
			code, out, errs := runCLI(t, dev.env, dev.args("run", "--since", "2d", "--out", "", "--json", "-")...)
			if code != 0 {
				t.Fatalf("mine run = %d: %s", code, errs)
			}
			var doc analysisDoc
			if err := json.Unmarshal([]byte(out), &doc); err != nil {
				t.Fatal(err)
			}
			sug := measure(doc.Suggestions, tr.CatchAllServices, func(s mine.Suggestion, p panosim.Service) bool {
				return slices.Contains(s.Destination, p.Destination) && slices.Contains(s.Application, p.Application) && slices.Contains(s.Ports, p.Port)
			})
			t.Logf("suggestions %s; coverage %+v", sug, doc.Coverage.CoveredShare)
			if sug.recall() < 1 || sug.precision() < 0.95 {
				t.Errorf("suggestions %s; want every catch-all service found", sug)
			}
			onCatchAll := map[string]bool{}
			for _, p := range tr.CatchAllServices {
				onCatchAll[p.Destination] = true
			}
			for _, c := range tr.CoveredServices {
				for _, s := range doc.Suggestions {
					if slices.Contains(s.Destination, c.Destination) && !onCatchAll[c.Destination] {
						t.Errorf("suggestion %s repeats %s, which %s already carries", s.Name, c.Destination, c.Rule)
					}
				}
			}
		})
	}
}
