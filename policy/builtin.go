package policy

import "github.com/panos-mine/mine"

// builtinApps is what mine knows of predefined applications without the
// device's content: a saved configuration carries no /config/predefined.
// The device's own entries (Policy.Applications) always win.
//
// The verdicts that are not applications (incomplete, unknown-tcp...)
// have no default ports: an application-default rule never matches them.
var builtinApps = map[string]mine.Application{
	"web-browsing": {Name: "web-browsing", DefaultPorts: []string{"tcp/80"}},
	"ssl":          {Name: "ssl", DefaultPorts: []string{"tcp/443"}},
	"ssh":          {Name: "ssh", DefaultPorts: []string{"tcp/22"}},
	"dns":          {Name: "dns", DefaultPorts: []string{"tcp/53", "udp/53"}},
	"jenkins":      {Name: "jenkins", DefaultPorts: []string{"tcp/8080"}},
	"jira":         {Name: "jira", DefaultPorts: []string{"tcp/8080"}},
	"confluence":   {Name: "confluence", DefaultPorts: []string{"tcp/8090"}},
	"gitlab":       {Name: "gitlab", DefaultPorts: []string{"tcp/80", "tcp/443"}},
	"grafana":      {Name: "grafana", DefaultPorts: []string{"tcp/3000"}},
	"mssql-db":     {Name: "mssql-db", DefaultPorts: []string{"tcp/1433"}},
	"ftp":          {Name: "ftp", DefaultPorts: []string{"tcp/21"}},
	"ntp":          {Name: "ntp", DefaultPorts: []string{"udp/123"}},
	"ms-rdp":       {Name: "ms-rdp", DefaultPorts: []string{"tcp/3389"}},
	"smtp":         {Name: "smtp", DefaultPorts: []string{"tcp/25"}},
	"ldap":         {Name: "ldap", DefaultPorts: []string{"tcp/389"}},

	"incomplete":        {Name: "incomplete"},
	"insufficient-data": {Name: "insufficient-data"},
	"unknown-tcp":       {Name: "unknown-tcp"},
	"unknown-udp":       {Name: "unknown-udp"},
	"unknown-p2p":       {Name: "unknown-p2p"},
	"non-syn-tcp":       {Name: "non-syn-tcp"},
	"not-applicable":    {Name: "not-applicable"},
}
