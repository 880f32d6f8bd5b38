package collect

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/panos-mine/mine"
)

// xmlConfig is a whole saved configuration (<config>), firewall or
// Panorama.
type xmlConfig struct {
	Version string     `xml:"version,attr"`
	Shared  xmlObjects `xml:"shared"`
	Devices []struct {
		Name         string           `xml:"name,attr"`
		Vsys         []xmlVsys        `xml:"vsys>entry"`
		DeviceGroups []xmlDeviceGroup `xml:"device-group>entry"`
		System       struct {
			Hostname string `xml:"hostname"`
			Timezone string `xml:"timezone"`
			// a firewall managed by Panorama names it: directly before
			// PAN-OS 9.1, under panorama/local-panorama since
			PanoramaServer string `xml:"panorama-server"`
			LocalPanorama  string `xml:"panorama>local-panorama>panorama-server"`
		} `xml:"deviceconfig>system"`
	} `xml:"devices>entry"`
	Readonly struct {
		DeviceGroups []xmlDGInfo `xml:"devices>entry>device-group>entry"`
		DGInfo       []xmlDGInfo `xml:"dg-meta-data>dg-info>entry"`
	} `xml:"readonly"`
	// a Panorama lists its managed firewalls here; a firewall has none
	MgtDevices *struct{} `xml:"mgt-config>devices"`
}

type xmlVsys struct {
	Name string `xml:"name,attr"`
	xmlObjects
}

type xmlDeviceGroup struct {
	Name string `xml:"name,attr"`
	xmlObjects
	Devices []xmlNamed `xml:"devices>entry"`
}

type xmlDGInfo struct {
	Name       string `xml:"name,attr"`
	Parent     string `xml:"parent-dg"`
	ParentAttr string `xml:"parent-dg,attr"`
}

// ConfigInfo is what a saved configuration says about the device it
// came from.
type ConfigInfo struct {
	Version      string // the config's version attribute, e.g. 10.2.0
	Hostname     string
	TimeZone     string // IANA name, "" when the configuration sets none
	Panorama     bool
	Vsys         []string
	DeviceGroups []string
	// ManagedBy is the Panorama a firewall's configuration names, ""
	// when none: its pushed rules are not in a saved firewall
	// configuration.
	ManagedBy string
}

// ReadConfigFile reads a saved PAN-OS configuration (the XML of "show
// config running", of the API's export, or the file the web interface
// saves; with or without a <response> envelope) and returns the security
// policy of one context: a firewall vsys (default vsys1) or, from a
// Panorama configuration, a device group (required).
func ReadConfigFile(r io.Reader, sc Scope) (*mine.Policy, ConfigInfo, error) {
	cfg, err := decodeConfig(r)
	if err != nil {
		return nil, ConfigInfo{}, err
	}
	info := cfg.info()
	if info.Panorama {
		if sc.Vsys != "" && sc.Vsys != "vsys1" {
			return nil, info, fmt.Errorf("this is a Panorama configuration: name a device group (--device-group), not a vsys")
		}
		if sc.DeviceGroup == "" {
			return nil, info, fmt.Errorf("this is a Panorama configuration: name the device group that holds the catch-all (--device-group); it has %s", listOrNone(info.DeviceGroups))
		}
		p, err := cfg.panoramaPolicy(sc.DeviceGroup)
		return p, info, err
	}
	if sc.DeviceGroup != "" {
		return nil, info, fmt.Errorf("this is a firewall configuration: --device-group applies to Panorama configurations only")
	}
	vsys := sc.Vsys
	if vsys == "" {
		vsys = "vsys1"
	}
	p, err := cfg.firewallPolicy(vsys, nil)
	if err != nil {
		return nil, info, err
	}
	if info.ManagedBy != "" {
		p.Warnings = append(p.Warnings, fmt.Sprintf("this firewall is managed by Panorama %s: the rules it pushed are not in a saved firewall configuration, so only the local rules are known (read the device itself, or Panorama's configuration with --device-group)", info.ManagedBy))
	}
	return p, info, nil
}

func listOrNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// decodeConfig finds the <config> element, wherever the envelope puts
// it, and decodes it.
func decodeConfig(r io.Reader) (*xmlConfig, error) {
	d := xml.NewDecoder(r)
	d.Strict = true
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("not a PAN-OS configuration: no <config> element")
		}
		if err != nil {
			return nil, fmt.Errorf("read configuration: %w", err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch se.Name.Local {
		case "config":
			var cfg xmlConfig
			if err := d.DecodeElement(&cfg, &se); err != nil {
				return nil, fmt.Errorf("read configuration: %w", err)
			}
			return &cfg, nil
		case "response", "result", "show", "get":
			continue // envelopes
		default:
			return nil, fmt.Errorf("not a PAN-OS configuration: the document starts with <%s>, not <config>", se.Name.Local)
		}
	}
}

func (cfg *xmlConfig) info() ConfigInfo {
	info := ConfigInfo{Version: cfg.Version}
	for _, d := range cfg.Devices {
		if info.Hostname == "" {
			info.Hostname = strings.TrimSpace(d.System.Hostname)
		}
		if info.TimeZone == "" {
			info.TimeZone = strings.TrimSpace(d.System.Timezone)
		}
		for _, v := range d.Vsys {
			info.Vsys = append(info.Vsys, v.Name)
		}
		for _, g := range d.DeviceGroups {
			info.DeviceGroups = append(info.DeviceGroups, g.Name)
		}
		if s := strings.TrimSpace(d.System.PanoramaServer); s != "" {
			info.ManagedBy = s
		}
		if s := strings.TrimSpace(d.System.LocalPanorama); s != "" {
			info.ManagedBy = s
		}
	}
	info.Panorama = cfg.MgtDevices != nil || len(info.DeviceGroups) > 0 || len(cfg.Readonly.DeviceGroups) > 0
	return info
}

func (cfg *xmlConfig) vsys(name string) (*xmlVsys, []string) {
	var names []string
	var found *xmlVsys
	for di := range cfg.Devices {
		for vi := range cfg.Devices[di].Vsys {
			v := cfg.Devices[di].Vsys[vi]
			switch {
			case v.Name != name:
				names = append(names, v.Name)
			case found == nil:
				found = &v
			default:
				found.merge(&v.xmlObjects)
			}
		}
	}
	if found != nil {
		return found, nil
	}
	return nil, names
}

// merge adds o's objects and rules to x, as PAN-OS reads two sibling
// entries of one name.
func (x *xmlObjects) merge(o *xmlObjects) {
	x.Address = append(x.Address, o.Address...)
	x.AddressGroup = append(x.AddressGroup, o.AddressGroup...)
	x.Service = append(x.Service, o.Service...)
	x.ServiceGroup = append(x.ServiceGroup, o.ServiceGroup...)
	x.AppGroup = append(x.AppGroup, o.AppGroup...)
	x.AppFilter = append(x.AppFilter, o.AppFilter...)
	x.Application = append(x.Application, o.Application...)
	x.ExternalList = append(x.ExternalList, o.ExternalList...)
	x.Schedule = append(x.Schedule, o.Schedule...)
	x.Tag = append(x.Tag, o.Tag...)
	x.Region = append(x.Region, o.Region...)
	x.Zone = append(x.Zone, o.Zone...)
	x.ProfileGroups = append(x.ProfileGroups, o.ProfileGroups...)
	for _, rb := range []struct{ to, from *xmlRulebase }{{&x.Rulebase, &o.Rulebase}, {&x.PreRulebase, &o.PreRulebase}, {&x.PostRulebase, &o.PostRulebase}} {
		rb.to.Security = append(rb.to.Security, rb.from.Security...)
		rb.to.Defaults = append(rb.to.Defaults, rb.from.Defaults...)
	}
}

// firewallPolicy builds a vsys's policy: pushed pre-rules, local rules,
// pushed post-rules, the default rules. pushed is what Panorama pushed to
// the firewall, nil when not known.
func (cfg *xmlConfig) firewallPolicy(vsysName string, pushed *xmlObjects) (*mine.Policy, error) {
	v, names := cfg.vsys(vsysName)
	if v == nil {
		if len(names) == 0 && vsysName == "vsys1" {
			// a configuration with shared only
			v = &xmlVsys{Name: vsysName}
		} else {
			return nil, fmt.Errorf("the configuration has no vsys %q; it has %s", vsysName, listOrNone(names))
		}
	}
	return firewallPolicy(&cfg.Shared, v, pushed), nil
}

// firewallPolicy assembles a firewall context from its parts, the same
// way for a saved configuration and a live device.
func firewallPolicy(shared *xmlObjects, v *xmlVsys, pushed *xmlObjects) *mine.Policy {
	p := &mine.Policy{Context: v.Name, Scopes: map[string]*mine.ObjectScope{}}
	p.Scopes["shared"] = shared.scope("shared", "")
	p.Scopes[v.Name] = v.scope(v.Name, "shared")
	for _, z := range v.Zone {
		p.Zones = append(p.Zones, z.Name)
	}
	var defaults [][]xmlRule
	if pushed != nil {
		// Pushed rules resolve in what Panorama pushed first; local rules
		// may use pushed objects too, after their own.
		p.Scopes[pushedScope] = pushed.scope(pushedScope, v.Name)
		p.Scopes[pushedFallback] = pushed.scope(pushedFallback, "")
		p.Scopes["shared"].Parent = pushedFallback
		p.Rules = appendRules(p.Rules, pushed.PreRulebase.Security, "panorama/pre", pushedScope)
	}
	p.Rules = appendRules(p.Rules, v.Rulebase.Security, v.Name, v.Name)
	defaults = append(defaults, v.Rulebase.Defaults)
	if pushed != nil {
		p.Rules = appendRules(p.Rules, pushed.PostRulebase.Security, "panorama/post", pushedScope)
		defaults = append(defaults, pushed.PostRulebase.Defaults)
	}
	p.Rules = append(p.Rules, defaultRules(v.Name, defaults...)...)
	renumber(p)
	return p
}

// pushedScope holds the objects Panorama pushed, for pushed rules;
// pushedFallback the same objects, looked in last by local rules.
const (
	pushedScope    = "panorama"
	pushedFallback = "panorama (pushed objects)"
)

func appendRules(out []mine.Rule, entries []xmlRule, location, scope string) []mine.Rule {
	for _, e := range entries {
		out = append(out, e.rule(location, scope))
	}
	return out
}

// defaultRules returns intrazone-default and interzone-default with the
// first override found in overrides (nearest first).
func defaultRules(scope string, overrides ...[]xmlRule) []mine.Rule {
	base := []mine.Rule{
		{Name: "intrazone-default", RuleType: "intrazone", Action: "allow"},
		{Name: "interzone-default", RuleType: "interzone", Action: "deny"},
	}
	for i := range base {
		r := &base[i]
		r.Location, r.Scope = mine.LocationDefault, scope
		r.From, r.To, r.Source, r.Destination = []string{"any"}, []string{"any"}, []string{"any"}, []string{"any"}
		r.Application, r.Service = []string{"any"}, []string{"any"}
	found:
		for _, list := range overrides {
			for _, e := range list {
				if e.Name != r.Name {
					continue
				}
				if a := strings.TrimSpace(e.Action); a != "" {
					r.Action = a
				}
				r.ProfileGroup = e.Group.list()
				r.VulnerabilityProfiles = e.Vuln.list()
				break found
			}
		}
	}
	return base
}

func renumber(p *mine.Policy) {
	for i := range p.Rules {
		p.Rules[i].Position = i
	}
	p.Warnings = append(p.Warnings, duplicateNames(p.Rules)...)
}

// duplicateNames warns of rule names that appear twice: PAN-OS refuses
// them, so a configuration with them is damaged or mixed up.
func duplicateNames(rules []mine.Rule) []string {
	seen := map[string]string{}
	var out []string
	for _, r := range rules {
		if loc, ok := seen[r.Name]; ok {
			out = append(out, fmt.Sprintf("rule %q appears twice (%s and %s)", r.Name, loc, r.Location))
			continue
		}
		seen[r.Name] = r.Location
	}
	return out
}

// parents returns the device-group hierarchy: group -> parent ("" for a
// group under shared).
func (cfg *xmlConfig) parents() map[string]string {
	out := map[string]string{}
	for _, list := range [][]xmlDGInfo{cfg.Readonly.DeviceGroups, cfg.Readonly.DGInfo} {
		for _, g := range list {
			if p := strings.TrimSpace(g.Parent + g.ParentAttr); p != "" {
				out[g.Name] = p
			}
		}
	}
	return out
}

func (cfg *xmlConfig) panoramaPolicy(dg string) (*mine.Policy, error) {
	groups := map[string]*xmlDeviceGroup{}
	var twice []string
	for di := range cfg.Devices {
		for gi := range cfg.Devices[di].DeviceGroups {
			g := cfg.Devices[di].DeviceGroups[gi]
			if have := groups[g.Name]; have != nil {
				// The same entry written twice (seen in a rendered
				// template): PAN-OS merges siblings of one name.
				have.merge(&g.xmlObjects)
				have.Devices = append(have.Devices, g.Devices...)
				twice = append(twice, g.Name)
				continue
			}
			groups[g.Name] = &g
		}
	}
	p, err := panoramaPolicy(&cfg.Shared, groups, cfg.parents(), dg)
	if err == nil {
		for _, n := range twice {
			p.Warnings = append(p.Warnings, fmt.Sprintf("device group %q is written twice in the configuration; its two entries were merged", n))
		}
	}
	return p, err
}

// panoramaPolicy assembles a device group's policy as its firewalls
// evaluate it: shared pre-rules, the ancestors' pre-rules (root first), the
// group's pre-rules, [the firewalls' local rules, not known here], the
// group's post-rules, the ancestors' post-rules (nearest first), shared
// post-rules, the default rules. Every rule's names resolve from the group
// up through its ancestors to shared: objects of a descendant take
// precedence, as Panorama pushes them by default.
func panoramaPolicy(shared *xmlObjects, groups map[string]*xmlDeviceGroup, parents map[string]string, dg string) (*mine.Policy, error) {
	if groups[dg] == nil {
		names := make([]string, 0, len(groups))
		for n := range groups {
			names = append(names, n)
		}
		slices.Sort(names)
		return nil, fmt.Errorf("no device group %q; the configuration has %s", dg, listOrNone(names))
	}
	// chain: dg, parent, ..., root
	var chain []string
	for g := dg; g != "" && g != "shared"; g = parents[g] {
		if slices.Contains(chain, g) {
			return nil, fmt.Errorf("device group hierarchy loops at %q", g)
		}
		chain = append(chain, g)
	}
	p := &mine.Policy{Context: "device-group " + dg, Panorama: true, Scopes: map[string]*mine.ObjectScope{}}
	p.Scopes["shared"] = shared.scope("shared", "")
	for i, g := range chain {
		parent := "shared"
		if i+1 < len(chain) {
			parent = chain[i+1]
		}
		if groups[g] == nil {
			p.Warnings = append(p.Warnings, fmt.Sprintf("device group %q names parent %q, which is not in the configuration", chain[i-1], g))
			p.Scopes[chain[i-1]].Parent = "shared"
			chain = chain[:i]
			break
		}
		p.Scopes[g] = groups[g].scope(g, parent)
	}
	p.Rules = appendRules(p.Rules, shared.PreRulebase.Security, "shared/pre", dg)
	for i := len(chain) - 1; i >= 0; i-- {
		p.Rules = appendRules(p.Rules, groups[chain[i]].PreRulebase.Security, chain[i]+"/pre", dg)
	}
	var defaults [][]xmlRule
	for _, g := range chain {
		p.Rules = appendRules(p.Rules, groups[g].PostRulebase.Security, g+"/post", dg)
		defaults = append(defaults, groups[g].PostRulebase.Defaults)
	}
	p.Rules = appendRules(p.Rules, shared.PostRulebase.Security, "shared/post", dg)
	defaults = append(defaults, shared.PostRulebase.Defaults)
	p.Rules = append(p.Rules, defaultRules(dg, defaults...)...)
	renumber(p)
	return p, nil
}
