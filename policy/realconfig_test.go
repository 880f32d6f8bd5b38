package policy_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/panos-mine/mine/collect"
	"github.com/panos-mine/mine/policy"
)

// answers is the shape of testdata/real/configs/*.answers.json: what a
// person worked out by hand from each real configuration (the reasoning
// is in ANSWERS.md there).
type answers struct {
	File     string `json:"file"`
	Contexts []struct {
		Context string `json:"context"`
		Rules   []struct {
			Position   int      `json:"position"`
			Name       string   `json:"name"`
			Location   string   `json:"location"`
			Action     string   `json:"action"`
			Disabled   bool     `json:"disabled"`
			PortBased  bool     `json:"port_based"`
			ShadowedBy []string `json:"shadowed_by"`
			Unresolved []string `json:"unresolved"`
		} `json:"rules"`
		RuleCount      int     `json:"rule_count"`
		CatchAll       *string `json:"catch_all"`
		CatchAllReason string  `json:"catch_all_reason"`
		// Partial lists positions whose shadowing was not worked out.
		ShadowingChecked []int `json:"shadowing_checked"`
	} `json:"contexts"`
}

const realConfigs = "../testdata/real/configs"

// TestRealConfigurations reads every real public configuration in
// testdata with collect.ReadConfigFile and checks mine's model of each
// policy context against the answers worked out by hand: the rule order
// and locations (ancestors included), actions, port-based rules, what
// shadows what, unresolved references, and the catch-all chosen.
func TestRealConfigurations(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(realConfigs, "*.answers.json"))
	if err != nil || len(files) < 3 {
		t.Fatalf("want at least three answer files in %s, found %d (%v)", realConfigs, len(files), err)
	}
	for _, af := range files {
		var ans answers
		b, err := os.ReadFile(af)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &ans); err != nil {
			t.Fatalf("%s: %v", af, err)
		}
		for _, cx := range ans.Contexts {
			t.Run(ans.File+"/"+cx.Context, func(t *testing.T) {
				sc := collect.Scope{}
				if dg, ok := strings.CutPrefix(cx.Context, "device-group "); ok {
					sc.DeviceGroup = dg
				} else {
					sc.Vsys = cx.Context
				}
				f, err := os.Open(filepath.Join(realConfigs, ans.File))
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				p, _, err := collect.ReadConfigFile(f, sc)
				if err != nil {
					t.Fatalf("ReadConfigFile: %v", err)
				}
				m := policy.Compile(p)
				rules := m.Rules()
				if len(rules) != cx.RuleCount {
					var names []string
					for _, r := range rules {
						names = append(names, r.Location+":"+r.Name)
					}
					t.Errorf("%d rules; want %d\ngot %q", len(rules), cx.RuleCount, names)
				}
				warnings := m.Warnings()
				for k, want := range cx.Rules {
					if k >= len(rules) {
						break
					}
					got := rules[k]
					if got.Name != want.Name || got.Location != want.Location || got.Position+1 != want.Position {
						t.Errorf("rule %d = %s %q (position %d); want %s %q (position %d)", k+1, got.Location, got.Name, got.Position+1, want.Location, want.Name, want.Position)
						continue
					}
					if got.Action != want.Action || got.Disabled != want.Disabled {
						t.Errorf("%q: action %s disabled %v; want %s %v", want.Name, got.Action, got.Disabled, want.Action, want.Disabled)
					}
					if pb := m.PortBased(k); pb != want.PortBased {
						t.Errorf("%q: port-based %v; want %v", want.Name, pb, want.PortBased)
					}
					if cx.ShadowingChecked == nil || slices.Contains(cx.ShadowingChecked, want.Position) {
						var by []string
						for _, j := range m.ShadowedBy(k) {
							by = append(by, rules[j].Name)
						}
						if !sameSet(by, want.ShadowedBy) {
							t.Errorf("%q: shadowed by %q; want %q", want.Name, by, want.ShadowedBy)
						}
					}
					for _, obj := range want.Unresolved {
						if !slices.ContainsFunc(warnings, func(w string) bool {
							return strings.Contains(w, `rule "`+want.Name+`"`) && strings.Contains(w, `"`+obj+`"`)
						}) {
							t.Errorf("%q: no warning names unresolved %q (warnings %q)", want.Name, obj, warnings)
						}
					}
				}
				ca, err := m.ChooseCatchAll(nil)
				switch {
				case cx.CatchAll == nil && err == nil:
					t.Errorf("catch-all %q (%s); want none", rules[ca.Rules[0]].Name, ca.Reason)
				case cx.CatchAll != nil && err != nil:
					t.Errorf("no catch-all (%v); want %q: %s", err, *cx.CatchAll, cx.CatchAllReason)
				case cx.CatchAll != nil && rules[ca.Rules[0]].Name != *cx.CatchAll:
					t.Errorf("catch-all %q (%s); want %q: %s", rules[ca.Rules[0]].Name, ca.Reason, *cx.CatchAll, cx.CatchAllReason)
				}
			})
		}
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// TestRealConfigurationsNoFalseWarnings: the hand-worked answers found no
// reference that resolves nowhere in these files (predefined EDLs and
// applications count as resolved), so mine must warn of none.
func TestRealConfigurationsNoFalseWarnings(t *testing.T) {
	for _, tt := range []struct {
		file string
		sc   collect.Scope
	}{
		{"panos-php-stage00.xml", collect.Scope{}},
		{"iron-skillet-8.0-panos.xml", collect.Scope{}},
		{"iron-skillet-8.0-panorama.xml", collect.Scope{DeviceGroup: "sample_devicegroup"}},
		{"panos-php-panorama-8.1.xml", collect.Scope{DeviceGroup: "DE-Berlin Office"}},
		{"saute-panorama-10.2.xml", collect.Scope{DeviceGroup: "austin"}},
	} {
		f, err := os.Open(filepath.Join(realConfigs, tt.file))
		if err != nil {
			t.Fatal(err)
		}
		p, _, err := collect.ReadConfigFile(f, tt.sc)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", tt.file, err)
		}
		if w := policy.Compile(p).Warnings(); len(w) > 0 {
			t.Errorf("%s: warnings %q; want none", tt.file, w)
		}
	}
}
