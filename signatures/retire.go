package signatures

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/panos-mine/mine"
)

// Limits of a security rule, as the configuration schema and the
// documentation give them (docs/act.md).
const (
	maxDescription = 1024
	maxTags        = 64
)

// ErrRetired means the rule is already disabled.
var ErrRetired = errors.New("the rule is already disabled")

// RetireOptions say what a retirement writes on the rule.
type RetireOptions struct {
	// Date is when the rule is retired (the caller's clock).
	Date time.Time
	// Evidence is the one-line summary of the verdict written into the
	// description after the date.
	Evidence string
}

// PlanRetire plans retiring a catch-all rule without deleting it: the
// rule is disabled (disabled yes), tagged mine-retired (the tag object is
// created in the rule's scope when none is visible there), and the date
// and the evidence line are added to its description, which keeps what it
// said. The rule must be in the candidate configuration, enabled, not
// pushed by Panorama (retire it on Panorama), and without uncommitted
// changes. It reads the candidate configuration and changes nothing; the
// plan's RuleBefore is the rule's entry as it is.
func (d *Deployer) PlanRetire(ctx context.Context, scope PolicyScope, rule string, o RetireOptions) (*ActPlan, error) {
	pol, err := d.readPolicy(ctx, scope, true)
	if err != nil {
		return nil, err
	}
	sel, err := pol.selectRules([]string{rule})
	if err != nil {
		return nil, err
	}
	r := sel[0]
	if r.pushed {
		return nil, fmt.Errorf("rule %s (%s) is pushed by Panorama: retire it on Panorama, in its device group", rule, r.where)
	}
	entry := fmt.Sprintf("%s/entry[@name='%s']", r.container, rule)
	before, err := d.settled(ctx, entry)
	if err != nil {
		return nil, err
	}
	if r.node.textOf("disabled") == "yes" {
		if slices.Contains(r.node.child("tag").members(), mine.RetiredTag) {
			return nil, fmt.Errorf("rule %s: %w, tagged %s: retired already (mine retire --undo %s re-enables it)", rule, ErrRetired, mine.RetiredTag, rule)
		}
		return nil, fmt.Errorf("rule %s: %w (by someone else): nothing to retire", rule, ErrRetired)
	}
	p := &ActPlan{Device: d.dev, Kind: mine.ChangeRetire, Rules: []string{rule}, RuleBefore: before}

	// The tag object, where the rule's names resolve.
	bases := []string{r.base, "/config/shared"}
	if d.dev.Panorama && r.dg != "" {
		chain, err := d.deviceGroupChain(ctx, r.dg, true)
		if err != nil {
			return nil, err
		}
		bases = bases[:0]
		for _, g := range chain {
			bases = append(bases, Location{DeviceGroup: g}.Base())
		}
		bases = append(bases, "/config/shared")
	}
	found := false
	for _, b := range bases {
		n, err := d.read(ctx, fmt.Sprintf("%s/tag/entry[@name='%s']", b, mine.RetiredTag), true)
		if err != nil {
			return nil, err
		}
		found = found || n != nil
	}
	if !found {
		xp := fmt.Sprintf("%s/tag/entry[@name='%s']", r.base, mine.RetiredTag)
		p.Elements = append(p.Elements, ElementChange{XPath: xp,
			After:   `<entry name="` + mine.RetiredTag + `"><color>color6</color><comments>catch-all rules mine retired: disabled, not deleted; mine retire --undo RULE puts one back</comments></entry>`,
			Summary: fmt.Sprintf("create tag %s in %s", mine.RetiredTag, scopeName(r.base))})
	}

	// The rule's tags, description and state, element by element, so the
	// rule keeps its UUID and everything else.
	tags := r.node.child("tag").members()
	if len(tags) >= maxTags {
		return nil, fmt.Errorf("rule %s carries %d tags, the most a rule can: it cannot be tagged %s", rule, len(tags), mine.RetiredTag)
	}
	tagXML := &xnode{name: "tag"}
	for _, t := range append(slices.Clone(tags), mine.RetiredTag) {
		tagXML.children = append(tagXML.children, &xnode{name: "member", text: t})
	}
	if err := p.add(ctx, d, entry+"/tag", tagXML.String(), "tag rule "+rule+" "+mine.RetiredTag); err != nil {
		return nil, err
	}

	old, err := d.readExact(ctx, entry+"/description", true)
	if err != nil {
		return nil, err
	}
	oldText := ""
	if n := mustParseEntryAny(old); n != nil {
		oldText = n.text
	}
	line := fmt.Sprintf("%s %s: %s", mine.RetiredTag, o.Date.UTC().Format("2006-01-02"), oneLine(o.Evidence))
	sep := ""
	if oldText != "" {
		sep = "\n"
	}
	room := maxDescription - utf8.RuneCountInString(oldText) - utf8.RuneCountInString(sep)
	switch {
	case room < 40:
		p.Notes = append(p.Notes, fmt.Sprintf("rule %s: its description is too long to add the retirement to (%d characters, at most %d): the change record holds it", rule, utf8.RuneCountInString(oldText), maxDescription))
	default:
		if utf8.RuneCountInString(line) > room {
			line = string([]rune(line)[:room-1]) + "…"
		}
		desc := &xnode{name: "description", text: oldText + sep + line}
		if err := p.add(ctx, d, entry+"/description", desc.String(), "note the retirement in the description of "+rule); err != nil {
			return nil, err
		}
	}
	if err := p.add(ctx, d, entry+"/disabled", "<disabled>yes</disabled>", "disable rule "+rule); err != nil {
		return nil, err
	}
	if d.dev.Panorama {
		if err := d.setPushGroups(ctx, scope, p); err != nil {
			return nil, err
		}
		if r.dg != scope.DeviceGroup {
			where := r.dg
			if where == "" {
				where = "shared"
			}
			p.Notes = append(p.Notes, fmt.Sprintf("rule %s lives in %s: the device groups under it other than %s get the change at their next push", rule, where, scope.DeviceGroup))
		}
	}
	if err := d.liftCreations(ctx, p); err != nil {
		return nil, err
	}
	if err := d.noteActLocks(ctx, p); err != nil {
		return nil, err
	}
	return p, nil
}

// add appends the change of one element to the plan, reading what it
// holds now.
func (p *ActPlan) add(ctx context.Context, d *Deployer, xpath, after, summary string) error {
	before, err := d.readExact(ctx, xpath, true)
	if err != nil {
		return err
	}
	if before == after {
		return nil
	}
	p.Elements = append(p.Elements, ElementChange{XPath: xpath, Before: before, After: after, Summary: summary})
	return nil
}

// noteActLocks notes another administrator's lock, which would refuse
// the plan.
func (d *Deployer) noteActLocks(ctx context.Context, p *ActPlan) error {
	err := d.checkLocks(ctx)
	var le *LockError
	if errors.As(err, &le) {
		p.Notes = append(p.Notes, strings.TrimSuffix(le.Error(), "; nothing was changed")+": applying the plan now would be refused")
		return nil
	}
	return err
}

// oneLine joins the lines of s with "; " and collapses white space.
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", "; ")), " ")
}
