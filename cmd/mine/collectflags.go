package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/spf13/pflag"

	"github.com/panos-mine/mine"
	"github.com/panos-mine/mine/collect"
)

// collectOptions are the flags that shape log collection.
type collectOptions struct {
	jobs       int
	slice      time.Duration
	checkpoint string
	retention  string
	noResume   bool
	strict     bool
	progress   string
	evidence   string
	// verifyFlows bounds the flows checked with the device's own
	// evaluation (test security-policy-match).
	verifyFlows int

	// checkpoints is what apply made of the checkpoint flags; nil with
	// --no-resume.
	checkpoints *collect.Checkpoints
}

func (o *collectOptions) register(fs *pflag.FlagSet) {
	fs.IntVar(&o.jobs, "jobs", 2, "log query and report jobs in flight against the device (1-8)")
	fs.StringVar(&o.evidence, "evidence", evidenceAuto, "how to gather the log evidence: report (the device aggregates it in custom reports, counts exact, times to the hour), full (every log entry, times to the second) or auto (report where the device can run the reports, else full)")
	fs.DurationVar(&o.slice, "slice", 6*time.Hour, "length of the time slices a window is collected in")
	registerCheckpointDir(fs, &o.checkpoint)
	fs.StringVar(&o.retention, "checkpoint-retention", "7d", "remove checkpoints of interrupted runs unused for this long")
	fs.BoolVar(&o.noResume, "no-resume", false, "do not keep or use checkpoints: an interrupted collection starts over")
	fs.BoolVar(&o.strict, "strict", false, "fail on a log entry that cannot be read, instead of skipping and counting it")
	fs.StringVar(&o.progress, "progress", "auto", "progress on stderr: auto (only on a terminal), always or never")
	fs.IntVar(&o.verifyFlows, "verify-flows", defaultVerifyFlows, "check mine's policy model on at most this many catch-all flows with the firewall's test security-policy-match, and trust the firewall where they disagree (0: none)")
}

func registerCheckpointDir(fs *pflag.FlagSet, dir *string) {
	fs.StringVar(dir, "checkpoint", "", "directory for resumable collection (default: $XDG_STATE_HOME/mine/checkpoints)")
}

// checkpointRoot is where checkpoints live: --checkpoint, or the state
// directory's.
func checkpointRoot(d *deps, flag string) string {
	if flag != "" {
		return flag
	}
	return filepath.Join(stateDir(d.getenv), "checkpoints")
}

// apply returns the collector tuning for these options; it checks them
// first.
func (o *collectOptions) apply(d *deps) (func(*collect.Client), error) {
	if o.jobs < 1 || o.jobs > 8 {
		return nil, usagef("--jobs %d: want 1 to 8", o.jobs)
	}
	if o.verifyFlows < 0 {
		return nil, usagef("--verify-flows %d: want 0 or more", o.verifyFlows)
	}
	if err := checkEvidence(o.evidence); err != nil {
		return nil, err
	}
	if o.slice < time.Minute {
		return nil, usagef("--slice %s: want at least 1m", o.slice)
	}
	retention, err := mine.ParseSince(o.retention)
	if err != nil {
		return nil, usagef("--checkpoint-retention: %v", err)
	}
	o.checkpoints = nil
	if !o.noResume {
		o.checkpoints = &collect.Checkpoints{Root: checkpointRoot(d, o.checkpoint), Retention: retention, Now: d.now, Logger: d.logger}
	}
	show := false
	switch o.progress {
	case "auto":
		show = isTerminal(d.io.err)
	case "always":
		show = true
	case "never":
	default:
		return nil, usagef("--progress %q: want auto, always or never", o.progress)
	}
	cps, strict := o.checkpoints, o.strict
	return func(c *collect.Client) {
		c.Jobs, c.SliceLength, c.Checkpoints, c.Strict = o.jobs, o.slice, cps, strict
		if show {
			c.Progress = newProgressBar(d.io.err, d.now).update
		}
	}, nil
}

// settle ends the checkpoints of a run: removed when err is nil (the
// report is written), kept for a rerun otherwise. It returns err.
func settle(cps *collect.Checkpoints, err error) error {
	if err != nil {
		cps.Release()
		return err
	}
	if ferr := cps.Finish(); ferr != nil {
		return fmt.Errorf("remove the finished run's checkpoints: %w", ferr)
	}
	return nil
}

// stateDir is where mine keeps state between runs.
func stateDir(getenv func(string) string) string {
	if s := getenv("XDG_STATE_HOME"); s != "" {
		return filepath.Join(s, "mine")
	}
	if h := getenv("HOME"); h != "" {
		return filepath.Join(h, ".local", "state", "mine")
	}
	return filepath.Join(os.TempDir(), "mine-state")
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progressBar draws one line on a terminal, redrawn at most ten times a
// second: log type, entries, slices, rate and an estimate of the time left.
type progressBar struct {
	w     io.Writer
	now   func() time.Time
	mu    sync.Mutex
	start map[string]time.Time
	last  time.Time
}

func newProgressBar(w io.Writer, now func() time.Time) *progressBar {
	return &progressBar{w: w, now: now, start: map[string]time.Time{}}
}

func (p *progressBar) update(pr collect.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	st, ok := p.start[pr.LogType]
	if !ok {
		st = now
		p.start[pr.LogType] = now
	}
	done := pr.SlicesDone >= pr.Slices
	if !done && now.Sub(p.last) < 100*time.Millisecond {
		return
	}
	p.last = now
	el := now.Sub(st).Seconds()
	rate := 0.0
	if el > 0 {
		rate = float64(pr.Entries) / el
	}
	eta := "--:--"
	if pr.SlicesDone > 0 && !done {
		left := time.Duration(el * float64(pr.Slices-pr.SlicesDone) / float64(pr.SlicesDone) * float64(time.Second))
		eta = fmt.Sprintf("%d:%02d", int(left.Minutes()), int(left.Seconds())%60)
	}
	const width = 24
	filled := 0
	if pr.Slices > 0 {
		filled = width * pr.SlicesDone / pr.Slices
	}
	bar := make([]byte, width)
	for i := range bar {
		bar[i] = '.'
		if i < filled {
			bar[i] = '#'
		}
	}
	if pr.Waiting >= time.Second {
		// the device is busy with a query: say so, rather than freeze
		eta = fmt.Sprintf("waiting %s (job at %d%%)", pr.Waiting.Round(time.Second), pr.JobProgress)
	}
	fmt.Fprintf(p.w, "\r%-7s [%s] %d/%d slices  %d logs  %.0f/s  ETA %s   ", pr.LogType, bar, pr.SlicesDone, pr.Slices, pr.Entries, rate, eta)
	if done {
		fmt.Fprintln(p.w)
	}
}

// windowEnd is the end of the observation window: --until when given,
// otherwise the start of the current hour.
func windowEnd(until string, now time.Time) (time.Time, error) {
	if until == "" {
		return now.UTC().Truncate(time.Hour), nil
	}
	t, err := time.Parse(time.RFC3339, until)
	if err != nil {
		return time.Time{}, usagef("--until %q: want an RFC 3339 time such as 2026-11-23T00:00:00Z", until)
	}
	if t.After(now) {
		return time.Time{}, usagef("--until %s is in the future", until)
	}
	return t.UTC(), nil
}

// newPipeline resolves what run, suggest and readiness share: the
// connection flags and environment, the window (since, ending at until or
// the start of the hour) and the collection flags.
func newPipeline(d *deps, conn *connOptions, coll *collectOptions, since time.Duration, until string, catchAll []string) (pipeline, error) {
	cfg, err := conn.config(d)
	if err != nil {
		return pipeline{}, err
	}
	end, err := windowEnd(until, d.now())
	if err != nil {
		return pipeline{}, err
	}
	tune, err := coll.apply(d)
	if err != nil {
		return pipeline{}, err
	}
	if err := collect.CheckRuleNames(catchAll); err != nil {
		return pipeline{}, usagef("--catch-all: %v", err)
	}
	return pipeline{conn: cfg, vsys: conn.vsysOrDefault(), deviceGroup: conn.devGroup, device: conn.device, deviceTZ: conn.deviceTZ,
		since: since, catchAll: catchAll, now: end, tune: tune, checkpoints: coll.checkpoints, verifyFlows: coll.verifyFlows,
		evidence: coll.evidence}, nil
}

// defaultVerifyFlows is how many catch-all flows are checked with the
// firewall's test security-policy-match unless --verify-flows says.
const defaultVerifyFlows = 200
