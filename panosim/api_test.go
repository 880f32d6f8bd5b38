package panosim

import (
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"
)

func TestKeygenAndAuth(t *testing.T) {
	s, c := newTestServer(t, Options{Seed: 3})
	tests := []struct {
		name     string
		kv       []string
		wantHTTP int
		wantKey  string
	}{
		{"keygen ok", []string{"type", "keygen", "user", "admin", "password", "paloalto", "key", "-"}, 200, s.APIKey()},
		{"keygen bad password", []string{"type", "keygen", "user", "admin", "password", "nope", "key", "-"}, 403, ""},
		{"keygen unknown user", []string{"type", "keygen", "user", "root", "password", "paloalto", "key", "-"}, 403, ""},
		{"op without key", []string{"type", "op", "cmd", "<show><clock/></show>", "key", ""}, 403, ""},
		{"op bad key", []string{"type", "op", "cmd", "<show><clock/></show>", "key", "LUFRPT1bogus"}, 403, ""},
		{"op good key", []string{"type", "op", "cmd", "<show><clock/></show>"}, 200, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cc := *c
			cc.t = t
			if len(tc.kv) >= 2 && tc.kv[len(tc.kv)-2] == "key" {
				cc.key = ""
			}
			code, body := cc.call(tc.kv...)
			if code != tc.wantHTTP {
				t.Fatalf("HTTP status of %v = %d (%s); want %d", tc.kv, code, body, tc.wantHTTP)
			}
			if code == 403 {
				want := `<response status="error" code="403"><result><msg>Invalid Credential</msg></result></response>`
				if string(body) != want {
					t.Errorf("403 body = %s; want %s", body, want)
				}
				return
			}
			if tc.wantKey != "" {
				var ans struct {
					Key string `xml:"result>key"`
				}
				if err := xml.Unmarshal(body, &ans); err != nil {
					t.Fatal(err)
				}
				if ans.Key != tc.wantKey {
					t.Errorf("keygen key = %q; want %q", ans.Key, tc.wantKey)
				}
			}
		})
	}
	if len(s.APIKey()) < 40 || s.APIKey() == New(Options{Seed: 4}).APIKey() {
		t.Errorf("APIKey() = %q; want a long key that differs per seed", s.APIKey())
	}
}

func TestKeyHeaderAndGET(t *testing.T) {
	s, c := newTestServer(t, Options{Seed: 3})
	base := strings.TrimSuffix(c.url, "/")
	for _, tc := range []struct {
		name string
		req  func() *http.Request
		want int
	}{
		{"X-PAN-KEY header", func() *http.Request {
			r, _ := http.NewRequest("POST", base, strings.NewReader("type=op&cmd="+url.QueryEscape("<show><clock/></show>")))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			r.Header.Set("X-PAN-KEY", s.APIKey())
			return r
		}, 200},
		{"GET query string", func() *http.Request {
			r, _ := http.NewRequest("GET", base+"?type=op&cmd="+url.QueryEscape("<show><clock/></show>")+"&key="+url.QueryEscape(s.APIKey()), nil)
			return r
		}, 200},
		{"wrong path", func() *http.Request {
			r, _ := http.NewRequest("GET", strings.TrimSuffix(base, "/api")+"/other", nil)
			return r
		}, 404},
	} {
		resp, err := http.DefaultClient.Do(tc.req())
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s: status = %d (%s); want %d", tc.name, resp.StatusCode, body, tc.want)
		}
	}
}

func TestSystemInfoLikeRecorded(t *testing.T) {
	s, c := newTestServer(t, Options{Seed: 5})
	recorded, err := os.ReadFile("../testdata/real/demisto-show_system_info.xml")
	if err != nil {
		t.Fatal(err)
	}
	var rec, got struct {
		Fields []struct {
			XMLName xml.Name
			Value   string `xml:",chardata"`
		} `xml:",any"`
	}
	decode := func(body []byte, into any) {
		t.Helper()
		var env struct {
			System struct {
				Inner []byte `xml:",innerxml"`
			} `xml:"result>system"`
		}
		if err := xml.Unmarshal(body, &env); err != nil {
			t.Fatal(err)
		}
		if err := xml.Unmarshal([]byte("<system>"+string(env.System.Inner)+"</system>"), into); err != nil {
			t.Fatal(err)
		}
	}
	decode(recorded, &rec)
	decode(c.ok("type", "op", "cmd", "<show><system><info></info></system></show>"), &got)
	have := map[string]string{}
	for _, f := range got.Fields {
		have[f.XMLName.Local] = f.Value
	}
	// Fields only Panorama reports.
	panoramaOnly := map[string]bool{"system-mode": true, "licensed-device-capacity": true,
		"panlogs-partition-in-gb": true, "num-cpus": true, "ram-in-gb": true}
	for _, f := range rec.Fields {
		name := f.XMLName.Local
		if panoramaOnly[name] {
			continue
		}
		if _, ok := have[name]; !ok {
			t.Errorf("show system info lacks <%s> of the recorded answer", name)
		}
	}
	tr := s.Truth()
	for name, want := range map[string]string{
		"hostname": tr.Hostname, "devicename": tr.Hostname, "serial": tr.Serial,
		"model": "PA-VM", "family": "vm", "multi-vsys": "off",
	} {
		if have[name] != want {
			t.Errorf("system info <%s> = %q; want %q", name, have[name], want)
		}
	}
	if !strings.HasPrefix(have["sw-version"], "10.2.") {
		t.Errorf("sw-version = %q; want 10.2.x", have["sw-version"])
	}
	if have["threat-version"] == "" || have["threat-version"] == "0" {
		t.Errorf("threat-version = %q; want installed content", have["threat-version"])
	}
	loc := s.Location()
	tm, err := time.ParseInLocation("Mon Jan _2 15:04:05 2006\n", have["time"], loc)
	if err != nil || !tm.Equal(s.Now()) {
		t.Errorf("system info time %q = %v, %v; want %v in device zone", have["time"], tm, err, s.Now())
	}
}

func TestClockAndPlugins(t *testing.T) {
	s, c := newTestServer(t, Options{Seed: 5})
	s.Advance(36 * time.Hour)
	var clock struct {
		Result string `xml:"result"`
	}
	if err := xml.Unmarshal(c.ok("type", "op", "cmd", "<show><clock></clock></show>"), &clock); err != nil {
		t.Fatal(err)
	}
	tm, err := time.Parse(time.UnixDate+"\n", clock.Result)
	if err != nil {
		t.Fatalf("parse clock %q: %v", clock.Result, err)
	}
	if zone, _ := tm.Zone(); zone != "PST" && zone != "PDT" {
		t.Errorf("clock zone = %q; want the device zone (PST/PDT)", zone)
	}
	// time.Parse gives an unknown abbreviation offset 0, so compare digits.
	if got, want := tm.Format("2006-01-02 15:04:05"), s.Now().In(s.Location()).Format("2006-01-02 15:04:05"); got != want {
		t.Errorf("clock = %s; want %s (device local)", got, want)
	}
	body := c.ok("type", "op", "cmd", "<show><plugins><packages/></plugins></show>")
	if !strings.Contains(string(body), "<plugins/>") {
		t.Errorf("plugins = %s; want an empty list", body)
	}
}

func TestErrors(t *testing.T) {
	_, c := newTestServer(t, Options{Seed: 5})
	tests := []struct {
		name     string
		kv       []string
		wantCode string
	}{
		{"unknown op", []string{"type", "op", "cmd", "<show><bogus/></show>"}, "17"},
		{"unknown verb", []string{"type", "op", "cmd", "<frobnicate/>"}, "17"},
		{"malformed op", []string{"type", "op", "cmd", "<show><system>"}, "18"},
		{"missing type", []string{"cmd", "<show/>"}, "400"},
		{"bad type", []string{"type", "nope"}, "400"},
		{"bad xpath", []string{"type", "config", "action", "get", "xpath", "config/x"}, "6"},
		{"show missing", []string{"type", "config", "action", "show", "xpath", "/config/nothing"}, ""},
		{"nlogs too big", []string{"type", "log", "log-type", "threat", "nlogs", "5001"}, "17"},
		{"bad log type", []string{"type", "log", "log-type", "nope"}, "400"},
		{"unknown job", []string{"type", "log", "action", "get", "job-id", "999"}, "17"},
		{"unknown commit job", []string{"type", "op", "cmd", "<show><jobs><id>999</id></jobs></show>"}, "17"},
		{"commit-all", []string{"type", "commit", "action", "all", "cmd", "<commit-all/>"}, "17"},
	}
	for _, tc := range tests {
		_, body := c.call(tc.kv...)
		e := parseEnvelope(t, body)
		if e.Status != "error" || e.Code != tc.wantCode {
			t.Errorf("%s: %v = %s; want status error code %q", tc.name, tc.kv, body, tc.wantCode)
		}
		if len(e.Lines) == 0 || e.Lines[0] == "" {
			t.Errorf("%s: %s has no message line", tc.name, body)
		}
	}
	_, body := c.call("type", "config", "action", "show", "xpath", "/config/nothing")
	if e := parseEnvelope(t, body); len(e.Lines) != 1 || e.Lines[0] != "No such node" {
		t.Errorf("show missing = %s; want line No such node", body)
	}
}

func TestConcurrentUse(t *testing.T) {
	s, c := newTestServer(t, Options{Seed: 6, SessionsPerDay: 400})
	c.deploySignatures()
	c.commit()
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			var err error
			for i := 0; i < 40 && err == nil; i++ {
				cmd := url.Values{"type": {"op"}, "cmd": {hitCountCmd()}, "key": {s.APIKey()}}
				if i%2 == 0 {
					cmd = url.Values{"type": {"log"}, "log-type": {"threat"}, "query": {"(threatid eq 41003)"}, "key": {s.APIKey()}}
				}
				var resp *http.Response
				if resp, err = http.PostForm(c.url, cmd); err == nil {
					body, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if !strings.Contains(string(body), `status="success"`) {
						err = fmt.Errorf("answer %s", body)
					}
				}
			}
			errs <- err
		}()
	}
	for range 24 {
		s.Advance(time.Hour)
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if th, tr := s.LogCounts(); th == 0 || tr == 0 {
		t.Errorf("LogCounts() = %d, %d; want logs", th, tr)
	}
}
