package main

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/panos-mine/mine"
	"github.com/panos-mine/mine/panosim"
)

// The scale benchmark (scripts/bench-scale.sh runs it): a simulated week
// of a million HTTP status logs, served as 1M, 10M and 100M with
// panosim's Replicas, collected by a mine binary in a child process with
// --evidence full and report, with and without panosim's latency model.
// It prints wall time, mine's CPU, bytes received, jobs, mine's peak RSS,
// and whether the suggestions, scanners, findings and verdicts agree. It
// does not run in `go test ./...`: only with -scale.
var (
	scaleFlag    = flag.String("scale", "", "run the scale benchmark at these volumes, e.g. 1M,10M,100M (scripts/bench-scale.sh)")
	scaleBin     = flag.String("scale-mine", "", "the mine binary to measure (default: this test binary as the CLI)")
	scaleBase    = flag.String("scale-baseline", "", "a mine binary to compare the full pull's CPU with (the branch's starting point)")
	scaleFullMax = flag.String("scale-full-max", "10M", "the largest volume the full pull runs at")
	scaleOut     = flag.String("scale-out", "", "append the figures as Markdown to this file")
	scaleSteps   = flag.String("scale-steps", "all", "comma-separated steps: base,full,report,latency,jobs (or only jobs-full, jobs-report), all")
	scaleJobsWin = flag.String("scale-jobs-full-since", "1d", "the window of the jobs step's full pulls (a week of them at 2s a job takes 15 minutes)")
	scalePairs   = flag.Int("scale-pairs", 1, "how many times the 1M full pull and the baseline's run one after the other, for the CPU ratio (a busy host's load drifts from minute to minute)")
)

// scaleBase is the simulated estate: about a million HTTP status logs in
// the week before its clock (1.11 per ordinary session, see sim serve).
const scaleSessionsPerDay = 128_000

type scaleRun struct {
	name     string
	bin      string
	evidence string // "" for a binary without the flag
	jobs     int
	since    string
	latency  *panosim.Latency
	volume   int // millions of logs (replicas)
}

type scaleResult struct {
	wall, cpu time.Duration
	rssKB     int64
	bytes     int64
	jobs      int
	report    *mine.Report
	out       string
}

type scaleBench struct {
	t      *testing.T
	sim    *panosim.Server
	host   *simHost
	cert   string
	dir    string
	until  time.Time
	record *queryRecorder
	lines  []string
}

// queryRecorder keeps the log queries submitted while on, to replay them.
type queryRecorder struct {
	next http.Handler
	mu   sync.Mutex
	on   bool
	subs []url.Values
}

func (q *queryRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q.mu.Lock()
	on := q.on
	q.mu.Unlock()
	if on {
		r.ParseForm()
		if r.Form.Get("type") == "log" && r.Form.Get("action") == "" {
			v := url.Values{}
			for _, k := range []string{"type", "log-type", "query", "dir", "nlogs", "skip"} {
				if x := r.Form.Get(k); x != "" {
					v.Set(k, x)
				}
			}
			q.mu.Lock()
			q.subs = append(q.subs, v)
			q.mu.Unlock()
		}
	}
	q.next.ServeHTTP(w, r)
}

func TestScaleBench(t *testing.T) {
	if *scaleFlag == "" {
		t.Skip("the scale benchmark runs with -scale (see scripts/bench-scale.sh)")
	}
	var volumes []int
	for _, v := range strings.Split(*scaleFlag, ",") {
		n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), "M"))
		if err != nil || n < 1 {
			t.Fatalf("-scale %q: want volumes such as 1M,10M,100M", *scaleFlag)
		}
		volumes = append(volumes, n)
	}
	fullMax, _ := strconv.Atoi(strings.TrimSuffix(*scaleFullMax, "M"))
	steps := map[string]bool{}
	for _, s := range strings.Split(*scaleSteps, ",") {
		steps[strings.TrimSpace(s)] = true
	}
	all := steps["all"]
	bin := *scaleBin
	if bin == "" {
		bin = os.Args[0]
	}
	b := newScaleBench(t)
	b.printf("## Scale benchmark, %s\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"))
	b.printf("Machine: %d cores, %s; load average before: %s. Estate: seed 1, %d sessions a day, a week: %s threat logs (1M), each served as many times as the volume says (panosim Replicas). mine runs as a child process; the simulator in this test's process.\n",
		runtime.NumCPU(), runtime.Version(), loadAvg(), scaleSessionsPerDay, thousandsInt(b.threatLogs()))
	b.printf("| run | volume | evidence | jobs | latency | wall | mine CPU | bytes received | device jobs | peak RSS | same analysis as full |")
	b.printf("|---|---|---|---|---|---|---|---|---|---|---|")
	lat := panosim.DefaultLatency
	fulls := map[int]*mine.Report{}
	for _, vol := range volumes {
		if (all || steps["full"]) && vol <= fullMax {
			full := scaleRun{name: "full", bin: bin, evidence: evidenceFull, jobs: 2, since: "7d", volume: vol}
			r := b.measure(full, nil)
			fulls[vol] = r.report
			if vol == 1 && (all || steps["base"]) {
				subs := b.record.subs
				sa := b.replay(subs, 2)
				b.printf("| simulator alone, the full pull's %d log jobs | 1M | - | 2 | 0 | %s | - | - | %d | - | - |", len(subs), sa.Round(10*time.Millisecond), len(subs))
				if *scaleBase != "" {
					// each full pull with the baseline's run right after it
					var ratios []float64
					cpu := r.cpu
					for i := range max(*scalePairs, 1) {
						if i > 0 {
							cpu = b.measure(full, fulls[vol]).cpu
						}
						base := b.measure(scaleRun{name: "full, baseline binary", bin: *scaleBase, jobs: 2, since: "7d", volume: vol}, fulls[vol])
						ratios = append(ratios, cpu.Seconds()/base.cpu.Seconds())
					}
					slices.Sort(ratios)
					b.printf("| mine CPU over the baseline's, %d pairs run in turn | 1M | full | 2 | 0 | | median %.0f%% (%.0f%%-%.0f%%) | | | | |",
						len(ratios), 100*ratios[len(ratios)/2], 100*ratios[0], 100*ratios[len(ratios)-1])
				}
			}
		}
		if all || steps["report"] {
			b.measure(scaleRun{name: "report", bin: bin, evidence: evidenceReport, jobs: 2, since: "7d", volume: vol}, fulls[vol])
		}
		if all || steps["latency"] {
			b.measure(scaleRun{name: "report", bin: bin, evidence: evidenceReport, jobs: 2, since: "7d", volume: vol, latency: &lat}, fulls[vol])
		}
	}
	if all || steps["jobs"] || steps["jobs-full"] || steps["jobs-report"] {
		two := lat
		two.LogPerThousand, two.ReportPerMillion = 0, 0
		two.LogJob, two.Report = 2*time.Second, 2*time.Second
		for _, ev := range []string{evidenceFull, evidenceReport} {
			if !all && !steps["jobs"] && !steps["jobs-"+ev] {
				continue
			}
			since := "7d"
			if ev == evidenceFull {
				since = *scaleJobsWin
			}
			var walls [2]time.Duration
			for i, jobs := range []int{1, 2} {
				walls[i] = b.measure(scaleRun{name: "jobs", bin: bin, evidence: ev, jobs: jobs, since: since, volume: 1, latency: &two}, nil).wall
			}
			b.printf("| --jobs 2 over --jobs 1, %s, %s window, 2s per job | 1M | %s | | 2s | %.2fx | | | | | |", ev, since, ev, walls[0].Seconds()/walls[1].Seconds())
		}
	}
	b.printf("\nLoad average after: %s. Latency model: log query %s + %s per 1000 entries read; report %s + %s per million entries of its window (panosim.DefaultLatency); the jobs rows: every job 2s.",
		loadAvg(), lat.LogJob, lat.LogPerThousand, lat.Report, lat.ReportPerMillion)
	if *scaleOut != "" {
		f, err := os.OpenFile(*scaleOut, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintln(f, "\n"+strings.Join(b.lines, "\n"))
		f.Close()
	}
}

func (b *scaleBench) printf(format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	b.lines = append(b.lines, s)
	fmt.Println(s)
}

func newScaleBench(t *testing.T) *scaleBench {
	start := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	var rec *queryRecorder
	sim, h := deployedSim(t, panosim.Options{Seed: 1, Start: start, SessionsPerDay: scaleSessionsPerDay, PollsBeforeFinish: -1},
		func(next http.Handler) http.Handler { rec = &queryRecorder{next: next}; return rec }, 7*24*time.Hour)
	dir := t.TempDir()
	cert := filepath.Join(dir, "cert.pem")
	if err := os.WriteFile(cert, h.pem, 0o600); err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	return &scaleBench{t: t, sim: sim, host: h, cert: cert, dir: dir, until: sim.Now(), record: rec}
}

func (b *scaleBench) threatLogs() int {
	b.sim.SetReplicas(1)
	n, _ := b.sim.LogCounts()
	return n
}

// measure runs mine once and prints its row; with full, it compares the
// analysis with that full pull's.
func (b *scaleBench) measure(r scaleRun, full *mine.Report) scaleResult {
	t := b.t
	b.sim.SetReplicas(r.volume)
	b.sim.SetLatency(r.latency)
	before := len(b.sim.JobRecords())
	b.record.mu.Lock()
	b.record.on, b.record.subs = r.name == "full" && r.volume == 1 && r.latency == nil, nil
	b.record.mu.Unlock()
	out := filepath.Join(b.dir, fmt.Sprintf("run-%d.json", time.Now().UnixNano()))
	args := []string{"run", "--host", b.host.host, "--port", strconv.Itoa(b.host.port), "--ca-file", b.cert,
		"--since", r.since, "--until", b.until.Format(time.RFC3339), "--out", "", "--json", out,
		"--no-resume", "--progress", "never", "-q", "--verify-flows", "0", "--jobs", strconv.Itoa(r.jobs)}
	if r.evidence != "" {
		args = append(args, "--evidence", r.evidence)
	}
	cmd := exec.Command(r.bin, args...)
	cmd.Env = append(os.Environ(), "MINE_TEST_AS_CLI=1", "PANOS_API_KEY="+b.sim.APIKey(), "XDG_STATE_HOME="+filepath.Join(b.dir, "state"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	peak := watchPeakRSS(cmd.Process.Pid)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	res := scaleResult{wall: time.Since(start), out: out, rssKB: peak()}
	b.record.mu.Lock()
	b.record.on = false
	b.record.mu.Unlock()
	res.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	res.jobs = len(b.sim.JobRecords()) - before
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	res.report = &mine.Report{}
	if err := json.Unmarshal(raw, res.report); err != nil {
		t.Fatal(err)
	}
	if c := res.report.Collection; c != nil && c.Evidence != nil {
		res.bytes = c.Evidence.BytesReceived
	}
	latency := "0"
	if r.latency != nil {
		latency = "model"
		if r.latency.LogPerThousand == 0 {
			latency = "2s"
		}
	}
	same := "-"
	if full != nil && res.report != full {
		same = sameAnalysis(full, res.report)
	}
	ev := r.evidence
	if ev == "" {
		ev = "full (baseline)"
	}
	bytesText := "-"
	if res.bytes > 0 {
		bytesText = fmt.Sprintf("%.1f MB", float64(res.bytes)/1e6)
	}
	b.printf("| %s | %dM | %s | %d | %s | %s | %s | %s | %d | %d MB | %s |", r.name, r.volume, ev, r.jobs, latency,
		res.wall.Round(10*time.Millisecond), res.cpu.Round(10*time.Millisecond), bytesText, res.jobs, res.rssKB/1024, same)
	return res
}

// replay submits the recorded log queries, jobs at a time, and reads each
// one's final page without parsing it: what the simulator needs to serve
// the same jobs, with a client that does nothing else.
func (b *scaleBench) replay(subs []url.Values, jobs int) time.Duration {
	b.sim.SetReplicas(1)
	b.sim.SetLatency(nil)
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: b.host.pool}, MaxIdleConnsPerHost: jobs}
	client := &http.Client{Transport: tr}
	defer tr.CloseIdleConnections()
	api := "https://" + b.host.host + ":" + strconv.Itoa(b.host.port) + "/api/"
	post := func(v url.Values) []byte {
		req, _ := http.NewRequest("POST", api, strings.NewReader(v.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-PAN-KEY", b.sim.APIKey())
		resp, err := client.Do(req)
		if err != nil {
			b.t.Fatal(err)
		}
		defer resp.Body.Close()
		var buf bytes.Buffer
		buf.ReadFrom(resp.Body)
		return buf.Bytes()
	}
	work := make(chan url.Values)
	var wg sync.WaitGroup
	start := time.Now()
	for range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for v := range work {
				body := post(v)
				i, j := bytes.Index(body, []byte("<job>")), bytes.Index(body, []byte("</job>"))
				id := string(body[i+5 : j])
				for {
					page := post(url.Values{"type": {"log"}, "action": {"get"}, "job-id": {id}})
					if bytes.Contains(page[:min(len(page), 400)], []byte("<status>FIN</status>")) {
						break
					}
					time.Sleep(time.Millisecond)
				}
			}
		}()
	}
	for _, v := range subs {
		work <- v
	}
	close(work)
	wg.Wait()
	return time.Since(start)
}

// sameAnalysis compares what a report-based run decided with the full
// pull's: the suggestions, scanners, findings (their times moved to the
// start of their hour, clamped to the window's start, as report rows
// give them) and each catch-all's verdict and criterion results.
func sameAnalysis(full, got *mine.Report) string {
	res := time.Duration(time.Second)
	if c := got.Collection; c != nil && c.Evidence != nil && c.Evidence.Mode == mine.EvidenceReport {
		res = time.Hour
	}
	var diffs []string
	norm := func(r *mine.Report) *mine.Report {
		c := *r
		at := func(t time.Time) time.Time {
			t = t.Truncate(res)
			if t.Before(r.Window.From) {
				t = r.Window.From
			}
			return t.UTC()
		}
		c.Suggestions = slices.Clone(r.Suggestions)
		for i := range c.Suggestions {
			s := &c.Suggestions[i]
			s.FirstSeen, s.LastSeen = at(s.FirstSeen), at(s.LastSeen)
		}
		c.Scanners = slices.Clone(r.Scanners)
		for i := range c.Scanners {
			s := &c.Scanners[i]
			s.FirstSeen, s.LastSeen = at(s.FirstSeen), at(s.LastSeen)
		}
		c.Findings = slices.Clone(r.Findings)
		for i := range c.Findings {
			f := &c.Findings[i]
			f.FirstSeen, f.LastSeen = at(f.FirstSeen), at(f.LastSeen)
		}
		return &c
	}
	a, b := norm(full), norm(got)
	if !reflect.DeepEqual(a.Suggestions, b.Suggestions) {
		diffs = append(diffs, fmt.Sprintf("suggestions (%d vs %d)", len(a.Suggestions), len(b.Suggestions)))
	}
	if !reflect.DeepEqual(a.Scanners, b.Scanners) {
		diffs = append(diffs, fmt.Sprintf("scanners (%d vs %d)", len(a.Scanners), len(b.Scanners)))
	}
	if !reflect.DeepEqual(a.Findings, b.Findings) {
		diffs = append(diffs, fmt.Sprintf("findings (%d vs %d)", len(a.Findings), len(b.Findings)))
	}
	verdict := func(r *mine.Report) string {
		var s []string
		for _, v := range r.Readiness {
			s = append(s, v.Rule+"="+v.Verdict)
			for _, c := range v.Criteria {
				s = append(s, c.Name+":"+c.Result)
			}
		}
		return strings.Join(s, ",")
	}
	if verdict(a) != verdict(b) {
		diffs = append(diffs, "verdict")
	}
	if len(diffs) == 0 {
		return fmt.Sprintf("yes (%d suggestions, %d scanners, %d findings, %s)", len(a.Suggestions), len(a.Scanners), len(a.Findings), verdictWord(a))
	}
	return "NO: " + strings.Join(diffs, ", ")
}

func verdictWord(r *mine.Report) string {
	var s []string
	for _, v := range r.Readiness {
		s = append(s, v.Verdict)
	}
	return strings.Join(s, ",")
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

func thousandsInt(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// watchPeakRSS reads the high-water mark of process pid's resident set
// (VmHWM in /proc/pid/status) every 20ms until the returned function is
// called, after the process ended, and returns the last value read, in
// KB. The wait's rusage cannot give it: a child forked from this test
// process (the simulator, gigabytes of logs) starts with the parent's
// pages counted, and Linux keeps that high-water mark across exec. The
// new program's own address space starts at zero, which VmHWM reads; it
// misses at most the growth of the last 20ms.
func watchPeakRSS(pid int) func() int64 {
	var peak int64 // the watcher's alone until stopped is closed
	done := make(chan struct{})
	stopped := make(chan struct{})
	path := fmt.Sprintf("/proc/%d/status", pid)
	go func() {
		defer close(stopped)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			if raw, err := os.ReadFile(path); err == nil {
				for _, line := range strings.Split(string(raw), "\n") {
					if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
						kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
						if err == nil {
							peak = max(peak, kb)
						}
					}
				}
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() int64 {
		close(done)
		<-stopped
		return peak
	}
}
