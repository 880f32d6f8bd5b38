package report

import (
	"slices"
	"time"

	"github.com/panos-mine/mine"
)

const (
	sheetApps  = "Catch-all Apps"
	sheetDaily = "Per Day"
)

// appSheet lists the catch-all's traffic per application.
func appSheet(apps []mine.AppStat) *dataSheet {
	return &dataSheet{
		name:  sheetApps,
		table: "CatchAllApps",
		cols: []column{
			{"Application", kindText},
			{"Sessions", kindCount},
			{"Bytes", kindBytes},
			{"Destinations", kindCount},
			{"Sources", kindCount},
			{"Ports", kindText},
			{"2xx", kindCount},
			{"3xx", kindCount},
			{"4xx", kindCount},
			{"5xx", kindCount},
			{"HTTP Visible", kindText},
			{"Suggested Rule", kindText},
			{"First Seen (UTC)", kindDate},
			{"Last Seen (UTC)", kindDate},
		},
		n: len(apps),
		row: func(i int) []any {
			a := &apps[i]
			return []any{a.Application, a.Sessions, a.Bytes, a.Destinations, a.Sources, ports(a.Ports),
				a.Success, a.Redirects, a.ClientErrors, a.ServerErrors, yesNo(a.HTTPVisible), yesNo(a.Suggested),
				a.FirstSeen, a.LastSeen}
		},
		statusCol: -1,
	}
}

// dailySheet lists every day of the report: the HTTP responses of all
// rules per status class, and the catch-all's sessions and responses of
// ordinary clients and scanners, with whether the window covers the whole
// day. The Summary charts the catch-all's whole days.
func dailySheet(all []mine.DayStatus, catchAll []mine.CatchAllDay) *dataSheet {
	type dayRow struct {
		day time.Time
		all *mine.DayStatus
		ca  *mine.CatchAllDay
	}
	byDay := map[time.Time]*dayRow{}
	var rows []*dayRow
	get := func(d time.Time) *dayRow {
		d = d.UTC()
		if byDay[d] == nil {
			byDay[d] = &dayRow{day: d}
			rows = append(rows, byDay[d])
		}
		return byDay[d]
	}
	for i := range all {
		get(all[i].Day).all = &all[i]
	}
	for i := range catchAll {
		get(catchAll[i].Day).ca = &catchAll[i]
	}
	slices.SortFunc(rows, func(a, b *dayRow) int { return a.day.Compare(b.day) })
	return &dataSheet{
		name:  sheetDaily,
		table: "PerDay",
		cols: []column{
			{"Day (UTC)", kindDay},
			{"Weekday", kindText},
			{"Whole Day in Window", kindText},
			{"All Rules 2xx", kindCount},
			{"All Rules 3xx", kindCount},
			{"All Rules 4xx", kindCount},
			{"All Rules 5xx", kindCount},
			{"Catch-all Sessions", kindCount},
			{"Catch-all Client Sessions", kindCount},
			{"Catch-all Client 2xx", kindCount},
			{"Catch-all Client 3xx", kindCount},
			{"Catch-all Client 4xx", kindCount},
			{"Catch-all Client 5xx", kindCount},
			{"Catch-all Scanner Responses", kindCount},
		},
		n: len(rows),
		row: func(i int) []any {
			d := rows[i]
			out := []any{d.day, d.day.Format("Mon"), nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil}
			if a := d.all; a != nil {
				out[3], out[4], out[5], out[6] = a.Success, a.Redirects, a.ClientErrors, a.ServerErrors
			}
			if c := d.ca; c != nil {
				out[2] = yesNo(!c.Partial)
				out[7], out[8], out[9], out[10], out[11], out[12], out[13] = c.Sessions, c.ClientSessions,
					c.Success, c.Redirects, c.ClientErrors, c.ServerErrors, c.ScannerResponses
			}
			return out
		},
		statusCol: -1,
	}
}
