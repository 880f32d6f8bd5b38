// Package correlate is mine's analysis: it finds the catch-all rules, folds
// threat and traffic log records into compact aggregates as they stream in,
// and turns the aggregates into the report: status counts, the URLs that
// answer through the catch-all, scanners, and App-ID rule suggestions with
// their evidence.
//
// correlate is pure: no I/O, no clock, no goroutines, no context. It imports
// only the standard library and the root package mine. Its output is
// sorted, so the same input always gives the same report.
package correlate
