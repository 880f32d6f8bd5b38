package panosim

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// isGuest says, by hand, whether an address is in grp-guest-clients: the
// range 10.1.15.0-10.1.20.255 or the wildcard 10.1.0.16/0.0.255.15 (any
// 10.1.x.y with y from 16 to 31).
func isGuest(a netip.Addr) bool {
	b := a.As4()
	if b[0] != 10 || b[1] != 1 {
		return false
	}
	return (b[2] >= 15 && b[2] <= 20) || (b[3] >= 16 && b[3] <= 31)
}

// expectedRule is the rule that carries a client of a service in the
// ObjectPolicy rulebase, worked out from the rules' semantics by hand
// rather than by the compiler:
//   - Allow-Tagged-Web takes the server registered with web and prod (the
//     filter 'web' and ('prod' or 'staging')), its application being a
//     browser-based one of risk 1-3 on its default port; not the one
//     registered with web only, nor the staging object on a non-default
//     port;
//   - Allow-Dev-Tools takes jenkins on 8080 and gitlab on 80 or 443;
//   - the wiki and portal rules their servers;
//   - Allow-Vault-TLS the vault: its service tcp-8080 is tcp/8443;
//   - Allow-CI-Alt-Port nothing: its server runs on 8080, not 8443;
//   - Allow-Ops-Users the clients whose User-ID user it lists;
//   - Allow-Zone-Internal nothing: it is intrazone, the traffic trust to
//     dmz;
//   - Allow-Reports-NonGuest the clients outside the guest group;
//   - the catch-all everything else.
func expectedRule(sc *scenario, v *svc, client netip.Addr) string {
	op := sc.obj
	switch v {
	case op.roles[roleDAG]:
		return ruleTaggedWeb
	case op.roles[roleUsers]:
		if slices.Contains(op.opsUsers, op.users[client]) && op.users[client] != "" {
			return ruleOpsUsers
		}
		return ruleCatchAll
	case op.roles[roleNegated]:
		if isGuest(client) {
			return ruleCatchAll
		}
		return ruleNonGuest
	case op.roles[roleLyingPort], op.roles[roleIntrazone], op.roles[roleDAGDecoy], op.roles[roleDAGObject]:
		return ruleCatchAll
	}
	switch {
	case v.name == "wiki":
		return ruleWiki
	case v.name == "portal":
		return rulePortal
	case v.name == "vault":
		return ruleVault
	case v.app == "jenkins" && v.port == 8080, v.app == "gitlab" && (v.port == 80 || v.port == 443):
		return ruleDevTools
	}
	return ruleCatchAll
}

// truthRules indexes a truth by service name and client.
func truthRules(t *testing.T, tr Truth) map[string]string {
	t.Helper()
	out := map[string]string{}
	add := func(list []Service, wantCatchAll bool) {
		for _, s := range list {
			if (s.Rule == ruleCatchAll) != wantCatchAll {
				t.Errorf("service %s with rule %s is listed among the %s", s.Name, s.Rule, map[bool]string{true: "catch-all ones", false: "covered ones"}[wantCatchAll])
			}
			for _, c := range s.Sources {
				k := s.Name + "|" + c
				if prev, dup := out[k]; dup {
					t.Errorf("client %s of %s is in the truth twice (%s, %s)", c, s.Name, prev, s.Rule)
				}
				out[k] = s.Rule
			}
		}
	}
	add(tr.CatchAllServices, true)
	add(tr.OpaqueServices, true)
	add(tr.CoveredServices, false)
	return out
}

func checkObjectTruth(t *testing.T, label string, sc *scenario, tr Truth) {
	t.Helper()
	if !tr.ObjectPolicy {
		t.Errorf("%s: Truth.ObjectPolicy = false", label)
	}
	got := truthRules(t, tr)
	n := 0
	for _, list := range [][]*svc{sc.covered, sc.catchAll, sc.opaque} {
		for _, v := range list {
			for _, c := range v.clients {
				n++
				want := expectedRule(sc, v, c)
				if g := got[v.name+"|"+c.String()]; g != want {
					t.Errorf("%s: truth for %s (%s %s/%d) from %s (user %q) = %q; want %s",
						label, v.name, v.app, v.proto, v.port, c, sc.obj.users[c], g, want)
				}
			}
		}
	}
	if len(got) != n {
		t.Errorf("%s: truth has %d clients; the model has %d", label, len(got), n)
	}
	if x := sc.obj.roles[roleLyingPort]; x != nil && x.port != 8080 {
		t.Errorf("%s: the lying-port service %s listens on %d; want 8080, the port tcp-8080 names", label, x.name, x.port)
	}
}

var objectRulebase = []string{ruleBlock, ruleDNS, ruleInternet, ruleTaggedWeb, ruleDevTools, ruleWiki, rulePortal,
	ruleLegacyFTP, ruleVault, ruleCIAltPort, ruleOpsUsers, ruleZoneIntra, ruleNonGuest, ruleCatchAll, ruleCleanup}

func TestObjectPolicyTruth(t *testing.T) {
	roles := map[string]int{}
	splits := 0
	for seed := int64(0); seed < 12; seed++ {
		s := New(Options{Seed: seed, ObjectPolicy: true, SessionsPerDay: -1})
		tr := s.Truth()
		label := "seed " + strconv.FormatInt(seed, 10)
		if !slices.Equal(tr.Rulebase, objectRulebase) {
			t.Errorf("%s: rulebase = %v; want %v", label, tr.Rulebase, objectRulebase)
		}
		if !slices.Equal(tr.CatchAll, []string{ruleCatchAll}) {
			t.Errorf("%s: catch-all = %v", label, tr.CatchAll)
		}
		checkObjectTruth(t, label, s.sc, tr)
		for r := range s.sc.obj.roles {
			roles[r]++
		}
		seen := map[string]int{}
		for _, list := range [][]Service{tr.CatchAllServices, tr.CoveredServices} {
			for _, v := range list {
				seen[v.Name]++
			}
		}
		for _, c := range seen {
			if c > 1 {
				splits++
			}
		}
	}
	// Every trap is exercised by most seeds, and some services split
	// between a rule and the catch-all.
	for _, r := range []string{roleDAG, roleLyingPort, roleUsers, roleNegated, roleIntrazone, roleDAGObject} {
		if roles[r] < 8 {
			t.Errorf("role %s played in %d of 12 seeds; want most", r, roles[r])
		}
	}
	if roles[roleDAGDecoy] == 0 || splits < 12 {
		t.Errorf("dag decoys %d, split services %d; want some of both", roles[roleDAGDecoy], splits)
	}
}

// Without ObjectPolicy nothing changes; with it the base model (clients,
// servers, their addresses and applications) stays that of the seed.
func TestObjectPolicyKeepsTheSeedsModel(t *testing.T) {
	for seed := int64(0); seed < 4; seed++ {
		plain := New(Options{Seed: seed, SessionsPerDay: -1})
		obj := New(Options{Seed: seed, SessionsPerDay: -1, ObjectPolicy: true})
		pt := plain.Truth()
		if pt.ObjectPolicy || len(pt.Rulebase) != 7 || plain.sc.obj != nil {
			t.Errorf("seed %d without ObjectPolicy: truth %+v", seed, pt.Rulebase)
		}
		if !slices.Equal(plain.sc.clients, obj.sc.clients) || plain.Serial() != obj.Serial() || plain.Hostname() != obj.Hostname() {
			t.Errorf("seed %d: clients or identity differ with ObjectPolicy", seed)
		}
		for i, v := range plain.sc.catchAll {
			w := obj.sc.catchAll[i]
			if v.name != w.name || v.ip != w.ip || v.app != w.app || !slices.Equal(v.clients, w.clients) {
				t.Errorf("seed %d: catch-all service %d = %s %s %s; with ObjectPolicy %s %s %s", seed, i, v.name, v.ip, v.app, w.name, w.ip, w.app)
			}
		}
		if _, errs := compilePolicy(plain.running, nil, plain.policyEnv()); len(errs) > 0 {
			t.Errorf("seed %d: default configuration errors %v", seed, errs)
		}
	}
}

// The traffic the model generates is carried by the rules the truth
// names, and its logs carry the clients' User-ID users.
func TestObjectPolicyTrafficAgreesWithTruth(t *testing.T) {
	s, c := newTestServer(t, Options{Seed: 3, ObjectPolicy: true, SessionsPerDay: 2500, Start: mondayMorning})
	s.Advance(24 * time.Hour)
	tr := s.Truth()
	want := map[string]string{} // dst|port|src -> rule
	for _, list := range [][]Service{tr.CatchAllServices, tr.CoveredServices, tr.OpaqueServices} {
		for _, v := range list {
			for _, src := range v.Sources {
				want[v.Destination+"|"+strconv.Itoa(v.Port)+"|"+src] = v.Rule
			}
		}
	}
	logs := c.queryAll("traffic", "(addr.dst in 10.20.0.0/16)")
	checked := 0
	byRule := map[string]int{}
	for _, e := range logs {
		w, ok := want[e.Dst+"|"+strconv.Itoa(e.Dport)+"|"+e.Src]
		if !ok {
			continue // scanners and DNS
		}
		checked++
		byRule[e.Rule]++
		if e.Rule != w {
			t.Errorf("session %s -> %s:%d logged by %s; truth says %s", e.Src, e.Dst, e.Dport, e.Rule, w)
		}
		if u := s.sc.obj.users[mustAddr(e.Src)]; e.SrcUser != u {
			t.Errorf("log from %s srcuser %q; want the client's user %q", e.Src, e.SrcUser, u)
		}
	}
	if checked < 500 || byRule[ruleCatchAll] == 0 || byRule[ruleOpsUsers] == 0 || byRule[ruleNonGuest] == 0 || byRule[ruleTaggedWeb] == 0 {
		t.Errorf("checked %d logs by rule %v; want many, through the catch-all and the user, negated and dynamic-group rules", checked, byRule)
	}
}

func TestObjectPolicyPanorama(t *testing.T) {
	for _, tc := range []struct {
		name string
		dgs  []DeviceGroupOptions
	}{
		{"parent and child", []DeviceGroupOptions{{Name: "corp", Firewalls: -1}, {Name: "branch", Parent: "corp", Firewalls: 2}}},
		{"one level", []DeviceGroupOptions{{Name: "edge", Firewalls: 1}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := New(Options{Seed: 7, ObjectPolicy: true, SessionsPerDay: -1, Panorama: &PanoramaOptions{DeviceGroups: tc.dgs}})
			for i, fw := range p.Firewalls() {
				tr := fw.Truth()
				label := fmt.Sprintf("firewall %d", i)
				if !slices.Equal(tr.Rulebase, objectRulebase) {
					t.Errorf("%s: evaluation order = %v; want %v", label, tr.Rulebase, objectRulebase)
				}
				checkObjectTruth(t, label, fw.sc, tr)
				// Only the server-specific rules are local.
				var local []string
				for _, e := range vsysRules(fw.running).entries() {
					local = append(local, e.attr("name"))
				}
				if want := []string{ruleWiki, rulePortal, ruleLegacyFTP, ruleVault, ruleCIAltPort, ruleOpsUsers, ruleZoneIntra, ruleNonGuest}; !slices.Equal(local, want) {
					t.Errorf("%s: local rules = %v; want %v", label, local, want)
				}
				locs := map[string]string{}
				for _, pos := range []string{"pre-rulebase", "post-rulebase"} {
					for _, e := range fw.pushed.at(pos, "security", "rules").entries() {
						locs[e.attr("name")] = e.attr("loc")
					}
				}
				root, leaf := tc.dgs[0].Name, tc.dgs[len(tc.dgs)-1].Name
				for rule, want := range map[string]string{ruleBlock: root, ruleDNS: root, ruleInternet: leaf, ruleTaggedWeb: leaf,
					ruleDevTools: leaf, ruleCatchAll: root, ruleCleanup: root} {
					if locs[rule] != want {
						t.Errorf("%s: pushed %s from %q; want %q", label, rule, locs[rule], want)
					}
				}
			}
			if tc.name == "parent and child" {
				// The dynamic group lives in the parent, the filter in
				// shared, the application groups in the child.
				for xp, want := range map[string]string{
					pDev + "/device-group/entry[@name='corp']/address-group/entry[@name='" + dagProdWeb + "']":        dagFilter,
					"/config/shared/application-filter/entry[@name='" + appFilterWeb + "']":                           "browser-based",
					pDev + "/device-group/entry[@name='branch']/application-group/entry[@name='" + appGroupDev + "']": appGroupSCM,
				} {
					st, err := parseXPath(xp)
					if err != nil {
						t.Fatal(err)
					}
					ms := find(p.running, st)
					if len(ms) != 1 || !strings.Contains(ms[0].n.String(), esc(want)) {
						t.Errorf("Panorama %s = %v; want it to hold %s", xp, ms, want)
					}
				}
			}
		})
	}
}

// The catch-all opens trust to dmz only; the cleanup rule below it takes
// the rest.
func TestObjectPolicyCatchAllPlacement(t *testing.T) {
	_, c := newTestServer(t, Options{Seed: 5, ObjectPolicy: true, SessionsPerDay: -1})
	for _, tc := range []struct {
		kv   []string
		want string
	}{
		{[]string{"from=trust", "to=dmz", "source=10.1.2.3", "destination=10.20.77.7", "protocol=6", "destination-port=4444"}, ruleCatchAll},
		{[]string{"from=untrust", "to=dmz", "source=192.0.2.9", "destination=10.20.77.7", "protocol=6", "destination-port=4444"}, ruleCleanup},
		{[]string{"from=trust", "to=untrust", "source=10.1.2.3", "destination=192.0.2.9", "protocol=6", "destination-port=4444"}, ruleCleanup},
		{[]string{"from=trust", "to=untrust", "source=10.1.2.3", "destination=192.0.2.9", "protocol=6", "destination-port=443", "application=ssl"}, ruleInternet},
	} {
		a := c.policyMatch(tc.kv...)
		if len(a.Rules) != 1 || a.Rules[0].Name != tc.want {
			t.Errorf("policy match %v = %+v; want %s", tc.kv, a.Rules, tc.want)
		}
	}
}
