package policy

import (
	"slices"
	"testing"
)

// TestBuiltinCatalog checks the built-in table against entries read by
// hand from testdata/real/xmlapi/pan-configurator-predefined-517.xml, and
// that every entry's default ports parse.
func TestBuiltinCatalog(t *testing.T) {
	all := builtinOnce()
	if len(all) < 2000 {
		t.Fatalf("built-in catalog has %d applications; the recorded content has 2055", len(all))
	}
	for name, a := range all {
		if _, err := parseDefaultPorts(a.DefaultPorts); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	tests := []struct {
		name, category, container string
		ports                     []string
		risk                      int
		char                      string
	}{
		{"web-browsing", "general-internet", "", []string{"tcp/80"}, 4, "tunnels-other-apps"},
		{"jenkins", "business-systems", "", []string{"tcp/dynamic"}, 1, "has-known-vulnerabilities"},
		{"dns", "networking", "", []string{"tcp/53", "udp/53,5353"}, 4, "used-by-malware"},
		{"facebook-base", "collaboration", "facebook", []string{"tcp/80,443"}, 4, ""},
		{"100bao", "general-internet", "", []string{"tcp/3468,6346,11300"}, 5, "evasive"},
	}
	for _, tt := range tests {
		a, ok := builtinApp(tt.name)
		if !ok {
			t.Errorf("%s missing", tt.name)
			continue
		}
		if a.Category != tt.category || a.Container != tt.container || !slices.Equal(a.DefaultPorts, tt.ports) || a.Risk != tt.risk {
			t.Errorf("%s = %+v; want category %s container %q ports %v risk %d", tt.name, a, tt.category, tt.container, tt.ports, tt.risk)
		}
		if tt.char != "" && !slices.Contains(a.Characteristics, tt.char) {
			t.Errorf("%s characteristics %v lack %s", tt.name, a.Characteristics, tt.char)
		}
	}
	if a, _ := builtinApp("unknown-tcp"); len(a.DefaultPorts) != 0 {
		t.Errorf("unknown-tcp has default ports %v", a.DefaultPorts)
	}
}
