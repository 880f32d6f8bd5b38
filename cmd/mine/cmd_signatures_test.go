package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/panos-mine/mine/collect"
	"github.com/panos-mine/mine/panosim"
	"github.com/panos-mine/mine/signatures"
)

// sigSim is a simulator served over HTTPS for the signatures commands, with
// the connection flags and environment to reach it.
type sigSim struct {
	sim  *panosim.Server
	host *simHost
	args []string
	env  map[string]string
}

func startSigSim(t *testing.T, o panosim.Options) *sigSim {
	t.Helper()
	o.PollsBeforeFinish = -1
	o.SessionsPerDay = 200
	sim := panosim.New(o)
	h, err := startSim(sim, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.close() })
	cert := filepath.Join(t.TempDir(), "cert.pem")
	if err := os.WriteFile(cert, h.pem, 0o644); err != nil {
		t.Fatal(err)
	}
	return &sigSim{sim: sim, host: h,
		args: []string{"--host", h.host, "--port", strconv.Itoa(h.port), "--ca-file", cert},
		env:  map[string]string{"PANOS_API_KEY": sim.APIKey(), "PANOS_USERNAME": "admin"}}
}

func (s *sigSim) run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return runCLI(t, s.env, append(args, s.args...)...)
}

// runningSignatures counts the signatures in the simulator's running shared
// configuration, read over the XML API.
func (s *sigSim) runningSignatures(t *testing.T) int {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: s.host.pool}}}
	resp, err := client.PostForm(s.host.url(), url.Values{"key": {s.sim.APIKey()}, "type": {"config"}, "action": {"show"},
		"xpath": {"/config/shared/threats/vulnerability"}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(string(b), "<threatname>")
}

func TestSignaturesDeployCLI(t *testing.T) {
	s := startSigSim(t, panosim.Options{Seed: 31})
	code, out, errs := s.run(t, "signatures", "deploy", "--dry-run", "--format", "table", "--codes", "2xx,404")
	if code != 0 {
		t.Fatalf("deploy --dry-run = %d: %s", code, errs)
	}
	for _, want := range []string{
		"│ 41003 │ HTTP-200 │ add    │", "│ 41026 │ HTTP-404 │ add    │", "# 11 add",
		"type=config action=set\nxpath=/config/shared/threats/vulnerability\nelement=\n<entry name=\"41003\">",
		"<equal-to><value>404</value><context>http-rsp-code</context></equal-to>",
		"Managed by mine (catalog 1, sha256 ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "HTTP-500") {
		t.Errorf("dry run of 2xx,404 plans HTTP-500:\n%s", out)
	}
	if n := s.runningSignatures(t); n != 0 {
		t.Fatalf("after a dry run the device holds %d signatures; want 0", n)
	}
	code, out, errs = s.run(t, "signatures", "deploy", "--format", "table")
	if code != 0 || !strings.Contains(out, "# 60 add") || !strings.Contains(out, "# committed: job ") {
		t.Fatalf("deploy = %d:\n%s\n%s", code, out, errs)
	}
	if n := s.runningSignatures(t); n != 60 {
		t.Errorf("running config holds %d signatures; want 60", n)
	}
	code, out, errs = s.run(t, "signatures", "deploy", "--format", "json")
	if code != 0 {
		t.Fatalf("second deploy = %d: %s", code, errs)
	}
	var doc struct {
		Items []struct {
			ID     int    `json:"id"`
			Action string `json:"action"`
		} `json:"items"`
		Commit bool `json:"commit_needed"`
		Result struct {
			Written   int  `json:"written"`
			Committed bool `json:"committed"`
		} `json:"result"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("deploy --format json: %v\n%s", err, out)
	}
	skips := 0
	for _, it := range doc.Items {
		if it.Action == "skip" {
			skips++
		}
	}
	if skips != 60 || doc.Commit || doc.Result.Written != 0 || doc.Result.Committed {
		t.Errorf("second deploy = %d skips, commit %v, result %+v; want 60 skips and nothing done", skips, doc.Commit, doc.Result)
	}
}

func TestSignaturesConflictCLI(t *testing.T) {
	s := startSigSim(t, panosim.Options{Seed: 32})
	if err := s.sim.Plant("/config/shared/threats/vulnerability", `<entry name="41000"><threatname>Team-Sig</threatname><severity>low</severity><direction>both</direction><default-action><alert/></default-action><signature><standard><entry name="x"><and-condition><entry name="a"><or-condition><entry name="o"><operator><equal-to><value>100</value><context>http-rsp-code</context></equal-to></operator></entry></or-condition></entry></and-condition></entry></standard></signature></entry>`); err != nil {
		t.Fatal(err)
	}
	code, out, errs := s.run(t, "signatures", "deploy", "--format", "table")
	if code != exitFailure || !strings.Contains(out, `│ 41000 │ HTTP-100 │ conflict │ taken by "Team-Sig" in shared │`) ||
		!strings.Contains(errs, "--base-id 41100") || !strings.Contains(errs, "nothing was written") {
		t.Errorf("deploy over a foreign 41000 = %d:\n%s\n%s", code, out, errs)
	}
	if n := s.runningSignatures(t); n != 1 {
		t.Errorf("running config holds %d signatures; want only the foreign one", n)
	}
	if code, _, errs := s.run(t, "signatures", "deploy", "--base-id", "41100"); code != 0 {
		t.Errorf("deploy --base-id 41100 = %d: %s", code, errs)
	}
}

func TestSignaturesVerifyAttachCLI(t *testing.T) {
	s := startSigSim(t, panosim.Options{Seed: 33, Bare: true})
	if code, _, errs := s.run(t, "signatures", "deploy"); code != 0 {
		t.Fatalf("deploy = %d: %s", code, errs)
	}
	code, out, errs := s.run(t, "signatures", "verify", "--format", "tsv")
	if code != exitFailure || !strings.Contains(out, "Allow-Web-Ports") || !strings.Contains(out, "vulnerability profile default (predefined): no rule covers severity informational") {
		t.Fatalf("verify on a bare device = %d:\n%s\n%s", code, out, errs)
	}
	code, out, errs = s.run(t, "signatures", "verify", "--attach-profile", "--dry-run", "--format", "table")
	if code != 0 {
		t.Fatalf("verify --attach-profile --dry-run = %d: %s", code, errs)
	}
	for _, want := range []string{
		"+++ vulnerability profile mine-http-status (vsys1), cloned from default (after)",
		`+<entry name="mine-http-status">`,
		`+    <entry name="simple-client-critical">`,
		"-      <member>default</member>\n+      <member>mine-http-status</member>",
		"type=config action=edit",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("attach dry run lacks %q:\n%s", want, out)
		}
	}
	if code, _, _ := s.run(t, "signatures", "verify"); code != exitFailure {
		t.Errorf("verify after a dry run = %d; want still failing", code)
	}
	code, out, errs = s.run(t, "signatures", "verify", "--attach-profile", "--format", "table")
	if code != 0 || !strings.Contains(out, "# committed: job ") || !strings.Contains(out, "│ Allow-Web-Ports │ vsys1 │ mine-http-status │ yes  │") {
		t.Errorf("verify --attach-profile = %d:\n%s\n%s", code, out, errs)
	}
	code, out, errs = s.run(t, "signatures", "remove", "--format", "table")
	if code != 0 || !strings.Contains(out, "# 60 delete") || s.runningSignatures(t) != 0 {
		t.Errorf("remove = %d:\n%s\n%s", code, out, errs)
	}
}

func TestSignaturesExportCLI(t *testing.T) {
	code, out, errs := runCLI(t, nil, "signatures", "export", "--format", "set", "--codes", "200")
	if code != 0 {
		t.Fatalf("export = %d: %s", code, errs)
	}
	c := `set shared threats vulnerability 41003 signature standard HTTP-200 and-condition "And Condition 1" or-condition "Or Condition 1" operator equal-to `
	want := []string{
		c + "value 200",
		c + "context http-rsp-code",
		"set shared threats vulnerability 41003 signature standard HTTP-200 order-free yes",
		"set shared threats vulnerability 41003 signature standard HTTP-200 scope session",
		"set shared threats vulnerability 41003 default-action alert",
		"set shared threats vulnerability 41003 threatname HTTP-200",
		"set shared threats vulnerability 41003 severity informational",
		"set shared threats vulnerability 41003 direction server2client",
		"set shared threats vulnerability 41003 affected-host client yes",
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != len(want)+1 {
		t.Errorf("export --format set = %d lines; want %d:\n%s", len(lines), len(want)+1, out)
	}
	for i, w := range want {
		if i < len(lines) && lines[i] != w {
			t.Errorf("line %d = %q; want %q", i+1, lines[i], w)
		}
	}
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, `set shared threats vulnerability 41003 comment "HTTP 200 OK. Managed by mine (catalog 1, sha256 `) {
		t.Errorf("last line = %q; want the marked comment", last)
	}
	dir := t.TempDir()
	xmlOut := filepath.Join(dir, "sigs.xml")
	if code, _, errs := runCLI(t, nil, "signatures", "export", "--format", "xml", "--out", xmlOut, "--other-codes"); code != 0 {
		t.Fatalf("export xml = %d: %s", code, errs)
	}
	b, err := os.ReadFile(xmlOut)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), "\n"); n != 61 || !strings.HasPrefix(string(b), `<entry name="41000">`) || !strings.Contains(string(b), "<threatname>HTTP-other</threatname>") {
		t.Errorf("xml export: %d lines; want 61 entries, one per line, HTTP-other last", n)
	}
	code, out, _ = runCLI(t, nil, "signatures", "export", "--format", "skillet", "--location", "device-group:Branches", "--scope", "transaction")
	if code != 0 || !strings.Contains(out, "xpath: /config/devices/entry[@name='localhost.localdomain']/device-group/entry[@name='Branches']/threats/vulnerability") ||
		!strings.Contains(out, "<scope>protocol-data-unit</scope>") || !strings.Contains(out, "type: panos") {
		t.Errorf("skillet export = %d:\n%s", code, out)
	}
}

func TestSignaturesUsageErrors(t *testing.T) {
	env := map[string]string{"PANOS_API_KEY": "k"}
	for _, args := range [][]string{
		{"signatures", "deploy", "--host", "fw", "--location", "dg"},
		{"signatures", "deploy", "--host", "fw", "--codes", "418"},
		{"signatures", "deploy", "--host", "fw", "--codes", "7xx"},
		{"signatures", "deploy", "--host", "fw", "--base-id", "44990"},
		{"signatures", "deploy", "--host", "fw", "--scope", "packet"},
		{"signatures", "export", "--format", "csv"},
		{"signatures", "verify", "--host", "fw", "--format", "xml"},
	} {
		if code, _, errs := runCLI(t, env, args...); code != exitUsage {
			t.Errorf("mine %v = %d (%s); want %d", args, code, errs, exitUsage)
		}
	}
}

// The demo's signature path verifies the catch-all after deploying and
// attaches a logging profile when it needs one.
func TestDemoVerifyAttachesWhenNeeded(t *testing.T) {
	s := startSigSim(t, panosim.Options{Seed: 34, Bare: true})
	var logs strings.Builder
	d := &deps{io: stdio{out: io.Discard, err: io.Discard}, getenv: func(string) string { return "" }, now: time.Now,
		global: &globalOptions{}, logger: slog.New(slog.NewTextHandler(&logs, nil))}
	cfg := collect.Config{Host: s.host.host, Port: s.host.port, APIKey: s.sim.APIKey(), Username: "admin", RootCAs: s.host.pool}
	dep, err := signatures.Connect(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dep.Deploy(context.Background(), signatures.Default(), signatures.Location{}); err != nil {
		t.Fatal(err)
	}
	checks, err := demoVerify(context.Background(), d, dep, cfg)
	if err != nil {
		t.Fatalf("demoVerify: %v", err)
	}
	// What the report's About sheet says was verified: the catch-all of
	// the bare simulator, now logging through the attached profile.
	if len(checks) != 1 || !checks[0].Logs || checks[0].Profile != "mine-http-status" || checks[0].Rule == "" {
		t.Errorf("demoVerify() checks = %+v; want the catch-all logging through mine-http-status", checks)
	}
	if !strings.Contains(logs.String(), "attaching a vulnerability profile") || !strings.Contains(logs.String(), "profile=mine-http-status") {
		t.Errorf("demoVerify logged:\n%s\nwant an attach and a verified catch-all", logs.String())
	}
}
