package panosim

import (
	"compress/gzip"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
)

// schemaPaths reads the recorded PAN-OS 10.0.5 configuration schema and
// returns every configuration element path it allows, entries written as
// "entry" (choice nodes add no element, sequences, arrays, elements and
// unions do).
func schemaPaths(t *testing.T) map[string]bool {
	t.Helper()
	f, err := os.Open("testdata/real/policy/panos-php-pa220-schema-v10_0_5.xml.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	d := xml.NewDecoder(zr)
	out := map[string]bool{}
	var stack []string // path components, "" for nodes that add none
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("read schema: %v", err)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			comp := ""
			switch x.Name.Local {
			case "sequence", "array", "element", "union":
				for _, a := range x.Attr {
					if a.Name.Local == "name" {
						comp = a.Value
					}
				}
			}
			stack = append(stack, comp)
			if comp != "" {
				var p strings.Builder
				for _, c := range stack {
					if c != "" {
						p.WriteString("/" + c)
					}
				}
				out[p.String()] = true
			}
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		}
	}
	return out
}

// configPaths returns the element paths under n, prefixed.
func configPaths(prefix string, n *node, into map[string]bool) {
	p := prefix + "/" + n.name
	into[p] = true
	for _, c := range n.children {
		configPaths(p, c, into)
	}
}

// Every element the ObjectPolicy scenario writes into vsys1 and shared is
// one the device's schema allows there.
func TestObjectPolicyConfigFollowsTheSchema(t *testing.T) {
	schema := schemaPaths(t)
	for _, want := range []string{
		"/config/devices/entry/vsys/entry/address/entry/ip-wildcard",
		"/config/devices/entry/vsys/entry/address-group/entry/dynamic/filter",
		"/config/devices/entry/vsys/entry/schedule/entry/schedule-type/recurring/weekly/monday/member",
		"/config/devices/entry/vsys/entry/rulebase/default-security-rules/rules/entry/log-end",
	} {
		if !schema[want] {
			t.Fatalf("schema lacks %s: the reader is broken", want)
		}
	}
	s := New(Options{Seed: 2, ObjectPolicy: true, SessionsPerDay: -1})
	got := map[string]bool{}
	dev := s.running.at("devices").entry("localhost.localdomain")
	configPaths("/config/devices/entry/vsys", dev.child("vsys").entry("vsys1"), got)
	configPaths("/config", s.running.child("shared"), got)
	var bad []string
	for p := range got {
		if !schema[p] {
			bad = append(bad, p)
		}
	}
	sort.Strings(bad)
	for _, p := range bad {
		t.Errorf("ObjectPolicy configuration has %s, which the recorded schema does not allow", p)
	}
}

// The predefined applications carry the elements of an application entry
// as the schema defines them for custom applications (and as pan-os-php
// reads them from a device's predefined content), plus is-saas, which
// pan-os-php reads from predefined entries only.
func TestPredefinedApplicationsShape(t *testing.T) {
	schema := schemaPaths(t)
	root, err := parseOne(`<config>` + predefinedConfig() + `</config>`)
	if err != nil {
		t.Fatal(err)
	}
	apps := root.at("predefined", "application").entries()
	if len(apps) < 30 {
		t.Fatalf("%d predefined applications; want the catalog", len(apps))
	}
	got := map[string]bool{}
	for _, a := range apps {
		configPaths("/config/shared/application", a, got)
		if a.attr("id") == "" {
			t.Errorf("predefined application %s has no id", a.attr("name"))
		}
	}
	for p := range got {
		if !schema[p] && p != "/config/shared/application/entry/is-saas" {
			t.Errorf("predefined application element %s is not an application element of the schema", p)
		}
	}
	web := root.at("predefined", "application").entry("web-browsing")
	if web.at("default", "port").members()[0] != "tcp/80" || web.textOf("category") != "general-internet" || web.textOf("risk") != "4" {
		t.Errorf("web-browsing = %s; want default tcp/80, general-internet, risk 4", web)
	}
	https := root.at("predefined", "service").entry("service-https")
	if https.at("protocol", "tcp").textOf("port") != "443" {
		t.Errorf("service-https = %s; want tcp/443", https)
	}
}

// Recorded configurations compile in the simulator with the meaning their
// elements have.
func TestRecordedConfigurationsCompile(t *testing.T) {
	read := func(name string) *node {
		t.Helper()
		b, err := os.ReadFile("testdata/real/policy/" + name)
		if err != nil {
			t.Fatal(err)
		}
		n, err := parseOne(string(b))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	withPredefined := func(n *node) *node {
		p, err := parseOne(predefinedConfig())
		if err != nil {
			t.Fatal(err)
		}
		n.children = append(n.children, p)
		return n
	}
	defaults := func(p *policy) map[string]*cRule {
		out := map[string]*cRule{}
		for _, r := range p.rules {
			if r.isDefault {
				out[r.name] = r
			}
		}
		return out
	}

	// iron-skillet firewall: vsys default rule overrides.
	fw := withPredefined(read("iron-skillet-panos-full.xml"))
	p, errs := compilePolicy(fw, nil, nil)
	if len(errs) > 0 {
		t.Errorf("iron-skillet firewall configuration: %v", errs)
	}
	d := defaults(p)
	if d[ruleInterzone].action != "drop" || !d[ruleInterzone].logEnd || d[ruleIntrazone].action != "allow" || !d[ruleIntrazone].logEnd {
		t.Errorf("iron-skillet defaults = interzone %s log %v, intrazone %s log %v; want drop/yes and allow/yes",
			d[ruleInterzone].action, d[ruleInterzone].logEnd, d[ruleIntrazone].action, d[ruleIntrazone].logEnd)
	}

	// iron-skillet Panorama: shared post-rulebase overrides reach a pushed
	// firewall.
	pano := read("iron-skillet-panorama-full.xml")
	pushed, _ := pushedPolicy(pano, "sample_devicegroup")
	fw2 := withPredefined(mustParseConfig(t, `<config><devices><entry name="localhost.localdomain"><vsys><entry name="vsys1"/></vsys></entry></devices></config>`))
	p, _ = compilePolicy(fw2, pushed, nil)
	if d := defaults(p); d[ruleInterzone].action != "drop" {
		t.Errorf("pushed iron-skillet interzone-default = %s; want drop (shared post-rulebase override)", d[ruleInterzone].action)
	}

	// pan-os-php Panorama 10.0: every group's lineage resolves, every
	// dynamic filter parses.
	merger := read("panos-php-panorama-10.0-merger.xml")
	for _, g := range deviceGroups(merger).entries() {
		if _, err := dgLineage(merger, g.attr("name")); err != nil {
			t.Errorf("dgLineage(%s) = %v", g.attr("name"), err)
		}
	}
	var filters int
	var walk func(*node)
	walk = func(n *node) {
		if n.name == "dynamic" {
			filters++
			if _, err := parseTagFilter(n.textOf("filter")); err != nil {
				t.Errorf("recorded filter %q: %v", n.textOf("filter"), err)
			}
		}
		for _, c := range n.children {
			walk(c)
		}
	}
	walk(merger)
	if filters == 0 {
		t.Error("no dynamic groups in the recorded Panorama configuration")
	}

	// pan-os-php firewall: its application filters select from our
	// catalog what their attributes say (collaboration/social-networking/
	// browser-based: facebook-base; general-internet/file-sharing/
	// peer-to-peer: bittorrent); its service with source-port compiles.
	ex := withPredefined(read("panos-php-panos-example-2.xml"))
	c := newCompiler(ex, nil, nil)
	ch := c.localChain()
	for name, want := range map[string][]string{"custom-appfilter-1": {"facebook-base"}, "custom-appfilter-2": {"bittorrent"}} {
		got := map[string]bool{}
		if !c.expandApp(ch, name, got, 0) {
			t.Errorf("recorded filter %s does not resolve", name)
		}
		var names []string
		for a := range got {
			names = append(names, a)
		}
		slices.Sort(names)
		if !slices.Equal(names, want) {
			t.Errorf("recorded filter %s selects %v; want %v", name, names, want)
		}
	}
	var specs []svcSpec
	if !c.services(ch, "TCP-55", 0, &specs) || len(specs) != 1 || !inRanges(specs[0].dst, 55) || !inRanges(specs[0].src, 23) || inRanges(specs[0].src, 24) {
		t.Errorf("recorded service TCP-55 = %+v; want tcp/55 from source port 23", specs)
	}
}
