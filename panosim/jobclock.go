package panosim

import (
	"slices"
	"time"
)

// Latency is how long the simulated management plane takes for log query
// and report jobs, on the wall clock (Now). A job answers ACT until its
// cost has passed since it was submitted (and PollsBeforeFinish polls
// were answered), then FIN. The cost grows with the log entries the job
// works through: a log query reads the entries of its time range in order
// until it has nlogs matches (LogPerThousand per thousand read); a report
// summarises every entry of its time range (ReportPerMillion per
// million), whatever its filter, as a log database indexed by time does.
// Jobs run side by side without slowing each other down.
//
// DefaultLatency and docs/scale.md give the figures and what they rest on.
type Latency struct {
	LogJob           time.Duration
	LogPerThousand   time.Duration
	Report           time.Duration
	ReportPerMillion time.Duration
	// Now is the job clock; default time.Now. Tests pass a clock they
	// move themselves.
	Now func() time.Time
}

// DefaultLatency is the latency model of the scale benchmark: a log query
// of a full page (5000 entries read) takes 1s + 5*0.2s = 2s, the figure
// mine's issue measured jobs at; a report takes 2s and 1s per million
// entries it summarises.
var DefaultLatency = Latency{
	LogJob: time.Second, LogPerThousand: 200 * time.Millisecond,
	Report: 2 * time.Second, ReportPerMillion: time.Second,
}

func (l *Latency) now() time.Time {
	if l == nil || l.Now == nil {
		return time.Now()
	}
	return l.Now()
}

// logCost is what a log query that read scanned entries costs.
func (l *Latency) logCost(scanned int64) time.Duration {
	if l == nil {
		return 0
	}
	return l.LogJob + time.Duration(scanned)*l.LogPerThousand/1000
}

// reportCost is what a report that summarised scanned entries costs.
func (l *Latency) reportCost(scanned int64) time.Duration {
	if l == nil {
		return 0
	}
	return l.Report + time.Duration(scanned)*l.ReportPerMillion/1_000_000
}

// JobRecord is the job clock's account of one log query or report job:
// when it was submitted, when the latency model let it finish, when it
// was polled and when its final answer (FIN) was served. Without a
// Latency model Finished is the submission time.
type JobRecord struct {
	ID        int
	Kind      string // "log" or "report"
	LogType   string
	Scanned   int64 // log entries the job read or summarised
	Submitted time.Time
	Finished  time.Time
	Polls     []time.Time
	Served    time.Time // zero while not served
}

// JobRecords returns the job clock's records of the log query and report
// jobs so far (the last 65536), oldest first (on Panorama, those Panorama itself
// answered).
func (s *Server) JobRecords() []JobRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]JobRecord, len(s.jobClock))
	for i, r := range s.jobClock {
		out[i] = *r
		out[i].Polls = slices.Clone(r.Polls)
	}
	return out
}

// maxJobRecords bounds the job clock's memory.
const maxJobRecords = 1 << 16

// clockJob starts the record of a job and returns it.
func (s *Server) clockJob(id int, kind, logType string, scanned int64, cost time.Duration) *JobRecord {
	now := s.o.Latency.now()
	r := &JobRecord{ID: id, Kind: kind, LogType: logType, Scanned: scanned, Submitted: now, Finished: now.Add(cost)}
	if len(s.jobClock) >= maxJobRecords { // a long-running simulator keeps the recent half
		s.jobClock = slices.Delete(s.jobClock, 0, maxJobRecords/2)
	}
	s.jobClock = append(s.jobClock, r)
	return r
}

// poll notes a poll of the job and reports whether the latency model
// lets it finish now.
func (r *JobRecord) poll(l *Latency) (now time.Time, done bool) {
	now = l.now()
	r.Polls = append(r.Polls, now)
	return now, !now.Before(r.Finished)
}

// SetLatency replaces the latency model of the jobs submitted from now on
// (nil: jobs cost nothing); a benchmark runs the same logs with and
// without one. On Panorama it applies to the jobs Panorama answers.
func (s *Server) SetLatency(l *Latency) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.o.Latency = l
}

// SetReplicas changes Options.Replicas for the queries and reports from
// now on; on Panorama, for every managed firewall too.
func (s *Server) SetReplicas(n int) {
	for _, fw := range s.Firewalls() {
		fw.SetReplicas(n)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.o.Replicas = n
}
