package mine

// Collection says how the logs of a report were collected, and what was
// left out: what a reader needs to trust the counts, or to see how far
// not to. Every entry a device sent is either in the totals or counted
// here.
type Collection struct {
	Threat  LogCollection `json:"threat"`
	Traffic LogCollection `json:"traffic"`
	// UnknownRuleHits names the rules whose hit counters the device
	// reported although its rulebase does not have them (renamed or
	// deleted meanwhile); their counters are not in the report.
	UnknownRuleHits []string `json:"unknown_rule_hits"`
	// TimeZone says how the device's time zone was learned:
	// "configured, agrees with the clock", "clock (show clock)", "given
	// (--device-tz)"...
	TimeZone string `json:"time_zone_source"`
	// HA lists the members of the device's high-availability pair, the
	// connected device first; empty when it is not in one.
	HA []HAMember `json:"ha_members"`
	// Evidence says how the log evidence was gathered: aggregated by the
	// device's reports or pulled entry by entry. Nil in reports older
	// than the key.
	Evidence *Evidence `json:"evidence,omitempty"`
}

// Evidence modes: the device aggregated the logs into report rows, or
// every log entry was pulled.
const (
	EvidenceReport = "report"
	EvidenceFull   = "full"
)

// Evidence is how a collection gathered its log evidence.
type Evidence struct {
	Mode string `json:"mode"` // report or full
	// CountsExact says every count of responses, sessions and bytes is
	// exact; false would mean some are lower bounds (none are: a report
	// cut at its row limit is split, never used as it came).
	CountsExact bool `json:"counts_exact"`
	// EntriesCounted says the totals' threat_logs and traffic_logs count
	// log entries. Reports on the detailed logs sum repeat counts but do
	// not count entries: with report evidence they hold the responses and
	// sessions the entries stand for, an upper bound of the entries
	// (exact for traffic logs, whose repeat count is 1).
	EntriesCounted bool `json:"entries_counted"`
	// TimeResolution is the resolution of first and last seen, and of
	// what the analysis knows of when: "1s" for log entries, "1h" (or
	// "15m" for a zone whose offset is not whole hours) for report rows.
	TimeResolution string `json:"time_resolution"`
	// ReportJobs and ReportRows count the device's report jobs and the
	// rows they answered; ReportSplits the reports that came back at the
	// row limit and were asked again in parts; RawParts the parts
	// collected as log entries instead (a repeated wall clock hour, a part
	// that could not be split, a report that kept failing).
	ReportJobs   int   `json:"report_jobs"`
	ReportRows   int64 `json:"report_rows"`
	ReportSplits int   `json:"report_splits"`
	RawParts     int   `json:"raw_parts"`
	// BytesReceived is what the log and report answers weighed.
	BytesReceived int64 `json:"bytes_received"`
	// Fallback says why the device's reports were not used, when they
	// were asked for (--evidence auto) but the device could not run them.
	Fallback string `json:"fallback,omitempty"`
}

// LogCollection counts what one log type's collection did with the
// entries the device sent.
type LogCollection struct {
	Collected int64 `json:"collected"`
	// Dropped: the same entry again, an entry received outside the
	// requested time range, an entry not matching the query's filter.
	Duplicates     int64 `json:"duplicates_dropped"`
	OutOfWindow    int64 `json:"out_of_window_dropped"`
	FilterMismatch int64 `json:"filter_mismatch_dropped"`
	// Unparseable entries could not be read and were skipped.
	Unparseable int64 `json:"unparseable_skipped"`
	// ShortPages were asked for again after carrying fewer entries than
	// they announced; LostJobs and StalledJobs were submitted again.
	ShortPages  int `json:"short_pages_retried"`
	LostJobs    int `json:"lost_jobs_resubmitted"`
	StalledJobs int `json:"stalled_jobs_resubmitted"`
	Queries     int `json:"queries"`
	// Resumed slices came from a checkpoint of an interrupted run;
	// Damaged checkpoint slices were found cut and queried again.
	Slices  int `json:"slices"`
	Resumed int `json:"slices_resumed"`
	Damaged int `json:"checkpoint_slices_damaged"`
}

// Dropped is the number of entries left out of the totals.
func (c LogCollection) Dropped() int64 {
	return c.Duplicates + c.OutOfWindow + c.FilterMismatch + c.Unparseable
}

// HAMember is one firewall of a high-availability pair as the run read
// it.
type HAMember struct {
	Serial   string `json:"serial"`
	Hostname string `json:"hostname"`
	Address  string `json:"address"`
	State    string `json:"state"` // active, passive, ...
	// Reported says whether its hit counters were read; Error why not.
	Reported bool   `json:"reported"`
	Error    string `json:"error,omitempty"`
}
