package main

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/panos-mine/mine"
	"github.com/panos-mine/mine/history"
	"github.com/panos-mine/mine/panosim"
)

// threatLogs pages through every threat log matching q on the simulator.
func (s *simDevice) threatLogs(t *testing.T, q string) []simThreat {
	t.Helper()
	var all []simThreat
	for {
		var sub struct {
			Job int `xml:"result>job"`
		}
		body := s.api(t, "type", "log", "log-type", "threat", "query", q, "nlogs", "5000", "dir", "forward", "skip", strconv.Itoa(len(all)))
		if err := xml.Unmarshal([]byte(body), &sub); err != nil {
			t.Fatal(err)
		}
		var page []simThreat
		for range 10 {
			var ans struct {
				Status  string      `xml:"result>job>status"`
				Entries []simThreat `xml:"result>log>logs>entry"`
			}
			if err := xml.Unmarshal([]byte(s.api(t, "type", "log", "action", "get", "job-id", strconv.Itoa(sub.Job))), &ans); err != nil {
				t.Fatal(err)
			}
			if ans.Status == "FIN" {
				page = ans.Entries
				break
			}
		}
		all = append(all, page...)
		if len(page) < 5000 {
			return all
		}
	}
}

type simThreat struct {
	Src     string `xml:"src"`
	Receive string `xml:"receive_time"`
	Repeat  int    `xml:"repeatcnt"`
	Action  string `xml:"action"`
	TID     int    `xml:"tid"`
	Rule    string `xml:"rule"`
}

// Protect responses on the rules the scanners' probes came through: the
// dry run changes nothing; applied, the catch-all's 5xx end in resets in
// the simulator (its threat logs and what the clients saw), the original
// profile is byte-identical, and the undo gives back every byte.
func TestProtectResponsesCLI(t *testing.T) {
	dev := newSimDevice(t, 44, 3000, 2, false)
	db := filepath.Join(t.TempDir(), "h.db")
	profile := vsysXpath + "/profiles/vulnerability/entry[@name='corp-vuln']"
	corp := dev.api(t, "type", "config", "action", "show", "xpath", profile)
	run0, cand0 := dev.dump(t)
	code, out, errs := runCLI(t, dev.actEnv(), dev.args("protect", "responses", "--since", "2d", "--db", db, "--dry-run")...)
	if code != 0 || !strings.Contains(out, "# dry run: 2 request(s)") || !strings.Contains(out, `<entry name="41049"><action><reset-both/></action>`) ||
		!strings.Contains(out, "xpath="+catchAllEntry+"/profile-setting") {
		t.Fatalf("protect responses --dry-run = %d:\n%s%s", code, out, errs)
	}
	if run, cand := dev.dump(t); run != run0 || cand != cand0 {
		t.Fatal("the dry run changed the configuration")
	}
	code, out, errs = runCLI(t, dev.actEnv(), dev.args("protect", "responses", "--since", "2d", "--db", db, "--format", "json")...)
	if code != 0 {
		t.Fatalf("protect responses = %d:\n%s%s", code, out, errs)
	}
	var c mine.Change
	if err := json.Unmarshal([]byte(out), &c); err != nil || c.Kind != mine.ChangeProtect || c.Action != "reset-both" || len(c.Codes) != 11 ||
		!slices.Equal(c.Rules, []string{catchAllRule}) || c.Status != mine.ChangeCommitted {
		t.Fatalf("change record %+v, %v", c, err)
	}
	if got := dev.api(t, "type", "config", "action", "show", "xpath", profile); got != corp {
		t.Errorf("corp-vuln changed:\n%s\nwant\n%s", got, corp)
	}
	since := dev.sim.Now()
	dev.sim.Advance(24 * time.Hour)
	after := fmt.Sprintf("(rule eq '%s') and (threatid geq 41049) and (threatid leq 41059) and (receive_time geq '%s')", catchAllRule, devTime(dev.sim, since))
	logs := dev.threatLogs(t, after)
	if len(logs) == 0 {
		t.Fatal("no 5xx on the catch-all after protect")
	}
	clients := map[string]bool{}
	for _, l := range logs {
		if l.Action != "reset-both" {
			t.Fatalf("a 5xx threat log after protect has action %s", l.Action)
		}
		clients[l.Src] = true
	}
	for cl := range clients {
		if v := dev.sim.ClientView(cl); v.Reset[500]+v.Reset[503] == 0 {
			t.Errorf("client %s saw no reset of a 5xx", cl)
		}
	}
	if code, _, errs := runCLI(t, dev.actEnv(), dev.args("protect", "responses", "--db", db, "--undo")...); code != 0 {
		t.Fatalf("protect responses --undo = %d: %s", code, errs)
	}
	if run, cand := dev.dump(t); run != run0 || cand != cand0 {
		t.Error("the configuration after the undo differs from before protect")
	}
	if code, _, errs := runCLI(t, dev.actEnv(), dev.args("protect", "responses", "--codes", "4xx,5xx", "--db", db, "--dry-run", "--rule", catchAllRule)...); code != 0 ||
		!strings.Contains(errs, "real users then see a broken page") {
		t.Errorf("4xx protect = %d; want the warning: %s", code, errs)
	}
}

// peak404 computes, from the simulator's own HTTP-404 threat logs, each
// source's most 404s within width: the test's own count, not mine's.
func peak404(t *testing.T, sim *panosim.Server, logs []simThreat, width time.Duration) map[string]int {
	t.Helper()
	at := map[string][]time.Time{}
	for _, l := range logs {
		ts, err := time.ParseInLocation("2006/01/02 15:04:05", l.Receive, sim.Location())
		if err != nil {
			t.Fatal(err)
		}
		for range max(l.Repeat, 1) {
			at[l.Src] = append(at[l.Src], ts)
		}
	}
	out := map[string]int{}
	for src, ts := range at {
		slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
		j := 0
		for i := range ts {
			for j < len(ts) && ts[j].Sub(ts[i]) < width {
				j++
			}
			out[src] = max(out[src], j-i)
		}
	}
	return out
}

// Protect scanners derives its threshold from the window: the test counts
// the busiest minute of every source from the simulator's logs itself and
// finds the numbers mine prints. Applied, the simulator blocks every
// planted scanner and no client; the undo gives back every byte.
func TestProtectScannersCLI(t *testing.T) {
	dev := newSimDevice(t, 45, 2000, 2, false)
	tr := plantedTruthOf(t, 45)
	db := filepath.Join(t.TempDir(), "h.db")
	peaks := peak404(t, dev.sim, dev.threatLogs(t, "(threatid eq 41026)"), time.Minute)
	scanners := map[string]bool{}
	for _, s := range tr.Scanners {
		scanners[s.Source] = true
	}
	busiest, slowest := 0, 1<<30
	for src, p := range peaks {
		if scanners[src] {
			slowest = min(slowest, p)
		} else {
			busiest = max(busiest, p)
		}
	}
	if busiest >= slowest {
		t.Fatalf("seed 45 plants a client as busy as a scanner (%d, %d): pick another seed", busiest, slowest)
	}
	run0, cand0 := dev.dump(t)
	code, out, errs := runCLI(t, dev.actEnv(), dev.args("protect", "scanners", "--since", "2d", "--db", db, "--duration", "30m", "--dry-run", "--format", "json")...)
	var plan struct {
		DryRun   bool `json:"dry_run"`
		Requests []struct {
			Action, Xpath, Element string
		} `json:"requests"`
	}
	if err := json.Unmarshal([]byte(out), &plan); code != 0 || err != nil || !plan.DryRun || len(plan.Requests) != 3 ||
		!strings.Contains(plan.Requests[0].Element, "<threat-id>41026</threat-id>") {
		t.Fatalf("protect scanners --dry-run --format json = %d, %v:\n%s%s", code, err, out, errs)
	}
	if run, cand := dev.dump(t); run != run0 || cand != cand0 {
		t.Fatal("the dry run changed the configuration")
	}
	code, out, errs = runCLI(t, dev.actEnv(), dev.args("protect", "scanners", "--since", "2d", "--db", db, "--duration", "30m")...)
	if code != 0 {
		t.Fatalf("protect scanners = %d:\n%s%s", code, out, errs)
	}
	threshold := busiest + (slowest-busiest+1)/2
	threshold = max(threshold, 2)
	for _, want := range []string{fmt.Sprintf("busiest other source: %s", ""), fmt.Sprintf(", %d (at ", busiest), fmt.Sprintf(", %d (at ", slowest),
		fmt.Sprintf("# threshold: %d within 60s", threshold)} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	sig := dev.api(t, "type", "config", "action", "show", "xpath", "/config/shared/threats/vulnerability/entry[@name='41090']")
	if !strings.Contains(sig, fmt.Sprintf("<threshold>%d</threshold>", threshold)) || !strings.Contains(sig, "<duration>1800</duration>") {
		t.Errorf("the combination signature in the running configuration:\n%s", sig)
	}
	dev.sim.Advance(24 * time.Hour)
	for src := range scanners {
		if v := dev.sim.ClientView(src); v.BlockedSessions == 0 {
			t.Errorf("scanner %s was not blocked", src)
		}
	}
	for src := range peaks {
		if v := dev.sim.ClientView(src); !scanners[src] && v.BlockedSessions != 0 {
			t.Errorf("client %s was blocked (%d sessions)", src, v.BlockedSessions)
		}
	}
	if code, _, errs := runCLI(t, dev.actEnv(), dev.args("protect", "scanners", "--db", db, "--undo")...); code != 0 {
		t.Fatalf("protect scanners --undo = %d: %s", code, errs)
	}
	if run, cand := dev.dump(t); run != run0 || cand != cand0 {
		t.Error("the configuration after the undo differs from before")
	}
}

// A busy client planted faster than a planted slow scanner: a health
// check polling a missing URL every second for five minutes (60 in a
// minute) against a scanner asking for 180 distinct missing paths, one
// every 20 s for an hour (3 in a minute). No threshold separates them:
// mine says both numbers and changes nothing.
func TestProtectScannersRefusesBusyClient(t *testing.T) {
	target := plantedTruthOf(t, 46).CatchAllServices[0].Destination
	dev := newSimDeviceWith(t, panosim.Options{Seed: 46, SessionsPerDay: 1500, Probers: []panosim.Prober{
		{Source: "10.1.30.9", Target: target, Every: time.Second, Hours: []int{10}, Minutes: 5},
		{Source: "10.1.31.7", Target: target, Every: 20 * time.Second, Hours: []int{14}, Minutes: 60, Paths: 180, Scanner: true},
	}}, 2, false)
	run0, cand0 := dev.dump(t)
	code, out, errs := runCLI(t, dev.actEnv(), dev.args("protect", "scanners", "--since", "2d", "--db", filepath.Join(t.TempDir(), "h.db"))...)
	if code != exitFailure {
		t.Fatalf("protect scanners with a busy client = %d; want %d\n%s%s", code, exitFailure, out, errs)
	}
	if !strings.Contains(out, "# busiest other source: 10.1.30.9, 60 (at ") || !strings.Contains(errs, "10.1.30.9, got 60 within 60s") ||
		!strings.Contains(out, "# slowest scanner: 10.1.31.7, 3 (at ") || !strings.Contains(errs, "the slowest scanner, 10.1.31.7, got 3 within 60s") ||
		!regexp.MustCompile(`scanner 10\.1\.250\.\d+: \d+ at its busiest`).MatchString(out) || !strings.Contains(errs, "nothing was changed") {
		t.Errorf("refusal does not name both numbers:\n%s%s", out, errs)
	}
	if run, cand := dev.dump(t); run != run0 || cand != cand0 {
		t.Error("a refused protect changed the configuration")
	}
}

// Retire on Panorama: committed in the device group, pushed, and a
// firewall that fails the push is reported by serial; the history keeps
// the change as push-failed; the simulator shows which firewall has the
// catch-all disabled.
func TestRetirePanoramaCLI(t *testing.T) {
	start := time.Date(2026, 9, 7, 0, 0, 0, 0, time.UTC)
	pano := panosim.New(panosim.Options{Seed: 47, Start: start, SessionsPerDay: 400, PollsBeforeFinish: -1, Username: demoUser, Password: demoPassword,
		Panorama: &panosim.PanoramaOptions{DeviceGroups: []panosim.DeviceGroupOptions{{Name: "branch", Firewalls: 2}}}})
	h, err := startSim(pano, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.close() })
	cert := filepath.Join(t.TempDir(), "cert.pem")
	if err := os.WriteFile(cert, h.pem, 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"PANOS_API_KEY": pano.APIKey(), "PANOS_USERNAME": demoUser, "USER": "alice"}
	conn := []string{"--host", h.host, "--port", strconv.Itoa(h.port), "--ca-file", cert, "-q"}
	if code, _, errs := runCLI(t, env, append([]string{"signatures", "deploy", "--location", "device-group:branch"}, conn...)...); code != 0 {
		t.Fatalf("signatures deploy = %d: %s", code, errs)
	}
	pano.Advance(24 * time.Hour)
	good, bad := pano.Firewalls()[0], pano.Firewalls()[1]
	pano.FailNextPush(bad.Serial(), "injected: device busy")
	db := filepath.Join(t.TempDir(), "h.db")
	args := append([]string{"retire", "--device-group", "branch", "--force", "--reason", "CHG-9", "--since", "1d", "--min-window", "1d",
		"--until", pano.Now().Format(time.RFC3339), "--no-resume", "--progress", "never", "--db", db}, conn...)
	code, out, errs := runCLI(t, env, args...)
	if code != exitFailure || !strings.Contains(errs, "push to firewalls failed on 1 firewall") {
		t.Fatalf("retire on Panorama with a failing firewall = %d; want 1\n%s%s", code, out, errs)
	}
	line := func(serial string) string {
		for _, l := range strings.Split(out, "\n") {
			if strings.HasPrefix(strings.TrimLeft(l, "│ "), serial) {
				return l
			}
		}
		return ""
	}
	if !strings.Contains(line(good.Serial()), "OK") || !strings.Contains(line(bad.Serial()), "FAIL") || !strings.Contains(line(bad.Serial()), "device busy") {
		t.Errorf("per-firewall results not reported:\n%s", out)
	}
	store, err := history.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	cs, err := store.Changes(context.Background(), h.host)
	if err != nil || len(cs) != 1 || cs[0].Status != mine.ChangePushFailed || cs[0].Context != "device-group branch" || len(cs[0].Commit.Pushes) != 1 ||
		len(cs[0].Commit.Pushes[0].Devices) != 2 {
		t.Fatalf("history changes = %+v, %v; want one push-failed retirement with both firewalls", cs, err)
	}
	disabled := func(fw *panosim.Server) bool {
		var ans struct {
			Rules []struct {
				Name     string `xml:"name,attr"`
				Disabled string `xml:"disabled"`
			} `xml:"result>policy>panorama>post-rulebase>security>rules>entry"`
		}
		xml.Unmarshal([]byte(apiOf(t, fw, "type", "op", "cmd", "<show><config><pushed-shared-policy><vsys>vsys1</vsys></pushed-shared-policy></config></show>")), &ans)
		for _, r := range ans.Rules {
			if r.Name == catchAllRule {
				return r.Disabled == "yes"
			}
		}
		t.Fatalf("%s has no pushed %s", fw.Serial(), catchAllRule)
		return false
	}
	if !disabled(good) || disabled(bad) {
		t.Errorf("catch-all disabled on %s: %v (push OK), on %s: %v (push failed); want true, false", good.Serial(), disabled(good), bad.Serial(), disabled(bad))
	}
}
