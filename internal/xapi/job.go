package xapi

import (
	"context"
	"encoding/xml"
	"fmt"
	"strings"
	"time"
)

// Job is the state of a device job (commit, commit-all, validate) from
// "show jobs id N".
type Job struct {
	ID       uint
	Type     string
	Status   string // ACT, FIN, PEND
	Result   string // PEND, OK, FAIL
	Progress int
	Details  []string
	Warnings []string
	Devices  []JobDevice // per-firewall results of a Panorama push
}

// JobDevice is one firewall's part of a Panorama commit-all job.
type JobDevice struct {
	Serial string
	Name   string
	Status string
	Result string
	Errors []string
}

// Done reports whether the job has finished, including every device part.
func (j *Job) Done() bool {
	if j.Status != "FIN" {
		return false
	}
	for _, d := range j.Devices {
		if d.Result == "PEND" || d.Result == "" {
			return false
		}
	}
	return true
}

// Failed describes why a finished job failed, or returns "" when it
// succeeded on the device and on every firewall.
func (j *Job) Failed() string {
	if j.Result != "OK" {
		if len(j.Details) > 0 {
			return strings.Join(j.Details, "; ")
		}
		return "result " + j.Result
	}
	var bad []string
	for _, d := range j.Devices {
		if d.Result != "OK" {
			bad = append(bad, fmt.Sprintf("%s (%s): %s %s", d.Name, d.Serial, d.Result, strings.Join(d.Errors, "; ")))
		}
	}
	return strings.Join(bad, ", ")
}

type jobXML struct {
	ID       string   `xml:"id"`
	Type     string   `xml:"type"`
	Status   string   `xml:"status"`
	Result   string   `xml:"result"`
	Progress string   `xml:"progress"`
	Details  []string `xml:"details>line"`
	Warnings []string `xml:"warnings>line"`
	Devices  []struct {
		Serial string   `xml:"serial-no"`
		Name   string   `xml:"devicename"`
		Status string   `xml:"status"`
		Result string   `xml:"result"`
		Errors []string `xml:"details>msg>errors>line"`
	} `xml:"devices>entry"`
}

// ParseJobs parses the answer to "show jobs id N" or "show jobs all". Entries
// without an ID (PAN-OS reports "Failed-Job" entries so after a configd
// restart) are returned with ID 0.
func ParseJobs(body []byte) ([]Job, error) {
	var doc struct {
		Status string   `xml:"status,attr"`
		Jobs   []jobXML `xml:"result>job"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("parse job status: %w", err)
	}
	if doc.Status != "success" {
		return nil, fmt.Errorf("parse job status: response status %q", doc.Status)
	}
	out := make([]Job, 0, len(doc.Jobs))
	for _, x := range doc.Jobs {
		j := Job{
			Type:     strings.TrimSpace(x.Type),
			Status:   strings.TrimSpace(x.Status),
			Result:   strings.TrimSpace(x.Result),
			Details:  trimAll(x.Details),
			Warnings: trimAll(x.Warnings),
		}
		if s := strings.TrimSpace(x.ID); s != "" {
			var id uint
			if _, err := fmt.Sscan(s, &id); err != nil {
				return nil, fmt.Errorf("parse job status: job id %q is not a number", s)
			}
			j.ID = id
		}
		if s := strings.TrimSpace(x.Progress); s != "" {
			if _, err := fmt.Sscan(s, &j.Progress); err != nil {
				return nil, fmt.Errorf("parse job status: progress %q is not a number", s)
			}
		}
		for _, d := range x.Devices {
			j.Devices = append(j.Devices, JobDevice{
				Serial: strings.TrimSpace(d.Serial),
				Name:   strings.TrimSpace(d.Name),
				Status: strings.TrimSpace(d.Status),
				Result: strings.TrimSpace(d.Result),
				Errors: trimAll(d.Errors),
			})
		}
		out = append(out, j)
	}
	return out, nil
}

func trimAll(in []string) []string {
	var out []string
	for _, s := range in {
		s = strings.TrimSpace(strings.ReplaceAll(s, `\n`, ""))
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// WaitJob polls job id until it finishes, the context ends or the deadline
// passes (ErrJobTimeout). Polling starts at 200ms and backs off to 2s. It
// returns the finished job; a job that finished but failed is returned with
// an error describing the failure.
func (s *Session) WaitJob(ctx context.Context, id uint, deadline time.Duration) (Job, error) {
	if id == 0 {
		return Job{}, fmt.Errorf("wait for job: no job ID")
	}
	jctx, cancel := context.WithTimeout(ctx, deadline)
	defer cancel()
	wait := 200 * time.Millisecond
	cmd := fmt.Sprintf("<show><jobs><id>%d</id></jobs></show>", id)
	for {
		body, err := s.Op(jctx, cmd)
		if err != nil {
			if ctx.Err() == nil && jctx.Err() != nil {
				return Job{}, fmt.Errorf("job %d after %s: %w", id, deadline, ErrJobTimeout)
			}
			return Job{}, fmt.Errorf("wait for job %d: %w", id, err)
		}
		jobs, err := ParseJobs(body)
		if err != nil {
			return Job{}, fmt.Errorf("wait for job %d: %w", id, err)
		}
		if len(jobs) != 1 || jobs[0].ID != id {
			return Job{}, fmt.Errorf("wait for job %d: the device answered about %d other job(s)", id, len(jobs))
		}
		j := jobs[0]
		if j.Done() {
			if why := j.Failed(); why != "" {
				return j, fmt.Errorf("job %d (%s) failed: %s", id, j.Type, why)
			}
			return j, nil
		}
		if err := s.sleep(jctx, wait); err != nil {
			if ctx.Err() == nil {
				return j, fmt.Errorf("job %d (%s) at %d%% after %s: %w", id, j.Type, j.Progress, deadline, ErrJobTimeout)
			}
			return j, fmt.Errorf("wait for job %d: %w", id, err)
		}
		wait = min(wait*2, 2*time.Second)
	}
}
