package mine

import "time"

// Snapshot is what one run of mine read from a target and concluded: the
// unit the history stores. Runs of the same Target form its history; a
// second snapshot of the same Target and Window replaces the first. It
// never holds a secret.
type Snapshot struct {
	// Target names the device as the configuration does ("edge"); runs
	// given on the command line use the host.
	Target string
	Conn   Target
	// Device is the device the rulebase, hit counts and logs came from.
	Device Device
	// HAPeer is the high-availability peer of Device, when the run read
	// it. Its hit counters are separate and carry its own serial in Hits.
	HAPeer *Device
	Window Window
	// Collected is when the hit counters were read. Hit deltas run from
	// one snapshot's Collected to the next one's, which need not be the
	// window ends.
	Collected time.Time
	// Rules is the rulebase in evaluation order; its UUIDs let the history
	// follow a rule across renames.
	Rules []Rule
	// Hits are the counters of every device read, each with its Serial.
	Hits []RuleHits
	// Report is the analysis, its readiness verdicts included.
	Report *Report
	// ClientSessions counts, per catch-all rule, the sessions of the
	// window's traffic logs that did not come from scanners: the weekly
	// use the readiness verdict follows (WeeklyHits.Sessions).
	ClientSessions map[string]int64
}

// DeltaKind says how a hit delta was obtained.
type DeltaKind string

const (
	// DeltaCounted: the counter grew from the previous snapshot; Hits is
	// the difference.
	DeltaCounted DeltaKind = "counted"
	// DeltaFresh: no earlier snapshot, but the counter started inside the
	// window (the rule was created, reset or first hit there), so it holds
	// exactly the hits since then.
	DeltaFresh DeltaKind = "fresh"
	// DeltaReset: the counter was reset (or the rule renamed on a device
	// that wipes it) since the previous snapshot. Hits counts from the
	// reset on; the hits between the previous snapshot and the reset are
	// lost, and Gap says when that was.
	DeltaReset DeltaKind = "reset"
	// DeltaBaseline: the first snapshot of a counter that started before
	// the window; the hits of the period are unknown.
	DeltaBaseline DeltaKind = "baseline"
)

// HitDelta is the hits one rule took on one device between two snapshots.
type HitDelta struct {
	// RuleKey identifies the rule across snapshots: its UUID, or
	// "name:" and its name on devices without UUIDs.
	RuleKey string
	Rule    string // name at the later snapshot
	Serial  string
	// Since and Until are the snapshot times the delta spans; Since is
	// zero for a first snapshot (DeltaFresh counts from the counter's
	// start, DeltaBaseline knows nothing).
	Since, Until time.Time
	Kind         DeltaKind
	// Hits is the number of hits; meaningless when Kind is DeltaBaseline.
	Hits int64
	// Gap is the interval whose hits are lost, for DeltaReset.
	Gap *Window
	// Reason says what gave a reset away.
	Reason string
}

// Known reports whether Hits is a count rather than unknown.
func (d HitDelta) Known() bool { return d.Kind != DeltaBaseline }

// TrendPoint is one run of a target's history, in the terms the weekly
// report follows: how much the catch-all still carries.
type TrendPoint struct {
	RunID     int64
	Target    string
	Serial    string
	Window    Window
	Collected time.Time
	// CatchAllHits is the sum of the catch-all rules' hit deltas over every
	// device; HitsKnown is false when one of them is unknown (a first
	// snapshot of an old counter). Resets counts the deltas that restarted
	// after a reset: their lost hits are not in CatchAllHits.
	CatchAllHits int64
	HitsKnown    bool
	Resets       int
	// Since is the earliest snapshot time the hit deltas start from (zero
	// when a delta starts at a counter's start).
	Since             time.Time
	CatchAllSessions  int64
	CatchAllResponses int64
	DistinctURLs      int
	// StatusClasses counts catch-all HTTP responses per class: index 1 is
	// 1xx, 2 is 2xx ... 5 is 5xx.
	StatusClasses [6]int64
	// ClientSessions counts the catch-all sessions from ordinary clients
	// (scanners left out).
	ClientSessions int64
	Suggestions    int
	// Verdict is the run's readiness verdict over its catch-all rules: the
	// worst of them ("" when the run made none).
	Verdict string
}
