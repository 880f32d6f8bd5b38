package mine

import "time"

// ReportVersion is the version of the JSON document mine writes. It grows
// only when a reader of an older document could misread the new one; new
// keys alone do not change it.
const ReportVersion = 1

// Report is the result of one analysis: everything the report package
// renders, and the JSON document mine prints. Its JSON keys are a public
// interface: keys are added, never renamed or removed.
type Report struct {
	// Version is the version of this document's layout, ReportVersion
	// when mine writes it; it tells mine's report from any other JSON.
	Version   int          `json:"mine_report_version"`
	Generated time.Time    `json:"generated"`
	Device    DeviceReport `json:"device"`
	Window    Window       `json:"window"`
	// CatchAll names the catch-all rules the analysis used, in rulebase
	// order, and CatchAllReason says why they were chosen.
	CatchAll       []string `json:"catch_all"`
	CatchAllReason string   `json:"catch_all_reason"`
	// PolicyWarnings are what the policy model could not resolve (a
	// reference that exists in no scope...), each naming the rule.
	PolicyWarnings []string `json:"policy_warnings"`
	// PolicyChecks, when the device was asked, compares mine's policy
	// model with the device's evaluation of the same flows.
	PolicyChecks *PolicyChecks `json:"policy_checks,omitempty"`
	Totals       Totals        `json:"totals"`
	// StatusCounts counts HTTP responses per status code over the whole
	// window (all rules); CatchAllStatusCounts only those on the catch-all.
	StatusCounts         map[int]int64 `json:"status_counts"`
	CatchAllStatusCounts map[int]int64 `json:"catch_all_status_counts"`
	Suggestions          []Suggestion  `json:"suggestions"`
	CatchAllURLs         []URLStat     `json:"catch_all_urls"`
	Scanners             []Scanner     `json:"scanners"`
	HitCounts            []HitCount    `json:"hit_counts"`
	// CatchAllApps sums the catch-all's traffic per application;
	// DailyStatus counts HTTP responses per UTC day and status class.
	CatchAllApps []AppStat   `json:"catch_all_apps"`
	DailyStatus  []DayStatus `json:"daily_status"`
	// CatchAllDaily is the catch-all's use on every UTC day the window
	// touches, oldest first; CatchAllWeeks sums its whole days into weeks
	// ending with the last whole day, as the readiness verdict counts
	// weeks without a history.
	CatchAllDaily []CatchAllDay  `json:"catch_all_daily"`
	CatchAllWeeks []CatchAllWeek `json:"catch_all_weeks"`
	// CatchAllDestinations is the catch-all's traffic of ordinary clients
	// per destination and application, most sessions first (most responses
	// first when there are no traffic logs).
	CatchAllDestinations []DestinationUse `json:"catch_all_destinations"`

	// Coverage replays the catch-all's traffic against the suggestions.
	Coverage            Coverage             `json:"coverage"`
	CustomAppCandidates []CustomAppCandidate `json:"custom_app_candidates"`
	// ScannerTargets are the destinations scanners probed, with a
	// recommendation for each.
	ScannerTargets []ScannerTarget `json:"scanner_targets"`
	// Findings are the app teams' items: broken links, server errors,
	// authentication failures.
	Findings []Finding `json:"findings"`
	// Readiness holds one verdict per catch-all rule.
	Readiness []Readiness `json:"readiness"`
	// SignatureChecks are what the run verified of the device's
	// configuration before collecting, as 'mine signatures verify' does:
	// whether each rule would log the signatures. Nil when the run did
	// not check (the readiness criterion signatures-logging still judges
	// from the logs).
	SignatureChecks []SignatureCheck `json:"signature_checks"`
	// Import says what an offline import read (mine import); absent when
	// the logs came from a device.
	Import *ImportSummary `json:"import,omitempty"`
	// Collection says what the collection dropped, skipped or retried;
	// nil for a report not made from a device (mine report from JSON
	// keeps what the JSON had).
	Collection *Collection `json:"collection,omitempty"`
	// Changes are what mine changed on the device (protect, block,
	// retire, undo), newest first, as the history keeps them; empty when
	// no history was read.
	Changes []Change `json:"changes,omitempty"`
}

// SignatureCheck is the verification of one rule: whether the HTTP status
// signatures would be logged on its traffic, through which profile, and
// what stands in the way.
type SignatureCheck struct {
	Rule     string   `json:"rule"`
	Profile  string   `json:"profile"`
	Logs     bool     `json:"logs"`
	Problems []string `json:"problems"`
}

// ImportSummary counts what an import of exported logs read: input files,
// lines, the threat and traffic records kept, the duplicates dropped, and
// the lines skipped (other log types, threats that are not HTTP status
// signatures, records outside the window) and bad (unknown type, too few
// fields, bad time, bad number...) by reason.
type ImportSummary struct {
	Files      int              `json:"files"`
	Lines      int64            `json:"lines"`
	Threat     int64            `json:"threat"`
	Traffic    int64            `json:"traffic"`
	Duplicates int64            `json:"duplicates"`
	Skipped    map[string]int64 `json:"skipped"`
	Bad        map[string]int64 `json:"bad"`
	// TimeZone says how device-local log times were placed.
	TimeZone string `json:"time_zone"`
}

// DeviceReport is the device identity as the report shows it.
type DeviceReport struct {
	Hostname  string `json:"hostname"`
	Serial    string `json:"serial"`
	Model     string `json:"model"`
	SWVersion string `json:"sw_version"`
	Panorama  bool   `json:"panorama"`
	TimeZone  string `json:"time_zone"`
}

// Totals are the volumes behind the analysis.
type Totals struct {
	ThreatLogs        int64 `json:"threat_logs"` // HTTP status log entries collected
	Responses         int64 `json:"responses"`   // HTTP responses they stand for (repeat counts summed)
	CatchAllResponses int64 `json:"catch_all_responses"`
	TrafficLogs       int64 `json:"traffic_logs"` // catch-all traffic log entries collected
	CatchAllSessions  int64 `json:"catch_all_sessions"`
	// CatchAllClientSessions are the catch-all sessions of ordinary
	// clients: CatchAllSessions without the scanners'.
	CatchAllClientSessions int64 `json:"catch_all_client_sessions"`
	CatchAllBytes          int64 `json:"catch_all_bytes"`
	DistinctURLs           int   `json:"catch_all_distinct_urls"`
	ScannerResponses       int64 `json:"scanner_responses"` // catch-all responses to detected scanners
}

// Suggestion is an App-ID rule that would carry, above the catch-all,
// traffic that today only the catch-all allows.
type Suggestion struct {
	Name        string   `json:"name"`
	From        []string `json:"from"`
	To          []string `json:"to"`
	Source      []string `json:"source"`
	Destination []string `json:"destination"`
	Application []string `json:"application"`
	Service     []string `json:"service"`
	Ports       []int    `json:"ports"`
	// Sessions counts catch-all sessions to these destinations, application
	// and ports (from traffic logs; from threat logs when there are none).
	Sessions int64 `json:"sessions"`
	// Responses counts the successful (HTTP 2xx) responses seen.
	Responses       int64      `json:"responses"`
	Bytes           int64      `json:"bytes"`
	URLs            int        `json:"urls"` // distinct URLs answered 200
	TopURLs         []URLCount `json:"top_urls"`
	DistinctSources int        `json:"distinct_sources"`
	FirstSeen       time.Time  `json:"first_seen"`
	LastSeen        time.Time  `json:"last_seen"`
	// CatchAllRule is the catch-all rule this traffic was matched by.
	CatchAllRule string `json:"catch_all_rule"`

	// Share is the part of the catch-all's sessions (of its responses when
	// it has no traffic logs) this rule would carry.
	Share float64 `json:"share"`
	// Redirects counts 3xx responses, kept apart from Responses: a server
	// that only redirects proves little.
	Redirects    int64         `json:"redirects"`
	URLTemplates []URLTemplate `json:"url_templates"`
	// ExistingRule names a rule above the catch-all that would already
	// carry this traffic but is disabled (for example created by an
	// earlier --apply); "" when there is none.
	ExistingRule string `json:"existing_rule"`
	// SetCommands are the PAN-OS CLI configure-mode commands that create
	// the rule (disabled, tagged mine-suggested) and its objects and move
	// it above the catch-all.
	SetCommands []string `json:"set_commands"`
	// XML is the rule's entry element, to be set at XPath (the security
	// rules container) with type=config&action=set, then moved before
	// CatchAllRule. Objects must be set first.
	XML     string         `json:"xml"`
	XPath   string         `json:"xpath"`
	Objects []ConfigObject `json:"objects"`
}

// URLCount is a URL and how often it was seen.
type URLCount struct {
	URL   string `json:"url"`
	Count int64  `json:"count"`
}

// URLStat is one URL answered through the catch-all, per status code.
type URLStat struct {
	URL         string    `json:"url"`
	Status      int       `json:"status"`
	Destination string    `json:"destination"`
	Application string    `json:"application"`
	Port        int       `json:"port"`
	Count       int64     `json:"count"`
	Sources     int       `json:"sources"`
	FirstSeen   time.Time `json:"first_seen"`
	LastSeen    time.Time `json:"last_seen"`
	Scanner     bool      `json:"scanner"` // every hit came from detected scanners
}

// Scanner is a source that swept servers for paths that do not exist.
type Scanner struct {
	Source        string    `json:"source"`
	Targets       []string  `json:"targets"`
	DistinctPaths int       `json:"distinct_paths"`
	Responses     int64     `json:"responses"`
	NotFound      int64     `json:"not_found"` // 404 responses
	FirstSeen     time.Time `json:"first_seen"`
	LastSeen      time.Time `json:"last_seen"`
	// Reasons say why the source was called a scanner.
	Reasons []string `json:"reasons"`
	// ProbePaths are well-known probe paths it asked for (answered 4xx).
	ProbePaths []string `json:"probe_paths"`
	// BurstPaths is the most distinct new 4xx paths it caused in one hour.
	BurstPaths int `json:"burst_paths"`
}

// HitCount is a rule's hit counter with its place in the rulebase. FirstHit
// and LastHit are nil when the device reports "never".
type HitCount struct {
	Rule     string `json:"rule"`
	Position int    `json:"position"`
	// Location is where the rule lives (vsys1, DG/pre, default...).
	Location string `json:"location"`
	Action   string `json:"action"`
	// PortBased is true for an enabled allow rule for any application;
	// ShadowedBy names the rules above that leave it nothing to match.
	PortBased  bool       `json:"port_based"`
	ShadowedBy []string   `json:"shadowed_by"`
	CatchAll   bool       `json:"catch_all"`
	HitCount   uint64     `json:"hit_count"`
	FirstHit   *time.Time `json:"first_hit"`
	LastHit    *time.Time `json:"last_hit"`
	LastReset  *time.Time `json:"last_reset"`
}

// PolicyChecks is the cross-check of mine's policy model against the
// device's own evaluation (test security-policy-match) on the flows behind
// the suggestions and the residual. Where they disagree, the analysis
// trusts the device.
type PolicyChecks struct {
	// Checked flows the device answered; Agreed those where mine's rule
	// was the device's; Resolved those where mine's answer depended on
	// something it cannot know and the device settled it.
	Checked       int                  `json:"checked"`
	Agreed        int                  `json:"agreed"`
	Resolved      int                  `json:"resolved"`
	Disagreements []PolicyDisagreement `json:"disagreements"`
}

// PolicyDisagreement is a flow for which the device named another rule
// than mine's model.
type PolicyDisagreement struct {
	CatchAllRule string `json:"catch_all_rule"`
	From         string `json:"from"`
	To           string `json:"to"`
	Source       string `json:"source"`
	Destination  string `json:"destination"`
	Protocol     string `json:"protocol"`
	Port         int    `json:"port"`
	Application  string `json:"application"`
	Mine         string `json:"mine"`
	Device       string `json:"device"`
}
