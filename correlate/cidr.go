package correlate

import (
	"math"
	"net/netip"
	"slices"
)

// Source summarisation: a suggested rule names at most maxSourceCIDRs
// prefixes; when covering the clients needs a prefix wider than
// anySourceBits (IPv4) or anySourceBits6 (IPv6), the clients are spread too
// widely for a source list to mean anything and the rule says any.
const (
	maxSourceCIDRs  = 4
	anySourceBits   = 16
	anySourceBits6  = 48
	summarizeInputs = 256 // greedy merging starts from at most this many prefixes
)

// summarizeSources returns the smallest set (at most max) of prefixes that
// covers every address, choosing at each step the merge that adds the
// fewest addresses not seen, or nil when the sources should be "any": the
// set would need a prefix wider than a /16 (/48 for IPv6), or an address
// does not parse. Single addresses are written without /32.
func summarizeSources(addrs []string, max int) []string {
	if len(addrs) == 0 {
		return nil
	}
	ps := make([]netip.Prefix, 0, len(addrs))
	for _, s := range addrs {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil
		}
		a = a.Unmap()
		ps = append(ps, netip.PrefixFrom(a, a.BitLen()))
	}
	slices.SortFunc(ps, comparePrefix)
	ps = slices.Compact(ps)
	ps = collapse(ps, summarizeInputs)
	for len(ps) > max {
		best, bestCost := -1, math.Inf(1)
		var bestSup netip.Prefix
		var bestLo, bestHi int
		for i := 0; i+1 < len(ps); i++ {
			if ps[i].Addr().Is4() != ps[i+1].Addr().Is4() {
				continue
			}
			sup := supernet(ps[i], ps[i+1])
			lo, hi := i, i+1
			for lo > 0 && sup.Contains(ps[lo-1].Addr()) && ps[lo-1].Addr().Is4() == sup.Addr().Is4() {
				lo--
			}
			for hi+1 < len(ps) && sup.Contains(ps[hi+1].Addr()) && ps[hi+1].Addr().Is4() == sup.Addr().Is4() {
				hi++
			}
			cost := size(sup)
			for _, p := range ps[lo : hi+1] {
				cost -= size(p)
			}
			if cost < bestCost {
				best, bestCost, bestSup, bestLo, bestHi = i, cost, sup, lo, hi
			}
		}
		if best < 0 { // only a family boundary is left to merge across
			return nil
		}
		ps = slices.Replace(ps, bestLo, bestHi+1, bestSup)
	}
	out := make([]string, len(ps))
	for i, p := range ps {
		limit := anySourceBits
		if !p.Addr().Is4() {
			limit = anySourceBits6
		}
		if p.Bits() < limit {
			return nil
		}
		if p.IsSingleIP() {
			out[i] = p.Addr().String()
		} else {
			out[i] = p.String()
		}
	}
	return out
}

func comparePrefix(a, b netip.Prefix) int {
	if c := a.Addr().Compare(b.Addr()); c != 0 {
		return c
	}
	return b.Bits() - a.Bits()
}

// collapse shortens every prefix by the same number of bits, the fewest
// that leave at most n prefixes, so that greedy merging stays cheap however
// many clients a service has.
func collapse(ps []netip.Prefix, n int) []netip.Prefix {
	if len(ps) <= n {
		return ps
	}
	for cut := 1; ; cut++ {
		out := make([]netip.Prefix, 0, n)
		for _, p := range ps {
			bits := max(p.Addr().BitLen()-cut, 0)
			q, _ := p.Addr().Prefix(min(bits, p.Bits()))
			if len(out) > 0 && out[len(out)-1] == q {
				continue
			}
			out = append(out, q)
		}
		if len(out) <= n {
			return out
		}
	}
}

// supernet is the smallest prefix holding both prefixes (of one family).
func supernet(a, b netip.Prefix) netip.Prefix {
	bits := min(a.Bits(), b.Bits())
	x, y := a.Addr().AsSlice(), b.Addr().AsSlice()
	common := 0
	for i := range x {
		d := x[i] ^ y[i]
		if d == 0 {
			common += 8
			continue
		}
		for d&0x80 == 0 {
			common++
			d <<= 1
		}
		break
	}
	p, _ := a.Addr().Prefix(min(bits, common))
	return p
}

// size is the number of addresses of a prefix, as a float so that IPv6
// prefixes compare too.
func size(p netip.Prefix) float64 {
	return math.Ldexp(1, p.Addr().BitLen()-p.Bits())
}
