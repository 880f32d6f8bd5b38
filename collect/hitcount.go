package collect

import (
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/panos-mine/mine"
)

// ParseHitCounts parses a firewall's answer to "show rule-hit-count" for a
// vsys (result/rule-hit-count/vsys/entry/rule-base/entry/rules/entry).
// Timestamps are epoch seconds; 0 means never and becomes the zero time.
func ParseHitCounts(body []byte) ([]mine.RuleHits, error) {
	type rule struct {
		Name string `xml:"name,attr"`
		hitCounters
	}
	var doc struct {
		Status string `xml:"status,attr"`
		Vsys   []struct {
			Name      string `xml:"name,attr"`
			Rulebases []struct {
				Name  string `xml:"name,attr"`
				Rules []rule `xml:"rules>entry"`
			} `xml:"rule-base>entry"`
		} `xml:"result>rule-hit-count>vsys>entry"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("parse rule hit counts: %w", err)
	}
	if doc.Status != "success" {
		return nil, fmt.Errorf("parse rule hit counts: response status %q", doc.Status)
	}
	var out []mine.RuleHits
	for _, v := range doc.Vsys {
		for _, rb := range v.Rulebases {
			if rb.Name != "security" {
				continue
			}
			for _, r := range rb.Rules {
				h := mine.RuleHits{Rule: r.Name, Vsys: v.Name}
				if err := r.fill(&h); err != nil {
					return nil, fmt.Errorf("parse rule hit counts: rule %q %w", r.Name, err)
				}
				out = append(out, h)
			}
		}
	}
	return out, nil
}

// hitCounters are the counter fields of one rule's entry, as a firewall
// answers them for a vsys and Panorama for each device-vsys.
type hitCounters struct {
	HitCount  string `xml:"hit-count"`
	LastHit   string `xml:"last-hit-timestamp"`
	LastReset string `xml:"last-reset-timestamp"`
	FirstHit  string `xml:"first-hit-timestamp"`
	Created   string `xml:"rule-creation-timestamp"`
	Modified  string `xml:"rule-modification-timestamp"`
}

// fill parses the counters into h. Timestamps are epoch seconds; 0 means
// never and becomes the zero time.
func (c *hitCounters) fill(h *mine.RuleHits) error {
	var err error
	if h.HitCount, err = parseCounter(c.HitCount); err != nil {
		return fmt.Errorf("hit-count: %w", err)
	}
	for _, f := range []struct {
		dst  *time.Time
		raw  string
		name string
	}{
		{&h.FirstHit, c.FirstHit, "first-hit-timestamp"},
		{&h.LastHit, c.LastHit, "last-hit-timestamp"},
		{&h.LastReset, c.LastReset, "last-reset-timestamp"},
		{&h.Created, c.Created, "rule-creation-timestamp"},
		{&h.Modified, c.Modified, "rule-modification-timestamp"},
	} {
		if *f.dst, err = epoch(f.raw); err != nil {
			return fmt.Errorf("%s: %w", f.name, err)
		}
	}
	return nil
}

func parseCounter(s string) (uint64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a count", s)
	}
	return n, nil
}

// epoch converts epoch seconds to UTC; "" and "0" mean never.
func epoch(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "0" {
		return time.Time{}, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return time.Time{}, fmt.Errorf("%q is not an epoch timestamp", s)
	}
	return time.Unix(n, 0).UTC(), nil
}

// KnownHits keeps the hit counters of rules that are in the rulebase read
// (and of the two predefined default rules, which are not in it); the
// others are returned by name. A counter for a rule the rulebase does not
// have (renamed or deleted between the two reads, or a confused answer)
// would be reported as if the rule existed.
func KnownHits(rules []mine.Rule, hits []mine.RuleHits) (known []mine.RuleHits, unknown []string) {
	in := make(map[string]bool, len(rules))
	for _, r := range rules {
		in[r.Name] = true
	}
	seen := map[string]bool{}
	for _, h := range hits {
		if in[h.Rule] || h.Rule == "intrazone-default" || h.Rule == "interzone-default" {
			known = append(known, h)
			continue
		}
		if !seen[h.Rule] {
			seen[h.Rule] = true
			unknown = append(unknown, h.Rule)
		}
	}
	return known, unknown
}
