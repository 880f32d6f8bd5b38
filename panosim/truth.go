package panosim

// Truth is the ground truth planted by the scenario of one seed. It is static:
// it describes the initial configuration and the traffic model, and does not
// change when the clock advances or the configuration changes.
type Truth struct {
	Seed     int64  `json:"seed"`
	TimeZone string `json:"time_zone"`
	Hostname string `json:"hostname"`
	Serial   string `json:"serial"`
	// ObjectPolicy reports the Options.ObjectPolicy scenario: the service
	// lists then come from evaluating the initial policy for every client
	// of every service, so a service whose clients split between rules
	// appears once per rule with the clients that rule carries, and an
	// opaque or HTTP service carried by a rule above the catch-all is in
	// CoveredServices.
	ObjectPolicy bool `json:"object_policy,omitempty"`
	// Rulebase names the initial vsys1 security rules in evaluation order
	// (without the two default rules).
	Rulebase []string `json:"rulebase"`
	// CatchAll names the catch-all rules of the initial rulebase.
	CatchAll []string `json:"catch_all"`
	// CatchAllServices are the HTTP services reachable only through the
	// catch-all (with ObjectPolicy: the clients of each the catch-all
	// carries).
	CatchAllServices []Service `json:"catch_all_services"`
	// CoveredServices are HTTP services carried by App-ID rules above the
	// catch-all.
	CoveredServices []Service `json:"covered_services"`
	// OpaqueServices are catch-all services without a visible HTTP response
	// (ssl without decryption, ssh, databases).
	OpaqueServices []Service `json:"opaque_services"`
	Scanners       []Scanner `json:"scanners"`
	// ScannerOnlyDestinations are addresses that only scanners touch.
	ScannerOnlyDestinations []string `json:"scanner_only_destinations"`
	// BrokenLinks are paths answering 404 to ordinary clients.
	BrokenLinks []PathStatus `json:"broken_links"`
	// ServerErrors are paths answering 5xx (always or at times).
	ServerErrors []PathStatus `json:"server_errors"`
}

// Service is one server application the traffic model uses.
type Service struct {
	Name        string `json:"name"`
	FromZone    string `json:"from_zone"`
	ToZone      string `json:"to_zone"`
	Destination string `json:"destination"`
	Host        string `json:"host"`
	Application string `json:"application"`
	Proto       string `json:"proto"`
	Port        int    `json:"port"`
	// DefaultPort reports whether Port is a default port of Application, so
	// that service application-default would allow it.
	DefaultPort bool `json:"default_port"`
	// Rule is the rule that carries the service in the initial rulebase.
	Rule string `json:"rule"`
	// Sources are the ordinary clients that use the service.
	Sources []string `json:"sources"`
}

// Scanner is a source that sweeps servers for paths that do not exist.
type Scanner struct {
	Source  string   `json:"source"`
	Targets []string `json:"targets"`
}

// PathStatus is a URL path on a server that answers a planted status.
type PathStatus struct {
	Destination string `json:"destination"`
	Host        string `json:"host"`
	Port        int    `json:"port"`
	Path        string `json:"path"`
	Status      int    `json:"status"`
}
