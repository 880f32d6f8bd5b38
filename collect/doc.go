// Package collect reads what mine needs from a PAN-OS device over the XML
// API: system identity and time zone, threat logs of the HTTP status
// signatures, traffic logs of the catch-all rules, rule hit counts and the
// security rulebase. It parses log pages with its own streaming scanner and
// hands records to the caller one at a time, so memory does not grow with
// the number of logs.
//
// collect talks to the device through internal/xapi (pango). It must not
// import correlate, report, history, panosim or cobra; pango types never
// leave it.
package collect
