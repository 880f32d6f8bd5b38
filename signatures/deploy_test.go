package signatures

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/panos-mine/mine/panosim"
)

// A clean install writes the skillet's 60 entries, each with mine's marker,
// commits once, and the running configuration read back holds them.
func TestDeployCleanInstall(t *testing.T) {
	d := newFirewall(t, panosim.Options{Seed: 3})
	dep := d.connect()
	d.requests()
	res, err := dep.Deploy(context.Background(), Default(), Location{})
	if err != nil {
		t.Fatalf("Deploy: %v", err)
	}
	if res.Set != 60 || !res.Committed || res.JobID == 0 {
		t.Errorf("Deploy = set %d, committed %v, job %d; want 60, true, a job", res.Set, res.Committed, res.JobID)
	}
	if got, want := writes(d.requests()), []string{"config/set", "commit/partial"}; !slices.Equal(got, want) {
		t.Errorf("writes = %v; want %v (one set, one partial commit)", got, want)
	}
	want := skillet(t)
	got := d.entries("show", sharedVuln)
	if len(got) != 60 {
		t.Fatalf("running shared signatures = %d; want 60", len(got))
	}
	for id, content := range want {
		e, ok := got[id]
		if !ok {
			t.Errorf("running config lacks %s", id)
			continue
		}
		if e.Content != content {
			t.Errorf("entry %s = %s; want the skillet's %s", id, e.Content, content)
		}
		if m, ok := ParseMarker(e.Comment); !ok || m.Version != "1" {
			t.Errorf("entry %s comment %q lacks mine's marker for catalog 1", id, e.Comment)
		}
	}
}

// A second deploy of the same catalog sends no change and no commit.
func TestDeployIdempotent(t *testing.T) {
	d := newFirewall(t, panosim.Options{Seed: 3})
	dep := d.connect()
	if _, err := dep.Deploy(context.Background(), Default(), Location{}); err != nil {
		t.Fatal(err)
	}
	d.requests()
	res, err := dep.Deploy(context.Background(), Default(), Location{})
	if err != nil {
		t.Fatalf("second Deploy: %v", err)
	}
	if res.Set != 0 || res.Committed || res.JobID != 0 || res.Plan.Count(ActionSkip) != 60 {
		t.Errorf("second Deploy = set %d, committed %v, job %d, %d skipped; want nothing done, 60 skipped",
			res.Set, res.Committed, res.JobID, res.Plan.Count(ActionSkip))
	}
	if w := writes(d.requests()); len(w) != 0 {
		t.Errorf("second deploy sent %v; want no change and no commit", w)
	}
}

// Set but never committed (an earlier commit failed): the re-run changes
// nothing but commits.
func TestDeployCommitsPendingEntries(t *testing.T) {
	d := newFirewall(t, panosim.Options{Seed: 3})
	dep := d.connect()
	d.sim.FailNextCommit("injected: management plane busy")
	_, err := dep.Deploy(context.Background(), Default(), Location{})
	if !errors.Is(err, ErrCommit) || !strings.Contains(err.Error(), "management plane busy") {
		t.Fatalf("Deploy with a failing commit = %v; want ErrCommit with the device's reason", err)
	}
	if n := len(d.entries("show", sharedVuln)); n != 0 {
		t.Fatalf("running config holds %d signatures after a failed commit; want 0", n)
	}
	d.requests()
	res, err := dep.Deploy(context.Background(), Default(), Location{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := writes(d.requests()), []string{"commit/partial"}; !slices.Equal(got, want) || !res.Committed {
		t.Errorf("re-run sent %v (committed %v); want only %v", got, res.Committed, want)
	}
	if n := len(d.entries("show", sharedVuln)); n != 60 {
		t.Errorf("running config holds %d signatures; want 60", n)
	}
}

// Foreign entries in the range stop the deploy before any write, with a
// table of the clashing IDs and a free block; 41000 (which the skillet's own
// check forgets) and entries in a vsys count too.
func TestDeployConflictWritesNothing(t *testing.T) {
	d := newFirewall(t, panosim.Options{Seed: 4})
	must(t, d.sim.Plant(sharedVuln, `<entry name="41000"><threatname>Custom-Continue</threatname><severity>low</severity><direction>both</direction><default-action><alert/></default-action><signature><standard><entry name="x"><and-condition><entry name="a"><or-condition><entry name="o"><operator><equal-to><value>100</value><context>http-rsp-code</context></equal-to></operator></entry></or-condition></entry></and-condition></entry></standard></signature></entry>`))
	must(t, d.sim.Plant(vsys1+"/threats/vulnerability", `<entry name="41026"><threatname>App-Not-Found</threatname><severity>medium</severity><direction>server2client</direction><default-action><alert/></default-action><signature><standard><entry name="x"><and-condition><entry name="a"><or-condition><entry name="o"><operator><equal-to><value>404</value><context>http-rsp-code</context></equal-to></operator></entry></or-condition></entry></and-condition></entry></standard></signature></entry>`))
	must(t, d.sim.Plant(sharedVuln, `<entry name="41130"><threatname>Other-Tool</threatname><severity>low</severity><direction>both</direction><default-action><alert/></default-action><signature><standard><entry name="x"><and-condition><entry name="a"><or-condition><entry name="o"><operator><equal-to><value>500</value><context>http-rsp-code</context></equal-to></operator></entry></or-condition></entry></and-condition></entry></standard></signature></entry>`))
	before := d.entries("get", sharedVuln)
	dep := d.connect()
	d.requests()
	_, err := dep.Deploy(context.Background(), Default(), Location{})
	var ce *ConflictError
	if !errors.As(err, &ce) || !errors.Is(err, ErrConflict) {
		t.Fatalf("Deploy = %v; want a *ConflictError", err)
	}
	var ids []int
	for _, it := range ce.Items {
		ids = append(ids, it.ID)
	}
	if !slices.Equal(ids, []int{41000, 41026}) {
		t.Errorf("conflicting IDs = %v; want [41000 41026]", ids)
	}
	if !strings.Contains(ce.Items[0].Detail, `"Custom-Continue" in shared`) || !strings.Contains(ce.Items[1].Detail, `"App-Not-Found" in vsys:vsys1`) {
		t.Errorf("conflict details = %q, %q; want the names and locations", ce.Items[0].Detail, ce.Items[1].Detail)
	}
	// 41100-41159 holds 41130; 41200 is the first free multiple of 100.
	if ce.SuggestedBase != 41200 {
		t.Errorf("suggested base = %d; want 41200", ce.SuggestedBase)
	}
	if w := writes(d.requests()); len(w) != 0 {
		t.Errorf("a refused deploy sent %v; want nothing written", w)
	}
	if after := d.entries("get", sharedVuln); len(after) != len(before) {
		t.Errorf("candidate shared signatures %d -> %d; want unchanged", len(before), len(after))
	}
	// The suggested block deploys.
	c, err := Build(Options{BaseID: ce.SuggestedBase})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dep.Deploy(context.Background(), c, Location{}); err != nil {
		t.Errorf("Deploy at the suggested base: %v", err)
	}
}

const vsys1 = "/config/devices/entry[@name='localhost.localdomain']/vsys/entry[@name='vsys1']"

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// Entries of an older version of mine are rewritten; identical ones are
// skipped; the plan says which.
func TestDeployUpdatesOlderVersion(t *testing.T) {
	d := newFirewall(t, panosim.Options{Seed: 5})
	c := Default()
	old200 := strings.Replace(c.Signatures[3].EntryXML(), "(catalog 1,", "(catalog 0,", 1)                                   // same content, older marker
	old404 := strings.Replace(c.Signatures[26].EntryXML(), "<scope>session</scope>", "<scope>protocol-data-unit</scope>", 1) // content changed since
	must(t, d.sim.Plant(sharedVuln, c.Signatures[0].EntryXML()+old200+old404))
	dep := d.connect()
	p, err := dep.Plan(context.Background(), c, Location{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]Action{41000: ActionSkip, 41003: ActionUpdate, 41026: ActionUpdate}
	for _, it := range p.Items {
		a, ok := want[it.ID]
		if !ok {
			a = ActionAdd
		}
		if it.Action != a {
			t.Errorf("plan %d = %s; want %s", it.ID, it.Action, a)
		}
	}
	if !strings.Contains(p.Items[3].Detail, "catalog 0") {
		t.Errorf("update detail = %q; want the old catalog version named", p.Items[3].Detail)
	}
	d.requests()
	res, err := dep.Deploy(context.Background(), c, Location{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Set != 59 {
		t.Errorf("Set = %d; want 57 added + 2 updated", res.Set)
	}
	if got := writes(d.requests()); !slices.Equal(got, []string{"config/set", "config/edit", "config/edit", "commit/partial"}) {
		t.Errorf("writes = %v; want one set, two edits, one commit", got)
	}
	sk := skillet(t)
	for id, e := range d.entries("show", sharedVuln) {
		if e.Content != sk[id] || !strings.Contains(e.Comment, "(catalog 1, sha256 ") {
			t.Errorf("running %s = %s %q; want the skillet's content and a catalog 1 marker", id, e.Content, e.Comment)
		}
	}
}
