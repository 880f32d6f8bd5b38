package collect

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/panos-mine/mine"
	"github.com/panos-mine/mine/panosim"
	"github.com/panos-mine/mine/signatures"
)

// panoramaWithLogs is a Panorama managing two firewalls in device group
// "branch", with the signatures deployed to the group, pushed, and a day
// of traffic logged on both firewalls.
func panoramaWithLogs(t *testing.T) *panosim.Server {
	t.Helper()
	pano := panosim.New(panosim.Options{Seed: 21, Start: simStart, SessionsPerDay: 400, PollsBeforeFinish: 1,
		Panorama: &panosim.PanoramaOptions{DeviceGroups: []panosim.DeviceGroupOptions{{Name: "branch", Firewalls: 2}}}})
	srv := httptest.NewTLSServer(pano)
	defer srv.Close()
	cfg := testConfig(t, srv, pano.APIKey())
	cfg.Username = "admin"
	dep, err := signatures.Connect(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dep.Deploy(context.Background(), signatures.Default(), signatures.Location{DeviceGroup: "branch"}); err != nil {
		t.Fatal(err)
	}
	pano.Advance(24 * time.Hour)
	return pano
}

func TestPanoramaCollection(t *testing.T) {
	pano := panoramaWithLogs(t)
	fws := pano.Firewalls()
	if len(fws) != 2 {
		t.Fatalf("Panorama manages %d firewalls; want 2", len(fws))
	}
	srv := httptest.NewTLSServer(pano)
	t.Cleanup(srv.Close)
	cfg := testConfig(t, srv, pano.APIKey())
	ctx := context.Background()

	if _, err := ConnectScope(ctx, cfg, Scope{}); err == nil {
		t.Error("ConnectScope(Panorama, no device group) = nil error; want the device group asked for")
	}
	c, err := ConnectScope(ctx, cfg, Scope{DeviceGroup: "branch"})
	if err != nil {
		t.Fatal(err)
	}
	c.PollStart, c.PollMax = time.Millisecond, 5*time.Millisecond
	if !c.Device().Panorama {
		t.Fatalf("device %v not recognised as Panorama", c.Device())
	}

	rules, err := c.Rules(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var catchAll string
	for _, r := range rules {
		if r.AllowsAnyApplication() {
			catchAll = r.Name
			if r.Location != "branch/post-rulebase" {
				t.Errorf("catch-all %s location %q; want branch/post-rulebase", r.Name, r.Location)
			}
		}
	}
	if catchAll == "" {
		t.Fatalf("no catch-all among the device group's rules %v", rules)
	}

	// Panorama's hit counts equal the sum of what each firewall reports
	// for itself.
	agg, err := c.HitCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	per, err := c.DeviceHitCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var want uint64
	var wantFirst, wantLast time.Time
	for _, fw := range fws {
		fsrv := httptest.NewTLSServer(fw)
		fc, err := Connect(ctx, testConfig(t, fsrv, fw.APIKey()), "vsys1")
		if err != nil {
			t.Fatal(err)
		}
		hits, err := fc.HitCounts(ctx)
		fsrv.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range hits {
			if h.Rule == catchAll {
				want += h.HitCount
				wantFirst = earliest(wantFirst, h.FirstHit)
				wantLast = latest(wantLast, h.LastHit)
			}
		}
	}
	var got mine.RuleHits
	for _, h := range agg {
		if h.Rule == catchAll {
			got = h
		}
	}
	if want == 0 || got.HitCount != want || !got.FirstHit.Equal(wantFirst) || !got.LastHit.Equal(wantLast) {
		t.Errorf("Panorama catch-all hits %d (%v..%v); firewalls' own counters sum to %d (%v..%v)", got.HitCount, got.FirstHit, got.LastHit, want, wantFirst, wantLast)
	}
	serials := map[string]bool{}
	for _, h := range per {
		if h.Rule == catchAll {
			serials[h.Serial] = true
		}
	}
	if len(serials) != 2 || !serials[fws[0].Serial()] || !serials[fws[1].Serial()] {
		t.Errorf("per-firewall breakdown names %v; want both firewalls", serials)
	}

	// Threat logs through Panorama come from both firewalls, each once.
	threat, _ := pano.LogCounts()
	w := mine.Window{From: simStart, To: pano.Now()}
	all, _, err := collectThreats(t, c, w, 0)
	if err != nil {
		t.Fatal(err)
	}
	checkComplete(t, all, threat)

	// --device narrows to one firewall.
	one, err := ConnectScope(ctx, cfg, Scope{DeviceGroup: "branch", Device: fws[1].Serial()})
	if err != nil {
		t.Fatal(err)
	}
	one.PollStart, one.PollMax = time.Millisecond, 5*time.Millisecond
	fwThreat, _ := fws[1].LogCounts()
	got1, _, err := collectThreats(t, one, w, 0)
	if err != nil {
		t.Fatal(err)
	}
	checkComplete(t, got1, fwThreat)
	for k := range got1.keys {
		if k.serial != fws[1].Serial() {
			t.Errorf("entry from %s collected with --device %s", k.serial, fws[1].Serial())
			break
		}
	}
}

func TestAggregateHits(t *testing.T) {
	at := func(s int64) time.Time {
		if s == 0 {
			return time.Time{}
		}
		return time.Unix(s, 0).UTC()
	}
	per := []mine.RuleHits{
		{Rule: "A", Serial: "1", HitCount: 5, FirstHit: at(100), LastHit: at(200)},
		{Rule: "B", Serial: "1", HitCount: 0},
		{Rule: "A", Serial: "2", HitCount: 7, FirstHit: at(50), LastHit: at(150), LastReset: at(40)},
		{Rule: "B", Serial: "2", HitCount: 1, FirstHit: at(300), LastHit: at(300)},
	}
	got := AggregateHits(per)
	want := []mine.RuleHits{
		{Rule: "A", HitCount: 12, FirstHit: at(50), LastHit: at(200), LastReset: at(40)},
		{Rule: "B", HitCount: 1, FirstHit: at(300), LastHit: at(300)},
	}
	if len(got) != len(want) {
		t.Fatalf("AggregateHits = %+v; want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("AggregateHits[%d] = %+v; want %+v", i, got[i], want[i])
		}
	}
}
