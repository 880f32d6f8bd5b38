// Package panosim is an in-process simulator of the XML API of a PAN-OS
// firewall, or of a Panorama managing simulated firewalls.
//
// A Server is an http.Handler that answers the requests pango and mine send
// to a firewall (keygen, op commands, config get/show/set/edit/delete/move/
// rename, commit and job status, log query jobs, rule hit counts) with
// responses shaped like a real PA-VM running PAN-OS 10.2 (see
// shared/docs/panos-xmlapi.md and the recorded answers in testdata/real).
//
// Behind it sits a deterministic, seeded traffic model: clients in a trust
// zone (10.1.0.0/16), servers in a dmz (10.20.0.0/16), the internet, a vsys1
// rulebase ending in the port-based catch-all rule Allow-Web-Ports, App-ID
// rules above it, scanners, broken links and failing servers. Advance moves
// the scenario clock; the sessions of that period are matched first-match
// against the running configuration at their start, so committed changes
// decide which rule carries each session, whether it is logged, and whether
// its HTTP responses produce threat logs. A THREAT log (subtype
// vulnerability) exists only when a committed custom vulnerability signature
// matches the status on context http-rsp-code, the carrying rule's
// vulnerability profile alerts on it (severity, host, threat exceptions; the
// predefined "default" profile does not cover informational, "strict" does),
// the rule does not disable server response inspection, and the application
// is decoded HTTP (not ssl or ssh).
//
// Administration is shared, as on a real device: several administrators
// (AddAdmin) each with an API key; config and commit locks (show/request
// config-lock and commit-lock, LockConfig, LockCommits) that stop other
// administrators' changes and commits; and partial commits by
// administrator (<partial><admin>), which apply only those administrators'
// changes, in order, to the running configuration while the others' stay
// pending. The predefined vulnerability profiles live in /config/predefined.
// Plant puts configuration in place as if committed long ago (foreign
// signatures in the ID range, profiles, rules); FailNextCommit injects a
// commit failure.
//
// With Options.Panorama the Server is a Panorama: shared and device group
// configuration (objects, custom signatures, pre- and post-rulebases), each
// group managing full simulated firewalls (Firewalls) whose catch-all comes
// from the group's post-rulebase. A commit-all of a device group pushes
// Panorama's running configuration to each firewall, whose policy then
// evaluates pushed pre-rules, local rules and pushed post-rules; the job
// reports every firewall's result (FailNextPush and SetConnected make one
// fail; the job's own result stays OK, as real Panoramas have been seen to
// report). Requests with target=<serial> are answered by that firewall; log
// queries without a target are answered from every connected firewall, each
// entry carrying its serial and device name; show rule-hit-count of a device
// group answers per firewall under device-vsys; show devices lists the
// firewalls. NewHAPair makes two firewalls an active/passive pair whose
// members answer show high-availability state with each other's management
// address; only the active one carries traffic, and configuration is not
// synchronised between them.
//
// WithFaults puts a fault front before a simulator: job latency and page
// cost; resets, 503 pages and session timeouts; answers lost after the
// device did the work, slow final pages; duplicate, repeated, out-of-range,
// filter-mismatching and unreadable entries and short pages; HTML or empty
// answers to named requests. TimeZoneUnset leaves the configured zone out
// while the clock keeps it. LogKeys, ServedKeys and LogQueries are the
// store's truth for a window, the record of what pages carried and the
// count of queries, for tests to compare a collection against.
//
// Truth exposes the planted ground truth (which services sit behind the
// catch-all, which sources scan, which URLs are broken), so the analysis can
// be measured by precision and recall instead of by its own output.
//
// Simplifications worth knowing:
//   - Log times have one-second resolution in the device zone; receive_time
//     equals time_generated. Query time literals compare against the device
//     wall clock, so during the repeated hour of a DST change a window
//     matches both occurrences (clients dedupe on serial and seqno).
//   - A log query's result is fixed when it is submitted.
//   - Hit counts are kept per rule UUID and counted when a session ends (or
//     is denied), at the second of its traffic log, so hit counts and traffic
//     logs agree exactly. The two default rules do not log, as on a device.
//   - A commit fails (job result FAIL, running config unchanged) when a rule
//     references a zone, address, service or profile that does not exist, a
//     custom vulnerability ID is outside 41000-45000 and 6800001-6900000, or
//     a threat exception names a custom ID that does not exist. Panorama
//     does not check zones (templates are not modelled).
//   - A partial commit that names no administrator (vsys, device group,
//     exclusions) commits everything.
//   - application-default uses a small built-in default-port table;
//     service-http is tcp/80 and tcp/8080, service-https tcp/443.
//   - misc carries host/path?query without the port of the Host header.
//
// panosim is an independent oracle: it uses the standard library only (it
// may import the root package for constants), must never import collect,
// correlate or pango, and shares no XML structs with any other package, or a
// bug on one side would hide the same bug on the other. Non-test files never
// import testing, because the demo links this package.
package panosim
