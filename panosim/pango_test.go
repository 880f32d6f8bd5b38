package panosim

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PaloAltoNetworks/pango"
	"github.com/PaloAltoNetworks/pango/commit"
	pangoerr "github.com/PaloAltoNetworks/pango/errors"
	cusvuln "github.com/PaloAltoNetworks/pango/objs/custom/vulnerability"
	"github.com/PaloAltoNetworks/pango/util"
	"github.com/PaloAltoNetworks/pango/version"
)

// newPangoFirewall serves s over TLS with a self-signed certificate and
// returns a pango client that trusts it (never skipping verification).
func newPangoFirewall(t *testing.T, s *Server, apiKey string) *pango.Firewall {
	t.Helper()
	cfg, certPEM, err := SelfSignedTLS()
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewUnstartedServer(s)
	hs.TLS = cfg
	hs.StartTLS()
	t.Cleanup(hs.Close)
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(certPEM) {
		t.Fatal("certificate PEM does not parse")
	}
	return &pango.Firewall{Client: pango.Client{
		Hostname:  "127.0.0.1",
		Port:      uint(hs.Listener.Addr().(*net.TCPAddr).Port),
		Username:  "admin",
		Password:  "paloalto",
		ApiKey:    apiKey,
		Protocol:  "https",
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}},
		Logging:   pango.LogQuiet,
	}}
}

func TestPangoOverTLS(t *testing.T) {
	s := New(Options{Seed: 21, SessionsPerDay: 800})
	fw := newPangoFirewall(t, s, "")
	if err := fw.Initialize(); err != nil {
		t.Fatalf("Initialize() = %v", err)
	}
	if fw.ApiKey != s.APIKey() {
		t.Errorf("keygen through pango = %q; want %q", fw.ApiKey, s.APIKey())
	}
	if !fw.Versioning().Gte(version.Number{Major: 10, Minor: 2}) || fw.SystemInfo["serial"] != s.Truth().Serial ||
		fw.SystemInfo["model"] != "PA-VM" {
		t.Errorf("pango sees version %s, system info %v", fw.Versioning(), fw.SystemInfo)
	}
	if len(fw.Plugins()) != 0 {
		t.Errorf("Plugins() = %v; want none", fw.Plugins())
	}
	clock, err := fw.Clock()
	if err != nil {
		t.Fatalf("Clock() = %v", err)
	}
	if got, want := clock.Format("15:04:05"), s.Now().In(s.Location()).Format("15:04:05"); got != want {
		t.Errorf("Clock() = %s; want %s device time", got, want)
	}

	// Signatures: the recorded skillet in shared, and one through pango's
	// own custom vulnerability structs in vsys1.
	codes, err := os.ReadFile("../testdata/real/ceskillets-codes.xml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Set("/config/shared/threats/vulnerability", string(codes), nil, nil); err != nil {
		t.Fatalf("Set(signatures) = %v", err)
	}
	sig := cusvuln.Entry{
		Name: "41070", ThreatName: "HTTP-418", Severity: "informational", Direction: "server2client",
		DefaultAction: "alert", AffectedSystemClient: true,
		StandardSignatureType: &cusvuln.StandardSignatureType{Signatures: []cusvuln.StandardSignature{{
			Name: "HTTP-418", Scope: "session", OrderFree: true,
			StandardAnds: []cusvuln.StandardAnd{{Name: "And Condition 1", StandardOrs: []cusvuln.StandardOr{{
				Name: "Or Condition 1", EqualTo: &cusvuln.EqualTo{Value: 418, Context: "http-rsp-code"},
			}}}},
		}}},
	}
	if err := fw.Objects.CustomVulnerability.Set("vsys1", sig); err != nil {
		t.Fatalf("CustomVulnerability.Set = %v", err)
	}
	names, err := fw.Objects.CustomVulnerability.GetList("vsys1")
	if err != nil || len(names) != 1 || names[0] != "41070" {
		t.Errorf("CustomVulnerability.GetList = %v, %v; want [41070]", names, err)
	}
	got, err := fw.Objects.CustomVulnerability.Get("vsys1", "41070")
	if err != nil || got.ThreatName != "HTTP-418" || got.StandardSignatureType == nil {
		t.Errorf("CustomVulnerability.Get = %+v, %v; want HTTP-418", got, err)
	}
	if _, err := fw.Objects.CustomVulnerability.Show("vsys1", "41070"); err == nil {
		t.Errorf("Show of an uncommitted signature succeeded; want No such node")
	}

	id, _, err := fw.Commit(commit.FirewallCommit{Description: "deploy signatures"}, "", nil)
	if err != nil || id == 0 {
		t.Fatalf("Commit = %d, %v; want a job", id, err)
	}
	if err := fw.WaitForJob(id, 0, nil, nil); err != nil {
		t.Fatalf("WaitForJob(%d) = %v", id, err)
	}
	if id, _, err := fw.Commit(commit.FirewallCommit{}, "", nil); err != nil || id != 0 {
		t.Errorf("second Commit = %d, %v; want 0 (no changes)", id, err)
	}
	if _, err := fw.Objects.CustomVulnerability.Show("vsys1", "41070"); err != nil {
		t.Errorf("Show after commit = %v", err)
	}
	_, err = fw.Get("/config/shared/address/entry[@name='nope']", nil, nil)
	if e, ok := err.(pangoerr.Panos); !ok || !e.ObjectNotFound() {
		t.Errorf("Get of a missing node = %v; want ObjectNotFound", err)
	}

	s.Advance(24 * time.Hour)

	var hc util.HitCountResponse
	if _, err := fw.Op(util.NewHitCountRequest("security", "vsys1", nil), "", nil, &hc); err != nil {
		t.Fatalf("hit count = %v", err)
	}
	if n := len(hc.Results); n != len(s.Truth().Rulebase)+2 {
		t.Errorf("hit count rules = %d; want %d", n, len(s.Truth().Rulebase)+2)
	}
	for _, r := range hc.Results {
		if r.Name == ruleCatchAll && (r.HitCount == 0 || r.FirstHitTimestamp == 0) {
			t.Errorf("catch-all hit count = %+v; want hits", r)
		}
	}

	// A log query through pango's Log, polled by hand.
	var job util.JobResponse
	if _, err := fw.Log("threat", "", "(threatid eq 41003) and (rule eq '"+ruleCatchAll+"')", "forward", 100, 0, nil, &job); err != nil || job.Id == 0 {
		t.Fatalf("Log submit = %d, %v", job.Id, err)
	}
	type entry struct {
		ThreatID string `xml:"threatid"`
		TID      int    `xml:"tid"`
		Rule     string `xml:"rule"`
	}
	var ans struct {
		Status  string  `xml:"result>job>status"`
		Entries []entry `xml:"result>log>logs>entry"`
	}
	for i := 0; ans.Status != "FIN"; i++ {
		if i > 5 {
			t.Fatal("log job never finished")
		}
		ans.Entries = nil
		extras := url.Values{"job-id": {strconv.Itoa(int(job.Id))}}
		if _, err := fw.Log("", "get", "", "", 0, 0, extras, &ans); err != nil {
			t.Fatalf("Log get = %v", err)
		}
	}
	if len(ans.Entries) != 100 {
		t.Errorf("log entries = %d; want 100", len(ans.Entries))
	}
	for _, e := range ans.Entries {
		if e.ThreatID != "HTTP-200" || e.TID != 41003 || e.Rule != ruleCatchAll {
			t.Errorf("entry %+v; want HTTP-200 41003 on the catch-all", e)
			break
		}
	}
}

func TestPangoRejectsBadKey(t *testing.T) {
	s := New(Options{Seed: 22})
	fw := newPangoFirewall(t, s, "LUFRPT1bogus")
	err := fw.Initialize()
	if err == nil || !strings.Contains(err.Error(), "Invalid Credential") {
		t.Errorf("Initialize() with a bad key = %v; want Invalid Credential", err)
	}
	var e pangoerr.Panos
	if pe, ok := err.(pangoerr.Panos); ok {
		e = pe
	}
	if e.Code != 403 {
		t.Errorf("error code = %d; want 403", e.Code)
	}
}
