package policy

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/panos-mine/mine"
)

// bigRulebase is n rules of the kind a large estate has: each for one
// zone pair, a /24 source group and two hosts, an application and a
// service object, with an any-any cleanup at the end.
func bigRulebase(n int) *mine.Policy {
	v := mine.NewObjectScope("vsys1", "shared")
	zones := []string{"trust", "dmz", "untrust", "guest", "mgmt", "vpn"}
	apps := []string{"web-browsing", "ssl", "ssh", "dns", "ms-rdp", "ldap", "smtp", "ftp"}
	var rules []mine.Rule
	for i := range n {
		src := fmt.Sprintf("net-%d", i%200)
		v.Addresses[src] = mine.Address{Name: src, Kind: mine.AddressNetmask, Value: fmt.Sprintf("10.%d.%d.0/24", i%200/250, i%200)}
		h1, h2 := fmt.Sprintf("h-%d-a", i), fmt.Sprintf("h-%d-b", i)
		v.Addresses[h1] = mine.Address{Name: h1, Kind: mine.AddressNetmask, Value: fmt.Sprintf("10.200.%d.%d", i/250%250, i%250)}
		v.Addresses[h2] = mine.Address{Name: h2, Kind: mine.AddressNetmask, Value: fmt.Sprintf("10.201.%d.%d", i/250%250, i%250)}
		g := fmt.Sprintf("g-%d", i)
		v.AddressGroups[g] = mine.AddressGroup{Name: g, Static: []string{h1, h2}}
		svc := fmt.Sprintf("svc-%d", i%50)
		v.Services[svc] = mine.Service{Name: svc, Protocol: "tcp", Port: fmt.Sprintf("%d", 8000+i%50)}
		rules = append(rules, mine.Rule{Name: fmt.Sprintf("r%d", i), Scope: "vsys1", Location: "vsys1",
			From: []string{zones[i%6]}, To: []string{zones[(i+1)%6]}, Source: []string{src}, Destination: []string{g},
			Application: []string{apps[i%8]}, Service: []string{svc, "application-default"}, Action: "allow"})
	}
	rules = append(rules, mine.Rule{Name: "cleanup", Scope: "vsys1", Location: "vsys1", Application: []string{"any"}, Service: []string{"any"}, Action: "deny"})
	for i := range rules {
		rules[i].Position = i
	}
	return &mine.Policy{Rules: rules, Scopes: map[string]*mine.ObjectScope{"shared": mine.NewObjectScope("shared", ""), "vsys1": v}}
}

// BenchmarkPolicy measures, on the same rulebases, compiling (the
// baseline every answer pays), finding what shadows every rule, and
// evaluating one flow first-match.
func BenchmarkPolicy(b *testing.B) {
	for _, n := range []int{500, 2000} {
		p := bigRulebase(n)
		b.Run(fmt.Sprintf("compile/%d", n), func(b *testing.B) {
			for b.Loop() {
				Compile(p)
			}
		})
		b.Run(fmt.Sprintf("shadowing/%d", n), func(b *testing.B) {
			for b.Loop() {
				m := Compile(p)
				m.ShadowedBy(0)
			}
		})
		m := Compile(p)
		f := Flow{From: "trust", To: "dmz", Source: netip.MustParseAddr("10.0.7.9"), Destination: netip.MustParseAddr("10.99.0.1"),
			Protocol: "tcp", Port: 443, Application: "ssl"}
		b.Run(fmt.Sprintf("evaluate/%d", n), func(b *testing.B) {
			for b.Loop() {
				m.Evaluate(f)
			}
		})
	}
}
