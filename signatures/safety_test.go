package signatures

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/panos-mine/mine/panosim"
)

// A lock another administrator holds stops the deploy before any change,
// naming who holds it.
func TestLockHeldByAnotherAdmin(t *testing.T) {
	for _, kind := range []string{"config", "commit"} {
		t.Run(kind, func(t *testing.T) {
			d := newFirewall(t, panosim.Options{Seed: 6})
			if kind == "config" {
				d.sim.LockConfig("bob", "change window CHG-1234")
			} else {
				d.sim.LockCommits("bob", "")
			}
			dep := d.connect()
			p, err := dep.Plan(context.Background(), Default(), Location{})
			if err != nil || !slices.ContainsFunc(p.Notes, func(n string) bool { return strings.Contains(n, "held by bob") }) {
				t.Errorf("dry-run plan notes = %q, %v; want bob's lock noted", p.Notes, err)
			}
			d.requests()
			_, err = dep.Deploy(context.Background(), Default(), Location{})
			var le *LockError
			if !errors.As(err, &le) || !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), kind+" lock held by bob") {
				t.Fatalf("Deploy under bob's %s lock = %v; want a *LockError naming bob", kind, err)
			}
			if kind == "config" && !strings.Contains(err.Error(), "CHG-1234") {
				t.Errorf("error %q does not carry the lock comment", err)
			}
			if w := writes(d.requests()); len(w) != 0 {
				t.Errorf("locked deploy sent %v; want nothing", w)
			}
			if n := len(d.entries("get", sharedVuln)); n != 0 {
				t.Errorf("candidate holds %d signatures; want 0", n)
			}
			// Released, the same deploy goes through.
			d.sim.Unlock("bob")
			if _, err := dep.Deploy(context.Background(), Default(), Location{}); err != nil {
				t.Errorf("Deploy after the lock is released: %v", err)
			}
		})
	}
}

// The commit carries only the API user's changes: a colleague's pending
// edit stays uncommitted.
func TestPartialCommitLeavesOtherAdminsChanges(t *testing.T) {
	d := newFirewall(t, panosim.Options{Seed: 7})
	carol := d.sim.AddAdmin("carol", "carol-pw")
	addr := vsys1 + "/address/entry[@name='carol-new-server']"
	if ok, b := d.try(carol, "type", "config", "action", "set", "xpath", addr, "element", "<ip-netmask>10.20.9.9</ip-netmask>"); !ok {
		t.Fatalf("carol's set: %s", b)
	}
	dep := d.connect()
	if _, err := dep.Deploy(context.Background(), Default(), Location{}); err != nil {
		t.Fatal(err)
	}
	if n := len(d.entries("show", sharedVuln)); n != 60 {
		t.Errorf("running config holds %d signatures; want 60", n)
	}
	if ok, b := d.try(carol, "type", "config", "action", "get", "xpath", addr); !ok || !strings.Contains(string(b), "10.20.9.9") {
		t.Errorf("carol's change left the candidate: %s", b)
	}
	if ok, b := d.try(carol, "type", "config", "action", "show", "xpath", addr); ok {
		t.Errorf("carol's uncommitted change was committed with mine's: %s", b)
	}
}

// Remove deletes only entries carrying mine's marker, the alert rule mine
// added to a profile and the exceptions for the deleted IDs, then commits.
func TestRemoveOnlyOurs(t *testing.T) {
	d := newFirewall(t, panosim.Options{Seed: 8, Bare: true})
	dep := d.connect()
	ctx := context.Background()
	c, err := Build(Options{Codes: "2xx"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dep.Deploy(ctx, c, Location{}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := dep.Attach(ctx, c, PolicyScope{}, []string{catchAll}); err != nil {
		t.Fatal(err)
	}
	foreign := `<entry name="41500"><threatname>Team-Sig</threatname><severity>low</severity><direction>both</direction><default-action><alert/></default-action><comment>not ours</comment><signature><standard><entry name="x"><and-condition><entry name="a"><or-condition><entry name="o"><operator><equal-to><value>302</value><context>http-rsp-code</context></equal-to></operator></entry></or-condition></entry></and-condition></entry></standard></signature></entry>`
	must(t, d.sim.Plant(sharedVuln, foreign))
	p, err := dep.PlanRemove(ctx, Location{})
	if err != nil {
		t.Fatal(err)
	}
	if n := p.Count(ActionDelete); n != 10 {
		t.Errorf("remove plan deletes %d entries; want the 10 2xx signatures", n)
	}
	d.requests()
	res, err := dep.Remove(ctx, Location{})
	if err != nil {
		t.Fatalf("Remove: %v", err)
	}
	if res.Deleted < 11 || !res.Committed {
		t.Errorf("Remove = deleted %d, committed %v; want 10 signatures and the profile rule, committed", res.Deleted, res.Committed)
	}
	left := d.entries("show", sharedVuln)
	if len(left) != 1 || left["41500"].Comment != "not ours" {
		t.Errorf("running signatures after remove = %v; want only the foreign 41500", left)
	}
	prof := string(d.call("type", "config", "action", "show", "xpath", vsys1+"/profiles/vulnerability/entry[@name='mine-http-status']"))
	if strings.Contains(prof, `name="mine-http-status"><action>`) || strings.Contains(prof, "threat-exception><entry") {
		t.Errorf("profile keeps mine's rule or exceptions: %s", prof)
	}
	if !strings.Contains(prof, "simple-client-critical") {
		t.Errorf("profile lost the rules it was cloned with: %s", prof)
	}
	// Nothing left: a second remove sends nothing.
	d.requests()
	if _, err := dep.Remove(ctx, Location{}); err != nil {
		t.Fatal(err)
	}
	if w := writes(d.requests()); len(w) != 0 {
		t.Errorf("second remove sent %v; want nothing", w)
	}
}

// On Panorama the signatures go to a device group, Panorama commits, the
// group is pushed, and every firewall's result is reported; one failing
// firewall fails the deploy while the other got the signatures.
func TestPanoramaDeviceGroupPushFailure(t *testing.T) {
	sim := panosim.New(panosim.Options{Seed: 9, SessionsPerDay: 200,
		Panorama: &panosim.PanoramaOptions{DeviceGroups: []panosim.DeviceGroupOptions{{Name: "DG-Edge", Firewalls: 2}, {Name: "DG-Lab"}}}})
	d := serve(t, sim)
	fws := sim.Firewalls()
	good, bad := fws[0], fws[1]
	sim.FailNextPush(bad.Serial(), "injected: HA peer out of sync")
	dep := d.connect()
	if !dep.Device().Panorama {
		t.Fatalf("Device() = %+v; want a Panorama", dep.Device())
	}
	if _, err := dep.Plan(context.Background(), Default(), Location{Vsys: "vsys1"}); err == nil {
		t.Errorf("Plan at a vsys on Panorama succeeded; want an error")
	}
	loc := Location{DeviceGroup: "DG-Edge"}
	d.requests()
	res, err := dep.Deploy(context.Background(), Default(), loc)
	var pe *PushError
	if !errors.As(err, &pe) || !errors.Is(err, ErrPush) {
		t.Fatalf("Deploy = %v; want a *PushError", err)
	}
	if len(pe.Failed) != 1 || pe.Failed[0].Serial != bad.Serial() || !strings.Contains(strings.Join(pe.Failed[0].Messages, " "), "HA peer out of sync") {
		t.Errorf("failed devices = %+v; want %s with the device's reason", pe.Failed, bad.Serial())
	}
	if len(res.Pushes) != 1 || res.Pushes[0].DeviceGroup != "DG-Edge" || len(res.Pushes[0].Devices) != 2 {
		t.Fatalf("pushes = %+v; want one push to DG-Edge reporting 2 firewalls", res.Pushes)
	}
	results := map[string]string{}
	for _, dv := range res.Pushes[0].Devices {
		results[dv.Serial] = dv.Result
	}
	if results[good.Serial()] != "OK" || results[bad.Serial()] != "FAIL" {
		t.Errorf("per-firewall results = %v; want %s OK, %s FAIL", results, good.Serial(), bad.Serial())
	}
	if got, want := writes(d.requests()), []string{"config/set", "commit/partial", "commit/all"}; !slices.Equal(got, want) {
		t.Errorf("writes = %v; want %v", got, want)
	}
	if n := len(d.entries("show", loc.Xpath())); n != 60 {
		t.Errorf("Panorama running config holds %d signatures in DG-Edge; want 60", n)
	}
	// What each firewall received, read through Panorama with target=.
	pushed := func(fw *panosim.Server) int {
		b := d.call("type", "op", "target", fw.Serial(), "cmd", "<show><config><pushed-shared-policy><vsys>vsys1</vsys></pushed-shared-policy></config></show>")
		return strings.Count(string(b), "<threatname>HTTP-")
	}
	if n := pushed(good); n != 60 {
		t.Errorf("%s received %d signatures; want 60", good.Serial(), n)
	}
	if n := pushed(bad); n != 0 {
		t.Errorf("%s, whose push failed, holds %d signatures; want 0", bad.Serial(), n)
	}
	// Nothing left to commit: a plain re-run pushes nothing; --push
	// repairs the failed firewall.
	d.requests()
	if _, err := dep.Deploy(context.Background(), Default(), loc); err != nil {
		t.Fatal(err)
	}
	if w := writes(d.requests()); len(w) != 0 {
		t.Errorf("re-run sent %v; want nothing", w)
	}
	dep.ForcePush = true
	res, err = dep.Deploy(context.Background(), Default(), loc)
	if err != nil {
		t.Fatalf("Deploy with ForcePush: %v", err)
	}
	if n := pushed(bad); n != 60 || len(res.Pushes) != 1 {
		t.Errorf("after the forced push %s holds %d signatures; want 60", bad.Serial(), n)
	}
}

// A firewall managed by Panorama: the preflight sees what was pushed, and
// refuses to install the same IDs locally.
func TestManagedFirewallSeesPushedSignatures(t *testing.T) {
	sim := panosim.New(panosim.Options{Seed: 10, SessionsPerDay: 200,
		Panorama: &panosim.PanoramaOptions{DeviceGroups: []panosim.DeviceGroupOptions{{Name: "DG-Edge"}}}})
	pano := serve(t, sim)
	if _, err := pano.connect().Deploy(context.Background(), Default(), Location{DeviceGroup: "DG-Edge"}); err != nil {
		t.Fatal(err)
	}
	fw := serve(t, sim.Firewalls()[0])
	dep := fw.connect()
	if dep.Device().Panorama {
		t.Fatalf("the managed firewall reports itself as Panorama")
	}
	_, err := dep.Deploy(context.Background(), Default(), Location{})
	var ce *ConflictError
	if !errors.As(err, &ce) || len(ce.Items) != 60 || !strings.Contains(ce.Items[0].Detail, "pushed by Panorama") {
		t.Fatalf("Deploy on the managed firewall = %v; want 60 conflicts with the pushed signatures", err)
	}
}

// The wait for a commit job ends at the deadline, or at once when the
// context is cancelled (Ctrl-C), saying the job may still run.
func TestCommitWaitDeadlineAndCancel(t *testing.T) {
	d := newFirewall(t, panosim.Options{Seed: 14, PollsBeforeFinish: 1 << 20})
	dep := d.connect()
	dep.CommitDeadline = 30 * time.Millisecond
	_, err := dep.Deploy(context.Background(), Default(), Location{})
	if !errors.Is(err, ErrJobTimeout) {
		t.Errorf("Deploy with a commit that never finishes = %v; want ErrJobTimeout", err)
	}
	dep.CommitDeadline = time.Hour
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var once sync.Once
	d.mu.Lock()
	d.hook = func(v url.Values) {
		if v.Get("type") == "op" && strings.Contains(v.Get("cmd"), "<jobs>") {
			once.Do(func() { time.AfterFunc(20*time.Millisecond, cancel) }) // Ctrl-C while waiting
		}
	}
	d.mu.Unlock()
	done := make(chan error, 1)
	go func() {
		_, err := dep.Remove(ctx, Location{})
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "may still run on the device") {
			t.Errorf("Remove cancelled while waiting = %v; want the context's error naming the running job", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Remove did not return after its context was cancelled")
	}
}

// PAN-OS answering "no changes to commit" (code 19, no job) is success:
// here another administrator holds the very entries, uncommitted, so the
// partial commit of the API user has nothing to carry.
func TestNothingToCommitIsSuccess(t *testing.T) {
	d := newFirewall(t, panosim.Options{Seed: 15})
	carol := d.sim.AddAdmin("carol", "carol-pw")
	if ok, b := d.try(carol, "type", "config", "action", "set", "xpath", sharedVuln, "element", Default().ElementXML()); !ok {
		t.Fatalf("carol's set: %s", b)
	}
	dep := d.connect()
	d.requests()
	res, err := dep.Deploy(context.Background(), Default(), Location{})
	if err != nil {
		t.Fatalf("Deploy = %v; want success", err)
	}
	if got := writes(d.requests()); !slices.Equal(got, []string{"commit/partial"}) || res.Committed || res.JobID != 0 {
		t.Errorf("writes = %v, committed %v, job %d; want one partial commit answered without a job", got, res.Committed, res.JobID)
	}
}
