package correlate

import (
	"cmp"
	"net/netip"
	"path"
	"slices"
	"strings"

	"github.com/panos-mine/mine"
)

// brokenLinkMinSources is how many ordinary clients must have hit a 404 for
// it to be a broken link rather than a typo.
const brokenLinkMinSources = 2

// findingKind classifies an error status for the app teams; "" is not a
// finding.
func findingKind(status int) string {
	switch {
	case status == 404 || status == 410:
		return mine.FindingBrokenLink
	case status == 401 || status == 403:
		return mine.FindingAuth
	case status >= 500 && status < 600:
		return mine.FindingServerError
	}
	return ""
}

var kindOrder = map[string]int{mine.FindingServerError: 0, mine.FindingBrokenLink: 1, mine.FindingAuth: 2}

// findings turns the error answers of internal servers into app-team
// items per server, URL template and status, leaving scanners out.
func (x *analysis) findings() []mine.Finding {
	type key struct {
		dst, host, path string
		port, status    int
	}
	type agg struct {
		mine.Finding
		sp       span
		sources  map[string]bool
		examples map[string]int64
		rules    map[string]bool
	}
	byKey := map[key]*agg{}
	for ek, e := range x.a.errs {
		kind := findingKind(ek.status)
		if kind == "" {
			continue
		}
		var n int64
		var srcs []string
		for src, c := range e.sources {
			if !x.isScanner[src] {
				n += c
				srcs = append(srcs, src)
			}
		}
		if n == 0 {
			continue
		}
		t := x.tp.get(ek.url)
		k := key{ek.dst, t.host, t.tmpl, ek.port, ek.status}
		g := byKey[k]
		if g == nil {
			g = &agg{Finding: mine.Finding{Kind: kind, Destination: ek.dst, Host: t.host, Port: ek.port, Path: t.tmpl, Status: ek.status},
				sources: map[string]bool{}, examples: map[string]int64{}, rules: map[string]bool{}}
			byKey[k] = g
		}
		g.Count += n
		g.sp.merge(e.span)
		for _, s := range srcs {
			g.sources[s] = true
		}
		g.examples[ek.url] += n
		for _, r := range e.rules {
			g.rules[r] = true
		}
	}
	out := []mine.Finding{}
	for _, g := range byKey {
		f := g.Finding
		f.Sources = len(g.sources)
		if f.Kind == mine.FindingBrokenLink && f.Sources < brokenLinkMinSources {
			continue
		}
		f.FirstSeen, f.LastSeen = g.sp.first, g.sp.last
		f.Examples = []string{}
		for _, uc := range top(g.examples, maxExamples) {
			f.Examples = append(f.Examples, uc.URL)
		}
		f.Rules = sortedKeys(g.rules)
		f.Team = owner(x.in.Owners, f.Destination, f.Host)
		out = append(out, f)
	}
	slices.SortFunc(out, func(p, q mine.Finding) int {
		if c := cmp.Compare(p.Team, q.Team); c != 0 {
			return c
		}
		if c := cmp.Compare(kindOrder[p.Kind], kindOrder[q.Kind]); c != 0 {
			return c
		}
		if c := cmp.Compare(q.Count, p.Count); c != 0 {
			return c
		}
		if c := compareAddr(p.Destination, q.Destination); c != 0 {
			return c
		}
		if c := cmp.Compare(p.Host, q.Host); c != 0 {
			return c
		}
		if c := cmp.Compare(p.Path, q.Path); c != 0 {
			return c
		}
		if c := cmp.Compare(p.Port, q.Port); c != 0 {
			return c
		}
		return cmp.Compare(p.Status, q.Status)
	})
	return out
}

// owner returns the team of the first owner pattern that matches the
// server's address (an address or CIDR pattern) or host name (a name
// pattern with * wildcards), or "".
func owner(owners []mine.Owner, dst, host string) string {
	addr, addrErr := netip.ParseAddr(dst)
	h := strings.ToLower(hostOnly(host))
	for _, o := range owners {
		p := strings.TrimSpace(o.Pattern)
		if pfx, err := netip.ParsePrefix(p); err == nil {
			if addrErr == nil && pfx.Contains(addr.Unmap()) {
				return o.Team
			}
			continue
		}
		if a, err := netip.ParseAddr(p); err == nil {
			if addrErr == nil && a == addr {
				return o.Team
			}
			continue
		}
		if ok, err := path.Match(strings.ToLower(p), h); err == nil && ok && h != "" {
			return o.Team
		}
	}
	return ""
}
