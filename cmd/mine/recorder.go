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

	tally    sessionTally
	in       correlate.Input
	sessions map[string]int64
}

// attach wires the recorder into a pipeline.
func (rc *recorder) attach(p *pipeline) {
	rc.tally = sessionTally{}
	p.onTraffic = rc.tally.add
	p.prepare = rc.prepare
	p.haPeer = rc.peer
}

func (rc *recorder) prepare(ctx context.Context, in *correlate.Input, agg *correlate.Aggregator) error {
	in.Owners = rc.owners
	in.Readiness = rc.readiness
	rc.in = *in
	if rc.store == nil {
		return nil
	}
	// The readiness verdict follows the ordinary clients' sessions week by
	// week; this week's need the scanners, which only the analysis knows.
	first := agg.Report(*in)
	if first.Totals.TrafficLogs > 0 {
		rc.sessions = rc.tally.clientSessions(first.CatchAll, first.Scanners)
	}
	weekly, err := rc.store.WeeklyHits(ctx, rc.snapshot(&mine.Report{CatchAll: first.CatchAll}))
	if err != nil {
		return err
	}
	in.History = weekly
	rc.in.History = weekly
	return nil
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

// sessionTally counts the catch-all's sessions per rule and source as the
// traffic logs stream past, so that the scanners' can be left out once
// the analysis names them. Its size grows with the distinct sources.
type sessionTally map[string]map[string]int64

func (t sessionTally) add(l *mine.TrafficLog) {
	m := t[l.Rule]
	if m == nil {
		m = map[string]int64{}
		t[l.Rule] = m
	}
	m[l.Src] += int64(l.Sessions())
}

// clientSessions returns each catch-all rule's sessions from sources that
// are not scanners.
func (t sessionTally) clientSessions(catchAll []string, scanners []mine.Scanner) map[string]int64 {
	isScanner := make(map[string]bool, len(scanners))
	for _, s := range scanners {
		isScanner[s.Source] = true
	}
	out := make(map[string]int64, len(catchAll))
	for _, rule := range catchAll {
		var n int64
		for src, s := range t[rule] {
			if !isScanner[src] {
				n += s
			}
		}
		out[rule] = n
	}
	return out
}
