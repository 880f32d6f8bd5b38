package policy

import (
	"fmt"
	"math"
	"math/big"
	"net/netip"
	"slices"
	"strings"
)

// ipRange is an inclusive range of addresses of one family.
type ipRange struct{ lo, hi netip.Addr }

// ipSet is a set of IPv4 and IPv6 addresses as sorted, disjoint,
// non-adjacent ranges.
type ipSet []ipRange

var (
	v4First = netip.AddrFrom4([4]byte{})
	v4Last  = netip.AddrFrom4([4]byte{255, 255, 255, 255})
	v6First = netip.IPv6Unspecified()
	v6Last  = netip.AddrFrom16([16]byte{255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255})
)

// universe is every address.
func universe() ipSet { return ipSet{{v4First, v4Last}, {v6First, v6Last}} }

func compareRange(a, b ipRange) int {
	if c := a.lo.Compare(b.lo); c != 0 {
		return c
	}
	return a.hi.Compare(b.hi)
}

// normalize sorts and merges overlapping and adjacent ranges.
func normalize(rs []ipRange) ipSet {
	if len(rs) == 0 {
		return nil
	}
	rs = slices.Clone(rs)
	slices.SortFunc(rs, compareRange)
	out := ipSet{rs[0]}
	for _, r := range rs[1:] {
		last := &out[len(out)-1]
		if r.lo.Is4() == last.hi.Is4() && (r.lo.Compare(last.hi) <= 0 || last.hi.Next() == r.lo) {
			if r.hi.Compare(last.hi) > 0 {
				last.hi = r.hi
			}
			continue
		}
		out = append(out, r)
	}
	return out
}

func (s ipSet) contains(a netip.Addr) bool {
	i, found := slices.BinarySearchFunc(s, a, func(r ipRange, a netip.Addr) int { return r.lo.Compare(a) })
	if found {
		return true
	}
	return i > 0 && s[i-1].lo.Is4() == a.Is4() && s[i-1].hi.Compare(a) >= 0
}

func (s ipSet) union(t ipSet) ipSet { return normalize(append(slices.Clone(s), t...)) }

// complement returns every address not in s.
func (s ipSet) complement() ipSet {
	var out ipSet
	for _, fam := range []ipRange{{v4First, v4Last}, {v6First, v6Last}} {
		next, open := fam.lo, true
		for _, r := range s {
			if r.lo.Is4() != fam.lo.Is4() {
				continue
			}
			if r.lo.Compare(next) > 0 {
				out = append(out, ipRange{next, r.lo.Prev()})
			}
			if r.hi == fam.hi {
				open = false
				break
			}
			next = r.hi.Next()
		}
		if open {
			out = append(out, ipRange{next, fam.hi})
		}
	}
	return out
}

// subsetOf reports whether every address of s is in t.
func (s ipSet) subsetOf(t ipSet) bool {
	for _, r := range s {
		i, found := slices.BinarySearchFunc(t, r.lo, func(x ipRange, a netip.Addr) int { return x.lo.Compare(a) })
		if !found {
			i--
		}
		if i < 0 || t[i].lo.Is4() != r.lo.Is4() || t[i].hi.Compare(r.hi) < 0 {
			return false
		}
	}
	return true
}

func (s ipSet) intersects(t ipSet) bool {
	for _, r := range s {
		for _, x := range t {
			if r.lo.Is4() == x.lo.Is4() && r.lo.Compare(x.hi) <= 0 && x.lo.Compare(r.hi) <= 0 {
				return true
			}
		}
	}
	return false
}

// count4 returns how many IPv4 addresses s holds.
func (s ipSet) count4() float64 {
	var n float64
	for _, r := range s {
		if r.lo.Is4() {
			lo, hi := r.lo.As4(), r.hi.As4()
			n += float64(be32(hi)-be32(lo)) + 1
		}
	}
	return n
}

// count6 returns how many IPv6 addresses s holds (a float: 2^128 fits).
func (s ipSet) count6() float64 {
	var n float64
	for _, r := range s {
		if r.lo.Is6() {
			lo, hi := r.lo.As16(), r.hi.As16()
			d := new(big.Int).Sub(new(big.Int).SetBytes(hi[:]), new(big.Int).SetBytes(lo[:]))
			f, _ := new(big.Float).SetInt(d).Float64()
			n += f + 1
		}
	}
	return n
}

func be32(b [4]byte) uint32 {
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

// literal is an address member written as a value rather than a name.
type literal struct {
	set ipSet
	// wild is set for a wildcard mask too scattered to expand: set is then
	// its bounding range and matching uses wildMatch.
	wild *[2]netip.Addr
}

// parseIPValue parses what an address member or object may hold as a
// literal: an address, a prefix (10.0.0.0/24; host bits are allowed, as
// PAN-OS allows them), a range (10.0.0.1-10.0.0.9) or a wildcard mask
// (10.0.1.0/0.0.254.255). ok is false when s is none of these (a name);
// err is set when s looks like one but is malformed.
func parseIPValue(s string) (lit literal, ok bool, err error) {
	s = strings.TrimSpace(s)
	if lo, hi, isRange := strings.Cut(s, "-"); isRange {
		a, err1 := netip.ParseAddr(strings.TrimSpace(lo))
		b, err2 := netip.ParseAddr(strings.TrimSpace(hi))
		if err1 != nil || err2 != nil {
			return lit, false, nil
		}
		a, b = a.Unmap(), b.Unmap()
		if a.Is4() != b.Is4() || a.Compare(b) > 0 {
			return lit, true, fmt.Errorf("range %q is reversed or mixes IPv4 and IPv6", s)
		}
		return literal{set: ipSet{{a, b}}}, true, nil
	}
	if addr, mask, isPrefix := strings.Cut(s, "/"); isPrefix {
		a, err := netip.ParseAddr(addr)
		if err != nil {
			return lit, false, nil
		}
		a = a.Unmap()
		if m, err := netip.ParseAddr(mask); err == nil && a.Is4() && m.Is4() {
			set, exact := wildcard(a, m)
			lit.set = set
			if !exact {
				lit.wild = &[2]netip.Addr{a, m}
			}
			return lit, true, nil
		}
		p, err := netip.ParsePrefix(a.String() + "/" + mask)
		if err != nil {
			return lit, true, fmt.Errorf("prefix %q: %w", s, err)
		}
		return literal{set: prefixSet(p)}, true, nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return lit, false, nil
	}
	a = a.Unmap()
	return literal{set: ipSet{{a, a}}}, true, nil
}

func prefixSet(p netip.Prefix) ipSet {
	p = p.Masked()
	lo := p.Addr()
	hi := lo
	if lo.Is4() {
		b := lo.As4()
		v := be32(b) | (uint32(math.MaxUint32) >> p.Bits())
		if p.Bits() == 0 {
			v = math.MaxUint32
		}
		hi = netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
	} else {
		b := lo.As16()
		for i := p.Bits(); i < 128; i++ {
			b[i/8] |= 1 << (7 - i%8)
		}
		hi = netip.AddrFrom16(b)
	}
	return ipSet{{lo, hi}}
}

// wildcard expands an IPv4 wildcard mask: the bits set in mask may take
// any value. exact is false when the mask has more scattered bits than
// maxWildcardBits: the set is then the range from the lowest to the
// highest member, a superset, and matching must use wildMatch.
func wildcard(base, mask netip.Addr) (set ipSet, exact bool) {
	m := be32(mask.As4())
	b := be32(base.As4()) &^ m
	// The trailing run of set bits forms the contiguous low part.
	low := uint32(0)
	for low < 32 && m&(1<<low) != 0 {
		low++
	}
	var high []uint32 // scattered bits above the run
	for i := low; i < 32; i++ {
		if m&(1<<i) != 0 {
			high = append(high, 1<<i)
		}
	}
	span := uint32(0)
	if low > 0 {
		span = uint32(math.MaxUint32) >> (32 - low)
	}
	if len(high) > maxWildcardBits {
		return ipSet{{addr4(b), addr4(b | m)}}, false
	}
	out := make([]ipRange, 0, 1<<len(high))
	for combo := 0; combo < 1<<len(high); combo++ {
		v := b
		for j, bit := range high {
			if combo&(1<<j) != 0 {
				v |= bit
			}
		}
		out = append(out, ipRange{addr4(v), addr4(v | span)})
	}
	return normalize(out), true
}

// wildMatch reports whether a matches base under a wildcard mask.
func wildMatch(base, mask, a netip.Addr) bool {
	if !a.Is4() {
		return false
	}
	m := be32(mask.As4())
	return be32(a.As4())&^m == be32(base.As4())&^m
}

// maxWildcardBits bounds the scattered mask bits expanded exactly (2^12
// ranges).
const maxWildcardBits = 12

func addr4(v uint32) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

func (s ipSet) String() string {
	parts := make([]string, len(s))
	for i, r := range s {
		if r.lo == r.hi {
			parts[i] = r.lo.String()
		} else {
			parts[i] = r.lo.String() + "-" + r.hi.String()
		}
	}
	return strings.Join(parts, ",")
}
