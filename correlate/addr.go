package correlate

import (
	"cmp"
	"net/netip"
	"slices"
)

// compareAddr orders IP addresses numerically and anything else after them
// as text, so 10.0.0.9 sorts before 10.0.0.10.
func compareAddr(a, b string) int {
	x, errx := netip.ParseAddr(a)
	y, erry := netip.ParseAddr(b)
	switch {
	case errx == nil && erry == nil:
		return x.Compare(y)
	case errx == nil:
		return -1
	case erry == nil:
		return 1
	}
	return cmp.Compare(a, b)
}

func sortAddrs(s []string) { slices.SortFunc(s, compareAddr) }
