// Package collect reads what mine needs from PAN-OS: over the XML API from
// a device (system identity and time zone, threat logs of the HTTP status
// signatures, traffic logs of the catch-all rules, rule hit counts and the
// security rulebase), and offline from exported logs (syslog files, web
// interface CSV exports, Strata Logging Service CSV, CEF, LEEF and SIEM
// JSON exports, see Importer). It parses with its own streaming scanners
// and hands records to the caller one at a time, so memory does not grow
// with the number of logs.
//
// It never reports what it cannot vouch for: the device's time zone is
// learned from the device and checked against every entry's own offset
// (devicetime.go); every page is checked against the query that produced
// it, and what it drops is counted (logjob.go); checkpoints are keyed by
// everything that defines a query and verified before replay
// (checkpoint.go); a query or a collection that stops moving is abandoned
// within bounds derived from the request timeout. A transport failure at
// connect time is ErrUnreachable (a ConnError saying why); after it, it is
// ErrConnectionLost.
//
// collect talks to the device through internal/xapi (pango). It must not
// import correlate, report, history, panosim or cobra; pango types never
// leave it.
package collect
