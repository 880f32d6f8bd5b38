package collect

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/panos-mine/mine/internal/xapi"
)

// Custom reports on the device (docs/scale.md has the sources). mine runs
// them ad hoc, without defining them in the configuration:
// type=report&reporttype=dynamic&reportname=custom-dynamic-report&async=yes
// with the report's definition in cmd, over the detailed logs (database
// threat or traffic on a firewall, panorama-threat or panorama-traffic on
// Panorama), the window as start-time and end-time inside cmd in the
// device's wall clock (both ends included; a window given as URL
// parameters is ignored), aggregate-by the columns, values repeatcnt and
// count (and bytes on traffic), sorted by repeatcnt, at most topn rows.
// The answer is a job, polled with type=report&action=get&job-id=N until
// result/job/status is FIN; its rows are result/report/entry.

// maxReportRows is the most rows one report returns (topn): the largest
// number of entries the web interface offers.
const maxReportRows = 10000

// reportDef is a custom report mine runs.
type reportDef struct {
	db      string
	columns []string // aggregate-by
	values  []string
	sortBy  string
	query   string
	// from and to are the window on the device's wall clock, in seconds
	// as if UTC, both ends included.
	from, to int64
	topN     int
}

// cmd is the report's definition as the cmd parameter carries it.
func (d reportDef) cmd() string {
	var b strings.Builder
	b.WriteString("<type><" + d.db + "><aggregate-by>")
	for _, c := range d.columns {
		b.WriteString("<member>" + c + "</member>")
	}
	b.WriteString("</aggregate-by><values>")
	for _, v := range d.values {
		b.WriteString("<member>" + v + "</member>")
	}
	b.WriteString("</values><sortby>" + d.sortBy + "</sortby></" + d.db + "></type>")
	fmt.Fprintf(&b, "<topn>%d</topn><topm>10</topm><caption>mine</caption>", d.topN)
	b.WriteString("<start-time>" + wallText(d.from) + "</start-time><end-time>" + wallText(d.to) + "</end-time>")
	b.WriteString("<query>" + xapi.EscapeText(d.query) + "</query>")
	return b.String()
}

// errReportAnswer marks a report answer mine cannot read.
var errReportAnswer = errors.New("report answer cannot be read")

// runReport runs one report to its end and calls row for each of its
// entries with the cells of the columns, then the values, in order (nil
// for a cell the entry lacks; escaped says whether a cell needs
// unescaping). It returns the number of rows. The answer is read into
// buf, which row's cells alias.
func (c *Client) runReport(ctx context.Context, def reportDef, buf *bytes.Buffer, note func(int), row func(cells [][]byte, escaped []bool) error) (int, error) {
	cmd := def.cmd()
	body, err := c.awaitJob(ctx, jobOps{
		what:   def.db + " report job",
		detail: def.query,
		timing: &c.reportTiming,
		submit: func(ctx context.Context) (uint, error) {
			return c.s.SubmitReport(ctx, "dynamic", "custom-dynamic-report", cmd)
		},
		get:   func(ctx context.Context, id uint) ([]byte, error) { return c.s.GetReport(ctx, id, buf) },
		state: readReportState,
	}, note)
	if err != nil {
		return 0, err
	}
	names := append(append([]string(nil), def.columns...), def.values...)
	return parseReportRows(body, names, row)
}

// readReportState reads a report job's status and percent.
func readReportState(body []byte) (jobState, error) { return readState(body, "report") }

// parseReportRows walks a finished report's entries (result/report/entry,
// or report/result/entry as older releases answer) and hands each one's
// cells, in the order of names, to row.
func parseReportRows(body []byte, names []string, row func(cells [][]byte, escaped []bool) error) (int, error) {
	index := make(map[string]int, len(names))
	for i, n := range names {
		index[n] = i
	}
	cells := make([][]byte, len(names))
	escaped := make([]bool, len(names))
	s := scanner{b: body}
	var inReport, sawReport, sawFIN bool
	n := 0
	for {
		k, name, attrs, err := s.nextTag()
		if err != nil {
			return n, fmt.Errorf("%w: %w", errReportAnswer, err)
		}
		switch {
		case k == tagEOF:
			if !sawFIN {
				return n, fmt.Errorf("%w: the job did not finish", errReportAnswer)
			}
			if !sawReport {
				return n, fmt.Errorf("%w: no report element", errReportAnswer)
			}
			return n, nil
		case k == tagOpen && string(name) == "response":
			if v, ok := attr(attrs, "status"); ok && string(v) != "success" {
				return n, fmt.Errorf("%w: status %q", errReportAnswer, v)
			}
		case k == tagOpen && string(name) == "status":
			raw, _, err := s.text()
			if err != nil {
				return n, fmt.Errorf("%w: %w", errReportAnswer, err)
			}
			sawFIN = sawFIN || strings.TrimSpace(string(raw)) == "FIN"
		case (k == tagOpen || k == tagEmpty) && string(name) == "report":
			sawReport, inReport = true, k == tagOpen
		case k == tagClose && string(name) == "report":
			inReport = false
		case k == tagOpen && inReport && string(name) == "entry":
			clear(cells)
			clear(escaped)
			if err := parseEntry(&s, nil, func(f, raw []byte, esc bool) error {
				if i, ok := index[string(f)]; ok {
					cells[i], escaped[i] = raw, esc
					if cells[i] == nil {
						cells[i] = []byte{}
					}
				}
				return nil
			}, nil); err != nil {
				return n, fmt.Errorf("%w: %w", errReportAnswer, err)
			}
			n++
			if err := row(cells, escaped); err != nil {
				return n, err
			}
		}
	}
}

// wallBucket parses a time bucket cell ("2026/11/03 14:00:00", the
// device's wall clock) into wall clock seconds.
func wallBucket(raw []byte) (int64, error) { return parseWall(bytes.TrimSpace(raw)) }

// wallToUTC places wall clock seconds of a zone whose offset is off.
func wallToUTC(wall int64, off time.Duration) time.Time {
	return time.Unix(wall-int64(off/time.Second), 0).UTC()
}
