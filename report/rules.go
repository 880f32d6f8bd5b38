package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/panos-mine/mine"
)

// rulesHeader are the columns of the rules list.
var rulesHeader = []string{"#", "location", "rule", "action", "state", "port-based", "shadowed by", "hits", "last hit", "catch-all"}

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
	if err := WriteList(w, format, rulesHeader, rows); err != nil {
		return err
	}
	if format != FormatTable {
		return nil
	}
	sw := &stickyWriter{w: w}
	if len(rb.CatchAll) > 0 {
		fmt.Fprintf(sw, "\ncatch-all: %s\n  %s\n", strings.Join(rb.CatchAll, ", "), term(rb.CatchAllReason))
	} else {
		fmt.Fprintf(sw, "\nno catch-all: %s\n", term(rb.CatchAllReason))
	}
	for _, wn := range rb.Warnings {
		fmt.Fprintf(sw, "warning: %s\n", term(wn))
	}
	return sw.err
}

func yesEmpty(b bool) string {
	if b {
		return "yes"
	}
	return ""
}
