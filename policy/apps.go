package policy

import (
	"slices"

	"github.com/panos-mine/mine"
)

// appInfo is an application's attributes and default ports as the policy
// uses them.
type appInfo struct {
	app   mine.Application
	ports protoPorts // nil when the default ports are not known
}

// catalog answers what mine knows about an application: from the device's
// content (Policy.Applications), then the custom applications of the
// rule's scopes, then the built-in table.
type catalog struct {
	device     map[string]appInfo
	containers map[string]bool // names that are application containers
}

func newCatalog(p *mine.Policy) (*catalog, []string) {
	c := &catalog{device: map[string]appInfo{}, containers: map[string]bool{}}
	var warnings []string
	add := func(a mine.Application, into map[string]appInfo) {
		info := appInfo{app: a}
		if len(a.DefaultPorts) > 0 {
			ports, err := parseDefaultPorts(a.DefaultPorts)
			if err != nil {
				warnings = append(warnings, "application "+a.Name+": "+err.Error())
			} else {
				info.ports = ports
			}
		} else {
			info.ports = protoPorts{}
		}
		into[a.Name] = info
		if a.Container != "" {
			c.containers[a.Container] = true
		}
	}
	for _, a := range p.Applications {
		add(a, c.device)
	}
	for _, a := range builtinOnce() {
		if a.Container != "" {
			c.containers[a.Container] = true
		}
	}
	return c, warnings
}

// lookup returns what is known of app for a rule resolving in chain.
func (c *catalog) lookup(app string, chain []*mine.ObjectScope) (appInfo, bool) {
	if info, ok := c.device[app]; ok {
		return info, true
	}
	for _, s := range chain {
		if a, ok := s.Applications[app]; ok {
			info := appInfo{app: a, ports: protoPorts{}}
			if p, err := parseDefaultPorts(a.DefaultPorts); err == nil {
				info.ports = p
			}
			return info, true
		}
	}
	if a, ok := builtinApp(app); ok {
		p, err := parseDefaultPorts(a.DefaultPorts)
		if err != nil {
			panic("policy: built-in application table: " + err.Error())
		}
		return appInfo{app: a, ports: p}, true
	}
	return appInfo{}, false
}

// filterMatches reports whether an application matches a filter: every
// attribute the filter sets must match (values within one attribute are
// alternatives), every characteristic it sets must be set on the
// application, and the application must not be excluded.
//
// That characteristics are all required is the reading that never
// calls traffic covered when PAN-OS would not match it: where it is
// wrong, mine reports traffic as staying on the catch-all, never the
// reverse.
func filterMatches(f *mine.ApplicationFilter, a mine.Application) bool {
	if slices.Contains(f.Exclude, a.Name) {
		return false
	}
	if len(f.Category) > 0 && !slices.Contains(f.Category, a.Category) ||
		len(f.Subcategory) > 0 && !slices.Contains(f.Subcategory, a.Subcategory) ||
		len(f.Technology) > 0 && !slices.Contains(f.Technology, a.Technology) ||
		len(f.Risk) > 0 && !slices.Contains(f.Risk, a.Risk) {
		return false
	}
	for _, ch := range f.Characteristics {
		if !slices.Contains(a.Characteristics, ch) {
			return false
		}
	}
	for _, t := range f.Tags {
		if !slices.Contains(a.Tags, t) {
			return false
		}
	}
	return true
}
