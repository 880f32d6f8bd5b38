package report

import (
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/panos-mine/mine"
)

// Sheet names, in workbook order.
const (
	sheetSummary      = "Summary"
	sheetSuggestions  = "Suggested Rules"
	sheetCatchAllURLs = "Catch-all URLs"
	sheetStatusCodes  = "Status Codes"
	sheetHitCounts    = "Rule Hit Counts"
)

// dataSheets returns the data sheets of r, in workbook order.
func dataSheets(r *mine.Report) []*dataSheet {
	return []*dataSheet{
		suggestionSheet(r.Suggestions),
		urlSheet(r.CatchAllURLs),
		statusSheet(r.StatusCounts, r.CatchAllStatusCounts),
		hitCountSheet(r.HitCounts),
	}
}

func suggestionSheet(ss []mine.Suggestion) *dataSheet {
	return &dataSheet{
		name:  sheetSuggestions,
		table: "SuggestedRules",
		cols: []column{
			{"Name", kindText},
			{"From", kindText},
			{"To", kindText},
			{"Source", kindText},
			{"Destination", kindText},
			{"Application", kindText},
			{"Service", kindText},
			{"Ports", kindText},
			{"Sessions", kindCount},
			{"Responses (HTTP 200)", kindCount},
			{"Bytes", kindCount},
			{"Distinct URLs", kindCount},
			{"Distinct Sources", kindCount},
			{"First Seen (UTC)", kindDate},
			{"Last Seen (UTC)", kindDate},
			{"Top URLs", kindLines},
			{"Catch-all Rule", kindText},
		},
		n: len(ss),
		row: func(i int) []any {
			s := &ss[i]
			return []any{
				s.Name,
				list(s.From),
				list(s.To),
				list(s.Source),
				list(s.Destination),
				list(s.Application),
				list(s.Service),
				ports(s.Ports),
				s.Sessions,
				s.Responses,
				s.Bytes,
				s.URLs,
				s.DistinctSources,
				s.FirstSeen,
				s.LastSeen,
				topURLs(s.TopURLs),
				s.CatchAllRule,
			}
		},
		statusCol: -1,
	}
}

// topURLs puts one URL per line, most frequent first as correlate sorted
// them.
func topURLs(us []mine.URLCount) string {
	lines := make([]string, len(us))
	for i, u := range us {
		lines[i] = u.URL
	}
	return strings.Join(lines, "\n")
}

func urlSheet(us []mine.URLStat) *dataSheet {
	return &dataSheet{
		name:  sheetCatchAllURLs,
		table: "CatchAllURLs",
		cols: []column{
			{"URL", kindText},
			{"Status", kindNumber},
			{"Class", kindText},
			{"Destination", kindText},
			{"Application", kindText},
			{"Port", kindNumber},
			{"Count", kindCount},
			{"Sources", kindCount},
			{"First Seen (UTC)", kindDate},
			{"Last Seen (UTC)", kindDate},
			{"Scanner", kindText},
		},
		n: len(us),
		row: func(i int) []any {
			u := &us[i]
			return []any{
				u.URL,
				u.Status,
				mine.StatusClass(u.Status),
				u.Destination,
				u.Application,
				u.Port,
				u.Count,
				u.Sources,
				u.FirstSeen,
				u.LastSeen,
				yesNo(u.Scanner),
			}
		},
		statusCol: 1,
	}
}

func statusSheet(all, catchAll map[int]int64) *dataSheet {
	codes := slices.Sorted(maps.Keys(all))
	for c := range catchAll {
		if _, ok := all[c]; !ok {
			codes = append(codes, c)
		}
	}
	slices.Sort(codes)
	var catchAllTotal int64
	for _, n := range catchAll {
		catchAllTotal += n
	}
	return &dataSheet{
		name:  sheetStatusCodes,
		table: "StatusCodes",
		cols: []column{
			{"Status", kindNumber},
			{"Class", kindText},
			{"Name", kindText},
			{"All Rules", kindCount},
			{"Catch-all", kindCount},
			{"Share of Catch-all", kindPercent},
		},
		n: len(codes),
		row: func(i int) []any {
			c := codes[i]
			var share any // blank when there are no catch-all responses
			if catchAllTotal > 0 {
				share = float64(catchAll[c]) / float64(catchAllTotal)
			}
			return []any{
				c,
				mine.StatusClass(c),
				http.StatusText(c),
				all[c],
				catchAll[c],
				share,
			}
		},
		statusCol: 0,
	}
}

func hitCountSheet(hs []mine.HitCount) *dataSheet {
	return &dataSheet{
		name:  sheetHitCounts,
		table: "RuleHitCounts",
		cols: []column{
			{"Position", kindNumber},
			{"Rule", kindText},
			{"Action", kindText},
			{"Catch-all", kindText},
			{"Hit Count", kindCount},
			{"First Hit (UTC)", kindDate},
			{"Last Hit (UTC)", kindDate},
			{"Last Reset (UTC)", kindDate},
		},
		n: len(hs),
		row: func(i int) []any {
			h := &hs[i]
			return []any{
				h.Position,
				h.Rule,
				h.Action,
				yesNo(h.CatchAll),
				h.HitCount,
				h.FirstHit,
				h.LastHit,
				h.LastReset,
			}
		},
		statusCol: -1,
	}
}
