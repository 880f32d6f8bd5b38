package signatures

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/panos-mine/mine"
)

// Limits of the block-ip action and of a combination signature's time
// attribute, from the PAN-OS configuration schema (docs/act.md).
const (
	MaxBlockDuration  = 3600
	maxComboInterval  = 3600
	maxComboThreshold = 255
	// BlockFirstID is where mine looks for a free ID for the combination
	// signature: after the 60 status signatures and the other signatures
	// of the public skillet (41060-41070).
	BlockFirstID = 41090
	// NotFoundID is the catalog's HTTP-404 signature, the combination's
	// child.
	NotFoundID = 41026
)

// BlockSignature is the combination signature PlanBlock deploys.
type BlockSignature struct {
	ID        int
	Interval  int // seconds
	Threshold int // HTTP-404 answers within Interval
	Duration  int // seconds the source stays blocked
	// Child is the threat ID counted: the HTTP-404 signature.
	Child int
}

// name is the signature's threat name.
func (b BlockSignature) name() string { return "HTTP-404-scan" }

// EntryXML renders the combination signature: threshold hits of the
// child within interval seconds from one source; block-ip by source for
// the duration as its default action. The element order follows pango's
// custom vulnerability object.
func (b BlockSignature) EntryXML() string {
	return fmt.Sprintf(`<entry name="%d"><threatname>%s</threatname>`+
		`<comment>mine: %d HTTP-404 answers within %d s from one source block it for %d s. %s</comment>`+
		`<affected-host><client>yes</client></affected-host><severity>medium</severity><direction>server2client</direction>`+
		`<default-action><block-ip><track-by>source</track-by><duration>%d</duration></block-ip></default-action>`+
		`<signature><combination><order-free>yes</order-free>`+
		`<time-attribute><threshold>%d</threshold><interval>%d</interval><track-by>source</track-by></time-attribute>`+
		`<and-condition><entry name="And Condition 1"><or-condition><entry name="Or Condition 1"><threat-id>%d</threat-id></entry></or-condition></entry></and-condition>`+
		`</combination></signature></entry>`,
		b.ID, b.name(), b.Threshold, b.Interval, b.Duration, profileMarker, b.Duration, b.Threshold, b.Interval, b.Child)
}

// exceptionXML is the threat exception that gives the signature block-ip
// in a profile, whatever the profile's rules would do with a medium
// threat.
func (b BlockSignature) exceptionXML() string {
	return fmt.Sprintf(`<entry name="%d"><action><block-ip><track-by>source</track-by><duration>%d</duration></block-ip></action><packet-capture>disable</packet-capture></entry>`,
		b.ID, b.Duration)
}

// Validate checks the values against the limits the device accepts.
func (b BlockSignature) Validate() error {
	switch {
	case b.Interval < 1 || b.Interval > maxComboInterval:
		return fmt.Errorf("interval %d s: want 1-%d", b.Interval, maxComboInterval)
	case b.Threshold < 1 || b.Threshold > maxComboThreshold:
		return fmt.Errorf("threshold %d: want 1-%d", b.Threshold, maxComboThreshold)
	case b.Duration < 1 || b.Duration > MaxBlockDuration:
		return fmt.Errorf("block duration %d s: want 1-%d", b.Duration, MaxBlockDuration)
	case b.ID != 0 && !(b.ID >= MinID && b.ID <= MaxID || b.ID >= MinID10 && b.ID <= MaxID10):
		return fmt.Errorf("threat ID %d: want a custom vulnerability ID (%d-%d, or %d-%d on PAN-OS 10.0+)", b.ID, MinID, MaxID, MinID10, MaxID10)
	}
	return nil
}

// PlanBlock plans deploying the scanner-blocking combination signature
// next to the HTTP-404 signature it counts (same location, which must hold
// mine's HTTP-404), and a threat exception with block-ip for it in a clone
// of each rule's vulnerability profile, attached to the rule. With b.ID 0
// the first free ID from BlockFirstID is taken; mine's own combination
// signature is updated in place. It reads the candidate configuration and
// changes nothing; b is returned with its ID set.
func (d *Deployer) PlanBlock(ctx context.Context, scope PolicyScope, rules []string, b BlockSignature) (*ActPlan, BlockSignature, error) {
	if b.Child == 0 {
		b.Child = NotFoundID
	}
	if err := b.Validate(); err != nil {
		return nil, b, err
	}
	inv, err := d.Preflight(ctx)
	if err != nil {
		return nil, b, err
	}
	var child *Entry
	for _, e := range inv.At(b.Child) {
		if e.Ours && e.Location != pushedLocation {
			e := e
			child = &e
		}
	}
	if child == nil {
		return nil, b, fmt.Errorf("mine's HTTP-404 signature %d is not in the candidate configuration: deploy the signatures first (mine signatures deploy)", b.Child)
	}
	loc, err := ParseLocation(child.Location)
	if err != nil {
		return nil, b, err
	}
	if b.ID == 0 {
		for _, e := range inv.Entries {
			if e.Location == child.Location && isOurCombo(e.node, b.Child) {
				b.ID = e.ID
			}
		}
	}
	if b.ID == 0 {
		taken := map[int]bool{}
		for _, e := range inv.Entries {
			taken[e.ID] = true
		}
		for id := BlockFirstID; id <= MaxID; id++ {
			if !taken[id] {
				b.ID = id
				break
			}
		}
		if b.ID == 0 {
			return nil, b, fmt.Errorf("no free custom vulnerability ID from %d to %d for the combination signature: name one", BlockFirstID, MaxID)
		}
	}
	for _, e := range inv.At(b.ID) {
		if e.Location != child.Location || !isOurCombo(e.node, b.Child) {
			return nil, b, fmt.Errorf("threat ID %d is taken by %q in %s: choose another ID", b.ID, e.Name, e.Location)
		}
	}
	p, err := d.planExceptions(ctx, scope, rules, mine.ChangeBlock, map[int]string{b.ID: b.exceptionXML()},
		fmt.Sprintf("%s blocks the source for %d s", b.name(), b.Duration))
	if err != nil {
		return nil, b, err
	}
	sig := ElementChange{XPath: loc.EntryXpath(b.ID), After: b.EntryXML(),
		Summary: fmt.Sprintf("write combination signature %d %s at %s: %d HTTP-404 within %d s from one source", b.ID, b.name(), loc, b.Threshold, b.Interval)}
	if sig.Before, err = d.settled(ctx, sig.XPath); err != nil {
		return nil, b, err
	}
	if sig.Before != sig.After {
		p.Elements = append([]ElementChange{sig}, p.Elements...)
		if err := d.liftCreations(ctx, p); err != nil {
			return nil, b, err
		}
	}
	if d.dev.Panorama && loc.DeviceGroup == "" && loc.Shared() {
		p.Notes = append(p.Notes, "the signature goes to shared, with the HTTP-404 signature: other device groups see it at their next push")
	}
	return p, b, nil
}

// isOurCombo reports whether a signature entry is mine's combination
// signature on the child ID.
func isOurCombo(e *xnode, child int) bool {
	if e == nil || !strings.Contains(e.textOf("comment"), profileMarker) {
		return false
	}
	cb := e.at("signature", "combination")
	if cb == nil {
		return false
	}
	var ids []string
	for _, ac := range cb.child("and-condition").entries() {
		for _, oc := range ac.child("or-condition").entries() {
			ids = append(ids, oc.textOf("threat-id"))
		}
	}
	return slices.Equal(ids, []string{strconv.Itoa(child)})
}
