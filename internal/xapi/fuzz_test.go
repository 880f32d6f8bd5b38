package xapi

import (
	"bytes"
	"errors"
	"os"
	"testing"
)

// The answer envelope and job status, as any device or proxy may send
// them: an error or a result, never a panic, and never success for a
// body that is not the XML API.
func FuzzAnswer(f *testing.F) {
	for _, s := range []string{`<response status="success" code="19"><result/></response>`,
		`<response status="error" code="22"><msg><line>Session timed out</line></msg></response>`,
		"<html><body>login</body></html>", ""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ok, known := successEnvelope(body)
		if ok && !known {
			t.Fatal("success without an envelope")
		}
		b, err := answer("op", body, nil)
		if err == nil && !bytes.Contains(body[:min(len(body), 1024)], []byte("<response")) {
			t.Fatalf("answer(%q) accepted a body without <response>", body)
		}
		var he *HTTPError
		if err != nil && errors.As(err, &he) && b != nil {
			t.Fatal("a refused answer handed back a body")
		}
		_ = redactURL(string(body))
	})
}

func FuzzParseJobs(f *testing.F) {
	for _, n := range []string{"../../testdata/real/demisto-show_jobs_with_failed.xml", "../../testdata/real/demisto-push_to_device_success.xml"} {
		b, err := os.ReadFile(n)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		jobs, err := ParseJobs(body)
		if err != nil {
			return
		}
		for _, j := range jobs {
			_ = j.Done()
			_ = j.Failed()
		}
		_, _ = ParseLocks(body, "config")
	})
}
