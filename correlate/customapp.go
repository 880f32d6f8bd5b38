package correlate

import (
	"cmp"
	"fmt"
	"hash/fnv"
	"regexp"
	"slices"
	"strings"

	"github.com/panos-mine/mine"
)

// Custom App-ID candidates.
const (
	// dominantPathShare is the share of successful responses under one
	// first path segment that makes it a stable URL prefix.
	dominantPathShare = 0.8
	// minPatternBytes is the fixed string PAN-OS requires in a custom
	// signature pattern.
	minPatternBytes = 7
	maxAppName      = 31 // PAN-OS application names
)

// genericApps are App-IDs that say only "some web application".
var genericApps = map[string]bool{"web-browsing": true, "ssl": true}

// genericSegments are first path segments every web application has; they
// do not identify one.
var genericSegments = map[string]bool{
	"": true, "static": true, "assets": true, "css": true, "js": true, "img": true, "images": true,
	"favicon.ico": true, "index.html": true, "index.php": true, "login": true, "public": true,
	"robots.txt": true, "fonts": true, "media": true, "{id}": true, "{uuid}": true, "{hash}": true, "{date}": true,
}

// customApps proposes a custom application for each suggestion group whose
// traffic App-ID calls web-browsing or ssl but which has a stable host
// name or URL prefix.
func (x *analysis) customApps(gs []*svcGroup) []mine.CustomAppCandidate {
	out := []mine.CustomAppCandidate{}
	names := map[string]int{}
	for _, g := range gs {
		if !genericApps[g.app] || g.responses == 0 {
			continue
		}
		c := mine.CustomAppCandidate{
			Application: g.app, Destination: slices.Clone(g.dsts), Host: g.host,
			Responses: g.responses, DistinctSources: len(g.sources), CatchAllRule: g.rule,
			PathPatterns: []string{}, URLTemplates: x.templates(g.urls, maxTemplates),
		}
		hostN, segs := int64(0), map[string]int64{}
		for u, n := range g.urls {
			t := x.tp.get(u)
			if g.host != "" && t.host == g.host {
				hostN += n
			}
			seg, _, _ := strings.Cut(strings.TrimPrefix(t.tmpl, "/"), "/")
			segs[seg] += n
		}
		c.HostShare = share(hostN, g.responses)
		for seg, n := range segs {
			if s := share(n, g.responses); s >= dominantPathShare && !genericSegments[strings.ToLower(seg)] {
				c.PathPrefix, c.PathShare = "/"+seg+"/", s
			}
		}
		if c.Host != "" {
			c.HostPattern = patternQuote(hostOnly(c.Host))
		}
		if c.PathPrefix != "" && len(c.PathPrefix) >= minPatternBytes {
			c.PathPatterns = append(c.PathPatterns, patternQuote(c.PathPrefix))
		}
		if c.HostPattern == "" && len(c.PathPatterns) == 0 {
			continue
		}
		for p := range g.ports {
			c.Ports = append(c.Ports, p.port)
		}
		slices.Sort(c.Ports)
		c.Ports = slices.Compact(c.Ports)
		c.Name = appName(c.Host, c.PathPrefix, g.dsts[0])
		names[c.Name]++
		out = append(out, c)
	}
	for i := range out {
		if names[out[i].Name] > 1 {
			h := fnv.New32a()
			h.Write([]byte(strings.Join(out[i].Destination, ",") + "|" + out[i].CatchAllRule))
			out[i].Name = fmt.Sprintf("%.*s-%04x", maxAppName-5, out[i].Name, h.Sum32()&0xffff)
		}
		x.renderApp(&out[i])
	}
	slices.SortFunc(out, func(p, q mine.CustomAppCandidate) int {
		if c := cmp.Compare(q.Responses, p.Responses); c != 0 {
			return c
		}
		return cmp.Compare(p.Name, q.Name)
	})
	return out
}

var nonName = regexp.MustCompile(`[^a-z0-9]+`)

// appName proposes custom-<first label of the host>, or of the URL prefix,
// or of the server address.
func appName(host, prefix, dst string) string {
	base := dst
	switch {
	case host != "":
		base, _, _ = strings.Cut(hostOnly(host), ".")
	case prefix != "":
		base = strings.Trim(prefix, "/")
	}
	n := "custom-" + strings.Trim(nonName.ReplaceAllString(strings.ToLower(base), "-"), "-")
	if len(n) > maxAppName {
		n = n[:maxAppName]
	}
	return n
}

// patternQuote escapes the characters a PAN-OS signature pattern reads as
// regular expression syntax.
func patternQuote(s string) string {
	var b strings.Builder
	for _, c := range s {
		if strings.ContainsRune(`.?*+|()[]{}\^$`, c) {
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// renderApp writes the custom application as an XML element for
// …/vsys/entry/application and as set commands: a browser-based
// business-systems application with web-browsing as its parent, default
// ports as observed, and one signature whose and-conditions are the host
// header and the URI path prefix.
func (x *analysis) renderApp(c *mine.CustomAppCandidate) {
	p := x.placement(c.CatchAllRule)
	c.XPath = vsysXpath(p.vsys) + "/application"
	parent := "web-browsing"
	var ports []string
	for _, port := range c.Ports {
		ports = append(ports, fmt.Sprintf("tcp/%d", port))
	}
	type cond struct{ context, pattern string }
	var conds []cond
	if c.HostPattern != "" {
		conds = append(conds, cond{"http-req-host-header", c.HostPattern})
	}
	for _, pp := range c.PathPatterns {
		conds = append(conds, cond{"http-req-uri-path", pp})
	}
	desc := fmt.Sprintf("proposed by mine: %s seen as %s through %s", strings.Join(c.Destination, ", "), c.Application, c.CatchAllRule)

	var b strings.Builder
	b.WriteString(`<entry name="`)
	xmlText(&b, c.Name)
	b.WriteString(`"><category>business-systems</category><subcategory>general-business</subcategory>`)
	b.WriteString(`<technology>browser-based</technology><risk>2</risk><description>`)
	xmlText(&b, desc)
	b.WriteString(`</description><parent-app>` + parent + `</parent-app><default><port>`)
	for _, pt := range ports {
		b.WriteString("<member>" + pt + "</member>")
	}
	b.WriteString(`</port></default><signature><entry name="mine-1"><scope>session</scope><order-free>yes</order-free><and-condition>`)
	for i, cd := range conds {
		fmt.Fprintf(&b, `<entry name="And Condition %d"><or-condition><entry name="Or Condition 1"><operator><pattern-match><context>%s</context><pattern>`, i+1, cd.context)
		xmlText(&b, cd.pattern)
		b.WriteString(`</pattern></pattern-match></operator></entry></or-condition></entry>`)
	}
	b.WriteString(`</and-condition></entry></signature></entry>`)
	c.XML = b.String()

	app := "set " + p.cliPrefix() + "application " + cliWord(c.Name)
	c.SetCommands = []string{
		app + " category business-systems subcategory general-business technology browser-based risk 2 parent-app " + parent +
			" default port " + cliList(ports) + " description " + cliQuote(desc),
	}
	for i, cd := range conds {
		c.SetCommands = append(c.SetCommands, fmt.Sprintf(`%s signature mine-1 scope session order-free yes and-condition "And Condition %d" or-condition "Or Condition 1" operator pattern-match context %s pattern %s`,
			app, i+1, cd.context, cliQuote(cd.pattern)))
	}
}
