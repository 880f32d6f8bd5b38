package mine

import "time"

// Policy is one security policy context as PAN-OS evaluates it: a firewall
// vsys (with what Panorama pushed to it), or a Panorama device group with
// its ancestors and shared. It is read from a device or from a saved
// configuration; package policy compiles it and answers which rule a flow
// matches.
type Policy struct {
	// Context names what was read: "vsys1", "device-group DG-Berlin".
	Context string
	// Panorama is true when the policy was read from Panorama: the managed
	// firewalls' local rules, which sit between pre and post rules, are
	// not part of it.
	Panorama bool
	// Rules are the security rules in evaluation order (Position is the
	// index), the two default rules last (Location "default").
	Rules []Rule
	// Scopes hold the objects the rules refer to. Each rule names the scope
	// its references resolve in first (Rule.Scope); a scope names the next
	// one to look in (Parent), ending at "shared".
	Scopes map[string]*ObjectScope
	// Applications are the predefined applications the policy or the
	// traffic refers to, as the device's content describes them. A saved
	// configuration carries none; the policy package then falls back to its
	// built-in table of default ports.
	Applications map[string]Application
	// RegisteredIPs are the IP addresses registered for dynamic address
	// groups (User-ID/XML API, VM information sources) with their tags, as
	// the device reported them; nil when unknown (a saved configuration).
	RegisteredIPs map[string][]string
	// Zones are the zone names the context defines, when known.
	Zones []string
	// Warnings are what reading the policy could not resolve: a reference
	// to an object that exists in no scope, a rulebase that could not be
	// read. Each names the rule and the object.
	Warnings []string
}

// ObjectScope is one place objects are defined: shared, a vsys, a device
// group, or what Panorama pushed to a firewall.
type ObjectScope struct {
	Name   string // "shared", "vsys1", "DG-Berlin", "panorama"
	Parent string // the scope looked in next; "" for the last

	Addresses          map[string]Address
	AddressGroups      map[string]AddressGroup
	Services           map[string]Service
	ServiceGroups      map[string][]string
	ApplicationGroups  map[string][]string
	ApplicationFilters map[string]ApplicationFilter
	// Applications are custom applications defined in this scope.
	Applications map[string]Application
	// ExternalLists are external dynamic lists by name, with their type
	// (ip, domain, url, predefined-ip...).
	ExternalLists map[string]string
	Schedules     map[string]bool
	Tags          map[string]bool
	Regions       map[string]bool
}

// NewObjectScope returns an empty scope with its maps made.
func NewObjectScope(name, parent string) *ObjectScope {
	return &ObjectScope{
		Name: name, Parent: parent,
		Addresses:          map[string]Address{},
		AddressGroups:      map[string]AddressGroup{},
		Services:           map[string]Service{},
		ServiceGroups:      map[string][]string{},
		ApplicationGroups:  map[string][]string{},
		ApplicationFilters: map[string]ApplicationFilter{},
		Applications:       map[string]Application{},
		ExternalLists:      map[string]string{},
		Schedules:          map[string]bool{},
		Tags:               map[string]bool{},
		Regions:            map[string]bool{},
	}
}

// Address kinds, as the configuration names them.
const (
	AddressNetmask  = "ip-netmask"
	AddressRange    = "ip-range"
	AddressWildcard = "ip-wildcard"
	AddressFQDN     = "fqdn"
)

// Address is an address object.
type Address struct {
	Name  string
	Kind  string // ip-netmask, ip-range, ip-wildcard, fqdn
	Value string // "10.0.0.0/24", "10.0.0.1-10.0.0.9", "10.0.1.0/0.0.254.255", "www.example.com"
	Tags  []string
}

// AddressGroup is a static group (members are address or group names, or
// literal addresses) or a dynamic group (Filter is its tag expression, for
// example "'web' and 'prod'").
type AddressGroup struct {
	Name    string
	Static  []string
	Dynamic bool
	Filter  string
	Tags    []string
}

// Service is a service object: one protocol with destination ports and
// optionally source ports, each a comma-separated list of ports and ranges
// ("80,8080,8000-8100").
type Service struct {
	Name       string
	Protocol   string // tcp, udp, sctp
	Port       string
	SourcePort string
}

// ApplicationFilter selects applications by their attributes. Each
// non-empty attribute list must match (a list matches when the
// application has any of its values); Exclude names applications left out.
type ApplicationFilter struct {
	Name            string
	Category        []string
	Subcategory     []string
	Technology      []string
	Risk            []int
	Characteristics []string // evasive, excessive-bandwidth-use, used-by-malware, ...
	Tags            []string
	Exclude         []string
}

// Application is an application as App-ID content describes it.
type Application struct {
	Name        string
	Category    string
	Subcategory string
	Technology  string
	Risk        int
	// Characteristics are the attribute names set to yes (evasive,
	// excessive-bandwidth-use, prone-to-misuse, saas, transfers-files,
	// tunnels-other-apps, used-by-malware, has-known-vulnerabilities,
	// pervasive).
	Characteristics []string
	Tags            []string
	// DefaultPorts are the application's standard ports as content lists
	// them: "tcp/80,8080", "udp/53", "tcp/dynamic"; empty when the
	// application is identified by IP protocol or has none.
	DefaultPorts []string
	// Container is the application container the application belongs to
	// ("" when none): a rule naming the container allows its members.
	Container string
}

// RulebaseReport is every rule of a policy context as PAN-OS evaluates
// it, and the catch-all choice: what `mine rules` prints. Its JSON keys
// are a public interface.
type RulebaseReport struct {
	Context        string     `json:"context"`
	CatchAll       []string   `json:"catch_all"`
	CatchAllReason string     `json:"catch_all_reason"`
	Rules          []RuleInfo `json:"rules"`
	// Warnings are the references that resolve nowhere and what else
	// reading the policy could not resolve.
	Warnings []string `json:"warnings"`
}

// RuleInfo is one rule of a RulebaseReport.
type RuleInfo struct {
	Name       string   `json:"name"`
	Position   int      `json:"position"` // 1-based, in evaluation order
	Location   string   `json:"location"`
	Action     string   `json:"action"`
	Disabled   bool     `json:"disabled"`
	PortBased  bool     `json:"port_based"`
	ShadowedBy []string `json:"shadowed_by"`
	CatchAll   bool     `json:"catch_all"`
	Reason     string   `json:"reason"`
	// HitCount is nil when the device's counters are not known.
	HitCount *uint64    `json:"hit_count"`
	LastHit  *time.Time `json:"last_hit"`
}
