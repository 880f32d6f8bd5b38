package correlate

import (
	"net/netip"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestSummarizeSources(t *testing.T) {
	five := []string{"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.1.1", "192.168.1.1"}
	tests := []struct {
		name  string
		addrs []string
		max   int
		want  []string // nil means any
	}{
		{"few stay exact", []string{"10.1.0.7", "10.1.0.5"}, 4, []string{"10.1.0.5", "10.1.0.7"}},
		{"duplicates", []string{"10.1.0.5", "10.1.0.5"}, 4, []string{"10.1.0.5"}},
		// .2 and .3 form a /31 without a single unseen address.
		{"free merge first", five, 4, []string{"10.0.0.1", "10.0.0.2/31", "10.0.1.1", "192.168.1.1"}},
		// then .1 joins as 10.0.0.0/30 (1 unseen), then 10.0.1.1 as /23
		// (507 unseen) rather than anything with 192.168.1.1.
		{"cheapest merges", five, 2, []string{"10.0.0.0/23", "192.168.1.1"}},
		{"one prefix is the whole space", five, 1, nil},
		{"spread across a /8 is any", []string{"10.1.0.1", "10.50.0.1", "10.99.0.1", "10.150.0.1", "10.200.0.1"}, 4, nil},
		{"a /16 is still tight", []string{"10.1.0.1", "10.1.255.1"}, 1, []string{"10.1.0.0/16"}},
		{"families apart", []string{"2001:db8::1", "10.0.0.1"}, 4, []string{"10.0.0.1", "2001:db8::1"}},
		{"families never merge", []string{"2001:db8::1", "10.0.0.1"}, 1, nil},
		{"not an address", []string{"10.0.0.1", "client-7"}, 4, nil},
		{"none", nil, 4, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := summarizeSources(tc.addrs, tc.max); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("summarizeSources(%v, %d) = %v; want %v", tc.addrs, tc.max, got, tc.want)
			}
		})
	}
}

// Thousands of clients are collapsed before greedy merging; the result
// still covers every client.
func TestSummarizeSourcesMany(t *testing.T) {
	var addrs []string
	for i := 0; i < 3000; i++ {
		addrs = append(addrs, "10.1."+strconv.Itoa(i%12)+"."+strconv.Itoa(i%250))
	}
	got := summarizeSources(addrs, 4)
	if len(got) == 0 || len(got) > 4 {
		t.Fatalf("summarizeSources(3000 clients) = %v; want 1 to 4 prefixes", got)
	}
	var ps []netip.Prefix
	for _, g := range got {
		if !strings.Contains(g, "/") {
			g += "/32"
		}
		ps = append(ps, netip.MustParsePrefix(g))
	}
	for _, a := range addrs {
		if !slices.ContainsFunc(ps, func(p netip.Prefix) bool { return p.Contains(netip.MustParseAddr(a)) }) {
			t.Fatalf("summary %v misses %s", got, a)
		}
	}
}
