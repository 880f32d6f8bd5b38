package mine

import "time"

// Change kinds: what mine did to a device. Values of the change record's
// JSON and of the history, so they never change once published.
const (
	// ChangeProtect makes HTTP error responses end in a reset (threat
	// exceptions in a clone of the rules' vulnerability profile).
	ChangeProtect = "protect"
	// ChangeBlock deploys the scanner-blocking combination signature
	// (many HTTP-404 from one source in a few seconds: block-ip).
	ChangeBlock = "block"
	// ChangeRetire disables the catch-all rule, tags it and notes why.
	ChangeRetire = "retire"
	// ChangeUndo puts back what an earlier change replaced.
	ChangeUndo = "undo"
)

// Change outcomes.
const (
	// ChangeCommitted: the change is in the running configuration (and,
	// on Panorama, pushed to every firewall).
	ChangeCommitted = "committed"
	// ChangePushFailed: Panorama committed the change but its push failed
	// on at least one firewall (see Commit.Pushes): the firewalls differ.
	ChangePushFailed = "push-failed"
	// ChangeFailed: the commit failed; mine took its edits back out of the
	// candidate configuration, so nothing changed.
	ChangeFailed = "failed"
)

// RetiredTag is the tag mine puts on a catch-all rule it retires.
const RetiredTag = "mine-retired"

// Change is one change mine made to a device, as the change record a
// change request carries and the history keeps it. Its JSON keys are a
// public interface: keys are added, never renamed or removed. It never
// holds a secret.
type Change struct {
	// ID is the history's number for the change (0 before it is stored).
	ID   int64  `json:"id,omitempty"`
	Kind string `json:"kind"` // protect, block, retire, undo
	// Undoes is, for an undo, the change it reverts; UndoneBy the undo
	// that reverted this change (0 while it stands).
	Undoes   int64 `json:"undoes,omitempty"`
	UndoneBy int64 `json:"undone_by,omitempty"`
	// UndoKind is, for an undo, the kind of the change it reverts.
	UndoKind string    `json:"undo_kind,omitempty"`
	Time     time.Time `json:"time"` // when it was committed, UTC
	// Admin is the device administrator the change was made as ("" when
	// only an API key was given); Operator the local user who ran mine.
	Admin    string `json:"admin"`
	Operator string `json:"operator"`
	// Target is the history's name of the device (the configuration's
	// target name, or the host); Host where mine connected.
	Target  string       `json:"target"`
	Host    string       `json:"host"`
	Device  DeviceReport `json:"device"`
	Context string       `json:"context"` // vsys1, device-group DG
	// Rules are the security rules the change is about.
	Rules []string `json:"rules"`
	// Verdict and Criteria are the readiness verdict the change was
	// decided on (retire), with every criterion's evidence.
	Verdict  string      `json:"verdict,omitempty"`
	Criteria []Criterion `json:"criteria,omitempty"`
	// Forced is true when the change was made against the verdict;
	// Reason is why, as the operator wrote it.
	Forced  bool   `json:"forced,omitempty"`
	Reason  string `json:"reason,omitempty"`
	Summary string `json:"summary"`
	// Elements are the configuration elements changed, each with its
	// exact XML before (what undo puts back) and after.
	Elements []ChangedElement `json:"elements"`
	// Diff is the change as unified diff lines, for reading.
	Diff []string `json:"diff"`
	// RuleBefore is the retired rule's entry as it was (retire).
	RuleBefore string `json:"rule_before,omitempty"`
	// Threshold is how the scanner-blocking signature's threshold was
	// derived (block).
	Threshold *BlockThreshold `json:"threshold,omitempty"`
	// Codes are the HTTP status codes whose responses end in a reset
	// (protect), Action the action given to them.
	Codes  []int  `json:"codes,omitempty"`
	Action string `json:"action,omitempty"`
	// Window is the evidence window the change was decided on.
	Window *Window `json:"window,omitempty"`
	// CarriedFlows counts the flows the catch-all carried in that window,
	// which the history keeps for mine watch (retire).
	CarriedFlows int `json:"carried_flows,omitempty"`
	// DenyHits are the hit counters of the rules below the catch-all when
	// it was retired: mine watch compares them with the deny logs.
	DenyHits []RuleHits `json:"deny_hits,omitempty"`
	Status   string     `json:"status"` // committed, push-failed, failed
	Commit   Commit     `json:"commit"`
}

// ChangedElement is one configuration element a change wrote or deleted.
// Before and After are its exact XML ("" when absent).
type ChangedElement struct {
	XPath  string `json:"xpath"`
	Before string `json:"before"`
	After  string `json:"after"`
	// Summary says what the change to it is, in words.
	Summary string `json:"summary"`
}

// Commit is what the commit of a change did: the job on the device and,
// on Panorama, every push with each firewall's result.
type Commit struct {
	JobID     uint   `json:"job_id,omitempty"`
	Committed bool   `json:"committed"`
	Pushes    []Push `json:"pushes,omitempty"`
	Error     string `json:"error,omitempty"`
}

// Push is one Panorama push of a device group.
type Push struct {
	DeviceGroup string       `json:"device_group"`
	JobID       uint         `json:"job_id"`
	Devices     []PushDevice `json:"devices"`
}

// PushDevice is one firewall's result of a push.
type PushDevice struct {
	Serial   string   `json:"serial"`
	Name     string   `json:"name"`
	Result   string   `json:"result"` // OK, FAIL
	Messages []string `json:"messages,omitempty"`
}

// CarriedFlow is a flow the catch-all carried in an evidence window: one
// client to one service.
type CarriedFlow struct {
	CatchAllRule string    `json:"catch_all_rule"`
	From         string    `json:"from"`
	To           string    `json:"to"`
	Source       string    `json:"source"`
	Destination  string    `json:"destination"`
	Application  string    `json:"application"`
	Protocol     string    `json:"protocol"`
	Port         int       `json:"port"`
	Sessions     int64     `json:"sessions"`
	FirstSeen    time.Time `json:"first_seen"`
	LastSeen     time.Time `json:"last_seen"`
	// Scanner is true when the source was called a scanner.
	Scanner bool `json:"scanner"`
}

// BlockThreshold is the threshold of the scanner-blocking combination
// signature (HTTP-404 hits from one source within Interval seconds) and
// the evidence it was derived from.
type BlockThreshold struct {
	Interval int `json:"interval"` // seconds
	// Threshold is the number of 404s within Interval that blocks the
	// source; 0 when none separates the scanners from the other sources.
	Threshold int `json:"threshold"`
	// Busiest is the non-scanner source with the most 404s within one
	// Interval; Slowest the scanner with the fewest at its peak.
	Busiest *SourceRate `json:"busiest_client"`
	Slowest *SourceRate `json:"slowest_scanner"`
	// Scanners are every scanner's peak, fastest first; scanners that got
	// no 404 cannot be blocked by it and have Peak 0.
	Scanners []SourceRate `json:"scanners"`
	// Separable is true when a threshold above every other source's peak
	// and at most the slowest scanner's exists; Reason says why not.
	Separable bool   `json:"separable"`
	Reason    string `json:"reason,omitempty"`
}

// SourceRate is a source's busiest Interval: Peak 404s starting at At,
// of NotFound in the window.
type SourceRate struct {
	Source   string    `json:"source"`
	Peak     int64     `json:"peak"`
	At       time.Time `json:"at"`
	NotFound int64     `json:"not_found"`
}

// WatchReport is what mine watch found after a retirement: the flows the
// catch-all used to carry that a rule below it now denies.
type WatchReport struct {
	Rule      string    `json:"rule"`
	ChangeID  int64     `json:"change_id"`
	RetiredAt time.Time `json:"retired_at"`
	Window    Window    `json:"window"`
	// DenyRules are the rules whose deny logs were read: the rules below
	// the catch-all's place that deny (cleanup, interzone-default...).
	DenyRules []string `json:"deny_rules"`
	// Broken are the denied flows of ordinary clients to services the
	// catch-all carried; Scanners the denied flows of sources called
	// scanners (expected: retiring the catch-all is meant to stop them).
	Broken   []DeniedFlow `json:"broken"`
	Scanners []DeniedFlow `json:"scanners"`
	// Unrelated counts denied sessions to services the catch-all never
	// carried in the evidence window.
	Unrelated int64 `json:"unrelated"`
	// Silent are the deny rules that took hits since the retirement but
	// logged nothing: what they denied is invisible, so the watch cannot
	// say nothing broke.
	Silent []string `json:"silent_rules"`
	// Notes are what limits the watch (a deny rule that does not log...).
	Notes []string `json:"notes"`
	// Rollback is the command that undoes the retirement.
	Rollback string `json:"rollback"`
}

// DeniedFlow is a flow a rule below the retired catch-all denies.
type DeniedFlow struct {
	Rule        string    `json:"rule"` // the rule that denies it now
	Source      string    `json:"source"`
	Destination string    `json:"destination"`
	Application string    `json:"application"`
	Protocol    string    `json:"protocol"`
	Port        int       `json:"port"`
	Count       int64     `json:"count"`
	FirstSeen   time.Time `json:"first_seen"`
	LastSeen    time.Time `json:"last_seen"`
	// Known is true when the catch-all carried this very client to the
	// service; false for a client new to it.
	Known bool `json:"known"`
	// Carried is how many sessions the catch-all carried to the service
	// (all its clients) in the evidence window.
	Carried int64 `json:"carried"`
}
