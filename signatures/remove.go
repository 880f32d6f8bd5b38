package signatures

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/panos-mine/mine/internal/xapi"
)

// read returns the element an xpath selects in the candidate (get) or
// running (show) configuration, or nil when it does not exist.
func (d *Deployer) read(ctx context.Context, xpath string, candidate bool) (*xnode, error) {
	if d.file != nil {
		return d.file.walk(xpath), nil
	}
	var body []byte
	var err error
	if candidate {
		body, err = d.s.Get(ctx, xpath)
	} else {
		body, err = d.s.Show(ctx, xpath)
		if xapi.IsNotFound(err) {
			return nil, nil // no such node
		}
	}
	if err != nil || body == nil {
		return nil, err
	}
	res, err := parseResponse(body)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", xpath, err)
	}
	last := xpath[strings.LastIndex(xpath, "/")+1:]
	if i := strings.IndexByte(last, '['); i >= 0 {
		last = last[:i]
	}
	for _, c := range res.children {
		if c.name == last {
			return c, nil
		}
	}
	return nil, nil
}

// profileScopes returns the bases of every scope that can hold
// vulnerability profiles on the device: shared and each vsys or device
// group.
func profileScopes(inv *Inventory) []string {
	out := []string{"/config/shared"}
	for _, v := range inv.Vsys {
		out = append(out, Location{Vsys: v}.Base())
	}
	for _, dg := range inv.DeviceGroups {
		out = append(out, Location{DeviceGroup: dg}.Base())
	}
	return out
}

// PlanRemove computes what Remove would do: delete every entry at loc that
// carries mine's marker, the alert rule mine added to vulnerability
// profiles, and the threat exceptions for the deleted IDs (a device refuses
// to commit an exception for a threat that does not exist). Entries
// without the marker are never touched. It changes nothing.
func (d *Deployer) PlanRemove(ctx context.Context, loc Location) (*Plan, error) {
	inv, err := d.Preflight(ctx)
	if err != nil {
		return nil, err
	}
	if err := d.checkLocation(loc, inv); err != nil {
		return nil, err
	}
	p := &Plan{Device: d.dev, Location: loc, PushGroups: pushGroups(d.dev, loc, inv)}
	deleted := map[int]bool{}
	var ids []string
	for _, e := range inv.Entries {
		if e.Location != loc.String() {
			continue
		}
		if !e.Ours {
			p.Notes = append(p.Notes, fmt.Sprintf("%d %q has no mine marker: left alone", e.ID, e.Name))
			continue
		}
		deleted[e.ID] = true
		ids = append(ids, fmt.Sprint(e.ID))
		p.Items = append(p.Items, Item{ID: e.ID, Name: e.Name, Action: ActionDelete, Detail: "catalog " + e.Marker.Version})
	}
	// mine's combination signatures count a deleted signature: a device
	// refuses a combination whose child is gone, so they go too.
	for _, e := range inv.Entries {
		if e.Location != loc.String() || e.Ours || deleted[e.ID] {
			continue
		}
		for child := range deleted {
			if isOurCombo(e.node, child) {
				deleted[e.ID] = true
				ids = append(ids, fmt.Sprint(e.ID))
				p.Items = append(p.Items, Item{ID: e.ID, Name: e.Name, Action: ActionDelete, Detail: fmt.Sprintf("mine's combination signature on %d", child)})
				break
			}
		}
	}
	for chunk := range slices.Chunk(ids, 50) {
		p.Changes = append(p.Changes, Change{Op: "delete", Xpath: loc.Xpath() + "/" + entryPredicate(chunk),
			Summary: fmt.Sprintf("delete %d signatures at %s", len(chunk), loc), deletes: len(chunk)})
	}
	for _, base := range profileScopes(inv) {
		profiles, err := d.read(ctx, base+"/profiles/vulnerability", true)
		if err != nil {
			return nil, err
		}
		for _, prof := range profiles.entries() {
			pxp := fmt.Sprintf("%s/profiles/vulnerability/entry[@name='%s']", base, prof.attr("name"))
			if prof.child("rules").entry(attachRuleName) != nil {
				p.Changes = append(p.Changes, Change{Op: "delete", Xpath: pxp + "/rules/entry[@name='" + attachRuleName + "']",
					Summary: fmt.Sprintf("delete rule %s of vulnerability profile %s", attachRuleName, prof.attr("name")), deletes: 1})
				p.Notes = append(p.Notes, fmt.Sprintf("vulnerability profile %s (%s): the %s rule mine added goes", prof.attr("name"), scopeName(base), attachRuleName))
			}
			var xs []string
			for _, x := range prof.child("threat-exception").entries() {
				if deleted[atoi(x.attr("name"))] {
					xs = append(xs, x.attr("name"))
				}
			}
			if len(xs) > 0 {
				p.Changes = append(p.Changes, Change{Op: "delete", Xpath: pxp + "/threat-exception/" + entryPredicate(xs),
					Summary: fmt.Sprintf("delete %d threat exceptions of vulnerability profile %s", len(xs), prof.attr("name")), deletes: len(xs)})
				p.Notes = append(p.Notes, fmt.Sprintf("vulnerability profile %s (%s): threat exceptions for %s go with the signatures", prof.attr("name"), scopeName(base), strings.Join(xs, ", ")))
			}
		}
	}
	if len(p.Changes) > 0 {
		p.Commit = true
	} else {
		running, err := d.readRunning(ctx, loc)
		if err != nil {
			return nil, err
		}
		for _, e := range running {
			if _, ours := ParseMarker(e.textOf("comment")); ours {
				p.Commit = true // deleted in the candidate, not committed yet
				break
			}
		}
	}
	if err := d.noteLocks(ctx, p); err != nil {
		return nil, err
	}
	return p, nil
}

// Remove deletes mine's entries at loc (see PlanRemove), commits and, on
// Panorama, pushes, with Apply's lock check and commit behaviour.
func (d *Deployer) Remove(ctx context.Context, loc Location) (Result, error) {
	p, err := d.PlanRemove(ctx, loc)
	if err != nil {
		return Result{Location: loc.String()}, err
	}
	return d.Apply(ctx, p, "mine: remove HTTP status signatures")
}

// entryPredicate selects entries by name: entry[@name='a' or @name='b'].
func entryPredicate(names []string) string {
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = "@name='" + n + "'"
	}
	return "entry[" + strings.Join(parts, " or ") + "]"
}

// scopeName names a scope base for messages.
func scopeName(base string) string {
	if base == "/config/shared" {
		return "shared"
	}
	i := strings.LastIndex(base, "[@name='")
	return strings.TrimSuffix(base[i+len("[@name='"):], "']")
}
