package collect

import (
	"encoding/xml"
	"strconv"
	"strings"

	"github.com/panos-mine/mine"
)

// The XML of a PAN-OS configuration, as far as the security policy needs
// it. The same element names appear in a saved configuration (the whole
// <config>), in the answers to config show/get of its parts, and in what
// Panorama pushed to a firewall, so one set of types reads them all.

// xmlMembers is a <member> list.
type xmlMembers struct {
	M []string `xml:"member"`
}

func (m xmlMembers) list() []string { return trim(m.M) }

// xmlObjects are the object containers a vsys, a device group, shared or
// a pushed policy hold.
type xmlObjects struct {
	Address       []xmlAddress      `xml:"address>entry"`
	AddressGroup  []xmlAddressGroup `xml:"address-group>entry"`
	Service       []xmlService      `xml:"service>entry"`
	ServiceGroup  []xmlGroup        `xml:"service-group>entry"`
	AppGroup      []xmlGroup        `xml:"application-group>entry"`
	AppFilter     []xmlAppFilter    `xml:"application-filter>entry"`
	Application   []xmlApplication  `xml:"application>entry"`
	ExternalList  []xmlNamed        `xml:"external-list>entry"`
	Schedule      []xmlNamed        `xml:"schedule>entry"`
	Tag           []xmlNamed        `xml:"tag>entry"`
	Region        []xmlRegion       `xml:"region>entry"`
	Zone          []xmlNamed        `xml:"zone>entry"`
	Rulebase      xmlRulebase       `xml:"rulebase"`
	PreRulebase   xmlRulebase       `xml:"pre-rulebase"`
	PostRulebase  xmlRulebase       `xml:"post-rulebase"`
	ProfileGroups []xmlNamed        `xml:"profile-group>entry"`
}

type xmlNamed struct {
	Name string `xml:"name,attr"`
}

type xmlAddress struct {
	Name       string     `xml:"name,attr"`
	IPNetmask  string     `xml:"ip-netmask"`
	IPRange    string     `xml:"ip-range"`
	IPWildcard string     `xml:"ip-wildcard"`
	FQDN       string     `xml:"fqdn"`
	Tag        xmlMembers `xml:"tag"`
}

type xmlAddressGroup struct {
	Name    string     `xml:"name,attr"`
	Static  xmlMembers `xml:"static"`
	Dynamic *struct {
		Filter string `xml:"filter"`
	} `xml:"dynamic"`
	Tag xmlMembers `xml:"tag"`
}

type xmlServiceProto struct {
	Port       string `xml:"port"`
	SourcePort string `xml:"source-port"`
}

type xmlService struct {
	Name string           `xml:"name,attr"`
	TCP  *xmlServiceProto `xml:"protocol>tcp"`
	UDP  *xmlServiceProto `xml:"protocol>udp"`
	SCTP *xmlServiceProto `xml:"protocol>sctp"`
}

// xmlGroup is a service or application group: PAN-OS 7.0 and later list
// members under <members>, older releases directly.
type xmlGroup struct {
	Name    string     `xml:"name,attr"`
	Members xmlMembers `xml:"members"`
	Direct  []string   `xml:"member"`
}

func (g xmlGroup) list() []string {
	if m := g.Members.list(); len(m) > 0 {
		return m
	}
	return trim(g.Direct)
}

type xmlAppFilter struct {
	Name        string     `xml:"name,attr"`
	Category    xmlMembers `xml:"category"`
	Subcategory xmlMembers `xml:"subcategory"`
	Technology  xmlMembers `xml:"technology"`
	Risk        xmlMembers `xml:"risk"`
	Tagging     struct {
		Tag xmlMembers `xml:"tag"`
	} `xml:"tagging"`
	Exclude xmlMembers `xml:"exclude"`
	// Characteristics are yes/no children (evasive, used-by-malware...).
	Other []xmlLeaf `xml:",any"`
}

type xmlLeaf struct {
	XMLName xml.Name
	Value   string `xml:",chardata"`
}

type xmlApplication struct {
	Name         string     `xml:"name,attr"`
	Category     string     `xml:"category"`
	Subcategory  string     `xml:"subcategory"`
	Technology   string     `xml:"technology"`
	Risk         string     `xml:"risk"`
	DefaultPorts xmlMembers `xml:"default>port"`
	Container    string     `xml:"application-container"`
	Tag          xmlMembers `xml:"tag"`
	Other        []xmlLeaf  `xml:",any"`
}

type xmlRegion struct {
	Name    string     `xml:"name,attr"`
	Address xmlMembers `xml:"address"`
}

type xmlRulebase struct {
	Security []xmlRule `xml:"security>rules>entry"`
	Defaults []xmlRule `xml:"default-security-rules>rules>entry"`
}

type xmlRule struct {
	Name           string     `xml:"name,attr"`
	UUID           string     `xml:"uuid,attr"`
	Loc            string     `xml:"loc,attr"` // on pushed rules: the device group
	RuleType       string     `xml:"rule-type"`
	Description    string     `xml:"description"`
	Tag            xmlMembers `xml:"tag"`
	From           xmlMembers `xml:"from"`
	To             xmlMembers `xml:"to"`
	Source         xmlMembers `xml:"source"`
	Destination    xmlMembers `xml:"destination"`
	NegSrc         string     `xml:"negate-source"`
	NegDst         string     `xml:"negate-destination"`
	SourceUser     xmlMembers `xml:"source-user"`
	Category       xmlMembers `xml:"category"`
	SourceHIP      xmlMembers `xml:"source-hip"`
	DestinationHIP xmlMembers `xml:"destination-hip"`
	HIPProfiles    xmlMembers `xml:"hip-profiles"` // before PAN-OS 10.0
	Application    xmlMembers `xml:"application"`
	Service        xmlMembers `xml:"service"`
	Schedule       string     `xml:"schedule"`
	Action         string     `xml:"action"`
	Disabled       string     `xml:"disabled"`
	Group          xmlMembers `xml:"profile-setting>group"`
	Vuln           xmlMembers `xml:"profile-setting>profiles>vulnerability"`
	DSRI           string     `xml:"option>disable-server-response-inspection"`
	Target         struct {
		Devices []xmlNamed `xml:"devices>entry"`
		Negate  string     `xml:"negate"`
	} `xml:"target"`
}

// scope converts the objects into a mine.ObjectScope.
func (o *xmlObjects) scope(name, parent string) *mine.ObjectScope {
	s := mine.NewObjectScope(name, parent)
	for _, a := range o.Address {
		ad := mine.Address{Name: a.Name, Tags: a.Tag.list()}
		switch {
		case a.IPNetmask != "":
			ad.Kind, ad.Value = mine.AddressNetmask, a.IPNetmask
		case a.IPRange != "":
			ad.Kind, ad.Value = mine.AddressRange, a.IPRange
		case a.IPWildcard != "":
			ad.Kind, ad.Value = mine.AddressWildcard, a.IPWildcard
		case a.FQDN != "":
			ad.Kind, ad.Value = mine.AddressFQDN, a.FQDN
		}
		ad.Value = strings.TrimSpace(ad.Value)
		s.Addresses[a.Name] = ad
	}
	for _, g := range o.AddressGroup {
		ag := mine.AddressGroup{Name: g.Name, Static: g.Static.list(), Tags: g.Tag.list()}
		if g.Dynamic != nil {
			ag.Dynamic, ag.Filter = true, strings.TrimSpace(g.Dynamic.Filter)
		}
		s.AddressGroups[g.Name] = ag
	}
	for _, sv := range o.Service {
		for proto, p := range map[string]*xmlServiceProto{"tcp": sv.TCP, "udp": sv.UDP, "sctp": sv.SCTP} {
			if p != nil {
				s.Services[sv.Name] = mine.Service{Name: sv.Name, Protocol: proto, Port: strings.TrimSpace(p.Port), SourcePort: strings.TrimSpace(p.SourcePort)}
			}
		}
	}
	for _, g := range o.ServiceGroup {
		s.ServiceGroups[g.Name] = g.list()
	}
	for _, g := range o.AppGroup {
		s.ApplicationGroups[g.Name] = g.list()
	}
	for _, f := range o.AppFilter {
		af := mine.ApplicationFilter{Name: f.Name, Category: f.Category.list(), Subcategory: f.Subcategory.list(),
			Technology: f.Technology.list(), Tags: f.Tagging.Tag.list(), Exclude: f.Exclude.list()}
		for _, r := range f.Risk.list() {
			if n, err := strconv.Atoi(r); err == nil {
				af.Risk = append(af.Risk, n)
			}
		}
		af.Characteristics = characteristics(f.Other)
		s.ApplicationFilters[f.Name] = af
	}
	for _, a := range o.Application {
		s.Applications[a.Name] = a.application()
	}
	for _, e := range o.ExternalList {
		s.ExternalLists[e.Name] = "external"
	}
	for _, e := range o.Schedule {
		s.Schedules[e.Name] = true
	}
	for _, e := range o.Tag {
		s.Tags[e.Name] = true
	}
	for _, r := range o.Region {
		if addrs := r.Address.list(); len(addrs) > 0 {
			// A custom region is a list of addresses: an address group
			// in effect.
			s.AddressGroups[r.Name] = mine.AddressGroup{Name: r.Name, Static: addrs}
		} else {
			s.Regions[r.Name] = true
		}
	}
	return s
}

// characteristicNames are the yes/no attributes of applications and
// application filters.
var characteristicNames = map[string]bool{
	"evasive": true, "excessive-bandwidth-use": true, "used-by-malware": true, "transfers-files": true,
	"has-known-vulnerabilities": true, "tunnels-other-apps": true, "prone-to-misuse": true, "pervasive": true,
	"is-saas": true, "new-appid": true,
	// the names predefined applications use for some of them
	"evasive-behavior": true, "consume-big-bandwidth": true, "able-to-transfer-file": true,
	"has-known-vulnerability": true, "tunnel-other-application": true, "pervasive-use": true,
}

// characteristicAlias maps the application catalog's names to the
// filter's names.
var characteristicAlias = map[string]string{
	"evasive-behavior": "evasive", "consume-big-bandwidth": "excessive-bandwidth-use",
	"able-to-transfer-file": "transfers-files", "has-known-vulnerability": "has-known-vulnerabilities",
	"tunnel-other-application": "tunnels-other-apps", "pervasive-use": "pervasive",
}

func characteristics(leaves []xmlLeaf) []string {
	var out []string
	for _, l := range leaves {
		n := l.XMLName.Local
		if characteristicNames[n] && strings.TrimSpace(l.Value) == "yes" {
			if a, ok := characteristicAlias[n]; ok {
				n = a
			}
			out = append(out, n)
		}
	}
	return out
}

func (a xmlApplication) application() mine.Application {
	app := mine.Application{Name: a.Name, Category: strings.TrimSpace(a.Category), Subcategory: strings.TrimSpace(a.Subcategory),
		Technology: strings.TrimSpace(a.Technology), DefaultPorts: a.DefaultPorts.list(), Tags: a.Tag.list(),
		Container: strings.TrimSpace(a.Container), Characteristics: characteristics(a.Other)}
	app.Risk, _ = strconv.Atoi(strings.TrimSpace(a.Risk))
	return app
}

// rule converts a rule entry. location and scope say where it lives and
// where its names resolve.
func (e xmlRule) rule(location, scope string) mine.Rule {
	hip := e.SourceHIP.list()
	if len(hip) == 0 {
		hip = e.HIPProfiles.list()
	}
	r := mine.Rule{
		Name: e.Name, UUID: e.UUID, Location: location, Scope: scope,
		Description:                     strings.TrimSpace(e.Description),
		Tags:                            e.Tag.list(),
		RuleType:                        strings.TrimSpace(e.RuleType),
		From:                            e.From.list(),
		To:                              e.To.list(),
		Source:                          e.Source.list(),
		Destination:                     e.Destination.list(),
		NegateSource:                    yes(e.NegSrc),
		NegateDestination:               yes(e.NegDst),
		SourceUser:                      e.SourceUser.list(),
		Category:                        e.Category.list(),
		SourceHIP:                       hip,
		DestinationHIP:                  e.DestinationHIP.list(),
		Application:                     e.Application.list(),
		Service:                         e.Service.list(),
		Schedule:                        strings.TrimSpace(e.Schedule),
		Action:                          orDefault(strings.TrimSpace(e.Action), "allow"),
		Disabled:                        yes(e.Disabled),
		ProfileGroup:                    e.Group.list(),
		VulnerabilityProfiles:           e.Vuln.list(),
		DisableServerResponseInspection: yes(e.DSRI),
		NegateTarget:                    yes(e.Target.Negate),
	}
	for _, d := range e.Target.Devices {
		r.Target = append(r.Target, d.Name)
	}
	if r.RuleType == "" {
		r.RuleType = "universal"
	}
	return r
}
