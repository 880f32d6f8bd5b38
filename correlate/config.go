package correlate

import (
	"encoding/xml"
	"fmt"
	"strings"

	"github.com/panos-mine/mine"
)

// vsysXpath is the configuration root of a firewall virtual system.
func vsysXpath(vsys string) string {
	return fmt.Sprintf("/config/devices/entry[@name='localhost.localdomain']/vsys/entry[@name='%s']", vsys)
}

// placement is where a suggestion goes: the catch-all's virtual system,
// right above it, with its security profiles (so the HTTP status
// signatures keep logging the traffic the new rule carries).
type placement struct {
	vsys      string
	multiVsys bool
	catchAll  string
	group     []string
	vuln      []string
}

func (x *analysis) placement(caName string) placement {
	p := placement{vsys: "vsys1", multiVsys: x.in.Device.MultiVsys, catchAll: caName}
	if ca := x.caRule[caName]; ca != nil {
		if strings.HasPrefix(ca.Location, "vsys") {
			p.vsys = ca.Location
		}
		p.group = ca.ProfileGroup
		p.vuln = ca.VulnerabilityProfiles
	}
	return p
}

// cliPrefix is how configure-mode commands address the virtual system.
func (p placement) cliPrefix() string {
	if p.multiVsys {
		return "vsys " + cliWord(p.vsys) + " "
	}
	return ""
}

// render fills the suggestion's configuration: the objects it needs, the
// rule's XML element and xpath, and the equivalent set commands. The rule
// is disabled and tagged mine-suggested: an administrator enables it after
// review.
func (x *analysis) render(s *mine.Suggestion) {
	p := x.placement(s.CatchAllRule)
	root := vsysXpath(p.vsys)
	s.XPath = root + "/rulebase/security/rules"
	s.Objects = []mine.ConfigObject{{
		Kind: "tag", Name: mine.SuggestedTag, XPath: root + "/tag",
		XML: `<entry name="` + mine.SuggestedTag + `"><color>color24</color><comments>security rules suggested by mine; review, then enable</comments></entry>`,
	}}
	cmds := []string{"set " + p.cliPrefix() + "tag " + mine.SuggestedTag + ` comments "security rules suggested by mine; review, then enable"`}
	for _, svc := range s.Service {
		pr, ok := x.svcObjects[svc]
		if !ok {
			continue
		}
		s.Objects = append(s.Objects, mine.ConfigObject{
			Kind: "service", Name: svc, XPath: root + "/service",
			XML: fmt.Sprintf(`<entry name="%s"><protocol><%s><port>%d</port></%s></protocol></entry>`, svc, pr.proto, pr.port, pr.proto),
		})
		cmds = append(cmds, fmt.Sprintf("set %sservice %s protocol %s port %d", p.cliPrefix(), svc, pr.proto, pr.port))
	}
	desc := fmt.Sprintf("mine: %d sessions, %d sources, %s to %s; replaces %s for this traffic",
		s.Sessions, s.DistinctSources, s.FirstSeen.UTC().Format("2006-01-02"), s.LastSeen.UTC().Format("2006-01-02"), s.CatchAllRule)

	var b strings.Builder
	b.WriteString(`<entry name="`)
	xmlText(&b, s.Name)
	b.WriteString(`">`)
	members := func(tag string, vals []string) {
		b.WriteString("<" + tag + ">")
		for _, v := range vals {
			b.WriteString("<member>")
			xmlText(&b, v)
			b.WriteString("</member>")
		}
		b.WriteString("</" + tag + ">")
	}
	members("from", s.From)
	members("to", s.To)
	members("source", s.Source)
	members("destination", s.Destination)
	members("source-user", []string{"any"})
	members("category", []string{"any"})
	members("application", s.Application)
	members("service", s.Service)
	b.WriteString("<action>allow</action>")
	var profile string
	switch {
	case len(p.group) > 0:
		b.WriteString("<profile-setting>")
		members("group", p.group)
		b.WriteString("</profile-setting>")
		profile = " profile-setting group " + cliList(p.group)
	case len(p.vuln) > 0:
		b.WriteString("<profile-setting><profiles>")
		members("vulnerability", p.vuln)
		b.WriteString("</profiles></profile-setting>")
		profile = " profile-setting profiles vulnerability " + cliList(p.vuln)
	}
	members("tag", []string{mine.SuggestedTag})
	b.WriteString("<disabled>yes</disabled><description>")
	xmlText(&b, desc)
	b.WriteString("</description></entry>")
	s.XML = b.String()

	rule := p.cliPrefix() + "rulebase security rules " + cliWord(s.Name)
	cmds = append(cmds,
		"set "+rule+" from "+cliList(s.From)+" to "+cliList(s.To)+
			" source "+cliList(s.Source)+" destination "+cliList(s.Destination)+
			" source-user any category any application "+cliList(s.Application)+
			" service "+cliList(s.Service)+" action allow"+profile+
			" tag "+mine.SuggestedTag+" disabled yes description "+cliQuote(desc),
		"move "+rule+" before "+cliWord(p.catchAll),
	)
	s.SetCommands = cmds
}

// cliWord quotes a value for the PAN-OS CLI when it holds a space or a
// character the CLI would read as syntax.
func cliWord(s string) string {
	if s == "" || strings.ContainsAny(s, " \t\"'[];|") {
		return cliQuote(s)
	}
	return s
}

func cliQuote(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `'`) + `"`
}

// cliList writes one value as is and several in brackets.
func cliList(vals []string) string {
	if len(vals) == 1 {
		return cliWord(vals[0])
	}
	w := make([]string, len(vals))
	for i, v := range vals {
		w[i] = cliWord(v)
	}
	return "[ " + strings.Join(w, " ") + " ]"
}

func xmlText(b *strings.Builder, s string) {
	_ = xml.EscapeText(b, []byte(s))
}
