package report

import (
	"fmt"
	"strings"

	"github.com/panos-mine/mine"
)

// changeState says whether a change stands or was undone.
func changeState(c mine.Change) string {
	switch {
	case c.UndoneBy != 0:
		return fmt.Sprintf("undone by change %d", c.UndoneBy)
	case c.Kind == mine.ChangeUndo:
		return fmt.Sprintf("undid change %d", c.Undoes)
	case c.Status == mine.ChangeFailed:
		return "nothing changed"
	}
	return "in force"
}

// changeLine is one change in words: when, what, by whom, how it ended.
func changeLine(c mine.Change) string {
	who := c.Admin
	if who == "" {
		who = "an API key"
	}
	if c.Operator != "" {
		who += " (run by " + c.Operator + ")"
	}
	s := fmt.Sprintf("%s %s by %s: %s; %s, %s", c.Time.UTC().Format("2006-01-02 15:04 UTC"), c.Kind, who, c.Summary, c.Status, changeState(c))
	if c.Forced && c.Reason != "" {
		s += "; forced: " + c.Reason
	}
	return s
}

// changeCriterionRows are the Readiness sheet's rows for mine's changes:
// one per change, under the rules it is about.
func changeCriterionRows(cs []mine.Change) []criterionRow {
	var out []criterionRow
	for _, c := range cs {
		verdict := c.Verdict
		if c.Forced {
			verdict += " (forced)"
		}
		out = append(out, criterionRow{rule: strings.Join(c.Rules, ", "), verdict: strings.TrimSpace(verdict),
			c: mine.Criterion{Name: fmt.Sprintf("change %d: %s", c.ID, c.Kind), Result: c.Status, Evidence: changeLine(c)}})
	}
	return out
}

// changeAboutRows are the About sheet's lines for mine's changes.
func changeAboutRows(cs []mine.Change) [][2]string {
	var out [][2]string
	for _, c := range cs {
		out = append(out, [2]string{fmt.Sprintf("Change %d (%s)", c.ID, c.Kind), changeLine(c)})
	}
	return out
}
