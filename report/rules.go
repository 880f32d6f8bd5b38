package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/panos-mine/mine"
)

// rulesColumns are the columns of the rules list; on a narrow terminal
// the last hit, the state and the hits go first, the rule and what shadows
// it never.
var rulesColumns = []Column{
	{Header: "#", Right: true},
	{Header: "location", Drop: 3, Cut: true},
	{Header: "rule"},
	{Header: "action", Drop: 2},
	{Header: "state", Drop: 5},
	{Header: "port-based", Drop: 1},
	{Header: "shadowed by"},
	{Header: "hits", Right: true, Drop: 4},
	{Header: "last hit", Drop: 6},
	{Header: "catch-all"},
}

// WriteRules writes every rule of a policy context with where it lives,
// whether it is port-based, what shadows it, its hit counter and the
// catch-all choice. JSON is the RulebaseReport itself; table, TSV and CSV
// are one row per rule, the table followed by the catch-all's reason and
// the warnings.
func WriteRules(w io.Writer, format Format, rb *mine.RulebaseReport) error {
	if format == FormatJSON {
		e := json.NewEncoder(w)
		e.SetIndent("", "  ")
		if err := e.Encode(rb); err != nil {
			return fmt.Errorf("write rules: %w", err)
		}
		return nil
	}
	rows := make([][]string, 0, len(rb.Rules))
	for _, r := range rb.Rules {
		state := "enabled"
		if r.Disabled {
			state = "disabled"
		}
		hits, last := "", ""
		if r.HitCount != nil {
			hits = strconv.FormatUint(*r.HitCount, 10)
			last = "never"
			if r.LastHit != nil {
				last = r.LastHit.UTC().Format("2006-01-02 15:04")
			}
		}
		rows = append(rows, []string{strconv.Itoa(r.Position), r.Location, r.Name, r.Action, state,
			yesNo(r.PortBased), strings.Join(r.ShadowedBy, ", "), hits, last, yesEmpty(r.CatchAll)})
	}
	if err := WriteColumns(w, format, rulesColumns, rows); err != nil {
		return err
	}
	if format != FormatTable {
		return nil
	}
	sw := &stickyWriter{w: w}
	fmt.Fprintln(sw)
	if len(rb.CatchAll) > 0 {
		sw.paragraph("catch-all: "+term(strings.Join(rb.CatchAll, ", "))+": "+term(rb.CatchAllReason), "  ")
	} else {
		sw.paragraph("no catch-all: "+term(rb.CatchAllReason), "  ")
	}
	for _, wn := range rb.Warnings {
		sw.paragraph("warning: "+term(wn), "  ")
	}
	return sw.err
}

func yesEmpty(b bool) string {
	if b {
		return "yes"
	}
	return ""
}
