package panosim

import "strings"

// predefinedConfig renders /config/predefined: the predefined services
// service-http (tcp/80,8080) and service-https (tcp/443), the application
// catalog (see appCatalog) and the vulnerability protection profiles
// PAN-OS ships. "default" applies the signatures'
// default action to critical, high and medium threats only, so it never
// logs the informational HTTP status signatures; "strict" resets critical,
// high and medium threats and applies the default action to low and
// informational ones. Rules are per host side and severity, as on a device.
func predefinedConfig() string {
	rule := func(name, host, severity, action string) string {
		return `<entry name="` + name + `"><action><` + action + `/></action><vendor-id>` + members("any") + `</vendor-id>` +
			`<severity>` + members(severity) + `</severity><cve>` + members("any") + `</cve>` +
			`<threat-name>any</threat-name><host>` + host + `</host><category>any</category><packet-capture>disable</packet-capture></entry>`
	}
	var def, strict strings.Builder
	for _, host := range []string{"client", "server"} {
		for _, sev := range []string{"critical", "high", "medium"} {
			def.WriteString(rule("simple-"+host+"-"+sev, host, sev, "default"))
			strict.WriteString(rule("simple-"+host+"-"+sev, host, sev, "reset-both"))
		}
	}
	for _, host := range []string{"client", "server"} {
		for _, sev := range []string{"informational", "low"} {
			strict.WriteString(rule("simple-"+host+"-"+sev, host, sev, "default"))
		}
	}
	return `<predefined><profiles><vulnerability>` +
		`<entry name="default"><rules>` + def.String() + `</rules></entry>` +
		`<entry name="strict"><rules>` + strict.String() + `</rules></entry>` +
		`</vulnerability></profiles>` +
		predefinedApplications() +
		`<service>` +
		`<entry name="service-http"><protocol><tcp><port>80,8080</port></tcp></protocol></entry>` +
		`<entry name="service-https"><protocol><tcp><port>443</port></tcp></protocol></entry>` +
		`</service></predefined>`
}
