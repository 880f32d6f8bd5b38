// Package collect reads what mine needs from PAN-OS: over the XML API from
// a device (system identity and time zone, threat logs of the HTTP status
// signatures, traffic logs of the catch-all rules, rule hit counts and the
// security rulebase), and offline from exported logs (syslog files, web
// interface CSV exports, Strata Logging Service CSV, CEF, LEEF and SIEM
// JSON exports, see Importer). It parses with its own streaming scanners
// and hands records to the caller one at a time, so memory does not grow
// with the number of logs.
//
// collect talks to the device through internal/xapi (pango). It must not
// import correlate, report, history, panosim or cobra; pango types never
// leave it.
package collect
