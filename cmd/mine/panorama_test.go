package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/panos-mine/mine/panosim"
)

// mine run against a Panorama reads the device group's rules and hit
// counts and the logs of its firewalls, as a user runs it.
func TestRunAgainstPanorama(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Hour)
	pano := panosim.New(panosim.Options{Seed: 4, Start: now.Add(-24 * time.Hour), SessionsPerDay: 500, PollsBeforeFinish: 1,
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
	env := map[string]string{"PANOS_API_KEY": pano.APIKey(), "PANOS_USERNAME": "admin"}
	conn := []string{"--host", h.host, "--port", strconv.Itoa(h.port), "--ca-file", cert}
	if code, _, errs := runCLI(t, env, append([]string{"signatures", "deploy", "--location", "device-group:branch"}, conn...)...); code != 0 {
		t.Fatalf("signatures deploy to the device group = %d: %s", code, errs)
	}
	pano.Advance(24 * time.Hour)

	code, out, errs := runCLI(t, env, append([]string{"run", "--device-group", "branch", "--since", "1d", "--until", now.Format(time.RFC3339),
		"--out", "", "--json", "-", "--no-resume"}, conn...)...)
	if code != 0 {
		t.Fatalf("mine run --device-group = %d: %s", code, errs)
	}
	var doc struct {
		Device   struct{ Panorama bool } `json:"device"`
		CatchAll []string                `json:"catch_all"`
		Totals   struct {
			ThreatLogs int64 `json:"threat_logs"`
			Responses  int64 `json:"responses"`
		}
		Suggestions []struct{ Name string } `json:"suggestions"`
		HitCounts   []struct {
			Rule     string `json:"rule"`
			HitCount uint64 `json:"hit_count"`
		} `json:"hit_counts"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("JSON: %v\n%s", err, out)
	}
	// collected with Panorama's reports (panorama-threat), which count
	// the responses the logs stand for
	responses := pano.LogResponses()
	if !doc.Device.Panorama || len(doc.CatchAll) != 1 || doc.Totals.Responses != int64(responses) || len(doc.Suggestions) == 0 {
		t.Errorf("report = panorama %v, catch-all %v, %d responses (Panorama's firewalls' logs stand for %d), %d suggestions",
			doc.Device.Panorama, doc.CatchAll, doc.Totals.Responses, responses, len(doc.Suggestions))
	}
	var caHits uint64
	for _, hc := range doc.HitCounts {
		if len(doc.CatchAll) == 1 && hc.Rule == doc.CatchAll[0] {
			caHits = hc.HitCount
		}
	}
	if caHits == 0 {
		t.Errorf("catch-all hit count through Panorama is 0")
	}

	// on a firewall, --device-group is a mistake said plainly
	fw := pano.Firewalls()[0]
	fh, err := startSim(fw, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fh.close() })
	fcert := filepath.Join(t.TempDir(), "fw.pem")
	os.WriteFile(fcert, fh.pem, 0o644)
	code, _, errs = runCLI(t, map[string]string{"PANOS_API_KEY": fw.APIKey()}, "run", "--host", fh.host, "--port", strconv.Itoa(fh.port),
		"--ca-file", fcert, "--device-group", "branch", "--out", "", "--json", "-", "--no-resume")
	if code == 0 || !strings.Contains(errs, "Panorama only") {
		t.Errorf("mine run --device-group on a firewall = %d, %q; want a clear error", code, errs)
	}
}
