package policy

import (
	"slices"
	"strings"
	"testing"

	"github.com/panos-mine/mine"
)

// rulebase builds a vsys1 policy from rules, with the given vsys objects.
func rulebase(scope *mine.ObjectScope, rules ...mine.Rule) *mine.Policy {
	shared := mine.NewObjectScope("shared", "")
	if scope == nil {
		scope = mine.NewObjectScope("vsys1", "shared")
	}
	for i := range rules {
		rules[i].Position = i
		rules[i].Scope = "vsys1"
		if rules[i].Location == "" {
			rules[i].Location = "vsys1"
		}
		if rules[i].Action == "" {
			rules[i].Action = "allow"
		}
		if rules[i].Application == nil {
			rules[i].Application = []string{"any"}
		}
		if rules[i].Service == nil {
			rules[i].Service = []string{"any"}
		}
	}
	return &mine.Policy{Context: "vsys1", Rules: rules, Scopes: map[string]*mine.ObjectScope{"shared": shared, "vsys1": scope}}
}

func shadowNames(m *Model, i int) []string {
	var out []string
	for _, j := range m.ShadowedBy(i) {
		out = append(out, m.Rules()[j].Name)
	}
	return out
}

// TestShadowing: each case's last rule is shadowed by the named rules
// above, or by none; the answers were worked out by hand.
func TestShadowing(t *testing.T) {
	objs := mine.NewObjectScope("vsys1", "shared")
	objs.Addresses["lower-half"] = mine.Address{Name: "lower-half", Kind: mine.AddressNetmask, Value: "10.0.0.0/25"}
	objs.Addresses["upper-half"] = mine.Address{Name: "upper-half", Kind: mine.AddressNetmask, Value: "10.0.0.128/25"}
	objs.Addresses["net"] = mine.Address{Name: "net", Kind: mine.AddressNetmask, Value: "10.0.0.0/24"}
	objs.Addresses["host"] = mine.Address{Name: "host", Kind: mine.AddressNetmask, Value: "10.0.0.7"}
	objs.Addresses["portal"] = mine.Address{Name: "portal", Kind: mine.AddressFQDN, Value: "portal.example.com"}
	objs.Services["tcp-8080"] = mine.Service{Name: "tcp-8080", Protocol: "tcp", Port: "8443"}
	objs.Services["real-8080"] = mine.Service{Name: "real-8080", Protocol: "tcp", Port: "8080"}
	objs.Services["low-ports"] = mine.Service{Name: "low-ports", Protocol: "tcp", Port: "1-1023"}
	objs.Services["high-ports"] = mine.Service{Name: "high-ports", Protocol: "tcp", Port: "1024-65535"}

	z := func(zs ...string) []string { return zs }
	tests := []struct {
		name  string
		rules []mine.Rule
		want  []string
	}{
		{"any above anything", []mine.Rule{
			{Name: "any-any"},
			{Name: "web", From: z("trust"), To: z("dmz"), Destination: z("net"), Application: z("web-browsing"), Service: z("application-default")},
		}, []string{"any-any"}},
		{"deny above shadows too", []mine.Rule{
			{Name: "cleanup", Action: "deny"},
			{Name: "tiny", Source: z("10.1.1.1"), Destination: z("10.2.2.2")},
		}, []string{"cleanup"}},
		{"disabled rules shadow nothing", []mine.Rule{
			{Name: "cleanup", Action: "deny", Disabled: true},
			{Name: "tiny", Source: z("10.1.1.1")},
		}, nil},
		{"object addresses, not names", []mine.Rule{
			{Name: "to-net", Destination: z("net")},
			{Name: "to-host", Destination: z("host")},
		}, []string{"to-net"}},
		{"two halves together", []mine.Rule{
			{Name: "lower", Destination: z("lower-half")},
			{Name: "upper", Destination: z("upper-half")},
			{Name: "whole", Destination: z("net")},
		}, []string{"lower", "upper"}},
		{"two port halves together", []mine.Rule{
			{Name: "low", Destination: z("net"), Service: z("low-ports")},
			{Name: "high", Destination: z("net"), Service: z("high-ports")},
			{Name: "tcp-all", Destination: z("host"), Service: z("low-ports", "high-ports")},
		}, []string{"low", "high"}},
		{"half is not enough", []mine.Rule{
			{Name: "lower", Destination: z("lower-half")},
			{Name: "whole", Destination: z("net")},
		}, nil},
		{"a service named tcp-8080 does not cover 8080", []mine.Rule{
			{Name: "fake", Service: z("tcp-8080")},
			{Name: "real", Service: z("real-8080")},
		}, nil},
		{"user-restricted rule covers no one else", []mine.Rule{
			{Name: "finance", SourceUser: z("corp\\finance")},
			{Name: "everyone", Destination: z("host")},
		}, nil},
		{"user-restricted rule covers the same users", []mine.Rule{
			{Name: "finance", SourceUser: z("corp\\finance")},
			{Name: "finance-host", SourceUser: z("corp\\finance"), Destination: z("host")},
		}, []string{"finance"}},
		{"known-user covers a named group", []mine.Rule{
			{Name: "known", SourceUser: z("known-user")},
			{Name: "finance", SourceUser: z("corp\\finance")},
		}, []string{"known"}},
		{"category-restricted rule covers nothing unrestricted", []mine.Rule{
			{Name: "social", Category: z("social-networking"), Action: "deny"},
			{Name: "all", Destination: z("host")},
		}, nil},
		{"intrazone does not cover universal", []mine.Rule{
			{Name: "intra", RuleType: "intrazone"},
			{Name: "trust-any", From: z("trust")},
		}, nil},
		{"universal covers intrazone", []mine.Rule{
			{Name: "trust-trust", From: z("trust"), To: z("trust")},
			{Name: "intra", RuleType: "intrazone", From: z("trust"), To: z("trust")},
		}, []string{"trust-trust"}},
		{"intrazone and interzone together cover universal", []mine.Rule{
			{Name: "intra", RuleType: "intrazone"},
			{Name: "inter", RuleType: "interzone"},
			{Name: "trust-any", From: z("trust")},
		}, []string{"intra", "inter"}},
		{"negated source covers what it does not exclude", []mine.Rule{
			{Name: "not-net", Source: z("net"), NegateSource: true},
			{Name: "from-elsewhere", Source: z("192.0.2.0/24")},
		}, []string{"not-net"}},
		{"negated source does not cover an overlap", []mine.Rule{
			{Name: "not-net", Source: z("net"), NegateSource: true},
			{Name: "from-host", Source: z("host")},
		}, nil},
		{"fqdn covers the same fqdn", []mine.Rule{
			{Name: "portal", Destination: z("portal")},
			{Name: "portal-web", Destination: z("portal"), Service: z("real-8080")},
		}, []string{"portal"}},
		{"fqdn does not cover an address", []mine.Rule{
			{Name: "portal", Destination: z("portal")},
			{Name: "host", Destination: z("host")},
		}, nil},
		{"app-default covered by the app's ports", []mine.Rule{
			{Name: "web-80", Application: z("web-browsing"), Service: z("service-http")},
			{Name: "web-default", Application: z("web-browsing"), Service: z("application-default")},
		}, []string{"web-80"}},
		{"app-default does not cover a port rule", []mine.Rule{
			{Name: "web-default", Application: z("web-browsing"), Service: z("application-default")},
			{Name: "web-8080", Application: z("web-browsing"), Service: z("real-8080")},
		}, nil},
		{"scheduled rule covers only its schedule", []mine.Rule{
			{Name: "office", Schedule: "office-hours"},
			{Name: "any-time", Destination: z("host")},
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := Compile(rulebase(objs, tt.rules...))
			last := len(tt.rules) - 1
			if got := shadowNames(m, last); !slices.Equal(got, tt.want) {
				t.Errorf("ShadowedBy(%s) = %v; want %v", tt.rules[last].Name, got, tt.want)
			}
		})
	}
}

// TestCatchAll checks the choice and the reasons for passing rules over.
func TestCatchAll(t *testing.T) {
	z := func(zs ...string) []string { return zs }
	t.Run("an any rule on top shadows a tiny one below cleanup", func(t *testing.T) {
		m := Compile(rulebase(nil,
			mine.Rule{Name: "any-any-any"},
			mine.Rule{Name: "outbound", From: z("trust"), Application: z("web-browsing"), Service: z("application-default")},
			mine.Rule{Name: "cleanup", Action: "deny"},
			mine.Rule{Name: "tiny", Source: z("10.1.1.1"), Destination: z("10.2.2.2"), Service: z("service-http")},
		))
		ca, err := m.ChooseCatchAll(nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := m.Rules()[ca.Rules[0]].Name; got != "any-any-any" {
			t.Fatalf("catch-all = %s; want any-any-any (%s)", got, ca.Reason)
		}
		if !strings.Contains(ca.Reason, `"tiny" is shadowed by "any-any-any", "cleanup"`) {
			t.Errorf("reason %q does not say tiny is shadowed", ca.Reason)
		}
	})
	t.Run("broadest wins over a one-host test rule", func(t *testing.T) {
		m := Compile(rulebase(nil,
			mine.Rule{Name: "test-host", Destination: z("10.5.5.5")},
			mine.Rule{Name: "allow-web-ports", From: z("trust"), To: z("dmz"), Destination: z("10.20.0.0/16"), Service: z("service-http", "service-https")},
		))
		ca, err := m.ChooseCatchAll(map[string]uint64{"test-host": 900, "allow-web-ports": 10})
		if err != nil {
			t.Fatal(err)
		}
		// test-host: 32 + 0 + 17 = 49 bits; allow-web-ports: 32 + 16 + log2(3) = 49.58.
		if got := m.Rules()[ca.Rules[0]].Name; got != "allow-web-ports" {
			t.Fatalf("catch-all = %s; want allow-web-ports (%s)", got, ca.Reason)
		}
	})
	t.Run("a rule for some users ranks after one for everyone", func(t *testing.T) {
		m := Compile(rulebase(nil,
			mine.Rule{Name: "everyone-web", Destination: z("10.20.0.0/16"), Service: z("service-http")},
			mine.Rule{Name: "admins-any", Source: z("10.1.0.0/16"), SourceUser: z("corp\\admins")},
		))
		ca, err := m.ChooseCatchAll(nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := m.Rules()[ca.Rules[0]].Name; got != "everyone-web" {
			t.Fatalf("catch-all = %s; want everyone-web (%s)", got, ca.Reason)
		}
	})
	t.Run("no web port, no catch-all", func(t *testing.T) {
		objs := mine.NewObjectScope("vsys1", "shared")
		objs.Services["ssh"] = mine.Service{Name: "ssh", Protocol: "tcp", Port: "22"}
		m := Compile(rulebase(objs, mine.Rule{Name: "ssh-any", Service: z("ssh")}, mine.Rule{Name: "apps", Application: z("ssl")}))
		_, err := m.ChooseCatchAll(nil)
		if err == nil || !strings.Contains(err.Error(), `"ssh-any" allows no web port`) {
			t.Fatalf("ChooseCatchAll error = %v; want one naming ssh-any", err)
		}
	})
	t.Run("naming a shadowed or deny rule is refused", func(t *testing.T) {
		m := Compile(rulebase(nil,
			mine.Rule{Name: "cleanup", Action: "deny"},
			mine.Rule{Name: "below", Destination: z("10.2.2.2")},
		))
		_, err := m.NamedCatchAll([]string{"below"})
		if err == nil || !strings.Contains(err.Error(), `"below" can never match: "cleanup"`) {
			t.Errorf("NamedCatchAll(below) = %v; want shadowed by cleanup", err)
		}
		_, err = m.NamedCatchAll([]string{"cleanup"})
		if err == nil || !strings.Contains(err.Error(), "deny rule") {
			t.Errorf("NamedCatchAll(cleanup) = %v; want not an allow rule", err)
		}
		_, err = m.NamedCatchAll([]string{"nope"})
		if err == nil || !strings.Contains(err.Error(), "not in the rulebase") {
			t.Errorf("NamedCatchAll(nope) = %v; want not in the rulebase", err)
		}
	})
}
