package main

import (
	"context"
	"fmt"
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
	peerDev  *mine.Device
	peerHits []mine.RuleHits
	sessions map[string]int64
}

// attach wires the recorder into a pipeline.
func (rc *recorder) attach(p *pipeline) {
	rc.tally = sessionTally{}
	p.onTraffic = rc.tally.add
	p.prepare = rc.prepare
}

func (rc *recorder) prepare(ctx context.Context, in *correlate.Input, agg *correlate.Aggregator) error {
	in.Owners = rc.owners
	in.Readiness = rc.readiness
	if rc.peer != nil {
		if err := rc.readPeer(ctx); err != nil {
			return err
		}
	}
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

// readPeer reads the HA peer's identity and hit counters: PAN-OS keeps
// them per device, so a failover moves the catch-all's hits to the peer.
// They go to the history, which sums the devices' deltas; the analysis
// keeps to the connected device, whose logs it read (its hit count table
// joins counters by rule name).
func (rc *recorder) readPeer(ctx context.Context) error {
	c, err := collect.Connect(ctx, *rc.peer, rc.conn.Vsys)
	if err != nil {
		return fmt.Errorf("HA peer %s: %w", rc.peer.Host, err)
	}
	dev := c.Device()
	hits, err := c.HitCounts(ctx)
	if err != nil {
		return fmt.Errorf("HA peer %s: %w", rc.peer.Host, err)
	}
	rc.peerDev, rc.peerHits = &dev, hits
	return nil
}

// snapshot is the run as the history keeps it.
func (rc *recorder) snapshot(r *mine.Report) *mine.Snapshot {
	return &mine.Snapshot{
		Target: rc.target, Conn: rc.conn, Device: rc.in.Device, HAPeer: rc.peerDev,
		Window: rc.in.Window, Collected: rc.collected, Rules: rc.in.RulesInOrder(),
		Hits:   append(slices.Clip(rc.in.Hits), rc.peerHits...),
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
