package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/panos-mine/mine/collect"
	"github.com/panos-mine/mine/panosim"
	"github.com/panos-mine/mine/signatures"
)

func newSimCmd(d *deps) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "Run the built-in PAN-OS simulator, or print its ground truth",
	}
	cmd.AddCommand(newSimServeCmd(d), newSimTruthCmd(d))
	return cmd
}

func newSimServeCmd(d *deps) *cobra.Command {
	var (
		addr, certOut string
		seed          int64
		days          int
		bare          bool
		perDay        int
		logsPerDay    int
		latency       time.Duration
		pageCost      time.Duration
		faults        string
		replicas      int
		jobModel      bool
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the simulator over HTTPS on loopback",
		Long: `Serve runs the PAN-OS simulator as an HTTPS server with a fresh self-signed
certificate, written to --cert-out so clients can verify it. Unless --bare,
the HTTP status signatures are deployed on it and --days of traffic have
already flowed, so 'mine run' finds evidence at once; traffic keeps flowing
in real time while it runs. Stop it with Ctrl-C.

--replicas N serves every log record N times (its own sequence number each):
the volume of a busy firewall without simulating its traffic. --job-model
makes log query and report jobs take the time the scale benchmark's model
gives them (docs/scale.md): a full page of logs 2s, a report 2s and 1s per
million logs of its window.

--faults takes comma-separated kind=N pairs, each fault on every Nth:
  log request   reset, 503, timeout, lost
  page          truncate, lost-final
  page of logs  duplicate, repeat, outside, mismatch, short, garble`,
		Example: `  mine sim serve --addr 127.0.0.1:8443
  # in another shell, with the key it prints:
  SSL_CERT_FILE=/tmp/mine-sim-cert.pem PANOS_API_KEY=... \
    mine run --host 127.0.0.1 --port 8443`,
		Args: argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			span := time.Duration(days) * 24 * time.Hour
			now := d.now().UTC().Truncate(time.Second)
			start := now.Add(-span)
			if bare {
				start = now // a bare device has no history: traffic starts now
			}
			if logsPerDay > 0 {
				if cmd.Flags().Changed("sessions-per-day") {
					return usagef("give --logs-per-day or --sessions-per-day, not both")
				}
				// about 1.11 HTTP status logs per ordinary session, measured
				// on the default scenario (23,352 threat logs a week at 3000
				// sessions a day)
				perDay = max(1, logsPerDay*3000/3336)
			}
			if perDay < 1 {
				return usagef("--sessions-per-day %d: want at least 1", perDay)
			}
			if replicas < 1 {
				return usagef("--replicas %d: want at least 1", replicas)
			}
			f, err := parseFaults(faults)
			if err != nil {
				return err
			}
			f.JobLatency, f.PageCost = latency, pageCost
			polls := 0 // the simulator's default
			if latency > 0 {
				polls = -1 // the fault front holds jobs; the simulator adds no ACT poll of its own
			}
			o := panosim.Options{Seed: seed, Start: start, Bare: bare, SessionsPerDay: perDay, PollsBeforeFinish: polls, Replicas: replicas}
			if jobModel {
				m := panosim.DefaultLatency
				o.Latency, o.PollsBeforeFinish = &m, -1
			}
			sim := panosim.New(o)
			var front http.Handler = sim
			if faults != "" || latency > 0 || pageCost > 0 {
				front = panosim.WithFaults(sim, f)
			}
			host, err := startSim(front, addr)
			if err != nil {
				return err
			}
			defer host.close()
			if err := os.WriteFile(certOut, host.pem, 0o644); err != nil {
				return fmt.Errorf("write certificate: %w", err)
			}
			if !bare {
				dep, err := signatures.Connect(ctx, collect.Config{
					Host: host.host, Port: host.port, APIKey: sim.APIKey(), Username: "admin", RootCAs: host.pool, Logger: d.logger,
				})
				if err != nil {
					return err
				}
				if _, err := dep.Deploy(ctx, signatures.Default(), signatures.Location{}); err != nil {
					return err
				}
				sim.Advance(span)
			}
			fmt.Fprintf(d.io.out, "PAN-OS simulator (seed %d) listening on %s\n", seed, host.url())
			fmt.Fprintf(d.io.out, "API key:     %s\n", sim.APIKey())
			threat, traffic := sim.LogCounts()
			fmt.Fprintf(d.io.out, "clock:       %s (threat logs %d, traffic logs %d)\n", sim.Now().Format(time.RFC3339), threat, traffic)
			fmt.Fprintf(d.io.out, "certificate: %s\n", certOut)
			fmt.Fprintf(d.io.out, "try:         SSL_CERT_FILE=%s PANOS_API_KEY=%s mine run --host %s --port %d\n", certOut, sim.APIKey(), host.host, host.port)
			tick := time.NewTicker(10 * time.Second)
			defer tick.Stop()
			last := time.Now()
			for {
				select {
				case <-ctx.Done():
					fmt.Fprintln(d.io.err, "simulator stopped")
					return nil
				case err := <-host.done:
					return fmt.Errorf("simulator: %w", err)
				case t := <-tick.C:
					sim.Advance(t.Sub(last).Truncate(time.Second))
					last = last.Add(t.Sub(last).Truncate(time.Second))
				}
			}
		},
	}
	f := cmd.Flags()
	f.StringVar(&addr, "addr", "127.0.0.1:8443", "address to listen on (loopback)")
	f.Int64Var(&seed, "seed", 1, "seed of the simulated traffic")
	f.IntVar(&days, "days", 7, "days of traffic that have already flowed at start")
	f.BoolVar(&bare, "bare", false, "start without signatures and without history: deploy them yourself")
	f.IntVar(&perDay, "sessions-per-day", 3000, "volume of ordinary client sessions a day")
	f.IntVar(&logsPerDay, "logs-per-day", 0, "volume as HTTP status threat logs a day, approximately (sets --sessions-per-day)")
	f.DurationVar(&latency, "job-latency", 0, "keep every log query job running this long before it finishes")
	f.DurationVar(&pageCost, "page-cost", 0, "delay each finished log page by this much per 1000 entries")
	f.StringVar(&faults, "faults", "", "inject log-query faults, kind=N pairs (see below)")
	f.IntVar(&replicas, "replicas", 1, "serve every log record this many times")
	f.BoolVar(&jobModel, "job-model", false, "give log query and report jobs the scale benchmark's latency model")
	f.StringVar(&certOut, "cert-out", filepath.Join(os.TempDir(), "mine-sim-cert.pem"), "where to write the simulator's certificate (PEM)")
	return cmd
}

func newSimTruthCmd(d *deps) *cobra.Command {
	var seed int64
	cmd := &cobra.Command{
		Use:   "truth",
		Short: "Print the simulator's planted ground truth as JSON",
		Long: `Truth prints what the simulator plants for a seed: the services reachable
only through the catch-all, those covered by App-ID rules, scanners, broken
links and failing servers. Tests measure mine's analysis against it.`,
		Args: argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			sim := panosim.New(panosim.Options{Seed: seed})
			enc := json.NewEncoder(d.io.out)
			enc.SetIndent("", "  ")
			return enc.Encode(sim.Truth())
		},
	}
	cmd.Flags().Int64Var(&seed, "seed", 1, "seed of the simulated traffic")
	return cmd
}

// parseFaults reads --faults: comma-separated kind=N pairs.
// faultKinds are the kinds --faults takes.
const faultKinds = "reset, 503, timeout, truncate, lost, lost-final, duplicate, repeat, outside, mismatch, short or garble"

func parseFaults(s string) (panosim.Faults, error) {
	var f panosim.Faults
	if s == "" {
		return f, nil
	}
	for _, part := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		n, err := strconv.Atoi(v)
		if !ok || err != nil || n < 1 {
			return f, usagef("--faults: %q is not kind=N with N a positive number", part)
		}
		switch k {
		case "reset":
			f.ResetEvery = n
		case "503":
			f.HTTP503Every = n
		case "timeout":
			f.SessionTimeoutEvery = n
		case "truncate":
			f.TruncateEvery = n
		case "lost":
			f.LostAnswerEvery = n
		case "lost-final":
			f.LostFinalEvery = n
		case "duplicate":
			f.DuplicateEvery = n
		case "repeat":
			f.RepeatEvery = n
		case "outside":
			f.OutsideEvery = n
		case "mismatch":
			f.MismatchEvery = n
		case "short":
			f.ShortEvery = n
		case "garble":
			f.GarbleEvery = n
		default:
			return f, usagef("--faults: unknown kind %q (want %s)", k, faultKinds)
		}
	}
	return f, nil
}
