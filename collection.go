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
