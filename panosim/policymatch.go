package panosim

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// Flow is the tuple of a test security-policy-match command.
type Flow struct {
	// From and To are the zones; when the command names none the device
	// derives them from the addresses (see doc.go).
	From, To            string
	Source, Destination netip.Addr
	Protocol            int // IP protocol number: 6 tcp, 17 udp, 132 sctp, 1 icmp
	SourcePort          int // 0 when not given
	DestinationPort     int // 0 when not given
	Application         string
	SourceUser          string
	Category            string
	ShowAll             bool
}

// SetPolicyMatchOverride makes test security-policy-match answer what f
// returns instead of the device's evaluation, so a test can plant a
// disagreement between the device's answer and its real policy: when f
// returns ok, the answer names rule (no rule at all when rule is ""); when
// it returns !ok the evaluation answers. Traffic is not affected. A nil f
// removes the override.
func (s *Server) SetPolicyMatchOverride(f func(Flow) (rule string, ok bool)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.matchOverride = f
}

var protoNames = map[int]string{1: "icmp", 6: "tcp", 17: "udp", 58: "ipv6-icmp", 132: "sctp"}

// handleTest answers op commands under <test>.
func (s *Server) handleTest(cmd *node) response {
	c := only(cmd)
	if c == nil {
		return unexpected("test")
	}
	if c.name != "security-policy-match" || s.pano != nil {
		return unexpected("test", c.name)
	}
	q, errResp := parsePolicyMatch(c)
	if errResp != nil {
		return *errResp
	}
	if q.From == "" {
		q.From = s.zoneOf(q.Source)
	}
	if q.To == "" {
		q.To = s.zoneOf(q.Destination)
	}
	var rules []*cRule
	answered := false
	if s.matchOverride != nil {
		if name, ok := s.matchOverride(q); ok {
			answered = true
			if name != "" {
				r := s.ruleNamed(name)
				if r == nil {
					r = &cRule{name: name, action: "allow", src: addrSet{any: true}, dst: addrSet{any: true}, svcAny: true}
				}
				rules = []*cRule{r}
			}
		}
	}
	if !answered {
		f := s.flowOf(q)
		if q.ShowAll {
			rules = s.pol.matchAll(&f)
		} else {
			rules = []*cRule{s.pol.match(&f)}
		}
	}
	if len(rules) == 0 {
		return success(0, "<result/>")
	}
	var b strings.Builder
	b.WriteString("<result><rules>")
	for _, r := range rules {
		writeMatchEntry(&b, r)
	}
	b.WriteString("</rules></result>")
	return success(0, b.String())
}

// parsePolicyMatch reads the criteria of a security-policy-match command;
// source, destination and protocol are required, as on the CLI.
func parsePolicyMatch(c *node) (Flow, *response) {
	var q Flow
	fail := func(msg string) (Flow, *response) {
		r := apiError(17, "test -> security-policy-match: "+msg)
		return q, &r
	}
	seen := map[string]bool{}
	for _, ch := range c.children {
		v := strings.Trim(strings.TrimSpace(ch.text), `"`)
		seen[ch.name] = true
		var err error
		switch ch.name {
		case "from":
			q.From = v
		case "to":
			q.To = v
		case "source":
			q.Source, err = netip.ParseAddr(v)
		case "destination":
			q.Destination, err = netip.ParseAddr(v)
		case "protocol":
			q.Protocol, err = strconv.Atoi(v)
			if err == nil && (q.Protocol < 1 || q.Protocol > 255) {
				return fail("protocol " + v + " is not in 1-255")
			}
		case "destination-port":
			q.DestinationPort, err = strconv.Atoi(v)
			if err == nil && (q.DestinationPort < 0 || q.DestinationPort > 65535) {
				return fail("destination-port " + v + " is not in 0-65535")
			}
		case "source-port":
			q.SourcePort, err = strconv.Atoi(v)
			if err == nil && (q.SourcePort < 0 || q.SourcePort > 65535) {
				return fail("source-port " + v + " is not in 0-65535")
			}
		case "application":
			q.Application = v
		case "source-user":
			q.SourceUser = v
		case "category":
			q.Category = v
		case "show-all":
			q.ShowAll = v == "yes"
		default:
			r := unexpected("test", "security-policy-match", ch.name)
			return q, &r
		}
		if err != nil {
			return fail(ch.name + " '" + v + "' is invalid")
		}
	}
	for _, req := range []string{"source", "destination", "protocol"} {
		if !seen[req] {
			return fail("'" + req + "' is missing")
		}
	}
	return q, nil
}

// flowOf turns a command's criteria into what the policy matches, at the
// device's clock. A criterion the command does not give is unknown.
func (s *Server) flowOf(q Flow) flow {
	proto, ok := protoNames[q.Protocol]
	if !ok {
		proto = strconv.Itoa(q.Protocol)
	}
	return flow{
		from: q.From, to: q.To, src: q.Source, dst: q.Destination,
		proto: proto, protoNum: q.Protocol, sport: q.SourcePort, dport: q.DestinationPort,
		app: q.Application, user: q.SourceUser, category: q.Category, at: s.now.UnixMilli(),
	}
}

// zoneOf returns the zone an address lives in, as the device's route
// lookup would: the zone of the interface whose subnet holds it (the
// longest prefix), else the zone of the interface with a public address
// (where the default route points), else "".
func (s *Server) zoneOf(a netip.Addr) string {
	dev := s.running.at("devices").entry("localhost.localdomain")
	zoneOfIf := map[string]string{}
	for _, z := range dev.child("vsys").entry("vsys1").child("zone").entries() {
		for _, m := range z.at("network", "layer3").members() {
			zoneOfIf[m] = z.attr("name")
		}
	}
	best, bestBits, fallback := "", -1, ""
	for _, e := range dev.at("network", "interface", "ethernet").entries() {
		for _, ip := range e.at("layer3", "ip").entries() {
			p, err := netip.ParsePrefix(ip.attr("name"))
			if err != nil {
				continue
			}
			z := zoneOfIf[e.attr("name")]
			if p.Masked().Contains(a) && p.Bits() > bestBits {
				best, bestBits = z, p.Bits()
			}
			if !p.Addr().IsPrivate() && p.Addr().IsGlobalUnicast() && fallback == "" {
				fallback = z
			}
		}
	}
	if best != "" {
		return best
	}
	return fallback
}

// ruleNamed returns the compiled rule of a name, or nil.
func (s *Server) ruleNamed(name string) *cRule {
	for _, r := range s.pol.rules {
		if r.name == name {
			return r
		}
	}
	return nil
}

// listText renders a member list as the CLI prints it: the single member,
// or "[ a b ]".
func listText(ms []string) string {
	switch len(ms) {
	case 0:
		return "any"
	case 1:
		return ms[0]
	}
	return "[ " + strings.Join(ms, " ") + " ]"
}

// writeMatchEntry writes one matching rule of a security-policy-match
// answer: result/rules/entry[@name] with the fields the CLI prints for it.
func writeMatchEntry(b *strings.Builder, r *cRule) {
	w := xw{b}
	b.WriteString(`<entry name="`)
	escape(b, r.name)
	b.WriteString(`">`)
	w.num("index", int64(r.index))
	from, to := r.from, r.to
	if r.ruleType == "intrazone" {
		to = from
	}
	w.el("from", listText(from))
	w.el("source", listText(r.srcText))
	w.el("source-region", "none")
	w.el("to", listText(to))
	w.el("destination", listText(r.dstText))
	w.el("destination-region", "none")
	w.el("user", listText(r.users))
	w.el("source-device", "any")
	w.el("destination-device", "any")
	var cats []string
	for c := range r.cats {
		cats = append(cats, c)
	}
	slices.Sort(cats)
	w.el("category", listText(cats))
	var apps []string
	for a := range r.apps {
		apps = append(apps, a)
	}
	slices.Sort(apps)
	w.el("application", listText(apps))
	var svcs []string
	switch {
	case r.svcAny:
		svcs = []string{"any"}
	case r.svcAppDef:
		svcs = append(svcs, "application-default")
	}
	for _, sp := range r.svcs {
		var ports []string
		for _, p := range sp.dst {
			if p.lo == p.hi {
				ports = append(ports, strconv.Itoa(p.lo))
			} else {
				ports = append(ports, strconv.Itoa(p.lo)+"-"+strconv.Itoa(p.hi))
			}
		}
		svcs = append(svcs, sp.proto+"/"+strings.Join(ports, ","))
	}
	w.el("service", listText(svcs))
	w.el("action", r.action)
	w.el("icmp-unreachable", "no")
	w.el("terminal", "yes")
	b.WriteString("</entry>")
}
