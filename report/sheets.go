package report

import (
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

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

// dataSheets returns the data sheets of r that opt's layout has, in
// workbook order.
func dataSheets(r *mine.Report, opt Options) []*dataSheet {
	switch opt.Layout {
	case LayoutClassic:
		return []*dataSheet{
			suggestionSheet(r.Suggestions, basis(r.Coverage.Basis)),
			urlSheet(r.CatchAllURLs),
			statusSheet(r.StatusCounts, r.CatchAllStatusCounts),
			hitCountSheet(r.HitCounts, r.Generated, nil, false),
		}
	case LayoutHandoff:
		sheets := []*dataSheet{
			urlSheet(r.CatchAllURLs),
			handoffSheet(r.Findings),
			scannerTargetSheet(r.ScannerTargets),
			urlTemplateSheet(r.Suggestions),
		}
		return append(sheets, aboutSheet(r, describe(sheets)))
	}
	sheets := []*dataSheet{
		suggestionSheet(r.Suggestions, basis(r.Coverage.Basis)),
		urlSheet(r.CatchAllURLs),
		statusSheet(r.StatusCounts, r.CatchAllStatusCounts),
		hitCountSheet(r.HitCounts, r.Generated, opt.Deltas, true),
		coverageSheet(r.Coverage),
		appSheet(r.CatchAllApps),
		handoffSheet(r.Findings),
		scannerSheet(r.Scanners),
		scannerTargetSheet(r.ScannerTargets),
		urlTemplateSheet(r.Suggestions),
		readinessSheet(r.Readiness, r.Changes),
		customAppSheet(r.CustomAppCandidates),
		trendSheet(opt.Trend),
		dailySheet(r.DailyStatus, r.CatchAllDaily),
	}
	return append(sheets, aboutSheet(r, describe(sheets)))
}

// describe returns the Summary and the given sheets with what they show.
func describe(sheets []*dataSheet) []sheetLink {
	links := []sheetLink{{sheetSummary, "the verdict in words, key figures and links to every sheet"}}
	for _, ds := range sheets {
		links = append(links, sheetLink{ds.name, describeSheet(ds.name)})
	}
	return append(links, sheetLink{sheetAbout, describeSheet(sheetAbout)})
}

// suggestionSheet lists the suggested rules: first what a reviewer decides
// on (name, destination, application, service, sessions, share, first and
// last seen), then the rest of the rule and its evidence, and last the long
// columns (top URLs, set commands, XML).
func suggestionSheet(ss []mine.Suggestion, basisName string) *dataSheet {
	return &dataSheet{
		name:  sheetSuggestions,
		table: "SuggestedRules",
		cols: []column{
			{"Name", kindText},
			{"Destination", kindText},
			{"Application", kindText},
			{"Service", kindText},
			{"Sessions", kindCount},
			{"Share of Catch-all " + titleCase(basisName), kindPercent},
			{"First Seen (UTC)", kindDate},
			{"Last Seen (UTC)", kindDate},
			{"From", kindText},
			{"To", kindText},
			{"Source", kindText},
			{"Ports", kindText},
			{"Responses (2xx)", kindCount},
			{"Redirects (3xx)", kindCount},
			{"Bytes", kindBytes},
			{"Distinct URLs", kindCount},
			{"Distinct Sources", kindCount},
			{"Catch-all Rule", kindText},
			{"Existing Disabled Rule", kindText},
			{"Top URLs", kindLines},
			{"Set Commands", kindLines},
			{"XML", kindText},
		},
		// Reference for whoever applies a rule: a row shows their start,
		// so that a screen holds several rules.
		maxLines: map[int]int{19: 5, 20: 6, 21: 3},
		n:        len(ss),
		row: func(i int) []any {
			s := &ss[i]
			return []any{
				s.Name,
				list(s.Destination),
				list(s.Application),
				list(s.Service),
				s.Sessions,
				s.Share,
				s.FirstSeen,
				s.LastSeen,
				list(s.From),
				list(s.To),
				list(s.Source),
				ports(s.Ports),
				s.Responses,
				s.Redirects,
				s.Bytes,
				s.URLs,
				s.DistinctSources,
				s.CatchAllRule,
				s.ExistingRule,
				topURLs(s.TopURLs),
				strings.Join(s.SetCommands, "\n"),
				s.XML,
			}
		},
		statusCol: -1,
	}
}

func titleCase(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
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
			{"Share of Catch-all Responses", kindPercent},
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

// hitCountSheet lists the rule hit counters. With extra, it adds the
// week's hits from deltas (the sum of a rule's known deltas over its
// devices; blank without history) and the days from the last hit to the
// report's generation, with 30- and 90-day flags.
func hitCountSheet(hs []mine.HitCount, generated time.Time, deltas []mine.HitDelta, extra bool) *dataSheet {
	cols := []column{
		{"Position", kindNumber},
		{"Rule", kindText},
		{"Action", kindText},
	}
	if extra {
		cols = append(cols, column{"Location", kindText}, column{"Port-based", kindText}, column{"Shadowed By", kindText})
	}
	cols = append(cols, []column{
		{"Catch-all", kindText},
		{"Hit Count", kindCount},
		{"First Hit (UTC)", kindDate},
		{"Last Hit (UTC)", kindDate},
		{"Last Reset (UTC)", kindDate},
	}...)
	weekly := map[string]int64{}
	for _, d := range deltas {
		if d.Known() {
			weekly[d.Rule] += d.Hits
		}
	}
	if extra {
		cols = append(cols,
			column{"Hits Since Last Run", kindCount},
			column{"Days Since Last Hit", kindCount},
			column{"Unused 30 Days", kindText},
			column{"Unused 90 Days", kindText},
		)
	}
	return &dataSheet{
		name:  sheetHitCounts,
		table: "RuleHitCounts",
		cols:  cols,
		n:     len(hs),
		row: func(i int) []any {
			h := &hs[i]
			row := []any{h.Position, h.Rule, h.Action}
			if extra {
				row = append(row, h.Location, yesNo(h.PortBased), strings.Join(h.ShadowedBy, ", "))
			}
			row = append(row,
				yesNo(h.CatchAll),
				h.HitCount,
				h.FirstHit,
				h.LastHit,
				h.LastReset,
			)
			if !extra {
				return row
			}
			var week, days, u30, u90 any
			if n, ok := weekly[h.Rule]; ok {
				week = n
			}
			switch {
			case generated.IsZero():
			case h.LastHit != nil && !h.LastHit.IsZero():
				d := int64(generated.Sub(*h.LastHit) / (24 * time.Hour))
				days, u30, u90 = d, yesNo(d >= 30), yesNo(d >= 90)
			case h.HitCount == 0:
				u30, u90 = "never hit", "never hit"
			}
			return append(row, week, days, u30, u90)
		},
		statusCol: -1,
	}
}
