package main

import (
	"context"
	"fmt"
	"time"

	"github.com/panos-mine/mine"
	"github.com/panos-mine/mine/correlate"
	"github.com/panos-mine/mine/history"
	"github.com/panos-mine/mine/panosim"
	"github.com/panos-mine/mine/panosim/demoweeks"
)

// demoMaxWeeklySessions is the readiness threshold of the demo: sessions
// of ordinary clients a week the catch-all may still carry.
const demoMaxWeeklySessions = 10

// demoWeeksResult is what `mine demo --weeks` leaves: the last week's
// report, the stored trend, and the simulator (tests read its truth).
type demoWeeksResult struct {
	target  string
	db      string
	last    *mine.Report
	reports []*mine.Report
	trend   []mine.TrendPoint
	sim     *panosim.Server
}

// runDemoWeeks lets the simulator live o.weeks weeks. Each week is one run
// of the production pipeline, stored in the history. Before each later
// week an administrator adds some of the previous week's suggestions above
// the catch-all through the XML API, and before the last week the rules for
// what no suggestion covers, so the catch-all drains.
func runDemoWeeks(ctx context.Context, d *deps, o *demoOptions) (*demoWeeksResult, error) {
	if o.weeks < 1 || o.weeks > 12 {
		return nil, usagef("--weeks %d: want 1 to 12", o.weeks)
	}
	week := o.weekLength
	if week <= 0 {
		week = 7 * 24 * time.Hour
	}
	db := o.db
	if db == "" {
		db = defaultDemoDB
	}
	log := d.logger
	now := d.now().UTC().Truncate(time.Second)
	dev, err := startDemoDevice(ctx, d, o.seed, now.Add(-time.Duration(o.weeks)*week), o.sessionsPerDay)
	if err != nil {
		return nil, err
	}
	defer dev.host.close()
	store, err := history.Open(ctx, db)
	if err != nil {
		return nil, err
	}
	defer store.Close()
	res := &demoWeeksResult{target: fmt.Sprintf("demo-seed-%d", o.seed), db: db, sim: dev.sim}
	// The demo's own target starts afresh; other targets are left alone.
	if n, err := store.DeleteTarget(ctx, res.target); err != nil {
		return nil, err
	} else if n > 0 {
		log.Info("earlier demo runs removed from the history", "target", res.target, "runs", n)
	}
	admin := demoweeks.NewAdmin(dev.host.url(), dev.sim.APIKey(), dev.host.pool)
	applied := map[string]bool{}
	for n := 1; n <= o.weeks; n++ {
		if res.last != nil {
			names, err := admin.ApplyWeek(ctx, res.last, applied, n, o.weeks)
			if err != nil {
				return nil, fmt.Errorf("demo week %d: %w", n, err)
			}
			log.Info("rules added above the catch-all", "week", n, "rules", names)
		}
		dev.sim.Advance(week)
		end := dev.sim.Now()
		rc := &recorder{store: store, target: res.target, collected: end,
			conn: mine.Target{Host: dev.conn.Host, Port: dev.conn.Port, Vsys: "vsys1"},
			// The demo's weeks are its whole evidence; a few sessions that
			// began before the last commit may still end on the catch-all.
			readiness: correlate.ReadinessOptions{MinWindow: week, Recent: week, MaxWeeklySessions: demoMaxWeeklySessions}}
		p := pipeline{conn: dev.conn, vsys: "vsys1", since: week, now: end, tune: fastPolls, verifyFlows: 200}
		rc.attach(&p)
		r, err := p.run(ctx, d)
		if err != nil {
			return nil, fmt.Errorf("demo week %d: %w", n, err)
		}
		r.SignatureChecks = dev.checks
		saved, err := rc.save(ctx, r)
		if err != nil {
			return nil, fmt.Errorf("demo week %d: %w", n, err)
		}
		log.Info("demo week stored", "week", n, "run", saved.RunID, "catch_all_hits", hitsText(saved.Point),
			"client_sessions", saved.Point.ClientSessions, "verdict", saved.Point.Verdict)
		res.last = r
		res.reports = append(res.reports, r)
	}
	if res.trend, err = store.Trend(ctx, res.target); err != nil {
		return nil, err
	}
	return res, nil
}
