package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/panos-mine/mine"
	"github.com/panos-mine/mine/collect"
	"github.com/panos-mine/mine/correlate"
	"github.com/panos-mine/mine/history"
	"github.com/panos-mine/mine/signatures"
)

type importOptions struct {
	format    string
	jsonField []string
	deviceTZ  string
	catchAll  []string
	since     string
	until     string
	out       string
	json      string
	records   string
	db        string
	target    string
	strict    bool
	showBad   int
	progress  string
	// configFile, vsys and deviceGroup give the rulebase; hitCounts the
	// counters.
	configFile  string
	vsys        string
	deviceGroup string
	hitCounts   string
}

func newImportCmd(d *deps) *cobra.Command {
	o := &importOptions{}
	cmd := &cobra.Command{
		Use:   "import [flags] FILE...",
		Short: "Analyse exported logs (syslog, CSV, CEF, LEEF, JSON) offline",
		Long: `Import reads PAN-OS threat and traffic logs from files, or from standard
input (-), plain or gzip, and runs the analysis 'mine run' runs: the
workbook (--out), the JSON document (--json), the summary and, with --db,
the history. No API access to the firewall is needed.

Each line's form is recognised on its own (--format to insist on one):
  syslog   PAN-OS syslog CSV behind a BSD, RFC 5424 or RFC 3339 header,
           with or without <PRI> and host, or no header (PAN-OS 4.x-11.x)
  strata   Strata Logging Service (Cortex Data Lake) CSV, ISO 8601 times
  csv      a web interface export (Monitor > Logs > Export to CSV), read
           by its header row
  cef      PAN-OS CEF custom format        leef   PAN-OS LEEF custom format
and any of these wrapped in SIEM JSON or NDJSON (the line in event.original,
_raw, message, or the field --json-field names).

Times without an offset are the firewall's local time: give its zone with
--device-tz (an IANA name), or mine reads each record's high_res_timestamp
offset (PAN-OS 10.x+), or, lacking both, takes them as UTC and says so.

Only HTTP status signature hits (threat IDs 41000-41059) and the catch-all's
traffic count; other logs are skipped and counted, lines that cannot be read
are counted by reason and the first few shown (--strict makes any a
failure). Files that overlap are deduplicated on serial, log type and
sequence number (the whole record when the sequence number is 0).

The rulebase, its objects and the device's time zone come from a saved
configuration (--config-file, with --vsys or --device-group), the hit
counters from the XML answer of 'show rule-hit-count' (--hit-counts): then
the catch-all is chosen as 'mine rules' explains, and "already covered" and
the what-if replay use the rules above it. Without a rulebase the catch-all
must be named (--catch-all), unless the traffic logs carry a single rule
(an export filtered to it): mine then takes that one, and the readiness
verdict says what is missing.

The window is the logs' own span unless --since (and --until) cut it; the
report is in UTC. --records writes every record kept, one JSON object per
line, for jq and other tools. See docs/import.md.`,
		Example: `  mine import --catch-all Allow-Web-Ports --device-tz Europe/Berlin \
      /var/log/pan/*.log.gz
  mine import --config-file running-config.xml --hit-counts hits.xml fw.log
  mine import --catch-all Allow-Web-Ports --json report.json \
      threat-export.csv traffic-export.csv
  zcat elastic.ndjson.gz |
      mine import --catch-all any-any --json-field log.original -
  mine import --catch-all Allow-Web-Ports --records - --out '' fw.log |
      jq 'select(.threat_id == 41026)'`,
		Args: argsUsage(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			src, err := o.source(d, args)
			if err != nil {
				return err
			}
			if o.out == "" && o.json == "" && o.records == "" {
				return usagef("nothing to write: give --out FILE.xlsx, --json FILE|- or --records FILE|-")
			}
			if o.json == "-" && o.records == "-" {
				return usagef("--json and --records cannot both write to standard output")
			}
			if o.records != "" {
				close, err := src.openRecords(d, o.records)
				if err != nil {
					return err
				}
				defer close()
			}
			p := pipeline{now: d.now().UTC().Truncate(time.Second), source: src}
			out := outputs{xlsx: o.out, json: o.json, stdoutTaken: o.records == "-"}
			if o.db == "" {
				r, err := p.run(cmd.Context(), d)
				if err != nil {
					return err
				}
				if err := src.finishRecords(); err != nil {
					return err
				}
				return out.write(d, r)
			}
			lock, err := acquireLock(o.db+".lock", d.now())
			if err != nil {
				return err
			}
			defer lock.release()
			store, err := history.Open(cmd.Context(), o.db)
			if err != nil {
				return err
			}
			defer store.Close()
			rc := &recorder{store: store, target: o.target, collected: p.now}
			rc.attach(&p)
			r, err := p.run(cmd.Context(), d)
			if err != nil {
				return err
			}
			if o.target == "" && len(src.stats.Devices) != 1 {
				// The history's target is the one firewall the logs come from.
				return usagef("the logs come from %s: name the history target with --target", r.Device.Hostname)
			}
			if err := src.finishRecords(); err != nil {
				return err
			}
			saved, err := rc.save(cmd.Context(), r)
			if err != nil {
				return err
			}
			d.logger.Info("run stored", "history", o.db, "target", rc.target, "run", saved.RunID, "replaced", saved.Replaced)
			if err := out.write(d, r); err != nil {
				return fmt.Errorf("run stored in the history, but: %w", err)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.format, "format", "auto", "line format: "+strings.Join(collect.FormatNames(), ", "))
	f.StringSliceVar(&o.jsonField, "json-field", nil, "JSON field holding the raw line in SIEM exports, tried before event.original, _raw and message (dotted for nested)")
	f.StringVar(&o.deviceTZ, "device-tz", "", "time zone of the firewall's local log times, an IANA name such as Europe/Berlin")
	f.StringSliceVar(&o.catchAll, "catch-all", nil, "name of the catch-all rule (repeat or comma-separate for several); taken from the logs when they carry one rule")
	f.StringVar(&o.since, "since", "", "keep the last D of the logs (7d, 2w, 36h); with --until, D before it")
	f.StringVar(&o.until, "until", "", "window end, RFC 3339 (needs --since)")
	f.StringVarP(&o.out, "out", "o", "mine-report.xlsx", "workbook to write (empty for none)")
	f.StringVar(&o.json, "json", "", "also write the JSON document to FILE, or - for stdout")
	f.StringVar(&o.records, "records", "", "also write every record kept as JSON lines to FILE, or - for stdout")
	f.StringVar(&o.db, "db", "", "history database to store the run in (env MINE_DB)")
	f.StringVar(&o.target, "target", "", "history target name (default: the firewall's device name in the logs)")
	f.BoolVar(&o.strict, "strict", false, "fail at the first line that cannot be read")
	f.IntVar(&o.showBad, "show-bad", 5, "how many unreadable lines to show")
	f.StringVar(&o.progress, "progress", "auto", "progress bar on stderr: auto (only on a terminal), always or never")
	f.StringVar(&o.configFile, "config-file", "", "saved configuration of the firewall or Panorama: the rulebase, objects and time zone")
	f.StringVar(&o.vsys, "vsys", "", "with --config-file: the firewall's virtual system (default vsys1)")
	f.StringVar(&o.deviceGroup, "device-group", "", "with --config-file of a Panorama: the device group holding the catch-all")
	f.StringVar(&o.hitCounts, "hit-counts", "", "the XML answer of 'show rule-hit-count' for the same rulebase")
	return cmd
}

// source checks the flags and files and returns the import's log source.
func (o *importOptions) source(d *deps, files []string) (*importSource, error) {
	format, err := collect.ParseFormat(o.format)
	if err != nil {
		return nil, usagef("--format: %v", err)
	}
	var tz *time.Location
	if o.deviceTZ != "" {
		if tz, err = time.LoadLocation(o.deviceTZ); err != nil {
			return nil, usagef("--device-tz %q: not a time zone name (want an IANA name such as Europe/Berlin or America/New_York)", o.deviceTZ)
		}
	}
	if o.db == "" {
		o.db = d.getenv("MINE_DB")
	}
	s := &importSource{files: files, stdin: d.io.in, catchAll: o.catchAll, tz: tz, showBad: o.showBad}
	if o.configFile == "" && (o.vsys != "" || o.deviceGroup != "") {
		return nil, usagef("--vsys and --device-group go with --config-file")
	}
	if o.configFile != "" {
		f, err := os.Open(o.configFile)
		if err != nil {
			return nil, usagef("--config-file: %v", err)
		}
		s.policy, s.config, err = collect.ReadConfigFile(f, collect.Scope{Vsys: o.vsys, DeviceGroup: o.deviceGroup})
		f.Close()
		if err != nil {
			return nil, usagef("--config-file %s: %v", o.configFile, err)
		}
		if tz == nil && s.config.TimeZone != "" {
			if tz, err = time.LoadLocation(s.config.TimeZone); err != nil {
				return nil, fmt.Errorf("--config-file %s: time zone %q: %w", o.configFile, s.config.TimeZone, err)
			}
			s.tz = tz
			d.logger.Info("device time zone from the saved configuration", "zone", s.config.TimeZone)
		}
	}
	if o.hitCounts != "" {
		b, err := os.ReadFile(o.hitCounts)
		if err != nil {
			return nil, usagef("--hit-counts: %v", err)
		}
		if s.hits, err = collect.ParseHitCounts(b); err != nil {
			return nil, usagef("--hit-counts %s: %v", o.hitCounts, err)
		}
	}
	stdin := 0
	for _, f := range files {
		if f == "-" {
			stdin++
			continue
		}
		st, err := os.Stat(f)
		if err != nil {
			return nil, usagef("%v", err)
		}
		if st.IsDir() {
			return nil, usagef("%s is a directory: give the log files (a shell glob such as %s/*.log)", f, f)
		}
		s.size += st.Size()
	}
	if stdin > 1 {
		return nil, usagef("standard input (-) can be read once")
	}
	switch {
	case o.until != "" && o.since == "":
		return nil, usagef("--until needs --since: the window is --since before --until")
	case o.since != "":
		since, err := mine.ParseSince(o.since)
		if err != nil {
			return nil, usagef("--since: %v", err)
		}
		s.since = since
		if o.until != "" {
			end, err := time.Parse(time.RFC3339, o.until)
			if err != nil {
				return nil, usagef("--until %q: want an RFC 3339 time such as 2026-11-23T00:00:00Z", o.until)
			}
			s.window = mine.NewWindow(end, since)
		}
	}
	if stdin > 0 && len(o.catchAll) == 0 && s.policy == nil {
		return nil, usagef("reading standard input, mine cannot look at the logs twice: name the catch-all with --catch-all")
	}
	if stdin > 0 && s.since > 0 && s.window.To.IsZero() {
		return nil, usagef("reading standard input, --since needs --until")
	}
	lo, hi := signatures.Default().IDRange()
	names := map[int]string{}
	for _, sig := range signatures.Default().Signatures {
		names[sig.ID] = sig.Name
	}
	s.opts = collect.ImportOptions{Format: format, JSONFields: o.jsonField, DeviceTZ: tz, MinThreatID: lo, MaxThreatID: hi,
		ThreatName: func(id int) string { return names[id] }, Strict: o.strict, BadSamples: o.showBad}
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
	if show {
		s.bar = &importBar{w: d.io.err, now: d.now, total: s.size}
	}
	return s, nil
}

// importSource reads the logs from exported files.
type importSource struct {
	files    []string
	stdin    io.Reader
	size     int64 // of the files, for the progress bar
	catchAll []string
	tz       *time.Location
	since    time.Duration
	window   mine.Window // set when --since and --until give it
	showBad  int
	opts     collect.ImportOptions
	bar      *importBar

	// policy is the rulebase of --config-file (nil without), config what
	// the file says of its device, hits the --hit-counts counters.
	policy *mine.Policy
	config collect.ConfigInfo
	hits   []mine.RuleHits

	info         *sourceInfo
	stats        *collect.ImportStats
	records      *collect.RecordWriter
	closeRecords func() error
}

func (s *importSource) open(ctx context.Context, d *deps) (*sourceInfo, error) {
	names := s.catchAll
	needScan := len(names) == 0 && s.policy == nil || s.since > 0 && s.window.To.IsZero()
	if needScan {
		// A first pass over the files: the rules the traffic logs carry,
		// and the time of the last record.
		d.logger.Info("reading the logs once to find the catch-all rule and the window")
		scan, err := s.read(ctx, d, s.opts, "scan")
		if err != nil {
			return nil, err
		}
		if len(names) == 0 && s.policy == nil {
			if names, err = scan.CatchAll(); err != nil {
				return nil, usageError{err}
			}
			d.logger.Info("catch-all taken from the logs", "rule", names[0])
		}
		if s.since > 0 && s.window.To.IsZero() {
			span, ok := scan.Span()
			if !ok {
				return nil, fmt.Errorf("no HTTP status or traffic records in %s", strings.Join(s.files, ", "))
			}
			s.window = mine.NewWindow(span.To, s.since)
		}
	}
	dev := mine.Device{Hostname: "imported logs", Location: s.location()}
	if s.policy != nil {
		if s.config.Hostname != "" {
			dev.Hostname = s.config.Hostname
		}
		dev.Panorama = s.config.Panorama
		for _, w := range s.policy.Warnings {
			d.logger.Warn(w)
		}
		choice, err := correlate.ChooseCatchAll(s.policy, s.hits, names)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.policy.Context, err)
		}
		s.info = &sourceInfo{device: dev, policy: s.policy, hits: s.hits, choice: choice}
		return s.info, nil
	}
	rules := make([]mine.Rule, len(names))
	for i, n := range names {
		rules[i] = mine.Rule{Name: n, Position: i, Location: "imported logs", Action: "allow", Application: []string{"any"}}
	}
	reason := "named with --catch-all"
	if len(s.catchAll) == 0 {
		reason = "the one rule the traffic logs carry (no rulebase was given)"
	}
	s.info = &sourceInfo{device: dev, hits: s.hits, choice: correlate.CatchAllChoice{Rules: rules, Reason: reason}, noRulebase: true}
	return s.info, nil
}

func (s *importSource) finish(context.Context, *deps, *correlate.Input, *correlate.Aggregator) error {
	return nil
}

// location is the device zone the report names: --device-tz, or "not
// given" (the Log times line of the report says how times were placed).
func (s *importSource) location() *time.Location {
	if s.tz != nil {
		return s.tz
	}
	return notGiven
}

var notGiven = time.FixedZone("not given", 0)

func (s *importSource) logs(ctx context.Context, d *deps, w mine.Window, catchAll []string, agg *correlate.Aggregator) (mine.Window, error) {
	o := s.opts
	keep := map[string]bool{}
	for _, n := range catchAll {
		keep[n] = true
	}
	o.KeepTraffic = func(rule string) bool { return keep[rule] }
	o.Window = s.window
	o.Threat = func(l *mine.ThreatLog) error {
		agg.AddThreat(l)
		if s.records != nil {
			return s.records.Threat(l)
		}
		return nil
	}
	o.Traffic = func(l *mine.TrafficLog) error {
		agg.AddTraffic(l)
		if s.records != nil {
			return s.records.Traffic(l)
		}
		return nil
	}
	start := time.Now()
	st, err := s.read(ctx, d, o, "import")
	if err != nil {
		return w, err
	}
	s.stats = st
	s.info.device = st.Device(s.location())
	d.logger.Info("logs imported", "files", st.Files, "lines", st.Lines, "threat", st.Threat, "traffic", st.Traffic,
		"duplicates", st.Duplicates, "took", time.Since(start).Round(time.Millisecond))
	if n := sum(st.Bad); n > 0 {
		d.logger.Warn("lines that could not be read", "count", n, "by_reason", st.Bad)
		for _, b := range st.BadLines {
			d.logger.Warn("bad line", "at", fmt.Sprintf("%s:%d", b.File, b.Line), "reason", b.Reason, "detail", b.Detail, "line", b.Text)
		}
	}
	if st.AssumedUTC > 0 {
		d.logger.Warn("log times without a zone read as UTC: give the firewall's zone with --device-tz", "records", st.AssumedUTC)
	}
	if st.ZoneMismatch > 0 {
		d.logger.Warn("--device-tz disagrees with the offsets in the logs' high_res_timestamp", "device_tz", s.tz.String(), "records", st.ZoneMismatch)
	}
	for _, n := range catchAll {
		if st.TrafficRules[n] == 0 && st.ThreatRules[n] == 0 {
			return w, usagef("the logs hold no traffic or HTTP status record of catch-all rule %q; %s: check --catch-all", n, st.OtherRulesNote())
		}
	}
	if !s.window.From.IsZero() {
		return s.window, nil
	}
	span, ok := st.Span()
	if !ok {
		return w, fmt.Errorf("no HTTP status or catch-all traffic records in %s (%d lines; skipped %v, bad %v)",
			strings.Join(s.files, ", "), st.Lines, st.Skipped, st.Bad)
	}
	return span, nil
}

// read runs one pass of an importer with o over every input.
func (s *importSource) read(ctx context.Context, d *deps, o collect.ImportOptions, what string) (*collect.ImportStats, error) {
	var done int64 // bytes of the files already read
	if s.bar != nil {
		s.bar.start(what)
		o.Progress = func(p collect.ImportProgress) { s.bar.update(done+p.Read, p.Lines) }
		defer s.bar.finish()
	}
	im, err := collect.NewImporter(o)
	if err != nil {
		return nil, err
	}
	for _, name := range s.files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		size, err := s.readOne(ctx, im, name)
		if err != nil {
			var bad *collect.BadLineError
			if errors.As(err, &bad) {
				return nil, fmt.Errorf("--strict: %w", err)
			}
			return nil, err
		}
		done += size
	}
	return im.Stats(), nil
}

// readOne imports one input ("-" is standard input) and returns its size.
func (s *importSource) readOne(ctx context.Context, im *collect.Importer, name string) (int64, error) {
	if name == "-" {
		return 0, im.Read(ctx, "stdin", s.stdin, -1)
	}
	f, err := os.Open(name)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	size := int64(-1)
	if st, err := f.Stat(); err == nil {
		size = st.Size()
	}
	return max(size, 0), im.Read(ctx, name, f, size)
}

func (s *importSource) annotate(r *mine.Report) {
	if s.stats != nil {
		sum := s.stats.Summary()
		r.Import = &sum
	}
}

// openRecords starts the --records output; the returned function closes
// it (after finishRecords, or on failure).
func (s *importSource) openRecords(d *deps, path string) (func(), error) {
	if path == "-" {
		s.records = collect.NewRecordWriter(d.io.out)
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("--records: %w", err)
	}
	s.records = collect.NewRecordWriter(f)
	s.closeRecords = f.Close
	return func() { f.Close() }, nil
}

func (s *importSource) finishRecords() error {
	if s.records == nil {
		return nil
	}
	if err := s.records.Flush(); err != nil {
		return fmt.Errorf("write records: %w", err)
	}
	if s.closeRecords != nil {
		if err := s.closeRecords(); err != nil {
			return fmt.Errorf("write records: %w", err)
		}
		s.closeRecords = nil
	}
	return nil
}

func sum(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}

// importBar draws one line on a terminal, at most ten times a second: the
// share of the input read, lines, rate and the time left.
type importBar struct {
	w     io.Writer
	now   func() time.Time
	total int64 // bytes of the input files; 0 when unknown (stdin)
	mu    sync.Mutex
	what  string
	began time.Time
	last  time.Time
	read  int64
	lines int64
}

func (b *importBar) start(what string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.what, b.began, b.last = what, b.now(), time.Time{}
}

func (b *importBar) update(read, lines int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.read, b.lines = read, lines
	now := b.now()
	if now.Sub(b.last) < 100*time.Millisecond {
		return
	}
	b.draw(now)
}

func (b *importBar) draw(now time.Time) {
	read, lines := b.read, b.lines
	b.last = now
	el := now.Sub(b.began).Seconds()
	rate := 0.0
	if el > 0 {
		rate = float64(lines) / el
	}
	if b.total <= 0 {
		fmt.Fprintf(b.w, "\r%-6s %d lines  %.0f lines/s   ", b.what, lines, rate)
		return
	}
	frac := min(float64(read)/float64(b.total), 1)
	const width = 24
	bar := []byte(strings.Repeat(".", width))
	for i := range int(frac * width) {
		bar[i] = '#'
	}
	eta := "--:--"
	if frac > 0 && el > 0 {
		left := time.Duration(el * (1 - frac) / frac * float64(time.Second))
		eta = fmt.Sprintf("%d:%02d", int(left.Minutes()), int(left.Seconds())%60)
	}
	fmt.Fprintf(b.w, "\r%-6s [%s] %3.0f%%  %d lines  %.0f lines/s  ETA %s   ", b.what, bar, frac*100, lines, rate, eta)
}

// finish draws the final state and ends the line.
func (b *importBar) finish() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.total > 0 {
		b.read = b.total
	}
	b.draw(b.now())
	fmt.Fprintln(b.w)
}
