package collect

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/panos-mine/mine"
)

func readRealConfig(t *testing.T, name string, sc Scope) (*mine.Policy, ConfigInfo, error) {
	t.Helper()
	f, err := os.Open("../testdata/real/configs/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return ReadConfigFile(f, sc)
}

// TestReadConfigFileInfo checks what the saved configurations say about
// their devices, read by hand from the files.
func TestReadConfigFileInfo(t *testing.T) {
	tests := []struct {
		file     string
		sc       Scope
		panorama bool
		version  string
		tz       string
		groups   []string
	}{
		{"panos-php-stage00.xml", Scope{}, false, "8.0.0", "", nil},
		{"panos-php-panorama-8.1.xml", Scope{DeviceGroup: "testDG"}, true, "8.1.0", "Europe/Paris",
			[]string{"Perimeter-FWs", "Datacenter-Firewalls", "FR Datacenter", "DE-Berlin Office", "testDG"}},
		{"saute-panorama-10.2.xml", Scope{DeviceGroup: "austin"}, true, "10.2.0", "", nil},
	}
	for _, tt := range tests {
		_, info, err := readRealConfig(t, tt.file, tt.sc)
		if err != nil {
			t.Fatalf("%s: %v", tt.file, err)
		}
		if info.Panorama != tt.panorama || info.Version != tt.version {
			t.Errorf("%s: panorama %v version %q; want %v %q", tt.file, info.Panorama, info.Version, tt.panorama, tt.version)
		}
		if tt.tz != "" && info.TimeZone != tt.tz {
			t.Errorf("%s: time zone %q; want %q", tt.file, info.TimeZone, tt.tz)
		}
		if tt.groups != nil && !slices.Equal(info.DeviceGroups, tt.groups) {
			t.Errorf("%s: device groups %q; want %q", tt.file, info.DeviceGroups, tt.groups)
		}
	}
}

// TestReadConfigFileTwiceWrittenGroup: iron-skillet's 11.0 Panorama
// template writes sample_devicegroup as two sibling entries, the second
// holding two external lists; both entries are read, with a warning.
func TestReadConfigFileTwiceWrittenGroup(t *testing.T) {
	p, _, err := readRealConfig(t, "iron-skillet-11.0-panorama.xml", Scope{DeviceGroup: "sample_devicegroup"})
	if err != nil {
		t.Fatal(err)
	}
	s := p.Scopes["sample_devicegroup"]
	for _, edl := range []string{"Palo Alto Networks Tor exit IP Addresses", "Palo Alto Networks BulletProof IP Addresses"} {
		if _, ok := s.ExternalLists[edl]; !ok {
			t.Errorf("external list %q of the second entry missing", edl)
		}
	}
	if !slices.ContainsFunc(p.Warnings, func(w string) bool { return strings.Contains(w, `"sample_devicegroup" is written twice`) }) {
		t.Errorf("warnings %q do not say the group is written twice", p.Warnings)
	}
}

// TestReadConfigFileErrors: bad input and wrong scopes name what is wrong.
func TestReadConfigFileErrors(t *testing.T) {
	tests := []struct {
		name string
		file string // a real file, or "" for body
		body string
		sc   Scope
		want string
	}{
		{"html", "", "<html><body>login</body></html>", Scope{}, "starts with <html>, not <config>"},
		{"empty", "", "", Scope{}, "no <config> element"},
		{"truncated", "", "<config><devices><entry name='localhost.localdomain'>", Scope{}, "read configuration"},
		{"panorama without a group", "panos-php-panorama-8.1.xml", "", Scope{}, "name the device group that holds the catch-all (--device-group); it has Perimeter-FWs, "},
		{"panorama, no such group", "panos-php-panorama-8.1.xml", "", Scope{DeviceGroup: "nope"}, `no device group "nope"; the configuration has DE-Berlin Office, Datacenter-Firewalls, `},
		{"firewall with a group", "panos-php-stage00.xml", "", Scope{DeviceGroup: "x"}, "--device-group applies to Panorama configurations only"},
		{"firewall, no such vsys", "panos-php-stage00.xml", "", Scope{Vsys: "vsys9"}, `no vsys "vsys9"; it has vsys1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			if tt.file != "" {
				_, _, err = readRealConfig(t, tt.file, tt.sc)
			} else {
				_, _, err = ReadConfigFile(strings.NewReader(tt.body), tt.sc)
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ReadConfigFile = %v; want an error containing %q", err, tt.want)
			}
		})
	}
}
