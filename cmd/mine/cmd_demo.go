package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/panos-mine/mine"
	"github.com/panos-mine/mine/collect"
	"github.com/panos-mine/mine/panosim"
	"github.com/panos-mine/mine/signatures"
)

type demoOptions struct {
	seed int64
	days int
	out  string
	json string
}

// The simulator's admin account for the demo; it lives only in this
// process.
const demoUser, demoPassword = "admin", "demo-only-password"

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

The same --seed always gives the same traffic.`,
		Example: `  mine demo
  mine demo --seed 7 --out demo.xlsx --json demo.json`,
		Args: argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
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
	f.StringVarP(&o.out, "out", "o", "mine-report.xlsx", "workbook to write (empty for none)")
	f.StringVar(&o.json, "json", "", "also write the JSON document to FILE, or - for stdout")
	return cmd
}

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
	sim := panosim.New(panosim.Options{
		Seed: o.seed, Start: now.Add(-span),
		Username: demoUser, Password: demoPassword,
		PollsBeforeFinish: 1,
	})
	host, err := startSim(sim, "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	defer host.close()
	log.Info("simulator started", "url", host.url(), "seed", o.seed)

	cfg := collect.Config{
		Host: host.host, Port: host.port,
		Username: demoUser, Password: demoPassword,
		RootCAs: host.pool, Timeout: 30 * time.Second,
		Debug: d.global.debug, Logger: log,
	}
	dep, err := signatures.Connect(ctx, cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("demo: %w", err)
	}
	res, err := dep.Deploy(ctx, signatures.Default(), signatures.Location{})
	if err != nil {
		return nil, nil, fmt.Errorf("demo: %w", err)
	}
	log.Info("signatures deployed", "count", res.Set, "location", res.Location, "commit_job", res.JobID)

	log.Info("simulating traffic", "days", o.days)
	sim.Advance(span)
	threat, traffic := sim.LogCounts()
	log.Info("simulated traffic logged", "threat_logs", threat, "traffic_logs", traffic)

	p := pipeline{
		conn: cfg, vsys: "vsys1", since: span, now: sim.Now(),
		tune: func(c *collect.Client) { c.PollStart, c.PollMax = 5*time.Millisecond, 50*time.Millisecond },
	}
	r, err := p.run(ctx, d)
	if err != nil {
		return nil, nil, fmt.Errorf("demo: %w", err)
	}
	return r, sim, nil
}
