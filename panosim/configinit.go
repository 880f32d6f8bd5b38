package panosim

import (
	"fmt"
	"strings"
)

// Xpaths of the firewall configuration.
const (
	xpathDevice = "/config/devices/entry[@name='localhost.localdomain']"
	xpathVsys   = xpathDevice + "/vsys/entry[@name='vsys1']"
	xpathRules  = xpathVsys + "/rulebase/security/rules"
)

func members(vals ...string) string {
	var b strings.Builder
	for _, v := range vals {
		b.WriteString("<member>")
		escape(&b, v)
		b.WriteString("</member>")
	}
	return b.String()
}

type ruleSpec struct {
	name, desc   string
	ruleType     string // "" is universal
	from, to     []string
	src, dst     []string
	negSrc       bool
	users        []string // source-user; nil is any
	app, service []string
	action       string
	profiles     string // inner XML of profile-setting
	disabled     bool
	tags         []string
}

func (sc *scenario) ruleXML(r ruleSpec) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<entry name="%s" uuid="%s">`, r.name, deriveUUID(sc.seed, "rule:"+r.name))
	if r.ruleType != "" {
		fmt.Fprintf(&b, "<rule-type>%s</rule-type>", r.ruleType)
	}
	fmt.Fprintf(&b, "<to>%s</to><from>%s</from><source>%s</source><destination>%s</destination>",
		members(r.to...), members(r.from...), members(r.src...), members(r.dst...))
	if r.negSrc {
		b.WriteString("<negate-source>yes</negate-source>")
	}
	users := r.users
	if users == nil {
		users = []string{"any"}
	}
	fmt.Fprintf(&b, "<source-user>%s</source-user><category><member>any</member></category>", members(users...))
	fmt.Fprintf(&b, "<application>%s</application><service>%s</service>", members(r.app...), members(r.service...))
	b.WriteString("<source-hip><member>any</member></source-hip><destination-hip><member>any</member></destination-hip>")
	fmt.Fprintf(&b, "<action>%s</action>", r.action)
	if r.profiles != "" {
		fmt.Fprintf(&b, "<profile-setting>%s</profile-setting>", r.profiles)
	}
	b.WriteString("<log-start>no</log-start><log-end>yes</log-end>")
	if r.desc != "" {
		b.WriteString("<description>")
		escape(&b, r.desc)
		b.WriteString("</description>")
	}
	if len(r.tags) > 0 {
		fmt.Fprintf(&b, "<tag>%s</tag>", members(r.tags...))
	}
	if r.disabled {
		b.WriteString("<disabled>yes</disabled>")
	}
	b.WriteString("</entry>")
	return b.String()
}

// initialConfig renders the device configuration the scenario starts with.
func (sc *scenario) initialConfig() string {
	const group = "<group><member>corp-profiles</member></group>"
	rules := []ruleSpec{
		{name: ruleBlock, desc: "Block known bad internet hosts", from: []string{zoneTrust}, to: []string{zoneUntrust},
			src: []string{"any"}, dst: []string{"blocked-hosts"}, app: []string{"any"}, service: []string{"any"},
			action: "deny"},
		{name: ruleDNS, desc: "Name resolution", from: []string{zoneTrust}, to: []string{zoneDMZ, zoneUntrust},
			src: []string{"corp-clients"}, dst: []string{"any"}, app: []string{"dns"},
			service: []string{"application-default"}, action: "allow", profiles: group},
		{name: ruleInternet, desc: "Users to the internet", from: []string{zoneTrust}, to: []string{zoneUntrust},
			src: []string{"corp-clients"}, dst: []string{"any"}, app: []string{"web-browsing", "ssl"},
			service: []string{"application-default"}, action: "allow", profiles: group},
		{name: ruleWiki, desc: "Intranet wiki", from: []string{zoneTrust}, to: []string{zoneDMZ},
			src: []string{"any"}, dst: []string{"srv-wiki"}, app: []string{"web-browsing"},
			service: []string{"application-default"}, action: "allow", profiles: group},
		{name: rulePortal, desc: "Intranet portal", from: []string{zoneTrust}, to: []string{zoneDMZ},
			src: []string{"corp-clients"}, dst: []string{"srv-portal"}, app: []string{"web-browsing", "ssl"},
			service: []string{"application-default"}, action: "allow", profiles: group},
		{name: ruleLegacyFTP, desc: "Old file drop, disabled 2025", from: []string{zoneTrust}, to: []string{zoneDMZ},
			src: []string{"any"}, dst: []string{"srv-ftp"}, app: []string{"ftp"},
			service: []string{"application-default"}, action: "allow", profiles: group, disabled: true},
		sc.catchAllRule(),
	}
	if sc.managed {
		// The device group's post-rulebase brings the catch-all.
		rules = rules[:len(rules)-1]
	}
	vsysAddr := `<entry name="bad-host-1"><ip-netmask>` + sc.blocked[0].String() + `</ip-netmask></entry>` +
		`<entry name="bad-host-2"><ip-netmask>` + sc.blocked[1].String() + `</ip-netmask></entry>`
	vsysGroups := `<entry name="blocked-hosts"><static>` + members("bad-host-1", "bad-host-2") + `</static></entry>`
	var vsysServices, vsysApps, vsysTags string
	if sc.obj != nil {
		rules = nil
		for _, pr := range sc.objectRules() {
			if !sc.managed || pr.place == placeLocal {
				rules = append(rules, pr.spec)
			}
		}
		if sc.managed {
			vsysAddr, vsysGroups, vsysServices, vsysApps, vsysTags = sc.objectPolicyObjects(placeLocal)
		} else {
			vsysAddr, vsysGroups, vsysServices, vsysApps, vsysTags = sc.objectPolicyObjects()
		}
	}
	var rb strings.Builder
	for _, r := range rules {
		rb.WriteString(sc.ruleXML(r))
	}

	return `<config version="10.2.0" urldb="paloaltonetworks">` +
		`<mgt-config><users><entry name="admin"><phash>*</phash><permissions><role-based><superuser>yes</superuser></role-based></permissions></entry></users></mgt-config>` +
		`<shared>` +
		`<address><entry name="srv-portal"><ip-netmask>10.20.1.11/32</ip-netmask><description>Intranet portal</description></entry></address>` +
		`<service><entry name="svc-tcp-8443"><protocol><tcp><port>8443</port></tcp></protocol></entry></service>` +
		`<threats><vulnerability/></threats>` +
		`</shared>` +
		`<devices><entry name="localhost.localdomain">` +
		`<deviceconfig><system>` +
		`<hostname>` + esc(sc.hostname) + `</hostname>` +
		`<timezone>` + esc(sc.tzName) + `</timezone>` +
		`<ip-address>192.168.1.1</ip-address><netmask>255.255.255.0</netmask><default-gateway>192.168.1.254</default-gateway>` +
		`<dns-setting><servers><primary>10.20.0.53</primary></servers></dns-setting>` +
		`</system></deviceconfig>` +
		`<network><interface><ethernet>` +
		`<entry name="ethernet1/1"><layer3><ip><entry name="198.51.100.2/24"/></ip></layer3></entry>` +
		`<entry name="ethernet1/2"><layer3><ip><entry name="10.1.0.1/16"/></ip></layer3></entry>` +
		`<entry name="ethernet1/3"><layer3><ip><entry name="10.20.0.1/16"/></ip></layer3></entry>` +
		`</ethernet></interface></network>` +
		`<vsys><entry name="vsys1">` +
		`<import><network><interface>` + members("ethernet1/1", "ethernet1/2", "ethernet1/3") + `</interface></network></import>` +
		`<zone>` +
		`<entry name="trust"><network><layer3>` + members("ethernet1/2") + `</layer3></network></entry>` +
		`<entry name="untrust"><network><layer3>` + members("ethernet1/1") + `</layer3></network></entry>` +
		`<entry name="dmz"><network><layer3>` + members("ethernet1/3") + `</layer3></network></entry>` +
		`</zone>` +
		`<address>` +
		`<entry name="corp-clients"><ip-netmask>10.1.0.0/16</ip-netmask></entry>` +
		`<entry name="dmz-servers"><ip-netmask>10.20.0.0/16</ip-netmask></entry>` +
		`<entry name="srv-dns"><ip-netmask>10.20.0.53</ip-netmask></entry>` +
		`<entry name="srv-wiki"><ip-netmask>10.20.1.10</ip-netmask><description>wiki.corp.example</description></entry>` +
		`<entry name="srv-ftp"><ip-netmask>10.20.1.21</ip-netmask></entry>` +
		vsysAddr +
		`</address>` +
		`<address-group>` + vsysGroups + `</address-group>` +
		`<service><entry name="svc-tcp-8080"><protocol><tcp><port>8080</port></tcp></protocol></entry>` + vsysServices + `</service>` +
		vsysApps + vsysTags +
		corpProfiles() +
		`<threats><vulnerability/></threats>` +
		`<rulebase><security><rules>` + rb.String() + `</rules></security></rulebase>` +
		`</entry></vsys>` +
		`</entry></devices>` +
		predefinedConfig() +
		`</config>`
}

// catchAllRule is the catch-all rule of the scenario.
func (sc *scenario) catchAllRule() ruleSpec {
	profiles := "<group><member>corp-profiles</member></group>"
	if sc.bare {
		profiles = "<profiles><vulnerability><member>default</member></vulnerability></profiles>"
	}
	return ruleSpec{name: ruleCatchAll, desc: "Temporary: open web ports until the app teams are done", from: []string{"any"}, to: []string{"any"},
		src: []string{"any"}, dst: []string{"any"}, app: []string{"any"}, service: []string{"any"},
		action: "allow", profiles: profiles, tags: []string{"legacy"}}
}

// corpProfiles renders the corp-vuln vulnerability profile and the
// corp-profiles group that references it, as children of a vsys or device
// group: the profile alerts on medium, low and informational threats.
func corpProfiles() string {
	return `<profiles><vulnerability><entry name="corp-vuln"><rules>` +
		`<entry name="block-critical-high"><action><reset-both/></action><vendor-id>` + members("any") + `</vendor-id>` +
		`<severity>` + members("critical", "high") + `</severity><cve>` + members("any") + `</cve>` +
		`<threat-name>any</threat-name><host>any</host><category>any</category><packet-capture>disable</packet-capture></entry>` +
		`<entry name="alert-medium-low-info"><action><default/></action><vendor-id>` + members("any") + `</vendor-id>` +
		`<severity>` + members("medium", "low", "informational") + `</severity><cve>` + members("any") + `</cve>` +
		`<threat-name>any</threat-name><host>any</host><category>any</category><packet-capture>disable</packet-capture></entry>` +
		`</rules></entry></vulnerability></profiles>` +
		`<profile-group><entry name="corp-profiles">` +
		`<virus>` + members("default") + `</virus><spyware>` + members("strict") + `</spyware>` +
		`<vulnerability>` + members("corp-vuln") + `</vulnerability><url-filtering>` + members("default") + `</url-filtering>` +
		`<wildfire-analysis>` + members("default") + `</wildfire-analysis>` +
		`</entry></profile-group>`
}
