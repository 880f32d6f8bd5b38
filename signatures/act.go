package signatures

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/panos-mine/mine/internal/xapi"
)

// ElementChange is one configuration element an action writes (After) or
// deletes (After ""), with its XML before ("" when it did not exist) as
// the candidate configuration held it: what undo puts back.
type ElementChange struct {
	XPath   string
	Before  string
	After   string
	Summary string
}

// ActPlan is what protect, block, retire or an undo would change: the
// elements, computed from the candidate configuration without changing
// anything.
type ActPlan struct {
	Device Device
	Kind   string
	Rules  []string
	// Elements are changed in order, in one commit.
	Elements []ElementChange
	// PushGroups are the device groups to push on Panorama.
	PushGroups []string
	Notes      []string
	// RuleBefore is the rule's entry before a retirement.
	RuleBefore string
}

// Requests are the exact XML API requests the plan sends before its
// commit: an edit for each element written, a delete for each removed.
func (p *ActPlan) Requests() []Change {
	out := make([]Change, 0, len(p.Elements))
	for _, e := range p.Elements {
		if e.After == "" {
			out = append(out, Change{Op: "delete", Xpath: e.XPath, Summary: e.Summary})
			continue
		}
		out = append(out, Change{Op: "edit", Xpath: e.XPath, Element: e.After, Summary: e.Summary})
	}
	return out
}

// Diffs renders each element's change for reading, one element per line.
func (p *ActPlan) Diffs() []Diff {
	out := make([]Diff, 0, len(p.Elements))
	for _, e := range p.Elements {
		out = append(out, Diff{Title: e.XPath, Before: indentXML(e.Before), After: indentXML(e.After)})
	}
	return out
}

// indentXML renders element XML one element per line ("" for none).
func indentXML(s string) string {
	if s == "" {
		return ""
	}
	root, err := parseXMLExact([]byte(s))
	if err != nil || len(root.children) != 1 {
		return s
	}
	return root.children[0].indent()
}

// readExact returns the element an xpath selects in the candidate (get)
// or running (show) configuration as XML, with only its name attribute
// (the device's own attributes, uuid, admin, dirtyId, time, are not
// configuration), and "" when it does not exist. An xpath selecting more
// than one element is refused.
func (d *Deployer) readExact(ctx context.Context, xpath string, candidate bool) (string, error) {
	var body []byte
	var err error
	if candidate {
		body, err = d.s.Get(ctx, xpath)
	} else {
		body, err = d.s.Show(ctx, xpath)
		if xapi.IsNotFound(err) {
			return "", nil
		}
	}
	if err != nil || body == nil {
		return "", err
	}
	root, err := parseXMLExact(body)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", xpath, err)
	}
	res := root.at("response", "result")
	if res == nil {
		return "", nil
	}
	if len(res.children) > 1 {
		return "", fmt.Errorf("read %s: the xpath selects %d elements, want one", xpath, len(res.children))
	}
	if len(res.children) == 0 {
		return "", nil
	}
	return res.children[0].String(), nil
}

// ErrChanged means the device no longer holds what a plan or an undo
// expects at an element: someone changed it, or left it changed in the
// candidate configuration without committing.
var ErrChanged = errors.New("the configuration changed under mine")

// ChangedError names the element and what was expected and found.
type ChangedError struct {
	XPath          string
	Expected, Have string
	// Pending is true when the candidate differs from the running
	// configuration there (an uncommitted change).
	Pending bool
}

func (e *ChangedError) Error() string {
	if e.Pending {
		return fmt.Sprintf("%v: %s has an uncommitted change in the candidate configuration (commit or revert it first); nothing was changed", ErrChanged, e.XPath)
	}
	return fmt.Sprintf("%v: %s no longer holds what mine expects (expected %s, found %s); nothing was changed",
		ErrChanged, e.XPath, orAbsent(e.Expected), orAbsent(e.Have))
}

func (e *ChangedError) Unwrap() error { return ErrChanged }

func orAbsent(s string) string {
	if s == "" {
		return "nothing"
	}
	if len(s) > 160 {
		return s[:157] + "..."
	}
	return s
}

// settled reads an element from the candidate and the running
// configuration and returns it, or a *ChangedError when the two differ.
func (d *Deployer) settled(ctx context.Context, xpath string) (string, error) {
	cand, err := d.readExact(ctx, xpath, true)
	if err != nil {
		return "", err
	}
	run, err := d.readExact(ctx, xpath, false)
	if err != nil {
		return "", err
	}
	if cand != run {
		return "", &ChangedError{XPath: xpath, Pending: true, Expected: run, Have: cand}
	}
	return cand, nil
}

// RollbackError is a failure after part of a plan was written, with what
// taking it back out of the candidate configuration did.
type RollbackError struct {
	Err      error
	Undone   int   // elements put back
	Rollback error // nil when every element was put back
}

func (e *RollbackError) Error() string {
	if e.Rollback != nil {
		return fmt.Sprintf("%v; putting back the %d element(s) already written failed too: %v: the candidate configuration holds part of the change, revert it on the device", e.Err, e.Undone, e.Rollback)
	}
	return fmt.Sprintf("%v; the %d element(s) already written were put back: nothing was changed", e.Err, e.Undone)
}

func (e *RollbackError) Unwrap() error { return e.Err }

// ApplyAct carries out an action plan in one commit: it checks the locks,
// checks that every element still holds its Before in both the candidate
// and the running configuration, writes the elements, commits (only the
// API user's changes, where known) and on Panorama pushes PushGroups with
// every firewall's result. If a write or the commit fails, the elements
// already written are put back as they were, so the candidate holds none
// of the change; the error is then a *RollbackError. A failed push
// (*PushError) leaves the commit in place: Panorama has the change, some
// firewalls do not.
func (d *Deployer) ApplyAct(ctx context.Context, p *ActPlan, description string) (Result, error) {
	res := Result{Plan: &Plan{Device: d.dev, PushGroups: p.PushGroups, Commit: true}}
	if d.file != nil {
		return res, errors.New("a saved configuration is only read")
	}
	if len(p.Elements) == 0 {
		return res, errors.New("nothing to change")
	}
	if err := d.checkLocks(ctx); err != nil {
		return res, err
	}
	for _, e := range p.Elements {
		have, err := d.settled(ctx, e.XPath)
		if err != nil {
			return res, err
		}
		if have != e.Before {
			return res, &ChangedError{XPath: e.XPath, Expected: e.Before, Have: have}
		}
	}
	var done []ElementChange
	rollback := func(cause error) error {
		var rerr error
		n := 0
		for i := len(done) - 1; i >= 0; i-- {
			e := done[i]
			if err := d.write(ctx, e.XPath, e.Before); err != nil {
				rerr = errors.Join(rerr, fmt.Errorf("%s: %w", e.XPath, err))
				continue
			}
			n++
		}
		return &RollbackError{Err: cause, Undone: n, Rollback: rerr}
	}
	for _, e := range p.Elements {
		if err := d.write(ctx, e.XPath, e.After); err != nil {
			return res, rollback(fmt.Errorf("%s: %w", e.Summary, err))
		}
		done = append(done, e)
		if e.After == "" {
			res.Deleted++
		} else {
			res.Set++
		}
	}
	d.logger.Info("candidate configuration changed", "kind", p.Kind, "elements", len(done))
	err := d.commit(ctx, res.Plan, description, &res)
	switch {
	case err != nil && !res.Committed && errors.Is(err, ErrCommit):
		return res, rollback(err)
	case err == nil && !res.Committed:
		return res, rollback(fmt.Errorf("%w: the device had nothing to commit after the change was written", ErrCommit))
	}
	return res, err
}

// write makes the candidate hold xml at xpath: an edit, or a delete when
// xml is "" (a delete of what is not there is nothing to do).
func (d *Deployer) write(ctx context.Context, xpath, xml string) error {
	if xml != "" {
		return d.s.Edit(ctx, xpath, xml)
	}
	have, err := d.readExact(ctx, xpath, true)
	if err != nil || have == "" {
		return err
	}
	return d.s.Delete(ctx, xpath)
}

// PlanRestore plans putting back what an applied plan replaced: each
// element's Before, in reverse order. Each element must still hold what
// the plan wrote (its After) and have no uncommitted change, or the
// restore is refused with a *ChangedError naming it (force takes the
// current content as it is and notes it). Deleting an element that other
// configuration refers to (a tag a rule carries, a profile a rule uses, a
// signature a threat exception names) is left out, with a note.
func (d *Deployer) PlanRestore(ctx context.Context, scope PolicyScope, kind string, rules []string, applied []ElementChange, force bool) (*ActPlan, error) {
	p := &ActPlan{Device: d.dev, Kind: kind, Rules: rules}
	for i := len(applied) - 1; i >= 0; i-- {
		e := applied[i]
		have, err := d.settled(ctx, e.XPath)
		if err != nil {
			return nil, err
		}
		if have != e.After {
			if !force {
				return nil, &ChangedError{XPath: e.XPath, Expected: e.After, Have: have}
			}
			p.Notes = append(p.Notes, fmt.Sprintf("%s changed since mine wrote it; --force puts back what was there before anyway", e.XPath))
		}
		if have == e.Before {
			continue
		}
		p.Elements = append(p.Elements, ElementChange{XPath: e.XPath, Before: have, After: e.Before, Summary: "put back " + e.XPath})
	}
	if err := d.keepReferenced(ctx, scope, p); err != nil {
		return nil, err
	}
	if d.dev.Panorama {
		if err := d.setPushGroups(ctx, scope, p); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// keepReferenced drops from a restore the deletions of objects that other
// configuration still refers to once the restore is done.
func (d *Deployer) keepReferenced(ctx context.Context, scope PolicyScope, p *ActPlan) error {
	var deletions []int
	for i, e := range p.Elements {
		if e.After == "" {
			deletions = append(deletions, i)
		}
	}
	if len(deletions) == 0 {
		return nil
	}
	pol, err := d.readPolicy(ctx, scope, true)
	if err != nil {
		return err
	}
	restoring := map[string]string{}
	for _, e := range p.Elements {
		restoring[e.XPath] = e.After
	}
	// A rule's tags and profiles after the restore.
	ruleAfter := func(r ruleRef) *xnode {
		if r.container == "" {
			return r.node
		}
		base := fmt.Sprintf("%s/entry[@name='%s']", r.container, r.node.attr("name"))
		n := r.node.clone()
		for _, child := range []string{"tag", "profile-setting"} {
			if after, ok := restoring[base+"/"+child]; ok {
				n = n.without(child)
				if after != "" {
					if c := mustParseEntryAny(after); c != nil {
						n.children = append(n.children, c)
					}
				}
			}
		}
		return n
	}
	drop := map[int]string{}
	for _, i := range deletions {
		xp := p.Elements[i].XPath
		// The names deleted: the entry's, or every entry of a container
		// mine created whole.
		names := []string{lastName(xp)}
		if !strings.HasSuffix(xp, "']") {
			names = nil
			if n := mustParseEntryAny(p.Elements[i].Before); n != nil {
				for _, e := range n.findAll("entry") {
					names = append(names, e.attr("name"))
				}
			}
		}
		for _, name := range names {
			switch {
			case strings.Contains(xp, "/tag/entry[") || strings.HasSuffix(xp, "/tag"):
				for _, r := range pol.rules {
					if slices.Contains(ruleAfter(r).child("tag").members(), name) {
						drop[i] = fmt.Sprintf("tag %s stays: rule %s carries it", name, r.node.attr("name"))
					}
				}
			case strings.Contains(xp, "/profiles/vulnerability/entry[") || strings.HasSuffix(xp, "/profiles/vulnerability") || strings.HasSuffix(xp, "/profiles"):
				for _, r := range pol.rules {
					if slices0(ruleAfter(r).at("profile-setting", "profiles", "vulnerability").members()) == name {
						drop[i] = fmt.Sprintf("vulnerability profile %s stays: rule %s uses it", name, r.node.attr("name"))
					}
				}
			case strings.Contains(xp, "/threats/vulnerability/entry[") || strings.HasSuffix(xp, "/threats/vulnerability") || strings.HasSuffix(xp, "/threats"):
				for _, s := range pol.allScopes() {
					for _, prof := range s.at("profiles", "vulnerability").entries() {
						if prof.child("threat-exception").entry(name) == nil || restoredWithout(restoring, prof.attr("name"), name) {
							continue
						}
						drop[i] = fmt.Sprintf("signature %s stays: vulnerability profile %s has a threat exception for it", name, prof.attr("name"))
					}
				}
			}
		}
	}
	if len(drop) == 0 {
		return nil
	}
	var kept []ElementChange
	for i, e := range p.Elements {
		if note, ok := drop[i]; ok {
			p.Notes = append(p.Notes, note)
			continue
		}
		kept = append(kept, e)
	}
	p.Elements = kept
	return nil
}

// allScopes returns every scope the policy's rules resolve names in, once.
func (pol *policy) allScopes() []*xnode {
	var out []*xnode
	seen := map[*xnode]bool{}
	for _, r := range pol.rules {
		for _, s := range r.scopes {
			if s != nil && !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	return out
}

// restoredWithout reports whether the restore rewrites the named profile
// into a form without a threat exception for id.
func restoredWithout(restoring map[string]string, profile, id string) bool {
	for xp, after := range restoring {
		if !strings.HasSuffix(xp, "/profiles/vulnerability/entry[@name='"+profile+"']") {
			continue
		}
		if after == "" {
			return true
		}
		n := mustParseEntryAny(after)
		return n != nil && n.child("threat-exception").entry(id) == nil
	}
	return false
}

func slices0(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// lastName returns the name predicate of an xpath's last step:
// .../entry[@name='x'] gives x.
func lastName(xpath string) string {
	i := strings.LastIndex(xpath, "[@name='")
	if i < 0 {
		return ""
	}
	return strings.TrimSuffix(xpath[i+len("[@name='"):], "']")
}

// mustParseEntryAny parses one element, nil when it does not parse.
func mustParseEntryAny(s string) *xnode {
	root, err := parseXMLExact([]byte(s))
	if err != nil || len(root.children) != 1 {
		return nil
	}
	return root.children[0]
}

// liftCreations makes each element the plan creates under a container
// that does not exist yet create the container instead (with the element
// inside), so that undoing it, or rolling it back, deletes the container
// too and leaves the configuration exactly as it was. Creations lifted to
// the same container are merged. Only containers (steps without a name
// predicate) are lifted: a missing entry is an error.
func (d *Deployer) liftCreations(ctx context.Context, p *ActPlan) error {
	var out []ElementChange
	at := map[string]int{}
	for _, e := range p.Elements {
		if e.Before == "" && e.After != "" {
			for {
				parent, name, ok := parentStep(e.XPath)
				if !ok {
					break
				}
				n, err := d.read(ctx, parent, true)
				if err != nil {
					return err
				}
				if n != nil {
					break
				}
				if strings.Contains(name, "[") {
					return fmt.Errorf("%s does not exist in the candidate configuration", parent)
				}
				e.XPath, e.After = parent, "<"+name+">"+e.After+"</"+name+">"
			}
			if i, ok := at[e.XPath]; ok && out[i].Before == "" {
				merged, add := mustParseEntryAny(out[i].After), mustParseEntryAny(e.After)
				if merged != nil && add != nil {
					merged.children = append(merged.children, add.children...)
					out[i].After = merged.String()
					out[i].Summary += "; " + e.Summary
					continue
				}
			}
			at[e.XPath] = len(out)
		}
		out = append(out, e)
	}
	p.Elements = out
	return nil
}

// parentStep splits an xpath into its parent and the parent's own last
// step ("tag", "entry[@name='x']"); ok is false at the top.
func parentStep(xpath string) (parent, name string, ok bool) {
	i := lastSlash(xpath)
	if i <= 0 {
		return "", "", false
	}
	parent = xpath[:i]
	name = parent[lastSlash(parent)+1:]
	return parent, name, parent != "/config"
}

// lastSlash returns the index of the last "/" of xpath outside brackets.
func lastSlash(xpath string) int {
	depth := 0
	for i := len(xpath) - 1; i >= 0; i-- {
		switch xpath[i] {
		case ']':
			depth++
		case '[':
			depth--
		case '/':
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// setPushGroups sets the device groups a Panorama change in scope must be
// pushed to: the scope's device group, when it has firewalls.
func (d *Deployer) setPushGroups(ctx context.Context, scope PolicyScope, p *ActPlan) error {
	if scope.DeviceGroup == "" {
		return fmt.Errorf("%s is a Panorama: name the device group", d.dev.Hostname)
	}
	devs, err := d.names(ctx, Location{DeviceGroup: scope.DeviceGroup}.Base()+"/devices/entry/@name")
	if err != nil {
		return fmt.Errorf("list the firewalls of device group %s: %w", scope.DeviceGroup, err)
	}
	if len(devs) > 0 {
		p.PushGroups = []string{scope.DeviceGroup}
	} else {
		p.Notes = append(p.Notes, fmt.Sprintf("device group %s has no firewalls: nothing to push", scope.DeviceGroup))
	}
	return nil
}

// Username is the administrator the session acts as, "" when only an API
// key was given.
func (d *Deployer) Username() string { return d.s.Username() }

// Clock returns the device's time now ("show clock", read in the time
// zone the device is configured with): when a change was committed, on
// the clock its logs use. It returns an error when the answer does not
// parse.
func (d *Deployer) Clock(ctx context.Context) (time.Time, error) {
	loc := time.UTC
	tz, err := d.read(ctx, devicePrefix+"/deviceconfig/system/timezone", false)
	if err != nil {
		return time.Time{}, fmt.Errorf("read the device's time zone: %w", err)
	}
	if tz != nil && tz.text != "" {
		if l, err := time.LoadLocation(tz.text); err == nil {
			loc = l
		}
	}
	body, err := d.s.Op(ctx, "<show><clock/></show>")
	if err != nil {
		return time.Time{}, fmt.Errorf("read the device's clock: %w", err)
	}
	res, err := parseResponse(body)
	if err != nil {
		return time.Time{}, fmt.Errorf("read the device's clock: %w", err)
	}
	t, err := time.ParseInLocation(time.UnixDate, strings.TrimSpace(res.text), loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("read the device's clock: %q: %w", res.text, err)
	}
	// A zone abbreviation the configured zone does not use would be read
	// as UTC: refuse rather than be hours off.
	if name, _ := t.Zone(); name != "UTC" {
		if want, _ := t.In(loc).Zone(); want != name {
			return time.Time{}, fmt.Errorf("read the device's clock: %q: zone %s is not the configured time zone's (%s)", res.text, name, loc)
		}
	}
	return t.UTC(), nil
}
