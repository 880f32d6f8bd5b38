package mine

import "time"

// Readiness verdicts, criterion results and finding kinds: values of the
// JSON document, so they never change once published.
const (
	VerdictReady                = "ready"
	VerdictNotReady             = "not-ready"
	VerdictInsufficientEvidence = "insufficient-evidence"

	ResultPass    = "pass"
	ResultFail    = "fail"
	ResultUnknown = "unknown"

	FindingBrokenLink  = "broken-link"
	FindingServerError = "server-error"
	FindingAuth        = "auth"
)

// SuggestedTag is the tag mine puts on the rules it creates on a device.
const SuggestedTag = "mine-suggested"

// URLTemplate is a URL path with its variable parts (numbers, UUIDs,
// hashes, dates) replaced by placeholders, as seen on one host: evidence
// that reads like the application's routes instead of a list of raw URLs.
type URLTemplate struct {
	Host  string `json:"host"`
	Path  string `json:"path"` // "/api/v1/users/{id}"; the query string is not part of it
	Count int64  `json:"count"`
	// Examples are a few raw URLs (host/path?query) the template stands for.
	Examples []string `json:"examples"`
}

// ConfigObject is a configuration object a suggestion needs on the device
// before its rule can be committed (a service for an explicit port, the
// tag). XML is the element to set at XPath.
type ConfigObject struct {
	Kind  string `json:"kind"` // "service", "tag"
	Name  string `json:"name"`
	XPath string `json:"xpath"`
	XML   string `json:"xml"`
}

// Coverage is the what-if replay of the window's catch-all traffic against
// the suggested rules (and rules already above the catch-all that would
// match it), first match wins.
type Coverage struct {
	// Basis says what was replayed: "sessions" from traffic logs, or
	// "responses" from threat logs when the catch-all has no traffic logs.
	Basis         string  `json:"basis"`
	Total         int64   `json:"total"`
	Covered       int64   `json:"covered"`
	CoveredShare  float64 `json:"covered_share"`
	ResidualShare float64 `json:"residual_share"`
	// Depends counts what the replay cannot place because whether a rule
	// above matches depends on what mine cannot know (a user's groups, a
	// URL category, an FQDN's addresses...): never counted as covered.
	// DependsShare is its part of Total; Covered, Depends and the residual
	// make up Total. DependsOn says per line what it depends on.
	Depends      int64              `json:"depends"`
	DependsShare float64            `json:"depends_share"`
	DependsOn    []DependentTraffic `json:"depends_on"`
	// ByRule counts what each rule would carry, in evaluation order.
	ByRule []RuleCoverage `json:"by_rule"`
	// Residual is what no rule would carry and stays on the catch-all, per
	// application, destination and port, largest first.
	Residual []Residual `json:"residual"`
	// Rare lists the applications seen on only a few days of the window: a
	// window this short cannot show whether they are covered (a monthly job
	// may not have run in it).
	Rare []RareUse `json:"rare"`
}

// RuleCoverage is what one rule would carry in the replay.
type RuleCoverage struct {
	Rule  string  `json:"rule"`
	Count int64   `json:"count"`
	Share float64 `json:"share"`
	// Existing is true for a rule already in the rulebase above the
	// catch-all, false for a suggestion.
	Existing bool `json:"existing"`
}

// Residual is catch-all traffic no suggested rule would carry.
type Residual struct {
	CatchAllRule string  `json:"catch_all_rule"`
	Application  string  `json:"application"`
	Destination  string  `json:"destination"`
	Port         int     `json:"port"`
	Count        int64   `json:"count"`
	Share        float64 `json:"share"`
	Sources      int     `json:"sources"`
	// Reason says why no rule was suggested for it: "scanner", "not an
	// App-ID", "no HTTP success" (no 2xx seen: opaque or failing service),
	// "only redirects", "sources outside the suggested rule".
	Reason    string    `json:"reason"`
	Rare      bool      `json:"rare"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
}

// DependentTraffic is catch-all traffic whose rule, without the catch-all,
// depends on what mine cannot tell from logs and configuration.
type DependentTraffic struct {
	CatchAllRule string  `json:"catch_all_rule"`
	Application  string  `json:"application"`
	Destination  string  `json:"destination"`
	Port         int     `json:"port"`
	Count        int64   `json:"count"`
	Share        float64 `json:"share"`
	Sources      int     `json:"sources"`
	// Rule is the first rule whose match depends; Reasons what on.
	Rule      string    `json:"rule"`
	Reasons   []string  `json:"reasons"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
}

// RareUse is an application and destination the catch-all carried on few
// days of the window.
type RareUse struct {
	Application string    `json:"application"`
	Destination string    `json:"destination"`
	Port        int       `json:"port"`
	DaysSeen    int       `json:"days_seen"`
	WindowDays  int       `json:"window_days"`
	Count       int64     `json:"count"`
	FirstSeen   time.Time `json:"first_seen"`
	LastSeen    time.Time `json:"last_seen"`
	// CoveredBy names the rule that would carry it, "" when none would.
	CoveredBy string `json:"covered_by"`
}

// CustomAppCandidate is an internal application that reaches the catch-all
// as generic web-browsing (or decrypted ssl) but has a stable host name or
// URL prefix: a custom App-ID would let a rule name it.
type CustomAppCandidate struct {
	Name        string   `json:"name"` // proposed application name
	Application string   `json:"application"`
	Destination []string `json:"destination"`
	Ports       []int    `json:"ports"`
	// Host is the stable host name ("" when only the URL prefix is stable)
	// and HostShare the share of successful responses that carried it.
	Host      string  `json:"host"`
	HostShare float64 `json:"host_share"`
	// PathPrefix is a stable first path segment ("/api/"), "" when none.
	PathPrefix      string        `json:"path_prefix"`
	PathShare       float64       `json:"path_share"`
	Responses       int64         `json:"responses"`
	DistinctSources int           `json:"distinct_sources"`
	URLTemplates    []URLTemplate `json:"url_templates"`
	// HostPattern and PathPatterns are the signature's patterns on the
	// contexts http-req-host-header and http-req-uri-path.
	HostPattern  string   `json:"host_pattern"`
	PathPatterns []string `json:"path_patterns"`
	SetCommands  []string `json:"set_commands"`
	XPath        string   `json:"xpath"`
	XML          string   `json:"xml"`
	CatchAllRule string   `json:"catch_all_rule"`
}

// ScannerTarget is a destination scanners probed, with what to do about it.
type ScannerTarget struct {
	Destination string   `json:"destination"`
	Scanners    []string `json:"scanners"`
	// ErrorResponses counts the 4xx answers the scanners got; Statuses
	// lists their codes.
	ErrorResponses int64    `json:"error_responses"`
	Statuses       []int    `json:"statuses"`
	Rules          []string `json:"rules"` // rules that carried the probes
	Recommendation string   `json:"recommendation"`
}

// Finding is an item for an application team: a URL template on one server
// that answers errors to ordinary clients (scanners left out).
type Finding struct {
	Kind        string `json:"kind"` // broken-link, server-error, auth
	Team        string `json:"team"` // from the owners mapping, "" when none matches
	Destination string `json:"destination"`
	Host        string `json:"host"`
	Port        int    `json:"port"`
	Path        string `json:"path"` // URL template
	Status      int    `json:"status"`
	Count       int64  `json:"count"`
	Sources     int    `json:"sources"`
	// Examples are raw URLs behind the template.
	Examples  []string  `json:"examples"`
	Rules     []string  `json:"rules"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
}

// Owner maps servers to the team that owns them. Pattern is an address
// ("10.20.3.4"), a CIDR ("10.20.3.0/24") or a host-name pattern with *
// wildcards ("*.corp.example").
type Owner struct {
	Pattern string `json:"pattern"`
	Team    string `json:"team"`
}

// Readiness is the verdict on retiring one catch-all rule.
type Readiness struct {
	Rule     string      `json:"rule"`
	Verdict  string      `json:"verdict"` // ready, not-ready, insufficient-evidence
	Criteria []Criterion `json:"criteria"`
}

// Criterion is one condition of a readiness verdict and the evidence it was
// judged on.
type Criterion struct {
	Name     string `json:"name"`
	Result   string `json:"result"` // pass, fail, unknown
	Evidence string `json:"evidence"`
}

// WeeklyHits is one week of a rule's use, as a history of past runs keeps
// it. Week is the start of the week, UTC.
type WeeklyHits struct {
	Rule string    `json:"rule"`
	Week time.Time `json:"week"`
	// Hits is how much the rule's hit counter grew over the week.
	Hits uint64 `json:"hits"`
	// Sessions counts the rule's sessions in the traffic logs that did not
	// come from scanners.
	Sessions int64 `json:"sessions"`
	// Reset is true when the counter went down during the week.
	Reset bool `json:"reset"`
}

// AppStat is one application's traffic on the catch-all rules: sessions
// and bytes from traffic logs, HTTP responses by status class from threat
// logs; scanners' traffic is left out.
type AppStat struct {
	Application  string    `json:"application"`
	Sessions     int64     `json:"sessions"`
	Bytes        int64     `json:"bytes"`
	Destinations int       `json:"destinations"`
	Sources      int       `json:"sources"`
	Ports        []int     `json:"ports"`
	Success      int64     `json:"responses_2xx"`
	Redirects    int64     `json:"responses_3xx"`
	ClientErrors int64     `json:"responses_4xx"`
	ServerErrors int64     `json:"responses_5xx"`
	HTTPVisible  bool      `json:"http_visible"` // any HTTP response seen
	Suggested    bool      `json:"suggested"`    // a suggestion names the application
	FirstSeen    time.Time `json:"first_seen"`
	LastSeen     time.Time `json:"last_seen"`
}

// DayStatus counts one UTC day's HTTP responses (all rules) per status
// class.
type DayStatus struct {
	Day          time.Time `json:"day"`
	Success      int64     `json:"responses_2xx"`
	Redirects    int64     `json:"responses_3xx"`
	ClientErrors int64     `json:"responses_4xx"`
	ServerErrors int64     `json:"responses_5xx"`
}

// CatchAllDay is one UTC day of the catch-all rules' use: sessions from
// traffic logs, and HTTP responses of ordinary clients per status class
// from threat logs, with the scanners' responses counted apart.
type CatchAllDay struct {
	Day time.Time `json:"day"`
	// Partial is true for a day the window covers only in part: its first
	// and last day, unless the window starts or ends at midnight UTC.
	Partial        bool  `json:"partial"`
	Sessions       int64 `json:"sessions"`
	ClientSessions int64 `json:"client_sessions"` // sessions without the scanners'
	Success        int64 `json:"responses_2xx"`
	Redirects      int64 `json:"responses_3xx"`
	ClientErrors   int64 `json:"responses_4xx"`
	ServerErrors   int64 `json:"responses_5xx"`
	// ScannerResponses are the responses (2xx to 5xx) to detected
	// scanners, which the class counts leave out.
	ScannerResponses int64 `json:"scanner_responses"`
}

// CatchAllWeek is seven whole UTC days of the window, [From, To).
type CatchAllWeek struct {
	From           time.Time `json:"from"`
	To             time.Time `json:"to"`
	Sessions       int64     `json:"sessions"`
	ClientSessions int64     `json:"client_sessions"`
}

// DestinationUse is one server and application the catch-all carried for
// ordinary clients (scanners left out): sessions and bytes from traffic
// logs, HTTP responses from threat logs.
type DestinationUse struct {
	Destination string `json:"destination"`
	Application string `json:"application"`
	Ports       []int  `json:"ports"`
	Sessions    int64  `json:"sessions"`
	Bytes       int64  `json:"bytes"`
	Responses   int64  `json:"responses"`
	Sources     int    `json:"sources"`
}
