package main

import (
	"context"
	"slices"
	"time"

	"github.com/panos-mine/mine"
	"github.com/panos-mine/mine/collect"
	"github.com/panos-mine/mine/correlate"
	"github.com/panos-mine/mine/history"
)

// recorder keeps one pipeline run in the history: it feeds the analysis
// the target's weekly use from earlier runs (for the readiness verdict)
// and stores the run when the report is made.
type recorder struct {
	store     *history.Store // nil: analyse with the options below, store nothing
	target    string
	conn      mine.Target
	peer      *collect.Config // the HA peer, whose hit counters are read too
	owners    []mine.Owner
	readiness correlate.ReadinessOptions
	// collected is when the hit counters were read.
	collected time.Time

	in       correlate.Input
	sessions map[string]int64
}

// attach makes the pipeline keep to the recorder's options and read the
// history's weeks through it.
func (rc *recorder) attach(p *pipeline) {
	p.history = rc
	p.haPeer = rc.peer
	p.owners = rc.owners
	p.readiness = rc.readiness
}

// weeks returns the catch-all's weekly use from the earlier runs of the
// target, with this run's week: its hit counters and the sessions of
// ordinary clients the aggregates count. A target not named yet is the
// device's host name.
func (rc *recorder) weeks(ctx context.Context, in correlate.Input, agg *correlate.Aggregator) ([]mine.WeeklyHits, error) {
	rc.in = in
	if rc.target == "" {
		rc.target = in.Device.Hostname
	}
	if rc.conn.Host == "" {
		rc.conn.Host = rc.target
	}
	if rc.store == nil {
		return nil, nil
	}
	rc.sessions = agg.ClientSessions()
	names := make([]string, len(in.CatchAll))
	for i, r := range in.CatchAll {
		names[i] = r.Name
	}
	weekly, err := rc.store.WeeklyHits(ctx, rc.snapshot(&mine.Report{CatchAll: names}))
	if err != nil {
		return nil, err
	}
	rc.in.History = weekly
	return weekly, nil
}

// snapshot is the run as the history keeps it.
// The HA peer's counters, when the pipeline read them, are kept with its
// serial: PAN-OS counts per device, so a failover moves the catch-all's
// hits to the peer, and the history sums the members' deltas.
func (rc *recorder) snapshot(r *mine.Report) *mine.Snapshot {
	var peer *mine.Device
	if r.Collection != nil && len(r.Collection.HA) > 1 && r.Collection.HA[1].Reported {
		m := r.Collection.HA[1]
		peer = &mine.Device{Serial: m.Serial, Hostname: m.Hostname}
	}
	return &mine.Snapshot{
		Target: rc.target, Conn: rc.conn, Device: rc.in.Device, HAPeer: peer,
		Window: rc.in.Window, Collected: rc.collected, Rules: rc.in.RulesInOrder(),
		Hits:   slices.Concat(rc.in.Hits, rc.in.MemberHits),
		Report: r, ClientSessions: rc.sessions,
	}
}

// save stores the run with its report, in one transaction.
func (rc *recorder) save(ctx context.Context, r *mine.Report) (history.Saved, error) {
	return rc.store.Save(ctx, rc.snapshot(r))
}
