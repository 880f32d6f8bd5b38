// Package xapi is the one place where mine meets pango: it opens a session
// with a PAN-OS device through pango v0.10.2 and offers the few XML API calls
// that collect and signatures need (op, config, commit, job and log-job
// polling), with pango's errors translated into this package's own.
//
// Only collect and signatures may import it. It must not import correlate,
// report, history, panosim or cobra, and pango types never leave it.
package xapi
