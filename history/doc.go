// Package history keeps mine's runs in an embedded SQLite database
// (modernc.org/sqlite, pure Go): for each target and window, the device
// identity, the hit counter snapshots of every rule, the aggregates and
// findings of the analysis and the readiness verdict; and, from successive
// snapshots, how many hits each rule took in each period. A firewall's hit
// counter is one cumulative number that a reset wipes and nothing on the
// device remembers last week: the history is where the week-over-week trend
// of the catch-all lives.
//
// The schema is created and migrated from the SQL files embedded under
// migrations/, and documented for users in docs/history.md so they can
// query it with any SQLite tool. A run is written in one transaction;
// writing the same target and window again replaces that run.
//
// It also keeps the changes mine made to devices (protect, block, retire
// and their undo), each with its change record: the exact XML of every
// element before and after, what undo puts back, and for a retirement the
// flows the catch-all carried, which mine watch checks the deny logs
// against. Changes are an audit trail: pruning runs leaves them.
//
// history is the only package that imports the SQLite driver. It must not
// import collect, correlate, report, pango or cobra, must not read the
// environment, and never calls time.Now: callers pass times. Secrets never
// reach it (mine.Snapshot holds none).
package history
