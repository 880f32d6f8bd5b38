package signatures

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/panos-mine/mine/internal/xapi"
)

// Entry is a custom vulnerability signature found on the device.
type Entry struct {
	ID       int
	Name     string // threat name
	Location string // shared, vsys:NAME, device-group:NAME, or "pushed by Panorama"
	Ours     bool   // the comment carries mine's marker
	Marker   Marker
	node     *xnode
}

// Inventory is what Preflight reads: the device's scopes and every custom
// vulnerability signature of its candidate configuration, plus on a
// firewall the ones Panorama pushed to it.
type Inventory struct {
	Vsys         []string            // firewall virtual systems
	DeviceGroups []string            // Panorama device groups
	Devices      map[string][]string // Panorama: serials per device group
	Entries      []Entry
}

// At returns the entries with the ID.
func (inv *Inventory) At(id int) []Entry {
	var out []Entry
	for _, e := range inv.Entries {
		if e.ID == id {
			out = append(out, e)
		}
	}
	return out
}

// Preflight reads every custom vulnerability signature in shared and in
// every vsys (firewall) or device group (Panorama) of the candidate
// configuration, and on a firewall the configuration Panorama pushed. It
// changes nothing.
func (d *Deployer) Preflight(ctx context.Context) (*Inventory, error) {
	inv := &Inventory{Devices: map[string][]string{}}
	if err := d.readEntries(ctx, inv, "/config/shared/threats/vulnerability", "shared"); err != nil {
		return nil, err
	}
	if d.dev.Panorama {
		names, err := d.names(ctx, devicePrefix+"/device-group/entry/@name")
		if err != nil {
			return nil, fmt.Errorf("list device groups: %w", err)
		}
		inv.DeviceGroups = names
		for _, dg := range names {
			loc := Location{DeviceGroup: dg}
			if err := d.readEntries(ctx, inv, loc.Xpath(), loc.String()); err != nil {
				return nil, err
			}
			devs, err := d.names(ctx, loc.Base()+"/devices/entry/@name")
			if err != nil {
				return nil, fmt.Errorf("list the firewalls of device group %s: %w", dg, err)
			}
			inv.Devices[dg] = devs
		}
		return inv, nil
	}
	names, err := d.names(ctx, devicePrefix+"/vsys/entry/@name")
	if err != nil {
		return nil, fmt.Errorf("list virtual systems: %w", err)
	}
	inv.Vsys = names
	for _, v := range names {
		loc := Location{Vsys: v}
		if err := d.readEntries(ctx, inv, loc.Xpath(), loc.String()); err != nil {
			return nil, err
		}
	}
	for _, v := range names {
		if err := d.readPushed(ctx, inv, v); err != nil {
			return nil, err
		}
	}
	return inv, nil
}

// names reads the name attributes an xpath ending in /entry/@name selects.
func (d *Deployer) names(ctx context.Context, xpath string) ([]string, error) {
	body, err := d.s.Get(ctx, xpath)
	if err != nil || body == nil {
		return nil, err
	}
	res, err := parseResponse(body)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range res.findAll("entry") {
		if n := e.attr("name"); n != "" && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out, nil
}

// readEntries reads a threats/vulnerability container of the candidate
// configuration.
func (d *Deployer) readEntries(ctx context.Context, inv *Inventory, xpath, where string) error {
	body, err := d.s.Get(ctx, xpath)
	if err != nil {
		return fmt.Errorf("read signatures in %s: %w", where, err)
	}
	if body == nil {
		return nil
	}
	res, err := parseResponse(body)
	if err != nil {
		return fmt.Errorf("read signatures in %s: %w", where, err)
	}
	for _, v := range res.findAll("vulnerability") {
		addEntries(inv, v.entries(), where)
	}
	return nil
}

// readPushed reads the shared policy Panorama pushed to a firewall vsys.
// A firewall no Panorama manages answers with an empty policy; one that
// does not know the command is taken to have none.
func (d *Deployer) readPushed(ctx context.Context, inv *Inventory, vsys string) error {
	if d.file != nil {
		return nil // a saved configuration holds no pushed policy
	}
	body, err := d.s.Op(ctx, "<show><config><pushed-shared-policy><vsys>"+xapi.EscapeText(vsys)+"</vsys></pushed-shared-policy></config></show>")
	if err != nil {
		var ae *xapi.APIError
		if errors.As(err, &ae) {
			d.logger.Debug("no pushed shared policy", "vsys", vsys, "reason", err)
			return nil
		}
		return fmt.Errorf("read the policy Panorama pushed to %s: %w", vsys, err)
	}
	res, err := parseResponse(body)
	if err != nil {
		return fmt.Errorf("read the policy Panorama pushed to %s: %w", vsys, err)
	}
	for _, v := range res.findAll("threats", "vulnerability") {
		for _, e := range v.entries() {
			id := atoi(e.attr("name"))
			if !slices.ContainsFunc(inv.Entries, func(x Entry) bool { return x.Location == pushedLocation && x.ID == id }) {
				addEntries(inv, []*xnode{e}, pushedLocation)
			}
		}
	}
	return nil
}

func atoi(s string) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return -1
	}
	return n
}

func addEntries(inv *Inventory, es []*xnode, where string) {
	for _, e := range es {
		m, ours := ParseMarker(e.textOf("comment"))
		inv.Entries = append(inv.Entries, Entry{
			ID: atoi(e.attr("name")), Name: e.textOf("threatname"), Location: where,
			Ours: ours, Marker: m, node: e,
		})
	}
}

// Action is what a plan does with one threat ID.
type Action string

// Plan actions.
const (
	ActionAdd      Action = "add"      // free: written
	ActionSkip     Action = "skip"     // ours and identical
	ActionUpdate   Action = "update"   // ours (or adopted) and different: rewritten
	ActionConflict Action = "conflict" // taken by an entry mine did not write, or elsewhere
	ActionKeep     Action = "keep"     // ours, not in this selection: left alone
	ActionDelete   Action = "delete"   // ours: removed
)

// Item is one line of a plan.
type Item struct {
	ID     int
	Name   string
	Action Action
	Detail string
}

// Change is one configuration request of a plan.
type Change struct {
	Op      string // set, edit or delete
	Xpath   string
	Element string // set and edit
	Summary string
	// Parts are the top-level elements Element concatenates, for display.
	Parts []string

	sets, deletes int
}

// Plan is what a deployment, removal or attachment would do, computed
// without changing anything.
type Plan struct {
	Device   Device
	Location Location
	Items    []Item
	Changes  []Change
	// Commit says whether a commit is needed: something changes, or the
	// candidate holds the wanted state but the running configuration does
	// not yet.
	Commit bool
	// PushGroups are the device groups to push on Panorama.
	PushGroups []string
	// SuggestedBase is a base ID whose block is free, when IDs conflict.
	SuggestedBase int
	// Notes are remarks for the user (kept entries, adopted ones).
	Notes []string
}

// Count returns how many items have the action.
func (p *Plan) Count(a Action) int {
	n := 0
	for _, it := range p.Items {
		if it.Action == a {
			n++
		}
	}
	return n
}

// Err returns a *ConflictError when the plan has conflicts.
func (p *Plan) Err() error {
	var cs []Item
	for _, it := range p.Items {
		if it.Action == ActionConflict {
			cs = append(cs, it)
		}
	}
	if len(cs) == 0 {
		return nil
	}
	return &ConflictError{Items: cs, SuggestedBase: p.SuggestedBase}
}

// ConflictError lists the wanted threat IDs taken by other entries.
type ConflictError struct {
	Items         []Item
	SuggestedBase int // 0 when no free block was found
}

func (e *ConflictError) Error() string {
	var parts []string
	for i, it := range e.Items {
		if i == 5 {
			parts = append(parts, fmt.Sprintf("and %d more", len(e.Items)-5))
			break
		}
		parts = append(parts, fmt.Sprintf("%d (%s)", it.ID, it.Detail))
	}
	s := fmt.Sprintf("%v: %d wanted ID(s): %s; nothing was written", ErrConflict, len(e.Items), strings.Join(parts, ", "))
	if e.SuggestedBase != 0 {
		s += fmt.Sprintf("; a free block starts at %d (--base-id %d)", e.SuggestedBase, e.SuggestedBase)
	}
	return s
}

func (e *ConflictError) Unwrap() error { return ErrConflict }

// checkLocation fails when the location does not fit the device.
func (d *Deployer) checkLocation(loc Location, inv *Inventory) error {
	switch {
	case d.dev.Panorama && loc.Vsys != "":
		return fmt.Errorf("location %s: %s is a Panorama: use shared or device-group:NAME", loc, d.dev.Hostname)
	case !d.dev.Panorama && loc.DeviceGroup != "":
		return fmt.Errorf("location %s: %s is a firewall: use shared or vsys:NAME", loc, d.dev.Hostname)
	case loc.Vsys != "" && !slices.Contains(inv.Vsys, loc.Vsys):
		return fmt.Errorf("location %s: no such vsys on %s (it has %s)", loc, d.dev.Hostname, strings.Join(inv.Vsys, ", "))
	case loc.DeviceGroup != "" && !slices.Contains(inv.DeviceGroups, loc.DeviceGroup):
		return fmt.Errorf("location %s: no such device group on %s (it has %s)", loc, d.dev.Hostname, strings.Join(inv.DeviceGroups, ", "))
	}
	return nil
}

// Plan computes what Deploy would do, after a Preflight: for every wanted
// ID, free (add), ours and identical (skip), ours and different (update),
// or taken (conflict: by an entry without mine's marker, or by any entry
// at another location or pushed by Panorama, since a threat ID must be
// unique on a firewall). It changes nothing on the device.
func (d *Deployer) Plan(ctx context.Context, c Catalog, loc Location) (*Plan, error) {
	if major, _, _ := d.s.Version(); c.NeedsPANOS10() && major < 10 {
		return nil, fmt.Errorf("threat IDs from %d need PAN-OS 10.0 or later; %s runs %s", MinID10, d.dev.Hostname, d.dev.Version)
	}
	inv, err := d.Preflight(ctx)
	if err != nil {
		return nil, err
	}
	if err := d.checkLocation(loc, inv); err != nil {
		return nil, err
	}
	running, err := d.readRunning(ctx, loc)
	if err != nil {
		return nil, err
	}
	p := planDeploy(d.dev, c, loc, inv, running, d.Adopt)
	if err := d.noteLocks(ctx, p); err != nil {
		return nil, err
	}
	return p, nil
}

// readRunning reads the running configuration's signatures at loc, by ID.
func (d *Deployer) readRunning(ctx context.Context, loc Location) (map[int]*xnode, error) {
	out := map[int]*xnode{}
	body, err := d.s.Show(ctx, loc.Xpath())
	if err != nil {
		if xapi.IsNotFound(err) {
			return out, nil // nothing committed there yet
		}
		return nil, fmt.Errorf("read running signatures at %s: %w", loc, err)
	}
	res, err := parseResponse(body)
	if err != nil {
		return nil, fmt.Errorf("read running signatures at %s: %w", loc, err)
	}
	for _, v := range res.findAll("vulnerability") {
		for _, e := range v.entries() {
			out[atoi(e.attr("name"))] = e
		}
	}
	return out, nil
}

// planDeploy classifies every wanted signature against the inventory.
func planDeploy(dev Device, c Catalog, loc Location, inv *Inventory, running map[int]*xnode, adopt bool) *Plan {
	p := &Plan{Device: dev, Location: loc}
	here := loc.String()
	var adds []string
	wanted := map[int]bool{}
	for _, sig := range c.Signatures {
		wanted[sig.ID] = true
		want := mustParseEntry(sig.EntryXML())
		content := mustParseEntry(sig.ContentXML())
		it := Item{ID: sig.ID, Name: sig.Name}
		var atLoc *Entry
		var elsewhere []string
		for _, e := range inv.At(sig.ID) {
			if e.Location == here {
				atLoc = &e
				continue
			}
			who := fmt.Sprintf("%q", e.Name)
			if e.Ours {
				who = "mine's " + who
			}
			elsewhere = append(elsewhere, who+" in "+e.Location)
		}
		switch {
		case len(elsewhere) > 0:
			it.Action = ActionConflict
			it.Detail = "taken by " + strings.Join(elsewhere, " and ")
		case atLoc == nil:
			it.Action = ActionAdd
			adds = append(adds, sig.EntryXML())
		case atLoc.Ours && sameConfig(atLoc.node, want):
			it.Action = ActionSkip
			it.Detail = "identical"
		case atLoc.Ours:
			it.Action = ActionUpdate
			it.Detail = fmt.Sprintf("mine's, catalog %s (sha256 %s) -> %s (sha256 %s)", atLoc.Marker.Version, atLoc.Marker.Hash, sig.Version, sig.Hash())
			p.Changes = append(p.Changes, Change{Op: "edit", Xpath: loc.EntryXpath(sig.ID), Element: sig.EntryXML(),
				Summary: fmt.Sprintf("update %d %s", sig.ID, sig.Name), sets: 1})
		case adopt && sameConfig(atLoc.node.without("comment"), content):
			it.Action = ActionUpdate
			it.Detail = fmt.Sprintf("adopted: %q has mine's content without the marker", atLoc.Name)
			p.Changes = append(p.Changes, Change{Op: "edit", Xpath: loc.EntryXpath(sig.ID), Element: sig.EntryXML(),
				Summary: fmt.Sprintf("adopt %d %s", sig.ID, sig.Name), sets: 1})
		default:
			it.Action = ActionConflict
			it.Detail = fmt.Sprintf("taken by %q in %s", atLoc.Name, here)
			if sameConfig(atLoc.node.without("comment"), content) {
				it.Detail += ", same content without mine's marker (--adopt takes it over)"
			}
		}
		if it.Action == ActionSkip {
			if r := running[sig.ID]; r == nil || !sameConfig(r, want) {
				p.Commit = true
				it.Detail = "identical, not committed yet"
			}
		}
		p.Items = append(p.Items, it)
	}
	for _, e := range inv.Entries {
		if e.Location == here && e.Ours && !wanted[e.ID] {
			p.Items = append(p.Items, Item{ID: e.ID, Name: e.Name, Action: ActionKeep,
				Detail: "mine's, not in this selection (mine signatures remove deletes it)"})
		}
	}
	slices.SortStableFunc(p.Items, func(a, b Item) int { return a.ID - b.ID })
	if len(adds) > 0 {
		p.Changes = append([]Change{{Op: "set", Xpath: loc.Xpath(), Element: strings.Join(adds, ""), Parts: adds,
			Summary: fmt.Sprintf("add %d signatures at %s", len(adds), loc), sets: len(adds)}}, p.Changes...)
	}
	if len(p.Changes) > 0 {
		p.Commit = true
	}
	if p.Count(ActionConflict) > 0 {
		p.SuggestedBase = suggestBase(c, inv)
	}
	p.PushGroups = pushGroups(dev, loc, inv)
	return p
}

// pushGroups are the device groups a Panorama change at loc must be pushed
// to: the group itself, or for shared every group; groups without
// firewalls are left out (there is nothing to push to).
func pushGroups(dev Device, loc Location, inv *Inventory) []string {
	if !dev.Panorama {
		return nil
	}
	var out []string
	for _, dg := range inv.DeviceGroups {
		if (loc.DeviceGroup == "" || loc.DeviceGroup == dg) && len(inv.Devices[dg]) > 0 {
			out = append(out, dg)
		}
	}
	return out
}

// suggestBase finds the lowest base ID (on a multiple of 100 if possible)
// whose block of the catalog's offsets is free everywhere.
func suggestBase(c Catalog, inv *Inventory) int {
	lo, hi := c.IDRange()
	base0 := c.baseOf()
	taken := map[int]bool{}
	for _, e := range inv.Entries {
		taken[e.ID] = true
	}
	first, last := MinID, MaxID
	if c.NeedsPANOS10() {
		first, last = MinID10, MaxID10
	}
	free := func(base int) bool {
		for _, s := range c.Signatures {
			if taken[base+s.ID-base0] {
				return false
			}
		}
		return true
	}
	for _, step := range []int{100, 1} {
		for base := first; base+hi-base0 <= last; base += step {
			if base != base0 && base+lo-base0 >= first && free(base) {
				return base
			}
		}
	}
	return 0
}

// baseOf returns the base ID the catalog was built with: the ID its first
// code would have (a code keeps its catalog offset).
func (c Catalog) baseOf() int {
	doc, err := parseCatalogDoc(catalogJSON)
	if err != nil || len(c.Signatures) == 0 {
		return 0
	}
	s := c.Signatures[0]
	if s.Code == 0 {
		return s.ID - len(doc.Codes)
	}
	return s.ID - slices.Index(doc.Codes, s.Code)
}

func mustParseEntry(x string) *xnode {
	root, err := parseXML([]byte(x))
	if err != nil || len(root.children) != 1 {
		panic("signatures: rendering a signature gave bad XML: " + x)
	}
	return root.children[0]
}
