package signatures

import (
	"context"
	"errors"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/panos-mine/mine"
	"github.com/panos-mine/mine/panosim"
)

// configs returns the whole running and candidate configurations as the
// simulator renders them: what "changed nothing" and "put back exactly"
// are checked on, byte for byte.
func (d *device) configs() (running, candidate string) {
	d.t.Helper()
	return string(d.call("type", "config", "action", "show", "xpath", "/config")),
		string(d.call("type", "config", "action", "get", "xpath", "/config"))
}

// show returns the running configuration at xpath as the simulator
// renders it ("" when there is none).
func (d *device) show(xpath string) string {
	d.t.Helper()
	ok, b := d.try(d.sim.APIKey(), "type", "config", "action", "show", "xpath", xpath)
	if !ok {
		return ""
	}
	return string(b)
}

var retireDate = time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)

// A retirement disables the rule, tags it, notes the date and the
// evidence after its old description, creates the tag, and commits; the
// dry run before it changes nothing. Its undo puts back every byte of the
// running configuration.
func TestRetireAndRestore(t *testing.T) {
	d := newFirewall(t, panosim.Options{Seed: 31})
	dep := d.connect()
	ctx := context.Background()
	if _, err := dep.Deploy(ctx, Default(), Location{}); err != nil {
		t.Fatal(err)
	}
	run0, cand0 := d.configs()
	rule0 := d.show(catchAllXP)
	p, err := dep.PlanRetire(ctx, PolicyScope{}, catchAll, RetireOptions{Date: retireDate, Evidence: "ready: 0 sessions a week\nno 2xx since 2026-11-23"})
	if err != nil {
		t.Fatal(err)
	}
	if run, cand := d.configs(); run != run0 || cand != cand0 {
		t.Fatal("PlanRetire changed the configuration")
	}
	if !strings.Contains(p.RuleBefore, `<entry name="Allow-Web-Ports">`) || !strings.Contains(p.RuleBefore, "Temporary: open web ports") {
		t.Errorf("RuleBefore = %s; want the rule's entry", p.RuleBefore)
	}
	var xpaths []string
	for _, e := range p.Elements {
		xpaths = append(xpaths, e.XPath[strings.LastIndex(e.XPath, "/")+1:])
	}
	// The vsys has no tag container yet: the plan creates it with the
	// tag inside, so the undo removes it whole.
	if want := []string{"tag", "tag", "description", "disabled"}; !slices.Equal(xpaths, want) || p.Elements[0].XPath != vsys1+"/tag" ||
		!strings.Contains(p.Elements[0].After, `<entry name="mine-retired">`) || p.Elements[0].Before != "" {
		t.Fatalf("plan elements %v (first %+v); want %v, the first creating the tag container", xpaths, p.Elements[0], want)
	}
	res, err := dep.ApplyAct(ctx, p, "mine: retire "+catchAll)
	if err != nil || !res.Committed || res.JobID == 0 {
		t.Fatalf("ApplyAct = %+v, %v; want a commit", res, err)
	}
	// The simulator's running configuration, not mine's word.
	rule := d.show(catchAllXP)
	for _, want := range []string{"<disabled>yes</disabled>", "<member>legacy</member><member>mine-retired</member>",
		"Temporary: open web ports until the app teams are done\nmine-retired 2026-11-30: ready: 0 sessions a week; no 2xx since 2026-11-23</description>"} {
		if !strings.Contains(rule, want) {
			t.Errorf("running rule lacks %q:\n%s", want, rule)
		}
	}
	if !strings.Contains(d.show(vsys1+"/tag/entry[@name='mine-retired']"), "<comments>") {
		t.Error("the tag mine-retired is not in the running configuration")
	}
	// The disabled rule carries nothing any more.
	d.sim.Advance(time.Second)
	before, _ := d.sim.LogCounts()
	d.sim.Advance(6 * time.Hour)
	if n := d.threatCount("(rule eq '" + catchAll + "')"); n != 0 {
		t.Errorf("%d threat logs on the retired rule", n)
	}
	if after, _ := d.sim.LogCounts(); after <= before {
		t.Errorf("no threat logs at all after the retirement (%d -> %d): the traffic stopped", before, after)
	}
	if _, err := dep.PlanRetire(ctx, PolicyScope{}, catchAll, RetireOptions{Date: retireDate}); !errors.Is(err, ErrRetired) {
		t.Errorf("second PlanRetire = %v; want ErrRetired", err)
	}

	undo, err := dep.PlanRestore(ctx, PolicyScope{}, mine.ChangeUndo, []string{catchAll}, p.Elements, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dep.ApplyAct(ctx, undo, "mine: undo"); err != nil {
		t.Fatalf("undo: %v", err)
	}
	if got := d.show(catchAllXP); got != rule0 {
		t.Errorf("rule after undo:\n%s\nwant\n%s", got, rule0)
	}
	if run, cand := d.configs(); run != run0 || cand != cand0 {
		t.Errorf("the configuration after undo differs from before the retirement")
	}
}

// An undo refuses when the rule changed since mine retired it (force
// overrides); a retirement refuses a rule with an uncommitted change.
func TestRestoreRefusesChanges(t *testing.T) {
	d := newFirewall(t, panosim.Options{Seed: 32})
	dep := d.connect()
	ctx := context.Background()
	p, err := dep.PlanRetire(ctx, PolicyScope{}, catchAll, RetireOptions{Date: retireDate, Evidence: "forced"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dep.ApplyAct(ctx, p, "retire"); err != nil {
		t.Fatal(err)
	}
	d.call("type", "config", "action", "edit", "xpath", catchAllXP+"/description", "element", "<description>edited by bob</description>")
	d.call("type", "commit", "cmd", "<commit/>")
	d.sim.Advance(time.Second)
	var ce *ChangedError
	if _, err := dep.PlanRestore(ctx, PolicyScope{}, mine.ChangeUndo, nil, p.Elements, false); !errors.As(err, &ce) || ce.Pending || !strings.Contains(ce.XPath, "description") {
		t.Fatalf("PlanRestore after bob's edit = %v; want a *ChangedError on the description", err)
	}
	undo, err := dep.PlanRestore(ctx, PolicyScope{}, mine.ChangeUndo, nil, p.Elements, true)
	if err != nil || len(undo.Notes) == 0 {
		t.Fatalf("forced PlanRestore = %+v, %v; want a plan with a note", undo, err)
	}
	if _, err := dep.ApplyAct(ctx, undo, "undo"); err != nil {
		t.Fatal(err)
	}
	if got := d.show(catchAllXP); strings.Contains(got, "<disabled>yes") || !strings.Contains(got, "Temporary: open web ports") {
		t.Errorf("rule after the forced undo:\n%s", got)
	}

	carol := d.sim.AddAdmin("carol", "pw")
	if ok, b := d.try(carol, "type", "config", "action", "edit", "xpath", catchAllXP+"/description", "element", "<description>carol</description>"); !ok {
		t.Fatal(string(b))
	}
	if _, err := dep.PlanRetire(ctx, PolicyScope{}, catchAll, RetireOptions{Date: retireDate}); !errors.As(err, &ce) || !ce.Pending {
		t.Errorf("PlanRetire with carol's pending edit = %v; want a pending *ChangedError", err)
	}
}

// Nothing half-written: a commit that fails, or a write refused half way,
// leaves the candidate as it was (the written elements are put back) and
// the running configuration untouched.
func TestApplyActRollsBack(t *testing.T) {
	for _, tc := range []string{"commit fails", "third write refused"} {
		t.Run(tc, func(t *testing.T) {
			d := newFirewall(t, panosim.Options{Seed: 33})
			dep := d.connect()
			ctx := context.Background()
			run0, cand0 := d.configs()
			p, err := dep.PlanRetire(ctx, PolicyScope{}, catchAll, RetireOptions{Date: retireDate, Evidence: "x"})
			if err != nil {
				t.Fatal(err)
			}
			if tc == "commit fails" {
				d.sim.FailNextCommit("injected: validation error")
			} else {
				edits := 0
				d.fail = func(v url.Values) bool {
					if v.Get("type") == "config" && v.Get("action") == "edit" {
						edits++
						return edits == 3
					}
					return false
				}
			}
			_, err = dep.ApplyAct(ctx, p, "retire")
			var re *RollbackError
			if !errors.As(err, &re) || re.Rollback != nil {
				t.Fatalf("ApplyAct = %v; want a *RollbackError that put everything back", err)
			}
			d.fail = nil
			d.sim.Advance(time.Second)
			if run, cand := d.configs(); run != run0 || cand != cand0 {
				t.Errorf("after the failure the configuration differs from before")
			}
		})
	}
}

// Protect clones the rule's profile (through its profile group) with a
// reset-both exception per 5xx ID and attaches the clone: the original
// profile stays byte-identical, the simulator resets the 5xx responses
// from then on, and the undo gives back the running configuration byte
// for byte.
func TestProtectAndRestore(t *testing.T) {
	d := newFirewall(t, panosim.Options{Seed: 34, SessionsPerDay: 3000})
	dep := d.connect()
	ctx := context.Background()
	if _, err := dep.Deploy(ctx, Default(), Location{}); err != nil {
		t.Fatal(err)
	}
	corp := d.show(vsys1 + "/profiles/vulnerability/entry[@name='corp-vuln']")
	run0, cand0 := d.configs()
	c5, err := Build(Options{Codes: "5xx"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dep.PlanProtect(ctx, c5, PolicyScope{}, []string{catchAll}, "drop-it"); err == nil {
		t.Error("PlanProtect with a bad action = nil error")
	}
	p, err := dep.PlanProtect(ctx, c5, PolicyScope{}, []string{catchAll}, "reset-both")
	if err != nil {
		t.Fatal(err)
	}
	if run, cand := d.configs(); run != run0 || cand != cand0 {
		t.Fatal("PlanProtect changed the configuration")
	}
	if len(p.Elements) != 2 {
		t.Fatalf("plan = %+v; want the clone and the rule's profile-setting", p.Elements)
	}
	if _, err := dep.ApplyAct(ctx, p, "protect"); err != nil {
		t.Fatal(err)
	}
	if got := d.show(vsys1 + "/profiles/vulnerability/entry[@name='corp-vuln']"); got != corp {
		t.Errorf("corp-vuln changed:\n%s\nwant\n%s", got, corp)
	}
	clone := d.show(vsys1 + "/profiles/vulnerability/entry[@name='mine-corp-vuln']")
	for _, s := range c5.Signatures {
		if !strings.Contains(clone, `<entry name="`+itoa(s.ID)+`"><action><reset-both/></action>`) {
			t.Errorf("clone lacks the reset-both exception for %d:\n%s", s.ID, clone)
		}
	}
	if !strings.Contains(clone, `<entry name="block-critical-high">`) || !strings.Contains(clone, profileMarker) {
		t.Errorf("the clone does not keep corp-vuln's rules, or lacks mine's marker:\n%s", clone)
	}
	rule := d.show(catchAllXP)
	if !strings.Contains(rule, "<vulnerability><member>mine-corp-vuln</member></vulnerability>") || !strings.Contains(rule, "<spyware><member>strict</member></spyware>") {
		t.Errorf("the catch-all's profiles:\n%s", rule)
	}
	d.sim.Advance(time.Second)
	since := d.sim.Now()
	d.sim.Advance(24 * time.Hour)
	after := "(receive_time geq '" + since.In(d.sim.Location()).Format("2006/01/02 15:04:05") + "')"
	if n := d.threatCount("(threatid geq 41049) and (threatid leq 41059) and (action eq reset-both) and " + after); n == 0 {
		t.Error("no 5xx threat log with action reset-both after protect")
	}
	if n := d.threatCount("(threatid geq 41049) and (threatid leq 41059) and (action eq alert) and " + after); n != 0 {
		t.Errorf("%d 5xx responses still only alerted after protect", n)
	}
	if n := d.threatCount("(threatid eq 41003) and (action eq alert) and " + after); n == 0 {
		t.Error("the 200s are no longer logged after protect")
	}

	undo, err := dep.PlanRestore(ctx, PolicyScope{}, mine.ChangeUndo, p.Rules, p.Elements, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dep.ApplyAct(ctx, undo, "undo"); err != nil {
		t.Fatal(err)
	}
	if run, cand := d.configs(); run != run0 || cand != cand0 {
		t.Error("the configuration after undoing protect differs from before")
	}
}

// Block deploys the combination signature next to HTTP-404 and gives it
// block-ip through a clone: the simulator then blocks the scanners. The
// undo removes signature and clone, byte for byte.
func TestBlockAndRestore(t *testing.T) {
	d := newFirewall(t, panosim.Options{Seed: 35, SessionsPerDay: 1500})
	dep := d.connect()
	ctx := context.Background()
	if _, _, err := dep.PlanBlock(ctx, PolicyScope{}, []string{catchAll}, BlockSignature{Interval: 60, Threshold: 6, Duration: 600}); err == nil ||
		!strings.Contains(err.Error(), "deploy the signatures first") {
		t.Errorf("PlanBlock without the signatures = %v; want refused", err)
	}
	if _, err := dep.Deploy(ctx, Default(), Location{}); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []BlockSignature{{Interval: 0, Threshold: 6, Duration: 60}, {Interval: 60, Threshold: 256, Duration: 60}, {Interval: 60, Threshold: 6, Duration: 3601}} {
		if _, _, err := dep.PlanBlock(ctx, PolicyScope{}, []string{catchAll}, bad); err == nil {
			t.Errorf("PlanBlock(%+v) = nil error; want the values refused", bad)
		}
	}
	run0, cand0 := d.configs()
	p, b, err := dep.PlanBlock(ctx, PolicyScope{}, []string{catchAll}, BlockSignature{Interval: 60, Threshold: 6, Duration: 600})
	if err != nil {
		t.Fatal(err)
	}
	if b.ID != BlockFirstID || b.Child != NotFoundID {
		t.Errorf("signature %+v; want ID %d on %d", b, BlockFirstID, NotFoundID)
	}
	if _, err := dep.ApplyAct(ctx, p, "block"); err != nil {
		t.Fatal(err)
	}
	sig := d.show("/config/shared/threats/vulnerability/entry[@name='41090']")
	for _, want := range []string{"<threshold>6</threshold>", "<interval>60</interval>", "<threat-id>41026</threat-id>", "<duration>600</duration>"} {
		if !strings.Contains(sig, want) {
			t.Errorf("combination signature lacks %s:\n%s", want, sig)
		}
	}
	d.sim.Advance(24 * time.Hour)
	tr := d.sim.Truth()
	for _, sc := range tr.Scanners {
		if v := d.sim.ClientView(sc.Source); v.BlockedSessions == 0 {
			t.Errorf("scanner %s was never blocked", sc.Source)
		}
	}
	if n := d.threatCount("(threatid eq 41090) and (action eq block-ip)"); n == 0 {
		t.Error("no block-ip threat log of the combination signature")
	}
	// A second plan finds mine's signature and changes nothing.
	p2, b2, err := dep.PlanBlock(ctx, PolicyScope{}, []string{catchAll}, BlockSignature{Interval: 60, Threshold: 6, Duration: 600})
	if err != nil || b2.ID != b.ID || len(p2.Elements) != 0 {
		t.Errorf("second PlanBlock = %+v (%d elements), %v; want the same ID and nothing to change", b2, len(p2.Elements), err)
	}
	undo, err := dep.PlanRestore(ctx, PolicyScope{}, mine.ChangeUndo, p.Rules, p.Elements, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dep.ApplyAct(ctx, undo, "undo"); err != nil {
		t.Fatal(err)
	}
	if run, cand := d.configs(); run != run0 || cand != cand0 {
		t.Error("the configuration after undoing block differs from before")
	}
}

// On Panorama the retirement is committed and the device group pushed;
// a firewall that fails the push is reported while the other has the
// rule disabled, as the simulator's own pushed policy shows.
func TestRetirePanoramaPushFailure(t *testing.T) {
	sim := panosim.New(panosim.Options{Seed: 36, SessionsPerDay: 200,
		Panorama: &panosim.PanoramaOptions{DeviceGroups: []panosim.DeviceGroupOptions{{Name: "DG-Edge", Firewalls: 2}}}})
	d := serve(t, sim)
	fws := sim.Firewalls()
	good, bad := fws[0], fws[1]
	dep := d.connect()
	ctx := context.Background()
	scope := PolicyScope{DeviceGroup: "DG-Edge"}
	p, err := dep.PlanRetire(ctx, scope, catchAll, RetireOptions{Date: retireDate, Evidence: "forced: change CHG-7"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p.PushGroups, []string{"DG-Edge"}) {
		t.Errorf("push groups %v; want DG-Edge", p.PushGroups)
	}
	sim.FailNextPush(bad.Serial(), "injected: device busy")
	res, err := dep.ApplyAct(ctx, p, "mine: retire")
	var pe *PushError
	if !errors.As(err, &pe) || len(pe.Failed) != 1 || pe.Failed[0].Serial != bad.Serial() {
		t.Fatalf("ApplyAct = %v; want a *PushError naming %s", err, bad.Serial())
	}
	if !res.Committed || len(res.Pushes) != 1 || len(res.Pushes[0].Devices) != 2 {
		t.Fatalf("result %+v; want committed and one push reporting 2 firewalls", res)
	}
	xp := "/config/devices/entry[@name='localhost.localdomain']/device-group/entry[@name='DG-Edge']/post-rulebase/security/rules/entry[@name='" + catchAll + "']"
	if !strings.Contains(d.show(xp), "<disabled>yes</disabled>") {
		t.Error("Panorama's running configuration does not have the rule disabled")
	}
	pushed := func(fw *panosim.Server) string {
		return string(d.call("type", "op", "target", fw.Serial(), "cmd", "<show><config><pushed-shared-policy><vsys>vsys1</vsys></pushed-shared-policy></config></show>"))
	}
	catchAllEntry := func(s string) string {
		i := strings.Index(s, `<entry name="`+catchAll+`"`)
		if i < 0 {
			return ""
		}
		return s[i : i+strings.Index(s[i:], "</entry>")]
	}
	if e := catchAllEntry(pushed(good)); !strings.Contains(e, `>yes</disabled>`) {
		t.Errorf("%s (push OK) has the catch-all: %s", good.Serial(), e)
	}
	if e := catchAllEntry(pushed(bad)); e == "" || strings.Contains(e, `>yes</disabled>`) {
		t.Errorf("%s (push failed) has the catch-all: %q; want it still enabled", bad.Serial(), e)
	}
}

// The device's clock, read in its configured zone, is the simulator's.
func TestClock(t *testing.T) {
	d := newFirewall(t, panosim.Options{Seed: 37, TimeZone: "Europe/Berlin"})
	d.sim.Advance(90 * time.Minute)
	got, err := d.connect().Clock(context.Background())
	if err != nil || !got.Equal(d.sim.Now()) {
		t.Errorf("Clock = %v, %v; want %v", got, err, d.sim.Now())
	}
}

// Changes stack: block edits the clone protect made, so protect's undo is
// refused until block's is done; undone in reverse order, the
// configuration is back byte for byte. Removing the signatures removes
// mine's combination signature with them.
func TestStackedChangesUndoInReverse(t *testing.T) {
	d := newFirewall(t, panosim.Options{Seed: 38})
	dep := d.connect()
	ctx := context.Background()
	if _, err := dep.Deploy(ctx, Default(), Location{}); err != nil {
		t.Fatal(err)
	}
	run0, cand0 := d.configs()
	c5, _ := Build(Options{Codes: "5xx"})
	prot, err := dep.PlanProtect(ctx, c5, PolicyScope{}, []string{catchAll}, "reset-both")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dep.ApplyAct(ctx, prot, "protect"); err != nil {
		t.Fatal(err)
	}
	blk, _, err := dep.PlanBlock(ctx, PolicyScope{}, []string{catchAll}, BlockSignature{Interval: 60, Threshold: 5, Duration: 60})
	if err != nil {
		t.Fatal(err)
	}
	if len(blk.Elements) != 2 || !strings.Contains(blk.Elements[1].Before, "41049") {
		t.Fatalf("block plan %+v; want the signature and mine's clone edited in place", blk.Elements)
	}
	if _, err := dep.ApplyAct(ctx, blk, "block"); err != nil {
		t.Fatal(err)
	}
	var ce *ChangedError
	if _, err := dep.PlanRestore(ctx, PolicyScope{}, mine.ChangeUndo, nil, prot.Elements, false); !errors.As(err, &ce) {
		t.Fatalf("undo of protect under block = %v; want a *ChangedError", err)
	}
	rm, err := dep.PlanRemove(ctx, Location{})
	if err != nil || !slices.ContainsFunc(rm.Items, func(it Item) bool { return it.ID == BlockFirstID && it.Action == ActionDelete }) {
		t.Errorf("PlanRemove = %v; want mine's combination signature %d deleted too", err, BlockFirstID)
	}
	for _, applied := range [][]ElementChange{blk.Elements, prot.Elements} {
		undo, err := dep.PlanRestore(ctx, PolicyScope{}, mine.ChangeUndo, nil, applied, false)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := dep.ApplyAct(ctx, undo, "undo"); err != nil {
			t.Fatal(err)
		}
	}
	if run, cand := d.configs(); run != run0 || cand != cand0 {
		t.Error("the configuration after both undos differs from before")
	}
}

// The undo keeps the mine-retired tag while another rule carries it.
func TestRestoreKeepsReferencedTag(t *testing.T) {
	d := newFirewall(t, panosim.Options{Seed: 39})
	dep := d.connect()
	ctx := context.Background()
	p, err := dep.PlanRetire(ctx, PolicyScope{}, catchAll, RetireOptions{Date: retireDate, Evidence: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dep.ApplyAct(ctx, p, "retire"); err != nil {
		t.Fatal(err)
	}
	d.call("type", "config", "action", "set", "xpath", vsys1+"/rulebase/security/rules/entry[@name='Allow-DNS']/tag", "element", "<member>mine-retired</member>")
	d.call("type", "commit", "cmd", "<commit/>")
	d.sim.Advance(time.Second)
	undo, err := dep.PlanRestore(ctx, PolicyScope{}, mine.ChangeUndo, nil, p.Elements, false)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(undo.Notes, func(n string) bool { return strings.Contains(n, "rule Allow-DNS carries it") }) {
		t.Errorf("notes %q; want the tag kept for Allow-DNS", undo.Notes)
	}
	if _, err := dep.ApplyAct(ctx, undo, "undo"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(d.show(vsys1+"/tag"), `name="mine-retired"`) {
		t.Error("the tag Allow-DNS carries was deleted")
	}
	if strings.Contains(d.show(catchAllXP), "mine-retired") {
		t.Error("the catch-all still carries the tag after the undo")
	}
}

// On Panorama, protect clones the device group's profile, attaches the
// clone to the group's catch-all and pushes: the firewall's pushed policy
// carries the reset exceptions; the undo pushes the original back.
func TestProtectPanorama(t *testing.T) {
	sim := panosim.New(panosim.Options{Seed: 40, SessionsPerDay: 200,
		Panorama: &panosim.PanoramaOptions{DeviceGroups: []panosim.DeviceGroupOptions{{Name: "DG-Edge"}}}})
	d := serve(t, sim)
	dep := d.connect()
	ctx := context.Background()
	if _, err := dep.Deploy(ctx, Default(), Location{DeviceGroup: "DG-Edge"}); err != nil {
		t.Fatal(err)
	}
	c5, _ := Build(Options{Codes: "500"})
	scope := PolicyScope{DeviceGroup: "DG-Edge"}
	p, err := dep.PlanProtect(ctx, c5, scope, []string{catchAll}, "reset-server")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dep.ApplyAct(ctx, p, "protect"); err != nil {
		t.Fatal(err)
	}
	fw := sim.Firewalls()[0]
	pushed := string(d.call("type", "op", "target", fw.Serial(), "cmd", "<show><config><pushed-shared-policy><vsys>vsys1</vsys></pushed-shared-policy></config></show>"))
	if !strings.Contains(pushed, `name="mine-corp-vuln"`) || !regexp.MustCompile(`<entry name="41049"[^>]*><action[^>]*><reset-server`).MatchString(pushed) {
		t.Errorf("the firewall's pushed policy lacks the clone with the reset exception")
	}
	undo, err := dep.PlanRestore(ctx, scope, mine.ChangeUndo, nil, p.Elements, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dep.ApplyAct(ctx, undo, "undo"); err != nil {
		t.Fatal(err)
	}
	pushed = string(d.call("type", "op", "target", fw.Serial(), "cmd", "<show><config><pushed-shared-policy><vsys>vsys1</vsys></pushed-shared-policy></config></show>"))
	if strings.Contains(pushed, "mine-corp-vuln") {
		t.Error("the clone is still pushed after the undo")
	}
}
