package xapi

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

func TestParseJobsRecorded(t *testing.T) {
	b, err := os.ReadFile("../../testdata/real/demisto-show_jobs_with_failed.xml")
	if err != nil {
		t.Fatal(err)
	}
	jobs, err := ParseJobs(b)
	if err != nil {
		t.Fatalf("ParseJobs: %v", err)
	}
	if len(jobs) != 2 {
		t.Fatalf("ParseJobs = %d jobs; want 2", len(jobs))
	}
	if j := jobs[0]; j.ID != 0 || j.Type != "Failed-Job" || len(j.Details) != 1 || j.Details[0] != "job failed because of configd restart" {
		t.Errorf("jobs[0] = %+v; want the id-less Failed-Job", j)
	}
	j := jobs[1]
	if j.ID != 7 || j.Status != "FIN" || j.Result != "OK" || j.Progress != 100 || !j.Done() || j.Failed() != "" ||
		strings.Join(j.Details, "|") != "line 1|line 2" {
		t.Errorf("jobs[1] = %+v; want job 7 FIN OK 100%% with two detail lines", j)
	}
}

func TestParseJobsCommitAllRecorded(t *testing.T) {
	b, err := os.ReadFile("../../testdata/real/demisto-push_to_device_success.xml")
	if err != nil {
		t.Fatal(err)
	}
	jobs, err := ParseJobs(b)
	if err != nil {
		t.Fatalf("ParseJobs: %v", err)
	}
	if len(jobs) != 1 {
		t.Fatalf("ParseJobs = %d jobs; want 1", len(jobs))
	}
	j := jobs[0]
	if j.ID != 123 || j.Type != "CommitAll" || len(j.Devices) != 2 || !j.Done() || j.Failed() != "" {
		t.Fatalf("job = %+v; want CommitAll 123 with 2 devices, done and OK", j)
	}
	d := j.Devices[1]
	if d.Serial != "007051000086000" || d.Name != "PA-VM_FW-02_8.1.0" || d.Result != "OK" || d.Status != "commit succeeded with warnings" ||
		len(d.Errors) != 1 || d.Errors[0] != "Configuration committed successfully" {
		t.Errorf("device = %+v", d)
	}
	// one device failing makes the job fail, naming the device
	j.Devices[1].Result = "FAIL"
	if why := j.Failed(); !strings.Contains(why, "007051000086000") {
		t.Errorf("Failed() = %q; want the failing serial named", why)
	}
	j.Devices[0].Result = "PEND"
	if j.Done() {
		t.Error("Done() = true with a device PEND; want false")
	}
}

func TestRedactURL(t *testing.T) {
	in := `Post "https://fw/api?type=op&key=SECRET1&x=1": dial tcp; password=hunter2 key=SECRET2`
	got := redactURL(in)
	for _, s := range []string{"SECRET1", "SECRET2", "hunter2"} {
		if strings.Contains(got, s) {
			t.Errorf("redactURL(%q) = %q; still holds %s", in, got, s)
		}
	}
	if !strings.Contains(got, "key=REDACTED&x=1") {
		t.Errorf("redactURL(%q) = %q; want the other parameters kept", in, got)
	}
}

func TestSuccessEnvelope(t *testing.T) {
	tests := []struct {
		body      string
		ok, known bool
	}{
		{`<response status="success"><result/></response>`, true, true},
		{`<?xml version="1.0"?>` + "\n" + `<response status="success" code="19"><result/></response>`, true, true},
		{`<response status='success' code='20'/>`, true, true},
		{`<response status="success" code="7"><result/></response>`, false, true},
		{`<response status="error" code="403"><result><msg>Invalid Credential</msg></result></response>`, false, true},
		{`<html><body>502 Bad Gateway</body></html>`, false, false},
		{``, false, false},
	}
	for _, tc := range tests {
		ok, known := successEnvelope([]byte(tc.body))
		if ok != tc.ok || known != tc.known {
			t.Errorf("successEnvelope(%q) = %v, %v; want %v, %v", tc.body, ok, known, tc.ok, tc.known)
		}
	}
}

// Only a missing node is a missing node: a session timeout or a bad xpath
// read as "nothing there" would let a preflight miss foreign signatures.
func TestIsNotFound(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{&APIError{Code: 7, Msg: "Object not found"}, true},
		{&APIError{Code: 0, Msg: "No such node"}, true},
		{fmt.Errorf("read running config x: %w", &APIError{Code: 7}), true},
		{&APIError{Code: 22, Msg: "Session timed out"}, false},
		{&APIError{Code: 6, Msg: "Bad Xpath"}, false},
		{ErrUnauthorized, false},
		{nil, false},
	}
	for _, tc := range tests {
		if got := IsNotFound(tc.err); got != tc.want {
			t.Errorf("IsNotFound(%v) = %v; want %v", tc.err, got, tc.want)
		}
	}
}
