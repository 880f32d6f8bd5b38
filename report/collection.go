package report

import (
	"fmt"
	"strings"

	"github.com/panos-mine/mine"
)

// collectionLines says in words what a collection dropped, skipped or
// retried: the numbers behind the totals a reader must be able to trust.
// nil when the report was not made from a device.
func collectionLines(c *mine.Collection) [][2]string {
	if c == nil {
		return nil
	}
	var out [][2]string
	for _, l := range []struct {
		name string
		lc   mine.LogCollection
	}{{"Threat logs", c.Threat}, {"Traffic logs", c.Traffic}} {
		out = append(out, [2]string{l.name, logCollectionText(l.lc, c.Evidence)})
	}
	if e := c.Evidence; e != nil {
		out = append(out, [2]string{"Evidence", evidenceText(e)})
	}
	if len(c.UnknownRuleHits) > 0 {
		out = append(out, [2]string{"Hit counts left out", fmt.Sprintf("%d rules the rulebase does not have: %s", len(c.UnknownRuleHits), term(strings.Join(c.UnknownRuleHits, ", ")))})
	}
	if c.TimeZone != "" {
		out = append(out, [2]string{"Time zone learned", term(c.TimeZone)})
	}
	if len(c.HA) > 0 {
		var m []string
		for _, h := range c.HA {
			s := term(h.Hostname)
			if s == "" {
				s = term(h.Address)
			}
			s += " " + term(h.Serial) + " (" + term(h.State)
			if !h.Reported {
				s += ", not read: " + term(h.Error)
			}
			m = append(m, s+")")
		}
		out = append(out, [2]string{"HA pair", strings.Join(m, "; ")})
	}
	return out
}

// entriesCounted reports whether the report's log counts are counts of
// log entries: not when the device's reports counted them, which give
// repeat counts only (the totals' threat logs are then the responses).
func entriesCounted(r *mine.Report) bool {
	return r.Collection == nil || r.Collection.Evidence == nil || r.Collection.Evidence.EntriesCounted
}

// evidenceText says how the evidence was gathered and how far its counts
// and times can be trusted.
func evidenceText(e *mine.Evidence) string {
	exact := "counts exact"
	if !e.CountsExact {
		exact = "some counts are lower bounds"
	}
	var s string
	switch e.Mode {
	case mine.EvidenceReport:
		s = fmt.Sprintf("aggregated by the device: %s report jobs, %s rows", thousands(int64(e.ReportJobs)), thousands(e.ReportRows))
		if e.ReportSplits > 0 || e.RawParts > 0 {
			s += fmt.Sprintf(" (%d reports at the row limit split, %d parts read as log entries)", e.ReportSplits, e.RawParts)
		}
		s += fmt.Sprintf("; %s; first and last seen to %s", exact, resolutionText(e.TimeResolution))
		if !e.EntriesCounted {
			s += "; log entries counted by their repeat counts (reports do not count entries)"
		}
	default:
		s = "every log entry pulled; " + exact + "; times to the second"
	}
	if e.BytesReceived > 0 {
		s += "; " + bytesText(e.BytesReceived) + " received"
	}
	if e.Fallback != "" {
		s += "; the device's reports were not used: " + term(e.Fallback)
	}
	return s
}

func resolutionText(r string) string {
	switch r {
	case "1h":
		return "the hour"
	case "15m":
		return "the quarter hour"
	case "1s", "":
		return "the second"
	}
	return term(r)
}

// bytesText writes a byte count in KB, MB or GB (powers of 1000).
func bytesText(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.1f GB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.1f KB", float64(n)/1e3)
	}
	return fmt.Sprintf("%d bytes", n)
}

// logCollectionText says what one log type's collection did. With the
// device's reports (e), its queries are only those of the parts read as
// log entries, and what it counted are report rows' repeat counts.
func logCollectionText(lc mine.LogCollection, e *mine.Evidence) string {
	s := fmt.Sprintf("%s collected with %s queries", thousands(lc.Collected), thousands(int64(lc.Queries)))
	if e != nil && e.Mode == mine.EvidenceReport {
		s = thousands(lc.Collected) + " counted by the device's reports"
		if lc.Queries > 0 {
			s += fmt.Sprintf(", %s log queries for the parts read entry by entry", thousands(int64(lc.Queries)))
		}
	}
	var drop []string
	for _, d := range []struct {
		n    int64
		what string
	}{{lc.Duplicates, "duplicates"}, {lc.OutOfWindow, "outside the window"}, {lc.FilterMismatch, "not matching the query"}} {
		if d.n > 0 {
			drop = append(drop, fmt.Sprintf("%s %s", thousands(d.n), d.what))
		}
	}
	if len(drop) > 0 {
		s += "; dropped " + strings.Join(drop, ", ")
	}
	if lc.Unparseable > 0 {
		s += fmt.Sprintf("; skipped %s unreadable (see --debug)", thousands(lc.Unparseable))
	}
	var again []string
	for _, a := range []struct {
		n    int
		what string
	}{{lc.ShortPages, "short pages"}, {lc.LostJobs, "lost jobs"}, {lc.StalledJobs, "stalled jobs"}, {lc.Damaged, "damaged checkpoint slices"}} {
		if a.n > 0 {
			again = append(again, fmt.Sprintf("%d %s", a.n, a.what))
		}
	}
	if len(again) > 0 {
		s += "; asked again: " + strings.Join(again, ", ")
	}
	if lc.Resumed > 0 {
		s += fmt.Sprintf("; %d of %d slices from the checkpoint of an interrupted run", lc.Resumed, lc.Slices)
	}
	return s
}

// thousands writes n with comma separators.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// writeCollection prints the collection's account under the overview.
func writeCollection(s *stickyWriter, r *mine.Report) {
	lines := collectionLines(r.Collection)
	if len(lines) == 0 {
		return
	}
	s.title("Collection")
	rows := make([][]string, len(lines))
	for i, l := range lines {
		rows[i] = []string{l[0], l[1]}
	}
	s.table([]Column{{}, {}}, rows)
}
