package collect

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/panos-mine/mine"
)

// Summary returns the counts as the report carries them.
func (s *ImportStats) Summary() mine.ImportSummary {
	return mine.ImportSummary{
		Files: s.Files, Lines: s.Lines, Threat: s.Threat, Traffic: s.Traffic, Duplicates: s.Duplicates,
		Skipped: maps.Clone(s.Skipped), Bad: maps.Clone(s.Bad), TimeZone: s.TimeZoneNote(),
	}
}

// TimeZoneNote says how device-local receive times were placed.
func (s *ImportStats) TimeZoneNote() string {
	var parts []string
	if s.WithZone > 0 {
		p := fmt.Sprintf("%s (--device-tz) for %d records", s.DeviceTZ, s.WithZone)
		if s.ZoneMismatch > 0 {
			p += fmt.Sprintf(", but %d of the records checked carry a different offset in high_res_timestamp", s.ZoneMismatch)
		}
		parts = append(parts, p)
	}
	if s.WithOffset > 0 {
		parts = append(parts, fmt.Sprintf("the offset of high_res_timestamp for %d records", s.WithOffset))
	}
	if s.AssumedUTC > 0 {
		parts = append(parts, fmt.Sprintf("UTC, assumed for %d records without an offset (give --device-tz)", s.AssumedUTC))
	}
	if len(parts) == 0 {
		return "times carry their zone"
	}
	return strings.Join(parts, "; ")
}

// Span returns the window that holds every record kept: from the start of
// the hour of the first to the end of the hour of the last. It returns
// false when no record was kept.
func (s *ImportStats) Span() (mine.Window, bool) {
	if s.First.IsZero() {
		return mine.Window{}, false
	}
	to := s.Last.Truncate(time.Hour)
	if !to.Equal(s.Last) {
		to = to.Add(time.Hour)
	}
	from := s.First.Truncate(time.Hour)
	if !to.After(from) {
		to = from.Add(time.Hour)
	}
	return mine.Window{From: from, To: to}, true
}

// ruleCount is a rule and how many sessions or responses it carried.
type ruleCount struct {
	rule string
	n    int64
}

func sortedRules(m map[string]int64) []ruleCount {
	out := make([]ruleCount, 0, len(m))
	for r, n := range m {
		out = append(out, ruleCount{r, n})
	}
	slices.SortFunc(out, func(a, b ruleCount) int {
		if c := cmp.Compare(b.n, a.n); c != 0 {
			return c
		}
		return cmp.Compare(a.rule, b.rule)
	})
	return out
}

// OtherRulesNote names the rules the skipped traffic logs carry, most
// sessions first, for a message.
func (s *ImportStats) OtherRulesNote() string {
	sorted := sortedRules(s.OtherRules)
	if len(sorted) == 0 {
		return "the logs hold no traffic of other rules either"
	}
	return "their traffic is of " + ruleList(sorted, "sessions")
}

func ruleList(sorted []ruleCount, what string) string {
	var b strings.Builder
	for i, r := range sorted {
		if i == 10 {
			fmt.Fprintf(&b, ", and %d more", len(sorted)-10)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		unit := what
		if r.n == 1 {
			unit = strings.TrimSuffix(what, "s")
		}
		fmt.Fprintf(&b, "%q (%d %s)", r.rule, r.n, unit)
	}
	return b.String()
}

// CatchAll names the catch-all from the logs alone, when they leave no
// doubt: the one rule the traffic logs carry (an export filtered to the
// catch-all), or, without traffic logs, the one rule the HTTP status logs
// carry. Otherwise it returns an error listing the rules with their
// sessions (or responses), most first, to pick from.
func (s *ImportStats) CatchAll() ([]string, error) {
	rules, what := s.TrafficRules, "sessions"
	if len(rules) == 0 {
		rules, what = s.ThreatRules, "HTTP responses"
	}
	switch sorted := sortedRules(rules); len(sorted) {
	case 0:
		return nil, fmt.Errorf("the logs carry no traffic or HTTP status records to find the catch-all rule in")
	case 1:
		return []string{sorted[0].rule}, nil
	default:
		return nil, fmt.Errorf("the logs carry %d rules: %s; without the rulebase, name the catch-all with --catch-all", len(sorted), ruleList(sorted, what))
	}
}

// Device is the identity the logs give the firewall: with one serial, that
// serial and its device name; with several, their count. Logs from
// Panorama's log collectors carry each firewall's serial.
func (s *ImportStats) Device(tz *time.Location) mine.Device {
	d := mine.Device{Location: tz}
	switch len(s.Devices) {
	case 0:
		d.Hostname = "imported logs"
	case 1:
		for serial, name := range s.Devices {
			d.Serial, d.Hostname = serial, name
			if name == "" {
				d.Hostname = serial
			}
			if serial == "no-serial" {
				d.Serial = ""
			}
		}
	default:
		d.Hostname = fmt.Sprintf("%d firewalls", len(s.Devices))
	}
	return d
}
