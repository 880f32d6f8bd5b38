package policy

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/panos-mine/mine"
)

// objectPolicy is a vsys1 policy whose rules use every kind of object.
// Each test case below names the rule it aims at; the expected answers
// were worked out by hand from the objects written here.
func objectPolicy() *mine.Policy {
	shared := mine.NewObjectScope("shared", "")
	vsys := mine.NewObjectScope("vsys1", "shared")

	// Addresses. web-net is defined twice: vsys1's definition wins for
	// vsys1's rules.
	shared.Addresses["web-net"] = mine.Address{Name: "web-net", Kind: mine.AddressNetmask, Value: "192.0.2.0/24"}
	vsys.Addresses["web-net"] = mine.Address{Name: "web-net", Kind: mine.AddressNetmask, Value: "10.20.0.0/24"}
	vsys.Addresses["app-range"] = mine.Address{Name: "app-range", Kind: mine.AddressRange, Value: "10.30.0.10-10.30.0.20"}
	// 10.40.x.5 for any x with bit 0 of the third octet clear (mask
	// 0.0.254.0): 10.40.0.5, 10.40.2.5, ... but not 10.40.1.5.
	vsys.Addresses["odd-wild"] = mine.Address{Name: "odd-wild", Kind: mine.AddressWildcard, Value: "10.40.0.5/0.0.254.0"}
	vsys.Addresses["portal"] = mine.Address{Name: "portal", Kind: mine.AddressFQDN, Value: "portal.example.com"}
	vsys.Addresses["db1"] = mine.Address{Name: "db1", Kind: mine.AddressNetmask, Value: "10.50.0.1", Tags: []string{"db", "prod"}}
	vsys.Addresses["db2"] = mine.Address{Name: "db2", Kind: mine.AddressNetmask, Value: "10.50.0.2", Tags: []string{"db"}}
	vsys.Addresses["clients"] = mine.Address{Name: "clients", Kind: mine.AddressNetmask, Value: "10.1.0.0/16"}
	vsys.Addresses["guest"] = mine.Address{Name: "guest", Kind: mine.AddressNetmask, Value: "10.9.0.0/16"}

	// Groups: nested static, and dynamic.
	vsys.AddressGroups["inner"] = mine.AddressGroup{Name: "inner", Static: []string{"app-range"}}
	vsys.AddressGroups["outer"] = mine.AddressGroup{Name: "outer", Static: []string{"inner", "10.30.1.0/24"}}
	vsys.AddressGroups["prod-db"] = mine.AddressGroup{Name: "prod-db", Dynamic: true, Filter: "'db' and 'prod'"}
	vsys.AddressGroups["not-here"] = mine.AddressGroup{Name: "not-here", Static: []string{"guest"}}

	// Services: a name that lies, a group, a source-port restriction.
	vsys.Services["tcp-8080"] = mine.Service{Name: "tcp-8080", Protocol: "tcp", Port: "8443"}
	vsys.Services["web-alt"] = mine.Service{Name: "web-alt", Protocol: "tcp", Port: "8000-8010,9000"}
	vsys.Services["dns-udp"] = mine.Service{Name: "dns-udp", Protocol: "udp", Port: "53"}
	vsys.Services["from-1024"] = mine.Service{Name: "from-1024", Protocol: "tcp", Port: "7000", SourcePort: "1024-65535"}
	vsys.ServiceGroups["alt-and-dns"] = []string{"web-alt", "dns-udp"}
	vsys.ServiceGroups["nested-svc"] = []string{"alt-and-dns"}

	// Applications: a group and a filter.
	vsys.ApplicationGroups["devtools"] = []string{"jenkins", "gitlab"}
	vsys.ApplicationFilters["risky-file"] = mine.ApplicationFilter{Name: "risky-file", Category: []string{"general-internet"}, Subcategory: []string{"file-sharing"}}

	rules := []mine.Rule{
		{Name: "nested-group", From: []string{"trust"}, To: []string{"dmz"}, Destination: []string{"outer"}, Application: []string{"any"}, Service: []string{"any"}, Action: "allow"},
		{Name: "lying-service", From: []string{"trust"}, To: []string{"dmz"}, Destination: []string{"web-net"}, Application: []string{"any"}, Service: []string{"tcp-8080"}, Action: "allow"},
		{Name: "users-only", From: []string{"trust"}, To: []string{"dmz"}, Destination: []string{"10.60.0.0/24"}, SourceUser: []string{"corp\\finance"}, Application: []string{"web-browsing"}, Service: []string{"application-default"}, Action: "allow"},
		{Name: "intrazone-dmz", RuleType: "intrazone", From: []string{"dmz"}, To: []string{"dmz"}, Application: []string{"ssh"}, Service: []string{"application-default"}, Action: "allow"},
		{Name: "not-guests", From: []string{"trust"}, To: []string{"dmz"}, Source: []string{"not-here"}, NegateSource: true, Destination: []string{"10.70.0.0/24"}, Application: []string{"any"}, Service: []string{"any"}, Action: "allow"},
		{Name: "file-filter", From: []string{"trust"}, To: []string{"untrust"}, Application: []string{"risky-file"}, Service: []string{"any"}, Action: "deny"},
		{Name: "dev-group", From: []string{"trust"}, To: []string{"dmz"}, Destination: []string{"10.80.0.0/24"}, Application: []string{"devtools"}, Service: []string{"application-default"}, Action: "allow"},
		{Name: "dyn-db", From: []string{"trust"}, To: []string{"dmz"}, Destination: []string{"prod-db"}, Application: []string{"mssql-db"}, Service: []string{"application-default"}, Action: "allow"},
		{Name: "fqdn-dst", From: []string{"trust"}, To: []string{"untrust"}, Destination: []string{"portal"}, Application: []string{"any"}, Service: []string{"service-https"}, Action: "allow"},
		{Name: "range-and-wild", From: []string{"trust"}, To: []string{"dmz"}, Destination: []string{"odd-wild"}, Application: []string{"any"}, Service: []string{"nested-svc"}, Action: "allow"},
		{Name: "src-port", From: []string{"trust"}, To: []string{"dmz"}, Destination: []string{"10.90.0.1"}, Application: []string{"any"}, Service: []string{"from-1024"}, Action: "allow"},
		{Name: "category", From: []string{"trust"}, To: []string{"untrust"}, Category: []string{"social-networking"}, Application: []string{"any"}, Service: []string{"any"}, Action: "deny"},
		{Name: "scheduled", From: []string{"trust"}, To: []string{"dmz"}, Destination: []string{"10.95.0.0/24"}, Schedule: "office-hours", Application: []string{"any"}, Service: []string{"any"}, Action: "allow"},
		{Name: "missing-object", From: []string{"trust"}, To: []string{"dmz"}, Destination: []string{"no-such-host"}, Application: []string{"any"}, Service: []string{"any"}, Action: "allow"},
		{Name: "interzone-only", RuleType: "interzone", From: []string{"any"}, To: []string{"any"}, Destination: []string{"10.99.0.0/24"}, Application: []string{"any"}, Service: []string{"any"}, Action: "allow"},
		{Name: "disabled-any", Disabled: true, Application: []string{"any"}, Service: []string{"any"}, Action: "allow"},
		{Name: "intrazone-default", Location: mine.LocationDefault, RuleType: "intrazone", Application: []string{"any"}, Service: []string{"any"}, Action: "allow"},
		{Name: "interzone-default", Location: mine.LocationDefault, RuleType: "interzone", Application: []string{"any"}, Service: []string{"any"}, Action: "deny"},
	}
	for i := range rules {
		rules[i].Position = i
		rules[i].Scope = "vsys1"
		if rules[i].Location == "" {
			rules[i].Location = "vsys1"
		}
	}
	return &mine.Policy{
		Context: "vsys1",
		Rules:   rules,
		Scopes:  map[string]*mine.ObjectScope{"shared": shared, "vsys1": vsys},
		Applications: map[string]mine.Application{
			"jenkins":  {Name: "jenkins", DefaultPorts: []string{"tcp/8080"}},
			"gitlab":   {Name: "gitlab", DefaultPorts: []string{"tcp/80", "tcp/443"}},
			"ftp":      {Name: "ftp", Category: "general-internet", Subcategory: "file-sharing", DefaultPorts: []string{"tcp/21"}},
			"dropbox":  {Name: "dropbox", Category: "general-internet", Subcategory: "file-sharing", DefaultPorts: []string{"tcp/443"}},
			"facebook": {Name: "facebook", Category: "collaboration", Subcategory: "social-networking", DefaultPorts: []string{"tcp/80,443"}},
		},
	}
}

func addr(s string) netip.Addr { return netip.MustParseAddr(s) }

func flow(from, to, src, dst, app string, port int) Flow {
	return Flow{From: from, To: to, Source: addr(src), Destination: addr(dst), Protocol: "tcp", Port: port, SourcePort: 40000, Application: app}
}

// TestMatchObjects checks one rule at a time against flows that a naive
// reading of the rule's member names gets wrong.
func TestMatchObjects(t *testing.T) {
	m := Compile(objectPolicy())
	udp := func(f Flow) Flow { f.Protocol = "udp"; return f }
	user := func(f Flow, u string) Flow { f.User, f.UserKnown = u, true; return f }
	sport := func(f Flow, p int) Flow { f.SourcePort = p; return f }
	tests := []struct {
		name, rule string
		f          Flow
		want       Verdict
		reason     string // a part of the reason, for Depends
	}{
		// outer = {inner = {10.30.0.10-20}, 10.30.1.0/24}
		{"nested group, range member", "nested-group", flow("trust", "dmz", "10.1.1.1", "10.30.0.15", "web-browsing", 80), Matches, ""},
		{"nested group, literal member", "nested-group", flow("trust", "dmz", "10.1.1.1", "10.30.1.200", "web-browsing", 80), Matches, ""},
		{"nested group, just outside the range", "nested-group", flow("trust", "dmz", "10.1.1.1", "10.30.0.21", "web-browsing", 80), NoMatch, ""},
		// tcp-8080 is really tcp/8443; web-net is vsys1's 10.20.0.0/24, not shared's.
		{"service named tcp-8080 on 8080", "lying-service", flow("trust", "dmz", "10.1.1.1", "10.20.0.5", "web-browsing", 8080), NoMatch, ""},
		{"service named tcp-8080 on 8443", "lying-service", flow("trust", "dmz", "10.1.1.1", "10.20.0.5", "web-browsing", 8443), Matches, ""},
		{"vsys object wins over shared", "lying-service", flow("trust", "dmz", "10.1.1.1", "192.0.2.5", "web-browsing", 8443), NoMatch, ""},
		// users-only: corp\finance, whose members mine does not know.
		{"user not known", "users-only", flow("trust", "dmz", "10.1.1.1", "10.60.0.1", "web-browsing", 80), Depends, "source user"},
		{"unknown user is in no group", "users-only", user(flow("trust", "dmz", "10.1.1.1", "10.60.0.1", "web-browsing", 80), ""), NoMatch, ""},
		{"named user is the group's name", "users-only", user(flow("trust", "dmz", "10.1.1.1", "10.60.0.1", "web-browsing", 80), "CORP\\Finance"), Matches, ""},
		{"known user, membership unknown", "users-only", user(flow("trust", "dmz", "10.1.1.1", "10.60.0.1", "web-browsing", 80), "corp\\alice"), Depends, "source user"},
		{"app-default port of web-browsing is 80 only", "users-only", flow("trust", "dmz", "10.1.1.1", "10.60.0.1", "web-browsing", 8080), NoMatch, ""},
		// intrazone: dmz to dmz only, whatever To says.
		{"intrazone in dmz", "intrazone-dmz", flow("dmz", "dmz", "10.20.0.1", "10.20.0.2", "ssh", 22), Matches, ""},
		{"intrazone across zones", "intrazone-dmz", flow("dmz", "trust", "10.20.0.1", "10.1.0.2", "ssh", 22), NoMatch, ""},
		// not-guests: any source but 10.9.0.0/16.
		{"negated group excludes a guest", "not-guests", flow("trust", "dmz", "10.9.3.3", "10.70.0.1", "ssh", 22), NoMatch, ""},
		{"negated group takes a client", "not-guests", flow("trust", "dmz", "10.1.3.3", "10.70.0.1", "ssh", 22), Matches, ""},
		// risky-file: general-internet/file-sharing.
		{"filter takes ftp", "file-filter", flow("trust", "untrust", "10.1.1.1", "203.0.113.1", "ftp", 21), Matches, ""},
		{"filter takes dropbox on any port", "file-filter", flow("trust", "untrust", "10.1.1.1", "203.0.113.1", "dropbox", 443), Matches, ""},
		{"filter leaves facebook", "file-filter", flow("trust", "untrust", "10.1.1.1", "203.0.113.1", "facebook", 443), NoMatch, ""},
		{"filter on an app not in the catalog", "file-filter", flow("trust", "untrust", "10.1.1.1", "203.0.113.1", "some-new-app", 443), Depends, "not in the catalog"},
		// devtools = jenkins (tcp/8080), gitlab (tcp/80, 443) on application-default.
		{"group member on its default port", "dev-group", flow("trust", "dmz", "10.1.1.1", "10.80.0.1", "jenkins", 8080), Matches, ""},
		{"group member on another member's port", "dev-group", flow("trust", "dmz", "10.1.1.1", "10.80.0.1", "jenkins", 443), NoMatch, ""},
		{"app outside the group", "dev-group", flow("trust", "dmz", "10.1.1.1", "10.80.0.1", "web-browsing", 80), NoMatch, ""},
		// prod-db: tagged db and prod = db1 (10.50.0.1); registered IPs not known.
		{"dynamic group, tagged object", "dyn-db", flow("trust", "dmz", "10.1.1.1", "10.50.0.1", "mssql-db", 1433), Matches, ""},
		{"dynamic group, object missing a tag", "dyn-db", flow("trust", "dmz", "10.1.1.1", "10.50.0.2", "mssql-db", 1433), Depends, "registered IPs not known"},
		{"fqdn", "fqdn-dst", flow("trust", "untrust", "10.1.1.1", "198.51.100.7", "ssl", 443), Depends, "FQDN portal.example.com"},
		{"fqdn, wrong port", "fqdn-dst", flow("trust", "untrust", "10.1.1.1", "198.51.100.7", "ssl", 80), NoMatch, ""},
		// odd-wild: 10.40.<even>.5; nested-svc = tcp/8000-8010,9000 + udp/53.
		{"wildcard even octet", "range-and-wild", flow("trust", "dmz", "10.1.1.1", "10.40.6.5", "web-browsing", 8005), Matches, ""},
		{"wildcard odd octet", "range-and-wild", flow("trust", "dmz", "10.1.1.1", "10.40.7.5", "web-browsing", 8005), NoMatch, ""},
		{"service group udp member", "range-and-wild", udp(flow("trust", "dmz", "10.1.1.1", "10.40.0.5", "dns", 53)), Matches, ""},
		{"service group, tcp 53 is not in it", "range-and-wild", flow("trust", "dmz", "10.1.1.1", "10.40.0.5", "dns", 53), NoMatch, ""},
		{"source port in range", "src-port", sport(flow("trust", "dmz", "10.1.1.1", "10.90.0.1", "unknown-tcp", 7000), 5000), Matches, ""},
		{"source port below range", "src-port", sport(flow("trust", "dmz", "10.1.1.1", "10.90.0.1", "unknown-tcp", 7000), 999), NoMatch, ""},
		{"source port not known", "src-port", sport(flow("trust", "dmz", "10.1.1.1", "10.90.0.1", "unknown-tcp", 7000), 0), Depends, "source port"},
		{"URL category", "category", flow("trust", "untrust", "10.1.1.1", "203.0.113.9", "facebook", 443), Depends, "URL category"},
		{"schedule", "scheduled", flow("trust", "dmz", "10.1.1.1", "10.95.0.9", "ssh", 22), Depends, "schedule office-hours"},
		{"reference that resolves nowhere", "missing-object", flow("trust", "dmz", "10.1.1.1", "10.20.0.1", "ssh", 22), Depends, "unresolved address no-such-host"},
		{"interzone, zones differ", "interzone-only", flow("trust", "dmz", "10.1.1.1", "10.99.0.1", "ssh", 22), Matches, ""},
		{"interzone, same zone", "interzone-only", flow("dmz", "dmz", "10.20.0.1", "10.99.0.1", "ssh", 22), NoMatch, ""},
		{"intrazone-default", "intrazone-default", flow("trust", "trust", "10.1.1.1", "10.1.2.2", "ssh", 22), Matches, ""},
		{"interzone-default skips intrazone", "interzone-default", flow("trust", "trust", "10.1.1.1", "10.1.2.2", "ssh", 22), NoMatch, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			i := m.Index(tt.rule)
			if i < 0 {
				t.Fatalf("no rule %q", tt.rule)
			}
			got := m.Match(i, tt.f)
			if got.Verdict != tt.want {
				t.Fatalf("Match(%s, %+v) = %s %v; want %s", tt.rule, tt.f, got.Verdict, got.Reasons, tt.want)
			}
			if tt.reason != "" && !slices.ContainsFunc(got.Reasons, func(r string) bool { return strings.Contains(r, tt.reason) }) {
				t.Errorf("Match(%s) reasons = %q; want one containing %q", tt.rule, got.Reasons, tt.reason)
			}
		})
	}
	if w := m.Warnings(); len(w) != 1 || !strings.Contains(w[0], `rule "missing-object"`) || !strings.Contains(w[0], `"no-such-host"`) {
		t.Errorf("Warnings() = %q; want one naming rule missing-object and object no-such-host", w)
	}
}

// TestMatchRegisteredIPs: with registered IPs known, a dynamic group's
// membership is exact.
func TestMatchRegisteredIPs(t *testing.T) {
	p := objectPolicy()
	p.RegisteredIPs = map[string][]string{"10.50.0.9": {"prod", "db"}, "10.50.0.10": {"db"}}
	m := Compile(p)
	i := m.Index("dyn-db")
	for dst, want := range map[string]Verdict{
		"10.50.0.1":  Matches, // tagged object
		"10.50.0.9":  Matches, // registered with both tags
		"10.50.0.10": NoMatch, // registered with one
		"10.50.0.2":  NoMatch, // object with one tag, not registered
	} {
		if got := m.Match(i, flow("trust", "dmz", "10.1.1.1", dst, "mssql-db", 1433)); got.Verdict != want {
			t.Errorf("Match(dyn-db, %s) = %s %v; want %s", dst, got.Verdict, got.Reasons, want)
		}
	}
}

// TestEvaluate checks first-match evaluation with rules that depend.
func TestEvaluate(t *testing.T) {
	m := Compile(objectPolicy())
	tests := []struct {
		name    string
		f       Flow
		rule    string
		depends []string
	}{
		// users-only depends on the user; nothing else above matches
		// 10.60.0.1, so the flow ends on interzone-default.
		{"depends, then the default rule", flow("trust", "dmz", "10.1.1.1", "10.60.0.1", "web-browsing", 80), "interzone-default", []string{"users-only", "missing-object"}},
		// disabled-any would take it, but it is disabled.
		{"disabled rule is skipped", flow("trust", "trust", "10.1.1.1", "10.1.2.2", "ssh", 22), "intrazone-default", nil},
		{"first match wins", flow("trust", "dmz", "10.1.1.1", "10.30.0.12", "ssh", 22), "nested-group", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := m.Evaluate(tt.f)
			if o.Rule < 0 || m.Rules()[o.Rule].Name != tt.rule {
				t.Fatalf("Evaluate(%+v).Rule = %d; want %s", tt.f, o.Rule, tt.rule)
			}
			var deps []string
			for _, d := range o.Depends {
				deps = append(deps, m.Rules()[d.Rule].Name)
			}
			if !slices.Equal(deps, tt.depends) {
				t.Errorf("Evaluate(%+v).Depends = %v; want %v", tt.f, deps, tt.depends)
			}
		})
	}
}

// TestScopeChainPanorama: a device group's names resolve in the group,
// then its ancestors, then shared.
func TestScopeChainPanorama(t *testing.T) {
	shared := mine.NewObjectScope("shared", "")
	parent := mine.NewObjectScope("DG-EU", "shared")
	child := mine.NewObjectScope("DG-Berlin", "DG-EU")
	shared.Addresses["srv"] = mine.Address{Name: "srv", Kind: mine.AddressNetmask, Value: "10.0.0.1"}
	parent.Addresses["srv"] = mine.Address{Name: "srv", Kind: mine.AddressNetmask, Value: "10.0.0.2"}
	parent.Services["svc"] = mine.Service{Name: "svc", Protocol: "tcp", Port: "8443"}
	child.Addresses["srv"] = mine.Address{Name: "srv", Kind: mine.AddressNetmask, Value: "10.0.0.3"}
	p := &mine.Policy{
		Panorama: true,
		Scopes:   map[string]*mine.ObjectScope{"shared": shared, "DG-EU": parent, "DG-Berlin": child},
		Rules: []mine.Rule{
			{Name: "r", Scope: "DG-Berlin", Location: "DG-EU/pre", Destination: []string{"srv"}, Application: []string{"any"}, Service: []string{"svc"}, Action: "allow"},
			{Name: "s", Scope: "shared", Location: "shared/post", Destination: []string{"srv"}, Application: []string{"any"}, Service: []string{"any"}, Action: "allow"},
		},
	}
	m := Compile(p)
	f := func(dst string, port int) Flow { return flow("a", "b", "10.9.9.9", dst, "ssl", port) }
	if got := m.Match(0, f("10.0.0.3", 8443)); got.Verdict != Matches {
		t.Errorf("child's srv with the parent's service: %s %v; want matches", got.Verdict, got.Reasons)
	}
	if got := m.Match(0, f("10.0.0.2", 8443)); got.Verdict != NoMatch {
		t.Errorf("parent's srv, hidden by the child's: %s; want no match", got.Verdict)
	}
	if got := m.Match(1, f("10.0.0.1", 1)); got.Verdict != Matches {
		t.Errorf("shared rule resolving in shared: %s; want matches", got.Verdict)
	}
	if w := m.Warnings(); len(w) != 0 {
		t.Errorf("Warnings() = %q; want none", w)
	}
}

// TestTargetFirewalls: a Panorama rule with target devices matches only
// their flows.
func TestTargetFirewalls(t *testing.T) {
	p := &mine.Policy{Scopes: map[string]*mine.ObjectScope{"shared": mine.NewObjectScope("shared", "")}, Rules: []mine.Rule{
		{Name: "only-fw1", Scope: "shared", Target: []string{"0001"}, Application: []string{"any"}, Service: []string{"any"}, Action: "allow"},
		{Name: "all-but-fw1", Scope: "shared", Target: []string{"0001"}, NegateTarget: true, Application: []string{"any"}, Service: []string{"any"}, Action: "allow"},
	}}
	m := Compile(p)
	f := flow("a", "b", "10.0.0.1", "10.0.0.2", "ssl", 443)
	for _, tt := range []struct {
		rule   int
		serial string
		want   Verdict
	}{{0, "0001", Matches}, {0, "0002", NoMatch}, {0, "", Depends}, {1, "0001", NoMatch}, {1, "0002", Matches}} {
		f.Serial = tt.serial
		if got := m.Match(tt.rule, f).Verdict; got != tt.want {
			t.Errorf("Match(%s, serial %q) = %s; want %s", p.Rules[tt.rule].Name, tt.serial, got, tt.want)
		}
	}
}
