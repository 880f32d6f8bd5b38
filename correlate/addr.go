package correlate

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"
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

// parseAddr parses a log's address field; the zero Addr when it is none.
func parseAddr(s string) netip.Addr {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap()
}

// protoOr is a log's protocol in lower case, tcp when it is not given.
func protoOr(p string) string {
	if p == "" {
		return "tcp"
	}
	return strings.ToLower(p)
}

func quoteList(s []string) string {
	q := make([]string, len(s))
	for i, v := range s {
		q[i] = fmt.Sprintf("%q", v)
	}
	return strings.Join(q, ", ")
}
