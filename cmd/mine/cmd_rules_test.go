package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/panos-mine/mine"
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
