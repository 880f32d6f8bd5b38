package collect

import (
	"encoding/xml"
	"fmt"
	"strings"

	"github.com/panos-mine/mine"
)

// ParseRules parses the answer to a config show/get of a security rules
// container (…/rulebase/security/rules) into rules in rulebase order.
// location is recorded on each rule (for example "vsys1").
func ParseRules(body []byte, location string) ([]mine.Rule, error) {
	type members struct {
		M []string `xml:"member"`
	}
	type entry struct {
		Name        string  `xml:"name,attr"`
		UUID        string  `xml:"uuid,attr"`
		Description string  `xml:"description"`
		Tag         members `xml:"tag"`
		From        members `xml:"from"`
		To          members `xml:"to"`
		Source      members `xml:"source"`
		Destination members `xml:"destination"`
		NegSrc      string  `xml:"negate-source"`
		NegDst      string  `xml:"negate-destination"`
		Application members `xml:"application"`
		Service     members `xml:"service"`
		Action      string  `xml:"action"`
		Disabled    string  `xml:"disabled"`
		Group       members `xml:"profile-setting>group"`
		Vuln        members `xml:"profile-setting>profiles>vulnerability"`
		DSRI        string  `xml:"option>disable-server-response-inspection"`
	}
	var doc struct {
		Status string  `xml:"status,attr"`
		Code   string  `xml:"code,attr"`
		Rules  []entry `xml:"result>rules>entry"`
		// action=get wraps in result (total-count) and names the node
		Bare []entry `xml:"result>entry"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("parse security rules: %w", err)
	}
	if doc.Status != "success" {
		return nil, fmt.Errorf("parse security rules: response status %q", doc.Status)
	}
	entries := doc.Rules
	if len(entries) == 0 {
		entries = doc.Bare
	}
	out := make([]mine.Rule, 0, len(entries))
	seen := make(map[string]bool, len(entries))
	for i, e := range entries {
		if e.Name == "" {
			return nil, fmt.Errorf("parse security rules: rule %d has no name", i+1)
		}
		if seen[e.Name] {
			return nil, fmt.Errorf("parse security rules: rule %q appears twice", e.Name)
		}
		seen[e.Name] = true
		out = append(out, mine.Rule{
			Name:                            e.Name,
			UUID:                            e.UUID,
			Position:                        i,
			Location:                        location,
			Description:                     strings.TrimSpace(e.Description),
			Tags:                            trim(e.Tag.M),
			From:                            trim(e.From.M),
			To:                              trim(e.To.M),
			Source:                          trim(e.Source.M),
			Destination:                     trim(e.Destination.M),
			NegateSource:                    yes(e.NegSrc),
			NegateDestination:               yes(e.NegDst),
			Application:                     trim(e.Application.M),
			Service:                         trim(e.Service.M),
			Action:                          orDefault(strings.TrimSpace(e.Action), "allow"),
			Disabled:                        yes(e.Disabled),
			ProfileGroup:                    trim(e.Group.M),
			VulnerabilityProfiles:           trim(e.Vuln.M),
			DisableServerResponseInspection: yes(e.DSRI),
		})
	}
	return out, nil
}

func trim(in []string) []string {
	out := make([]string, 0, len(in))
	for _, s := range in {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func yes(s string) bool { return strings.TrimSpace(s) == "yes" }

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}
