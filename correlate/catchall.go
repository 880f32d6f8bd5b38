package correlate

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/panos-mine/mine"
)

// FindCatchAll returns the catch-all rules of a rulebase. With names given,
// those rules (each must exist); otherwise the lowest enabled allow rule
// whose application is any, which is the shape of a port-based catch-all.
func FindCatchAll(rules []mine.Rule, names []string) ([]mine.Rule, error) {
	if len(names) > 0 {
		byName := make(map[string]mine.Rule, len(rules))
		for _, r := range rules {
			byName[r.Name] = r
		}
		var out []mine.Rule
		var missing []string
		for _, n := range names {
			r, ok := byName[n]
			if !ok {
				missing = append(missing, n)
				continue
			}
			out = append(out, r)
		}
		if len(missing) > 0 {
			return nil, fmt.Errorf("catch-all rule %s not in the rulebase (%d rules)", quoteList(missing), len(rules))
		}
		sortByPosition(out)
		return out, nil
	}
	for i := len(rules) - 1; i >= 0; i-- {
		if rules[i].AllowsAnyApplication() {
			return []mine.Rule{rules[i]}, nil
		}
	}
	return nil, fmt.Errorf("no catch-all rule found among %d rules: no enabled allow rule has application any; name it with --catch-all", len(rules))
}

func quoteList(s []string) string {
	q := make([]string, len(s))
	for i, v := range s {
		q[i] = fmt.Sprintf("%q", v)
	}
	return strings.Join(q, ", ")
}

func sortByPosition(rules []mine.Rule) {
	slices.SortStableFunc(rules, func(a, b mine.Rule) int { return cmp.Compare(a.Position, b.Position) })
}
