package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/panos-mine/mine"
	"github.com/panos-mine/mine/collect"
	"github.com/panos-mine/mine/panosim"
	"github.com/panos-mine/mine/signatures"
)

type demoOptions struct {
	seed  int64
	days  int
	weeks int
	db    string
	out   string
	json  string

	// Knobs for tests, not flags: the normal clients' sessions per working
	// day (0: the simulator's default) and the length of a demo week (0:
	// seven days).
	sessionsPerDay int
	weekLength     time.Duration
}

// The simulator's admin account for the demo; it lives only in this
// process.
const demoUser, demoPassword = "admin", "demo-only-password"

// defaultDemoDB names the history `mine demo --weeks` keeps when --db is
// not given: next to the workbook --out names, or in a new temporary
// directory, never in the working directory unasked.
const defaultDemoDB = "mine-demo-history.db"

// demoHistory chooses the history database of `mine demo --weeks`: --db,
// else next to an --out the user gave, else in a new temporary directory.
func demoHistory(o *demoOptions, outGiven bool) (string, error) {
	switch {
	case o.db != "":
		return o.db, nil
	case outGiven && o.out != "":
		return filepath.Join(filepath.Dir(o.out), defaultDemoDB), nil
	}
	dir, err := os.MkdirTemp("", "mine-demo-")
	if err != nil {
		return "", fmt.Errorf("demo history: %w", err)
	}
	return filepath.Join(dir, defaultDemoDB), nil
}

func newDemoCmd(d *deps) *cobra.Command {
	o := &demoOptions{}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the whole pipeline against the built-in PAN-OS simulator",
		Long: `Demo starts the built-in PAN-OS simulator on loopback over HTTPS and runs
mine's production path against it through the real XML API client:

  1. generates an API key from a user name and password (keygen);
  2. deploys the 60 HTTP status signatures and commits;
  3. lets a simulated week of traffic flow: clients, App-ID rules, a
     catch-all rule at the bottom with services that only it allows, a
     scanner sweeping for paths, a broken link and a failing server;
  4. collects, correlates, prints a summary and writes the workbook.

With --weeks N the simulator lives N weeks, each a run kept in a history
database: --db, or by default next to the workbook --out names, or in a
new temporary directory when --out is not given (its path is printed at
the end). Before each week after the first, an administrator adds some of
the previous week's suggested App-ID rules above the catch-all through the
XML API (enabled, moved before it, committed), and in the last week also
rules for the services no suggestion covered, so the history shows the
catch-all draining and the readiness verdict changing. The weekly trend
is printed at the end; the workbook is the last week's, with the trend.

The same --seed always gives the same traffic.`,
		Example: `  mine demo
  mine demo --seed 7 --out demo.xlsx --json demo.json
  mine demo --weeks 4 --out demo/weeks.xlsx   # history in demo/
  mine demo --weeks 4 --db demo.db &&
    sqlite3 demo.db 'select * from catch_all_trend'`,
		Args: argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("weeks") && cmd.Flags().Changed("days") {
				return usagef("give --days or --weeks, not both")
			}
			if err := (outputs{xlsx: o.out, json: o.json}).check(); err != nil {
				return err
			}
			if o.weeks > 1 || o.db != "" {
				if err := checkDemoWeeks(o); err != nil {
					return err
				}
				db, err := demoHistory(o, cmd.Flags().Changed("out"))
				if err != nil {
					return err
				}
				o.db = db
				res, err := runDemoWeeks(cmd.Context(), d, o)
				if err != nil {
					return err
				}
				book, err := historyBook(cmd.Context(), res.db, res.target)
				if err != nil {
					return err
				}
				if err := (outputs{xlsx: o.out, json: o.json, book: book}).write(d, res.last); err != nil {
					return err
				}
				w := d.io.out
				if o.json == "-" {
					w = d.io.err
				}
				fmt.Fprintf(w, "\nHistory of %s (%s):\n", res.target, res.db)
				return writeTrend(w, res.trend)
			}
			r, _, err := runDemo(cmd.Context(), d, o)
			if err != nil {
				return err
			}
			return outputs{xlsx: o.out, json: o.json}.write(d, r)
		},
	}
	f := cmd.Flags()
	f.Int64Var(&o.seed, "seed", 1, "seed of the simulated traffic")
	f.IntVar(&o.days, "days", 7, "days of traffic to simulate and collect")
	f.IntVar(&o.weeks, "weeks", 1, "weeks the simulator lives, one stored run each, rules added week by week (1-12)")
	f.StringVar(&o.db, "db", "", "history database of the weekly runs (default: "+defaultDemoDB+" next to --out, or in a new temporary directory)")
	f.StringVarP(&o.out, "out", "o", "mine-report.xlsx", "workbook to write (empty for none)")
	f.StringVar(&o.json, "json", "", "also write the JSON document to FILE, or - for stdout")
	return cmd
}

// demoDevice is a running simulator with the signatures deployed.
type demoDevice struct {
	sim  *panosim.Server
	host *simHost
	conn collect.Config
	// checks are what the demo verified of the signatures' configuration.
	checks []mine.SignatureCheck
}

// startDemoDevice starts a simulator whose clock begins at start, serves
// it on loopback and deploys the signatures through the real client.
func startDemoDevice(ctx context.Context, d *deps, seed int64, start time.Time, sessionsPerDay int) (*demoDevice, error) {
	sim := panosim.New(panosim.Options{
		Seed: seed, Start: start,
		Username: demoUser, Password: demoPassword,
		PollsBeforeFinish: 1, SessionsPerDay: sessionsPerDay,
	})
	host, err := startSim(sim, "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	d.logger.Info("simulator started", "url", host.url(), "seed", seed)
	cfg := collect.Config{
		Host: host.host, Port: host.port,
		Username: demoUser, Password: demoPassword,
		RootCAs: host.pool, Timeout: 30 * time.Second,
		Debug: d.global.debug, Logger: d.logger,
	}
	dep, err := signatures.Connect(ctx, cfg)
	if err != nil {
		host.close()
		return nil, fmt.Errorf("demo: %w", err)
	}
	res, err := dep.Deploy(ctx, signatures.Default(), signatures.Location{})
	if err != nil {
		host.close()
		return nil, fmt.Errorf("demo: %w", err)
	}
	d.logger.Info("signatures deployed", "count", res.Set, "location", res.Location, "commit_job", res.JobID)
	checks, err := demoVerify(ctx, d, dep, cfg)
	if err != nil {
		host.close()
		return nil, fmt.Errorf("demo: %w", err)
	}
	return &demoDevice{sim: sim, host: host, conn: cfg, checks: checks}, nil
}

// demoVerify checks, as a user would with 'mine signatures verify', that
// the catch-all logs the signatures, and attaches a logging profile when it
// does not. It returns the verification, for the report's About sheet.
func demoVerify(ctx context.Context, d *deps, dep *signatures.Deployer, cfg collect.Config) ([]mine.SignatureCheck, error) {
	c := signatures.Default()
	rules, err := catchAllNames(ctx, d, cfg, collect.Scope{Vsys: "vsys1"})
	if err != nil {
		return nil, err
	}
	v, err := dep.Verify(ctx, c, signatures.PolicyScope{}, rules)
	if err != nil {
		return nil, err
	}
	if !v.OK() {
		d.logger.Info("the catch-all does not log the signatures yet: attaching a vulnerability profile", "problems", v.Rules[0].Problems)
		if _, _, err := dep.Attach(ctx, c, signatures.PolicyScope{}, rules); err != nil {
			return nil, err
		}
		if v, err = dep.Verify(ctx, c, signatures.PolicyScope{}, rules); err != nil {
			return nil, err
		}
		if !v.OK() {
			return nil, fmt.Errorf("the signatures would still not log on %s: %s", v.Rules[0].Rule, strings.Join(v.Rules[0].Problems, "; "))
		}
	}
	d.logger.Info("signatures verified: the catch-all logs them", "rule", v.Rules[0].Rule, "profile", v.Rules[0].Profile)
	checks := make([]mine.SignatureCheck, len(v.Rules))
	for i, r := range v.Rules {
		checks[i] = mine.SignatureCheck{Rule: r.Rule, Profile: r.Profile, Logs: r.Logs, Problems: r.Problems}
	}
	return checks, nil
}

// fastPolls makes the collector poll the simulator's log jobs quickly.
func fastPolls(c *collect.Client) { c.PollStart, c.PollMax = 5*time.Millisecond, 50*time.Millisecond }

// runDemo starts the simulator, deploys the signatures through the real
// client, lets the simulated days pass and runs the production pipeline
// against it. It returns the report and the simulator (tests compare the
// two).
func runDemo(ctx context.Context, d *deps, o *demoOptions) (*mine.Report, *panosim.Server, error) {
	if o.days < 1 || o.days > 90 {
		return nil, nil, usagef("--days %d: want 1 to 90", o.days)
	}
	log := d.logger
	span := time.Duration(o.days) * 24 * time.Hour
	now := d.now().UTC().Truncate(time.Second)
	dev, err := startDemoDevice(ctx, d, o.seed, now.Add(-span), o.sessionsPerDay)
	if err != nil {
		return nil, nil, err
	}
	defer dev.host.close()

	log.Info("simulating traffic", "days", o.days)
	dev.sim.Advance(span)
	threat, traffic := dev.sim.LogCounts()
	log.Info("simulated traffic logged", "threat_logs", threat, "traffic_logs", traffic)

	p := pipeline{conn: dev.conn, vsys: "vsys1", since: span, now: dev.sim.Now(), tune: fastPolls, verifyFlows: 200}
	r, err := p.run(ctx, d)
	if err != nil {
		return nil, nil, fmt.Errorf("demo: %w", err)
	}
	r.SignatureChecks = dev.checks
	return r, dev.sim, nil
}

// checkDemoWeeks checks --weeks before anything is created for it.
func checkDemoWeeks(o *demoOptions) error {
	if o.weeks < 1 || o.weeks > 12 {
		return usagef("--weeks %d: want 1 to 12", o.weeks)
	}
	return nil
}
