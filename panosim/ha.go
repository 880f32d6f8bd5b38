package panosim

import (
	"fmt"
	"strings"
	"sync"
	"time"
)

// HAPair is two simulated firewalls in an active/passive high-availability
// pair: the same scenario and configuration, each with its own serial, host
// name, management address, hit counters and logs. Only the active member
// carries traffic; Failover swaps the roles. Each answers "show
// high-availability state" about itself and its peer, as PAN-OS does, so a
// client can find the peer's management address there.
type HAPair struct {
	mu      sync.Mutex
	members [2]*Server
	ips     [2]string
	active  int
}

// haMember is a firewall's part in a pair.
type haMember struct {
	pair *HAPair
	self int
}

// NewHAPair returns the pair for the options, the first member active.
// activeIP and passiveIP are the members' management addresses as the HA
// state reports them (a client connects to the peer there).
func NewHAPair(o Options, activeIP, passiveIP string) *HAPair {
	o = o.withDefaults()
	o.Panorama = nil
	p := &HAPair{ips: [2]string{activeIP, passiveIP}}
	base := newScenario(o, time.UTC) // the seed's host name and serial
	for i := range 2 {
		mo := o
		mo.hostname = base.hostname + []string{"-a", "-b"}[i]
		if i == 1 {
			mo.serial = peerSerial(base.serial)
		}
		s := newFirewall(mo)
		s.ha = &haMember{pair: p, self: i}
		p.members[i] = s
	}
	return p
}

// peerSerial derives the second member's serial from the first's.
func peerSerial(s string) string {
	b := []byte(s)
	last := len(b) - 1
	b[last] = '0' + (b[last]-'0'+5)%10
	return string(b)
}

// Active returns the member that carries traffic.
func (p *HAPair) Active() *Server {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.members[p.active]
}

// Passive returns the member that does not.
func (p *HAPair) Passive() *Server {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.members[1-p.active]
}

// Members returns both members, in creation order.
func (p *HAPair) Members() [2]*Server { return p.members }

// Failover makes the passive member active.
func (p *HAPair) Failover() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.active = 1 - p.active
}

// Advance lets d of traffic flow through the active member; the passive
// one's clock moves too.
func (p *HAPair) Advance(d time.Duration) {
	for _, m := range p.members {
		m.Advance(d)
	}
}

func (m *haMember) isActive() bool {
	m.pair.mu.Lock()
	defer m.pair.mu.Unlock()
	return m.pair.active == m.self
}

// idle moves a passive member's clock: sessions it already carried end,
// no new ones start on it.
func (s *Server) idle(target time.Time) {
	s.emit(target.UnixMilli())
	for s.o.Start.Add(time.Duration(s.nextHour) * time.Hour).Before(target) {
		s.nextHour++
	}
	s.now = target
}

// haState answers show high-availability state: on a pair member the
// group's mode and both members' state, in the shape of a recorded
// firewall answer (testdata/real/xmlapi); elsewhere HA is disabled.
func (s *Server) haState(n *node) response {
	if c := only(n); c == nil || c.name != "state" || len(c.children) > 0 {
		if c != nil {
			return unexpected("show", "high-availability", c.name)
		}
		return unexpected("show", "high-availability")
	}
	if s.ha == nil {
		return success(0, "<result><enabled>no</enabled></result>")
	}
	p := s.ha.pair
	p.mu.Lock()
	active := p.active
	p.mu.Unlock()
	self, peer := s.ha.self, 1-s.ha.self
	state := func(i int) string {
		if i == active {
			return "active"
		}
		return "passive"
	}
	var b strings.Builder
	w := xw{&b}
	b.WriteString("<result><enabled>yes</enabled><group><mode>Active-Passive</mode><local-info>")
	w.el("build-rel", SWVersion)
	w.el("app-version", AppVersion)
	w.el("threat-version", ThreatVersion)
	w.el("platform-model", Model)
	w.el("priority", fmt.Sprint(100+50*self))
	w.el("state", state(self))
	w.el("version", "1")
	w.el("mgmt-ip", p.ips[self]+"/24")
	w.el("mgmt-ipv6", "")
	w.el("preemptive", "no")
	w.el("mode", "Active-Passive")
	w.el("state-sync", "Complete")
	w.el("build-compat", "Match")
	b.WriteString("</local-info><peer-info>")
	w.el("build-rel", SWVersion)
	w.el("app-version", AppVersion)
	w.el("threat-version", ThreatVersion)
	w.el("platform-model", Model)
	w.el("priority", fmt.Sprint(100+50*peer))
	w.el("state", state(peer))
	w.el("version", "1")
	w.el("conn-status", "up")
	w.el("mgmt-ip", p.ips[peer]+"/24")
	w.el("mgmt-ipv6", "")
	w.el("preemptive", "no")
	w.el("mode", "Active-Passive")
	b.WriteString("<conn-ha1><conn-status>up</conn-status><conn-primary>yes</conn-primary><conn-desc>heartbeat status</conn-desc></conn-ha1>")
	b.WriteString("<conn-ha2><conn-status>up</conn-status><conn-primary>yes</conn-primary><conn-desc>link status</conn-desc></conn-ha2>")
	b.WriteString("</peer-info><running-sync>synchronized</running-sync><running-sync-enabled>yes</running-sync-enabled></group></result>")
	return success(0, b.String())
}
