package policy_test

import (
	"context"
	"crypto/x509"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/panos-mine/mine/collect"
	"github.com/panos-mine/mine/panosim"
	"github.com/panos-mine/mine/policy"
)

// connect serves sim over TLS and reads its policy through the XML API,
// the way mine reads a firewall's.
func connect(t *testing.T, sim *panosim.Server) (*collect.Client, *policy.Model) {
	t.Helper()
	srv := httptest.NewTLSServer(sim)
	t.Cleanup(srv.Close)
	host, port, _ := strings.Cut(srv.Listener.Addr().String(), ":")
	p, _ := strconv.Atoi(port)
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	c, err := collect.Connect(context.Background(), collect.Config{Host: host, Port: p, APIKey: sim.APIKey(), RootCAs: pool, Timeout: 10 * time.Second}, "vsys1")
	if err != nil {
		t.Fatal(err)
	}
	pol, err := c.Policy(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return c, policy.Compile(pol)
}

// withApps reads from the device's content the applications the rules
// and the flows name, as mine's pipeline does before it evaluates logged
// traffic.
func withApps(t *testing.T, c *collect.Client, m *policy.Model, qs []collect.PolicyQuery) *policy.Model {
	t.Helper()
	names := m.ApplicationNames()
	for _, q := range qs {
		names = append(names, q.Application)
	}
	slices.Sort(names)
	apps, err := c.Applications(context.Background(), slices.Compact(names))
	if err != nil {
		t.Fatal(err)
	}
	p := *m.Policy()
	p.Applications = apps
	return policy.Compile(&p)
}

// randomFlows draws flows from what the rulebase names (the addresses of
// its objects and registered IPs, its zones, services and applications)
// mixed with others, so that most rules are hit; the points come from the
// configuration, the answers from two independent evaluations.
func randomFlows(m *policy.Model, seed uint64, n int) []collect.PolicyQuery {
	r := rand.New(rand.NewPCG(seed, 7))
	p := m.Policy()
	zones := slices.Clone(p.Zones)
	var addrs []string
	ports := []int{80, 443, 8080, 8443, 22, 53, 21, 3000}
	for _, sc := range p.Scopes {
		for _, a := range sc.Addresses {
			if pr, err := netip.ParsePrefix(a.Value); err == nil {
				// a host inside the prefix
				b := pr.Masked().Addr().As16()
				if pr.Addr().Is4() && pr.Bits() < 32 {
					b[15] += byte(r.IntN(1 << min(8, 32-pr.Bits())))
					if pr.Bits() < 24 {
						b[14] += byte(r.IntN(1 << min(8, 24-pr.Bits())))
					}
				}
				ad := netip.AddrFrom16(b)
				if pr.Addr().Is4() {
					ad = ad.Unmap()
				}
				addrs = append(addrs, ad.String())
			} else if ad, err := netip.ParseAddr(a.Value); err == nil {
				addrs = append(addrs, ad.String())
			} else if lo, _, ok := strings.Cut(a.Value, "-"); ok {
				addrs = append(addrs, strings.TrimSpace(lo))
			}
		}
		for _, svc := range sc.Services {
			for _, part := range strings.Split(svc.Port, ",") {
				lo, _, _ := strings.Cut(part, "-")
				if n, err := strconv.Atoi(strings.TrimSpace(lo)); err == nil {
					ports = append(ports, n)
				}
			}
		}
	}
	for ip := range p.RegisteredIPs {
		addrs = append(addrs, ip)
	}
	slices.Sort(addrs) // map order must not change the draws
	slices.Sort(zones)
	slices.Sort(ports)
	apps := append(m.ApplicationNames(), "web-browsing", "ssl", "unknown-tcp", "ms-rdp", "jira", "grafana", "jenkins", "gitlab", "confluence")
	pick := func(s []string) string { return s[r.IntN(len(s))] }
	addr := func() string {
		if r.IntN(5) == 0 {
			return fmt.Sprintf("10.%d.%d.%d", r.IntN(30), r.IntN(30), r.IntN(256))
		}
		return pick(addrs)
	}
	out := make([]collect.PolicyQuery, n)
	for i := range out {
		proto := "tcp"
		if r.IntN(10) == 0 {
			proto = "udp"
		}
		from, to := pick(zones), pick(zones)
		if r.IntN(3) > 0 {
			from, to = "trust", "dmz" // where most rules are
		}
		out[i] = collect.PolicyQuery{From: from, To: to, Source: addr(), Destination: addr(),
			Protocol: proto, Port: ports[r.IntN(len(ports))], Application: pick(apps)}
	}
	return out
}

// minesAnswer evaluates a query as the device does when the command names
// no user: the unknown user.
func minesAnswer(m *policy.Model, q collect.PolicyQuery) policy.Outcome {
	return m.Evaluate(policy.Flow{From: q.From, To: q.To, Source: netip.MustParseAddr(q.Source), Destination: netip.MustParseAddr(q.Destination),
		Protocol: q.Protocol, Port: q.Port, Application: q.Application, UserKnown: true})
}

// TestAgreesWithPanosim runs many random flows through mine's policy
// model and through panosim's own, independent evaluation (test
// security-policy-match) on a rulebase full of objects: address groups,
// a dynamic group with registered IPs, a lying service name, application
// groups and a filter, users, an intrazone rule, a negated group. Where
// mine's answer is certain it must be the device's rule; where it
// depends, the device's rule must be one of those mine named.
func TestAgreesWithPanosim(t *testing.T) {
	for _, seed := range []int64{5, 6, 7} {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) { agreesWithPanosim(t, seed) })
	}
}

func agreesWithPanosim(t *testing.T, seed int64) {
	sim := panosim.New(panosim.Options{Seed: seed, SessionsPerDay: 200, ObjectPolicy: true})
	c, m := connect(t, sim)
	if w := m.Warnings(); len(w) > 0 {
		t.Errorf("warnings reading panosim's policy: %q", w)
	}
	qs := randomFlows(m, uint64(seed), 600)
	m = withApps(t, c, m, qs)
	got, err := c.PolicyMatches(context.Background(), qs, 2)
	if err != nil {
		t.Fatal(err)
	}
	certain, depends, bad := 0, 0, 0
	hit := map[string]bool{}
	for i, q := range qs {
		o := minesAnswer(m, q)
		dev := got[i]
		hit[dev] = true
		var mineRules []string
		for _, d := range o.Depends {
			mineRules = append(mineRules, m.Rules()[d.Rule].Name)
		}
		if o.Rule >= 0 {
			mineRules = append(mineRules, m.Rules()[o.Rule].Name)
		}
		switch {
		case len(o.Depends) == 0:
			certain++
			if len(mineRules) == 0 || mineRules[0] != dev {
				bad++
				t.Errorf("%+v: mine %v, device %q", q, mineRules, dev)
			}
		default:
			depends++
			if !slices.Contains(mineRules, dev) {
				bad++
				t.Errorf("%+v: mine depends on %v, device %q", q, mineRules, dev)
			}
		}
		if bad > 10 {
			t.Fatal("too many disagreements")
		}
	}
	t.Logf("%d flows: %d certain, %d depend; %d distinct rules answered", len(qs), certain, depends, len(hit))
	if certain < len(qs)/2 || len(hit) < 7 {
		t.Errorf("the flows exercise too little: %d certain answers, %d distinct rules (%v)", certain, len(hit), hit)
	}
}

// TestPlantedDisagreementReported: when panosim is made to answer another
// rule than its evaluation gives, mine's cross-check reports it and the
// analysis follows the device (see correlate's TestDeviceAnswersWin for
// the latter); here the disagreement is seen through the real API.
func TestPlantedDisagreementReported(t *testing.T) {
	sim := panosim.New(panosim.Options{Seed: 5, SessionsPerDay: 200, ObjectPolicy: true})
	c, m := connect(t, sim)
	qs := randomFlows(m, 2, 60)
	m = withApps(t, c, m, qs)
	planted := qs[7]
	sim.SetPolicyMatchOverride(func(f panosim.Flow) (string, bool) {
		if f.Source.String() == planted.Source && f.Destination.String() == planted.Destination && f.DestinationPort == planted.Port {
			return "Block-Known-Bad", true
		}
		return "", false
	})
	got, err := c.PolicyMatches(context.Background(), qs, 2)
	if err != nil {
		t.Fatal(err)
	}
	var differ []int
	for i, q := range qs {
		o := minesAnswer(m, q)
		if len(o.Depends) == 0 && o.Rule >= 0 && m.Rules()[o.Rule].Name != got[i] {
			differ = append(differ, i)
		}
	}
	if o := minesAnswer(m, planted); m.Rules()[o.Rule].Name == "Block-Known-Bad" {
		t.Fatal("the planted flow already goes to Block-Known-Bad; pick another")
	}
	if !slices.Equal(differ, []int{7}) {
		t.Errorf("disagreements at %v; want exactly the planted flow 7", differ)
	}
}
