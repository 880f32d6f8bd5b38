package panosim

import (
	"slices"
	"strconv"
	"strings"
)

// appSpec is one predefined application as App-ID content describes it:
// the attributes application filters select on and the default ports that
// service application-default allows.
type appSpec struct {
	name        string
	id          int
	category    string
	subcategory string
	technology  string
	risk        int
	// ports are the default/port members: "tcp/80,8080", "udp/53",
	// "tcp/dynamic". ipProto is default/ident-by-ip-protocol instead.
	ports   []string
	ipProto string
	// chars are the characteristic elements set to yes, by their
	// predefined-application names (evasive-behavior, consume-big-bandwidth,
	// used-by-malware, able-to-transfer-file, has-known-vulnerability,
	// tunnel-other-application, prone-to-misuse, pervasive-use, is-saas).
	chars []string
}

// Characteristic element names of an application entry.
const (
	charEvasive    = "evasive-behavior"
	charBandwidth  = "consume-big-bandwidth"
	charMalware    = "used-by-malware"
	charTransfers  = "able-to-transfer-file"
	charVulnerable = "has-known-vulnerability"
	charTunnels    = "tunnel-other-application"
	charMisuse     = "prone-to-misuse"
	charPervasive  = "pervasive-use"
	charSaaS       = "is-saas"
)

// appCharacteristics lists the characteristic elements in the order an
// application entry carries them.
var appCharacteristics = []string{
	charEvasive, charBandwidth, charMalware, charTransfers, charVulnerable,
	charTunnels, charMisuse, charPervasive, charSaaS,
}

// filterCharacteristic maps the flag elements of an application filter to
// the characteristic elements of the applications they select (the two
// vocabularies differ in PAN-OS).
var filterCharacteristic = map[string]string{
	"evasive":                   charEvasive,
	"excessive-bandwidth-use":   charBandwidth,
	"used-by-malware":           charMalware,
	"transfers-files":           charTransfers,
	"has-known-vulnerabilities": charVulnerable,
	"tunnels-other-apps":        charTunnels,
	"prone-to-misuse":           charMisuse,
	"pervasive":                 charPervasive,
	"is-saas":                   charSaaS,
}

// appCatalog is the simulator's excerpt of the App-ID content: every
// application the traffic model uses plus a handful more. The attribute
// values follow the public application descriptions as far as the
// simulator needs them; the ids are the simulator's own. The default ports
// of the model's internal applications are the simulator's choice (see
// doc.go).
var appCatalog = []appSpec{
	{name: "web-browsing", id: 109, category: "general-internet", subcategory: "internet-utility", technology: "browser-based", risk: 4,
		ports: []string{"tcp/80"}, chars: []string{charMalware, charTransfers, charVulnerable, charPervasive}},
	{name: "ssl", id: 44, category: "networking", subcategory: "encrypted-tunnel", technology: "browser-based", risk: 4,
		ports: []string{"tcp/443"}, chars: []string{charMalware, charTransfers, charVulnerable, charTunnels, charPervasive}},
	{name: "ssh", id: 17, category: "networking", subcategory: "encrypted-tunnel", technology: "client-server", risk: 4,
		ports: []string{"tcp/22"}, chars: []string{charEvasive, charMalware, charTransfers, charVulnerable, charTunnels, charMisuse, charPervasive}},
	{name: "dns", id: 7, category: "networking", subcategory: "infrastructure", technology: "network-protocol", risk: 3,
		ports: []string{"tcp/53", "udp/53"}, chars: []string{charMalware, charVulnerable, charTunnels, charPervasive}},
	{name: "jenkins", id: 3311, category: "business-systems", subcategory: "software-development", technology: "browser-based", risk: 3,
		ports: []string{"tcp/8080"}, chars: []string{charTransfers, charVulnerable}},
	{name: "jira", id: 2140, category: "collaboration", subcategory: "management", technology: "browser-based", risk: 2,
		ports: []string{"tcp/8080"}, chars: []string{charTransfers}},
	{name: "confluence", id: 2141, category: "collaboration", subcategory: "management", technology: "browser-based", risk: 2,
		ports: []string{"tcp/8090"}, chars: []string{charTransfers}},
	{name: "gitlab", id: 3310, category: "business-systems", subcategory: "software-development", technology: "browser-based", risk: 3,
		ports: []string{"tcp/80,443"}, chars: []string{charTransfers, charVulnerable}},
	{name: "grafana", id: 4120, category: "business-systems", subcategory: "management", technology: "browser-based", risk: 2,
		ports: []string{"tcp/3000"}},
	{name: "mssql-db", id: 230, category: "business-systems", subcategory: "database", technology: "client-server", risk: 3,
		ports: []string{"tcp/1433"}, chars: []string{charVulnerable, charMalware}},
	{name: "ftp", id: 9, category: "general-internet", subcategory: "file-sharing", technology: "client-server", risk: 5,
		ports: []string{"tcp/21"}, chars: []string{charMalware, charTransfers, charVulnerable, charPervasive}},
	{name: "ntp", id: 61, category: "networking", subcategory: "infrastructure", technology: "network-protocol", risk: 2,
		ports: []string{"udp/123"}, chars: []string{charPervasive}},
	{name: "ms-rdp", id: 93, category: "networking", subcategory: "remote-access", technology: "client-server", risk: 4,
		ports: []string{"tcp/3389"}, chars: []string{charMalware, charTransfers, charVulnerable, charMisuse, charPervasive}},
	{name: "smtp", id: 21, category: "collaboration", subcategory: "email", technology: "client-server", risk: 5,
		ports: []string{"tcp/25"}, chars: []string{charMalware, charTransfers, charVulnerable, charPervasive}},
	{name: "ldap", id: 55, category: "business-systems", subcategory: "auth-service", technology: "client-server", risk: 2,
		ports: []string{"tcp/389", "udp/389"}, chars: []string{charVulnerable, charPervasive}},
	{name: "smb", id: 10, category: "business-systems", subcategory: "storage-backup", technology: "client-server", risk: 4,
		ports: []string{"tcp/139,445"}, chars: []string{charMalware, charTransfers, charVulnerable, charPervasive}},
	{name: "snmp", id: 88, category: "networking", subcategory: "infrastructure", technology: "network-protocol", risk: 4,
		ports: []string{"udp/161,162"}, chars: []string{charVulnerable, charPervasive}},
	{name: "telnet", id: 14, category: "networking", subcategory: "remote-access", technology: "client-server", risk: 5,
		ports: []string{"tcp/23"}, chars: []string{charMalware, charVulnerable, charMisuse}},
	{name: "http-proxy", id: 1402, category: "networking", subcategory: "proxy", technology: "browser-based", risk: 5,
		ports: []string{"tcp/80,8080"}, chars: []string{charEvasive, charMalware, charTransfers, charVulnerable, charTunnels, charMisuse}},
	{name: "mysql", id: 240, category: "business-systems", subcategory: "database", technology: "client-server", risk: 4,
		ports: []string{"tcp/3306"}, chars: []string{charVulnerable}},
	{name: "postgres", id: 241, category: "business-systems", subcategory: "database", technology: "client-server", risk: 2,
		ports: []string{"tcp/5432"}, chars: []string{charVulnerable}},
	{name: "radius", id: 76, category: "business-systems", subcategory: "auth-service", technology: "client-server", risk: 2,
		ports: []string{"udp/1812,1813"}},
	{name: "kerberos", id: 54, category: "business-systems", subcategory: "auth-service", technology: "client-server", risk: 2,
		ports: []string{"tcp/88", "udp/88"}, chars: []string{charPervasive}},
	{name: "syslog", id: 86, category: "networking", subcategory: "infrastructure", technology: "network-protocol", risk: 2,
		ports: []string{"udp/514"}},
	{name: "bittorrent", id: 2, category: "general-internet", subcategory: "file-sharing", technology: "peer-to-peer", risk: 5,
		ports: []string{"tcp/dynamic", "udp/dynamic"}, chars: []string{charEvasive, charBandwidth, charMalware, charTransfers, charVulnerable, charMisuse, charPervasive}},
	{name: "tor", id: 1001, category: "networking", subcategory: "proxy", technology: "peer-to-peer", risk: 5,
		ports: []string{"tcp/dynamic"}, chars: []string{charEvasive, charMalware, charTransfers, charTunnels, charMisuse}},
	{name: "youtube-base", id: 1560, category: "media", subcategory: "photo-video", technology: "browser-based", risk: 4,
		ports: []string{"tcp/80,443"}, chars: []string{charBandwidth, charTransfers, charVulnerable, charPervasive, charSaaS}},
	{name: "facebook-base", id: 1204, category: "collaboration", subcategory: "social-networking", technology: "browser-based", risk: 4,
		ports: []string{"tcp/80,443"}, chars: []string{charMalware, charTransfers, charVulnerable, charPervasive, charSaaS}},
	{name: "dropbox-base", id: 1661, category: "general-internet", subcategory: "file-sharing", technology: "browser-based", risk: 4,
		ports: []string{"tcp/80,443"}, chars: []string{charMalware, charTransfers, charVulnerable, charPervasive, charSaaS}},
	{name: "salesforce-base", id: 1811, category: "business-systems", subcategory: "general-business", technology: "browser-based", risk: 2,
		ports: []string{"tcp/443"}, chars: []string{charTransfers, charPervasive, charSaaS}},
	{name: "icmp", id: 3, category: "networking", subcategory: "ip-protocol", technology: "network-protocol", risk: 2,
		ipProto: "1", chars: []string{charPervasive}},
	{name: "ping", id: 70, category: "networking", subcategory: "ip-protocol", technology: "network-protocol", risk: 2,
		chars: []string{charPervasive}},
	{name: "unknown-tcp", id: 1100, category: "unknown", subcategory: "unknown", technology: "unknown", risk: 1},
	{name: "unknown-udp", id: 1101, category: "unknown", subcategory: "unknown", technology: "unknown", risk: 1},
}

var appByName = func() map[string]*appSpec {
	m := map[string]*appSpec{}
	for i := range appCatalog {
		m[appCatalog[i].name] = &appCatalog[i]
	}
	return m
}()

// isDefaultPort reports whether port is a default port of the predefined
// application app for the protocol, as service application-default
// decides. Dynamic ports match every port of their protocol.
func isDefaultPort(app, proto string, port int) bool {
	a := appByName[app]
	if a == nil {
		return false
	}
	return portsAllow(a.ports, proto, port)
}

// portsAllow reports whether default/port members ("tcp/80,8080",
// "udp/dynamic", "tcp/1024-2048") allow the protocol and port.
func portsAllow(members []string, proto string, port int) bool {
	for _, m := range members {
		p, list, ok := strings.Cut(m, "/")
		if !ok || p != proto {
			continue
		}
		for _, part := range strings.Split(list, ",") {
			part = strings.TrimSpace(part)
			if part == "dynamic" {
				return true
			}
			lo, hi, isRange := strings.Cut(part, "-")
			a, err := strconv.Atoi(lo)
			if err != nil {
				continue
			}
			b := a
			if isRange {
				if b, err = strconv.Atoi(hi); err != nil {
					continue
				}
			}
			if port >= a && port <= b {
				return true
			}
		}
	}
	return false
}

// firstDefaultPort returns the first fixed default TCP port of app, or 0.
func firstDefaultPort(app string) int {
	a := appByName[app]
	if a == nil {
		return 0
	}
	for _, m := range a.ports {
		p, list, _ := strings.Cut(m, "/")
		if p != "tcp" {
			continue
		}
		first, _, _ := strings.Cut(list, ",")
		if n, err := strconv.Atoi(first); err == nil {
			return n
		}
	}
	return 0
}

type appMeta struct{ category, subcategory, technology, risk string }

// appMetaOf returns what log entries say about an application.
func appMetaOf(app string) appMeta {
	if a := appByName[app]; a != nil {
		return appMeta{a.category, a.subcategory, a.technology, strconv.Itoa(a.risk)}
	}
	return appMeta{"unknown", "unknown", "unknown", "1"}
}

// predefinedApplications renders /config/predefined/application: one entry
// per catalog application, with the elements a real device's predefined
// application carries (default/port members, category, subcategory,
// technology, risk and the characteristic flags, yes or no).
func predefinedApplications() string {
	var b strings.Builder
	b.WriteString("<application>")
	for _, a := range appCatalog {
		b.WriteString(`<entry name="` + a.name + `" id="` + strconv.Itoa(a.id) + `">`)
		switch {
		case len(a.ports) > 0:
			b.WriteString("<default><port>" + members(a.ports...) + "</port></default>")
		case a.ipProto != "":
			b.WriteString("<default><ident-by-ip-protocol>" + a.ipProto + "</ident-by-ip-protocol></default>")
		}
		b.WriteString("<category>" + a.category + "</category><subcategory>" + a.subcategory + "</subcategory>")
		b.WriteString("<technology>" + a.technology + "</technology><risk>" + strconv.Itoa(a.risk) + "</risk>")
		for _, c := range appCharacteristics {
			b.WriteString("<" + c + ">" + yesNo(slices.Contains(a.chars, c)) + "</" + c + ">")
		}
		b.WriteString("</entry>")
	}
	b.WriteString("</application>")
	return b.String()
}
