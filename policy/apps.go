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
	custom     map[string]map[string]appInfo // scope -> custom applications
	containers map[string]bool               // names that are application containers
}

func newCatalog(p *mine.Policy) (*catalog, []string) {
	c := &catalog{device: map[string]appInfo{}, custom: map[string]map[string]appInfo{}, containers: map[string]bool{}}
	var warnings []string
	info := func(a mine.Application) appInfo {
		ports, err := parseDefaultPorts(a.DefaultPorts)
		if err != nil {
			warnings = append(warnings, "application "+a.Name+": "+err.Error())
			return appInfo{app: a}
		}
		if a.Container != "" {
			c.containers[a.Container] = true
		}
		return appInfo{app: a, ports: ports}
	}
	for _, a := range p.Applications {
		c.device[a.Name] = info(a)
	}
	for name, s := range p.Scopes {
		if len(s.Applications) == 0 {
			continue
		}
		m := map[string]appInfo{}
		for _, a := range s.Applications {
			m[a.Name] = info(a)
		}
		c.custom[name] = m
	}
	for _, a := range builtinInfo() {
		if a.app.Container != "" {
			c.containers[a.app.Container] = true
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
		if info, ok := c.custom[s.Name][app]; ok {
			return info, true
		}
	}
	info, ok := builtinInfo()[app]
	return info, ok
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
