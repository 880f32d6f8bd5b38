package panosim

import (
	"errors"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func FuzzCompileQuery(f *testing.F) {
	for _, q := range []string{
		"(threatid eq 41003)",
		"(rule eq 'Allow-Web-Ports') and ((threatid geq 41000) or !(addr.src in 10.1.0.0/16))",
		"(receive_time geq '2026/11/02 09:00:00') and (receive_time leq '2026/11/02 09:59:59')",
		"not (severity geq low) or (misc contains '/login')",
		"((", "(rule eq", "'", "(a eq b) and or (c eq d)",
	} {
		f.Add(q)
	}
	s := New(Options{Seed: 1, SessionsPerDay: 200})
	s.Advance(2 * time.Hour)
	f.Fuzz(func(t *testing.T, q string) {
		for _, lt := range []string{"threat", "traffic"} {
			flt, err := compileQuery(q, lt)
			if err != nil {
				continue
			}
			s.selectLogs(s.traffic, flt, true, 0, 10)
		}
	})
}

func FuzzParseXPath(f *testing.F) {
	for _, p := range []string{
		"/config/devices/entry[@name='localhost.localdomain']/vsys/entry[@name='vsys1']",
		`/config/shared/threats/vulnerability/entry[@name="41000" or @name="41001"]`,
		"/config/shared/address/entry/@name", "/", "//", "/config[", "/config/entry[@name='a']x",
	} {
		f.Add(p)
	}
	root, err := parseOne(New(Options{}).running.String())
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, p string) {
		steps, err := parseXPath(p)
		if err != nil {
			return
		}
		find(root, steps)
	})
}

// FuzzAPI checks that no request makes the server panic or answer without
// an XML envelope.
func FuzzAPI(f *testing.F) {
	f.Add("config", "set", "/config/shared/address/entry[@name='a']", "<ip-netmask>10.0.0.1</ip-netmask>", "")
	f.Add("config", "edit", "/config/shared/address/entry[@name='a']", "<entry name='a'><fqdn>x</fqdn></entry>", "")
	f.Add("config", "move", "/config/shared/address/entry[@name='a']", "", "top")
	f.Add("op", "", "", "", "<show><jobs><id>x</id></jobs></show>")
	f.Add("commit", "", "", "", "<commit><partial/></commit>")
	f.Add("log", "get", "", "", "")
	s := New(Options{Seed: 2, SessionsPerDay: 100})
	h := httptest.NewRecorder
	f.Fuzz(func(t *testing.T, typ, action, xpath, element, cmd string) {
		v := url.Values{"type": {typ}, "action": {action}, "xpath": {xpath}, "element": {element},
			"cmd": {cmd}, "key": {s.APIKey()}, "job-id": {cmd}, "log-type": {"threat"}, "query": {element}, "where": {cmd}}
		r := httptest.NewRequest("POST", "/api/", strings.NewReader(v.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := h()
		s.ServeHTTP(w, r)
		if !strings.HasPrefix(w.Body.String(), "<response status=") {
			t.Fatalf("answer %q", w.Body.String())
		}
		if w.Code == 500 {
			t.Fatalf("internal error for %v: %s", v, w.Body.String())
		}
	})
}

// FuzzTagFilter checks that dynamic group filters either fail with the
// commit error or evaluate, and that parsing is stable: a filter that
// parses gives the same verdict for the same tags.
func FuzzTagFilter(f *testing.F) {
	for _, s := range []string{"'web'", dagFilter, "'a' or 'b' and 'c'", "((('x')))", "'a' and", "(", "'", `"q" OR bare`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := parseTagFilter(s)
		if err != nil {
			if !errors.Is(err, errMatchCriteria) {
				t.Fatalf("parseTagFilter(%q) = %v; want %v", s, err, errMatchCriteria)
			}
			return
		}
		has := func(tag string) bool { return len(tag)%2 == 0 }
		if e.eval(has) != e.eval(has) {
			t.Fatalf("filter %q evaluates differently twice", s)
		}
	})
}

// FuzzUserIDAndPolicyMatch sends arbitrary uid-messages and policy tests:
// the server answers each with an envelope, never an internal error.
func FuzzUserIDAndPolicyMatch(f *testing.F) {
	f.Add(uidMessage("register", `<entry ip="10.20.5.5"><tag><member timeout="5">web</member></tag></entry>`), spm("source=10.1.2.3", "destination=10.20.1.10", "protocol=6"))
	f.Add(uidMessage("login", `<entry name="corp\a" ip="10.1.1.1" timeout="x"/>`), spm("source=::1", "destination=10.20.1.10", "protocol=17", "show-all=yes"))
	f.Add("<uid-message><type>update</type><payload><unregister><entry/></unregister></payload></uid-message>", "<test><security-policy-match/></test>")
	s := New(Options{Seed: 3, SessionsPerDay: -1, ObjectPolicy: true})
	f.Fuzz(func(t *testing.T, uid, test string) {
		for _, v := range []url.Values{
			{"type": {"user-id"}, "cmd": {uid}, "key": {s.APIKey()}},
			{"type": {"op"}, "cmd": {test}, "key": {s.APIKey()}},
			{"type": {"op"}, "cmd": {"<show><object><registered-ip><all/></registered-ip></object></show>"}, "key": {s.APIKey()}},
		} {
			r := httptest.NewRequest("POST", "/api/", strings.NewReader(v.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			w := httptest.NewRecorder()
			s.ServeHTTP(w, r)
			if !strings.HasPrefix(w.Body.String(), "<response status=") || w.Code == 500 {
				t.Fatalf("answer to %v = %d %q", v, w.Code, w.Body.String())
			}
		}
	})
}
