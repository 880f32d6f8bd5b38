package collect

import (
	"strings"
	"testing"
	"time"

	"github.com/panos-mine/mine"
)

// Values below are read off the recorded answers by hand.
func TestParseHitCountsRecorded(t *testing.T) {
	hits, err := ParseHitCounts(readReal(t, "demisto-get_rule_hitcounts_rule_hits.xml"))
	if err != nil {
		t.Fatalf("ParseHitCounts: %v", err)
	}
	if len(hits) != 10 {
		t.Fatalf("ParseHitCounts = %d rules; want 10 (8 rules and the two default rules)", len(hits))
	}
	byName := map[string]mine.RuleHits{}
	for _, h := range hits {
		if h.Vsys != "vsys1" {
			t.Errorf("rule %q vsys = %q; want vsys1", h.Rule, h.Vsys)
		}
		byName[h.Rule] = h
	}
	r1 := byName["Rule 1"]
	want := mine.RuleHits{Rule: "Rule 1", Vsys: "vsys1", HitCount: 24,
		FirstHit: time.Unix(1745953063, 0).UTC(), LastHit: time.Unix(1750872135, 0).UTC(),
		Created: time.Unix(1745952837, 0).UTC(), Modified: time.Unix(1745952837, 0).UTC()}
	if r1 != want {
		t.Errorf("Rule 1 = %+v; want %+v", r1, want)
	}
	if r2 := byName["Rule 2"]; r2.HitCount != 6 || !r2.FirstHit.Equal(time.Unix(1750869985, 0)) || !r2.Modified.Equal(time.Unix(1750870106, 0)) {
		t.Errorf("Rule 2 = %+v; want 6 hits, first hit 1750869985, modified 1750870106", r2)
	}
	d, ok := byName["interzone-default"]
	if !ok || d.HitCount != 0 || !d.FirstHit.IsZero() || !d.LastHit.IsZero() || !d.LastReset.IsZero() {
		t.Errorf("interzone-default = %+v, %v; want present, never hit (zero times)", d, ok)
	}
	if hits[0].Rule != "Rule 6" {
		t.Errorf("first rule = %q; want Rule 6 (document order kept)", hits[0].Rule)
	}
}

func TestParseHitCountsRejects(t *testing.T) {
	for name, body := range map[string]string{
		"error":     `<response status="error" code="17"><msg><line>invalid</line></msg></response>`,
		"bad count": `<response status="success"><result><rule-hit-count><vsys><entry name="vsys1"><rule-base><entry name="security"><rules><entry name="a"><hit-count>x</hit-count></entry></rules></entry></rule-base></entry></vsys></rule-hit-count></result></response>`,
		"bad time":  `<response status="success"><result><rule-hit-count><vsys><entry name="vsys1"><rule-base><entry name="security"><rules><entry name="a"><hit-count>1</hit-count><last-hit-timestamp>-5</last-hit-timestamp></entry></rules></entry></rule-base></entry></vsys></rule-hit-count></result></response>`,
		"not xml":   `<html>`,
	} {
		if _, err := ParseHitCounts([]byte(body)); err == nil {
			t.Errorf("ParseHitCounts(%s) = nil error; want an error", name)
		}
	}
}

func TestParseSystemInfoRecorded(t *testing.T) {
	d, err := ParseSystemInfo(readReal(t, "demisto-show_system_info.xml"))
	if err != nil {
		t.Fatalf("ParseSystemInfo: %v", err)
	}
	want := mine.Device{Hostname: "Panorama", Serial: "111111111111111", Model: "Panorama", Family: "pc",
		SWVersion: "10.0.9", MultiVsys: false, Panorama: true, ThreatVersion: "", AppVersion: "8496-7089"}
	if d != want {
		t.Errorf("ParseSystemInfo(recorded) = %+v; want %+v", d, want)
	}
	if _, err := ParseSystemInfo([]byte(`<response status="success"><result><system><hostname>x</hostname></system></result></response>`)); err == nil {
		t.Error("ParseSystemInfo(no model) = nil error; want an error")
	}
}

func TestParseRules(t *testing.T) {
	body := `<response status="success"><result><rules>
	<entry name="Allow-DNS" uuid="u1"><from><member>trust</member></from><to><member>untrust</member></to>
	  <source><member>any</member></source><destination><member>any</member></destination>
	  <application><member>dns</member></application><service><member>application-default</member></service><action>allow</action></entry>
	<entry name="Old" uuid="u2"><application><member>any</member></application><action>allow</action><disabled>yes</disabled></entry>
	<entry name="Allow-Web-Ports" uuid="u3"><from><member>any</member></from><to><member>any</member></to>
	  <application><member>any</member></application><service><member>any</member></service><action>allow</action>
	  <profile-setting><group><member>corp-profiles</member></group></profile-setting>
	  <option><disable-server-response-inspection>yes</disable-server-response-inspection></option><tag><member>legacy</member></tag></entry>
	</rules></result></response>`
	rules, err := ParseRules([]byte(body), "vsys1")
	if err != nil {
		t.Fatalf("ParseRules: %v", err)
	}
	if len(rules) != 3 {
		t.Fatalf("ParseRules = %d rules; want 3", len(rules))
	}
	ca := rules[2]
	if ca.Name != "Allow-Web-Ports" || ca.UUID != "u3" || ca.Position != 2 || ca.Location != "vsys1" || !ca.AllowsAnyApplication() ||
		len(ca.ProfileGroup) != 1 || ca.ProfileGroup[0] != "corp-profiles" || !ca.DisableServerResponseInspection || !ca.HasTag("legacy") {
		t.Errorf("catch-all rule = %+v; fields not as in the XML", ca)
	}
	if !rules[1].Disabled || rules[1].AllowsAnyApplication() {
		t.Errorf("disabled rule = %+v; want Disabled and not a catch-all", rules[1])
	}
	if rules[0].Application[0] != "dns" || rules[0].Service[0] != "application-default" {
		t.Errorf("Allow-DNS = %+v", rules[0])
	}
	if _, err := ParseRules([]byte(`<response status="success"><result><rules><entry name="a"/><entry name="a"/></rules></result></response>`), "vsys1"); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("ParseRules(duplicate) = %v; want a duplicate-name error", err)
	}
}

func TestVersionAtLeast(t *testing.T) {
	tests := []struct {
		v    string
		want bool
	}{{"8.1.0", true}, {"8.0.12", false}, {"10.2.9-h1", true}, {"9.0", true}, {"7", false}, {"x.y", false}}
	for _, tc := range tests {
		if got := versionAtLeast(tc.v, 8, 1); got != tc.want {
			t.Errorf("versionAtLeast(%q, 8, 1) = %v; want %v", tc.v, got, tc.want)
		}
	}
}

// The backoff doubles from RetryBase, is capped, carries jitter within
// [w/2, 3w/2), and stays sane for any attempt number.
func TestBackoff(t *testing.T) {
	c := &Client{RetryBase: 100 * time.Millisecond}
	for _, tc := range []struct {
		attempt int
		w       time.Duration
	}{{0, 100 * time.Millisecond}, {1, 200 * time.Millisecond}, {3, 800 * time.Millisecond}, {10, 10 * time.Second}, {70, 10 * time.Second}} {
		for range 50 {
			got := c.backoff(tc.attempt, 10*time.Second)
			if got < tc.w/2 || got >= tc.w*3/2 {
				t.Fatalf("backoff(%d) = %v; want within [%v, %v)", tc.attempt, got, tc.w/2, tc.w*3/2)
			}
		}
	}
}
