// Package correlate is mine's analysis. It finds the catch-all rules, folds
// threat and traffic log records into compact aggregates as they stream in
// (Aggregator), and turns the aggregates into the report (Aggregator.Report):
//
//   - URL evidence: URLs normalised (host lower-cased, default ports
//     dropped, query strings kept apart) and templated (/users/1234 ->
//     /users/{id}; numbers, UUIDs, hashes, dates), with counts and examples;
//   - suggested App-ID rules from the successful (2xx) answers to ordinary
//     clients on the catch-all, per destination zone, servers and
//     application, with application-default or explicit ports, sources
//     summarised into a few CIDRs (or any), evidence, a stable name, and
//     their configuration as PAN-OS set commands and XML API elements;
//     rules already above the catch-all that carry the traffic are not
//     repeated;
//   - the what-if replay of the window's catch-all traffic against those
//     rules (first match wins): the share covered, the residual and why,
//     and what was seen too rarely to tell;
//   - custom App-ID candidates for internal applications App-ID only
//     calls web-browsing;
//   - scanners (sweeps, bursts of 4xx, well-known probe paths) kept out of
//     the evidence, and a recommendation per probed server;
//   - app-team findings (broken links, server errors, 401/403) per server
//     and URL template, grouped by an owners mapping;
//   - the readiness verdict per catch-all rule with every criterion's
//     evidence, from the window and, when one is kept, the weekly history.
//
// correlate is pure: no I/O, no clock, no goroutines, no context. It imports
// only the standard library and the root package mine. Its output is
// sorted, so the same input always gives the same report.
package correlate
