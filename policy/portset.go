package policy

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// portRange is an inclusive range of ports.
type portRange struct{ lo, hi int }

// portSet is a set of ports as sorted, disjoint, non-adjacent ranges.
type portSet []portRange

var allPorts = portSet{{0, 65535}}

func normalizePorts(rs []portRange) portSet {
	if len(rs) == 0 {
		return nil
	}
	rs = slices.Clone(rs)
	slices.SortFunc(rs, func(a, b portRange) int { return a.lo - b.lo })
	out := portSet{rs[0]}
	for _, r := range rs[1:] {
		last := &out[len(out)-1]
		if r.lo <= last.hi+1 {
			last.hi = max(last.hi, r.hi)
			continue
		}
		out = append(out, r)
	}
	return out
}

func (s portSet) contains(p int) bool {
	for _, r := range s {
		if p >= r.lo && p <= r.hi {
			return true
		}
	}
	return false
}

func (s portSet) subsetOf(t portSet) bool {
	for _, r := range s {
		if !slices.ContainsFunc(t, func(x portRange) bool { return x.lo <= r.lo && r.hi <= x.hi }) {
			return false
		}
	}
	return true
}

func (s portSet) union(t portSet) portSet { return normalizePorts(append(slices.Clone(s), t...)) }

func (s portSet) count() int {
	n := 0
	for _, r := range s {
		n += r.hi - r.lo + 1
	}
	return n
}

// parsePorts parses a service's port list as PAN-OS writes it:
// "80,8080,8000-8100". Ports run from 0 to 65535.
func parsePorts(s string) (portSet, error) {
	var rs []portRange
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(strings.TrimSpace(lo))
		if err != nil {
			return nil, fmt.Errorf("port %q is not a number", part)
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(strings.TrimSpace(hi)); err != nil {
				return nil, fmt.Errorf("port %q is not a number", part)
			}
		}
		if a < 0 || b > 65535 || a > b {
			return nil, fmt.Errorf("port %q is out of range 0-65535 or reversed", part)
		}
		rs = append(rs, portRange{a, b})
	}
	if len(rs) == 0 {
		return nil, fmt.Errorf("no port in %q", s)
	}
	return normalizePorts(rs), nil
}

func (s portSet) String() string {
	parts := make([]string, len(s))
	for i, r := range s {
		if r.lo == r.hi {
			parts[i] = strconv.Itoa(r.lo)
		} else {
			parts[i] = fmt.Sprintf("%d-%d", r.lo, r.hi)
		}
	}
	return strings.Join(parts, ",")
}

// protoPorts is ports per protocol (tcp, udp, sctp).
type protoPorts map[string]portSet

func (p protoPorts) add(proto string, s portSet) {
	p[proto] = p[proto].union(s)
}

func (p protoPorts) contains(proto string, port int) bool { return p[proto].contains(port) }

func (p protoPorts) subsetOf(q protoPorts) bool {
	for proto, s := range p {
		if !s.subsetOf(q[proto]) {
			return false
		}
	}
	return true
}

func (p protoPorts) union(q protoPorts) protoPorts {
	out := protoPorts{}
	for proto, s := range p {
		out.add(proto, s)
	}
	for proto, s := range q {
		out.add(proto, s)
	}
	return out
}

// count is the number of (protocol, port) pairs over TCP and UDP.
func (p protoPorts) count() int { return p["tcp"].count() + p["udp"].count() }

// parseDefaultPorts parses an application's default ports as App-ID
// content lists them ("tcp/80,8080", "udp/53", "tcp/dynamic",
// "tcp/80,443,dynamic", "tcp/any"). dynamic and any, alone or in a list,
// allow every port of the protocol (dynamic ones are negotiated, so
// App-ID accepts them wherever they fall).
func parseDefaultPorts(members []string) (protoPorts, error) {
	out := protoPorts{}
	for _, m := range members {
		proto, list, ok := strings.Cut(strings.ToLower(strings.TrimSpace(m)), "/")
		if !ok {
			return nil, fmt.Errorf("default port %q is not protocol/ports", m)
		}
		switch proto {
		case "tcp", "udp", "sctp":
		default:
			continue // icmp, ip protocol numbers: no ports
		}
		if slices.ContainsFunc(strings.Split(list, ","), func(p string) bool { p = strings.TrimSpace(p); return p == "dynamic" || p == "any" }) {
			out.add(proto, allPorts)
			continue
		}
		s, err := parsePorts(list)
		if err != nil {
			return nil, fmt.Errorf("default port %q: %w", m, err)
		}
		out.add(proto, s)
	}
	return out, nil
}
