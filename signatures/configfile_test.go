package signatures

import (
	"context"
	"os"
	"strings"
	"testing"
)

// TestVerifyConfigRealFile verifies offline on a real firewall
// configuration (testdata/real/configs/panos-php-stage00.xml). Read by
// hand: rule free-internet uses profile group default-default, whose
// vulnerability profile vul-default-default has rule
// simple-client-informational (severity informational, host client,
// action default), so the catalog's informational client signatures would
// alert on it; the configuration has none of the 60 custom signatures;
// cleanup is a deny rule, so nothing it matches is inspected.
func TestVerifyConfigRealFile(t *testing.T) {
	f, err := os.Open("../testdata/real/configs/panos-php-stage00.xml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	v, err := VerifyConfig(context.Background(), f, Default(), PolicyScope{}, []string{"free-internet", "cleanup"})
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Rules) != 2 {
		t.Fatalf("checked %d rules; want 2", len(v.Rules))
	}
	fi := v.Rules[0]
	if !fi.Logs || fi.Profile != "vul-default-default" || fi.Group != "default-default" {
		t.Errorf("free-internet = %+v; want logs through vul-default-default of group default-default", fi)
	}
	if v.Rules[1].Logs {
		t.Errorf("cleanup (deny) = %+v; want not logging", v.Rules[1])
	}
	if len(v.Missing) != 60 || v.OK() {
		t.Errorf("missing %d signatures, OK %v; want all 60 missing, not OK", len(v.Missing), v.OK())
	}
}

// TestVerifyConfigPanoramaAncestors: on a real Panorama configuration
// (panos-php-panorama-8.1.xml) the rules of DE-Berlin Office include its
// parent Perimeter-FWs' pre-rule; a rule of another group is not found.
func TestVerifyConfigPanoramaAncestors(t *testing.T) {
	read := func(rules ...string) (*Verification, error) {
		f, err := os.Open("../testdata/real/configs/panos-php-panorama-8.1.xml")
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		return VerifyConfig(context.Background(), f, Default(), PolicyScope{DeviceGroup: "DE-Berlin Office"}, rules)
	}
	v, err := read("perimeter - allow users outside", "shared pre rule 1")
	if err != nil {
		t.Fatal(err)
	}
	if v.Rules[0].Where != "Perimeter-FWs pre-rulebase" || v.Rules[1].Where != "shared pre-rulebase" {
		t.Errorf("where = %q, %q; want Perimeter-FWs pre-rulebase, shared pre-rulebase", v.Rules[0].Where, v.Rules[1].Where)
	}
	if _, err := read("no such rule"); err == nil || !strings.Contains(err.Error(), `rule "no such rule" not found`) {
		t.Errorf("unknown rule: %v", err)
	}
}

func TestVerifyConfigNotAConfig(t *testing.T) {
	_, err := VerifyConfig(context.Background(), strings.NewReader("<html/>"), Default(), PolicyScope{}, []string{"x"})
	if err == nil || !strings.Contains(err.Error(), "not a PAN-OS configuration") {
		t.Errorf("VerifyConfig(html) = %v; want not a PAN-OS configuration", err)
	}
}
