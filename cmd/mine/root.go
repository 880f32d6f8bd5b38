package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/spf13/cobra"

	"github.com/panos-mine/mine/collect"
)

// stdio is where a command reads and writes. stdout is for data only.
type stdio struct {
	in       io.Reader
	out, err io.Writer
}

// deps is what every command constructor receives.
type deps struct {
	io     stdio
	getenv func(string) string
	now    func() time.Time
	// logger is set once flags are parsed (PersistentPreRun).
	logger *slog.Logger
	global *globalOptions
}

type globalOptions struct {
	quiet   bool
	verbose bool
	debug   bool
}

// Exit codes, one switch for the whole program; listed in `mine --help`.
const (
	exitOK          = 0
	exitFailure     = 1
	exitUsage       = 2
	exitDevice      = 3
	exitNotReady    = 4
	exitNoEvidence  = 5
	exitInterrupted = 130
)

const exitCodesHelp = `Exit codes:
  0    success (readiness: ready)
  1    failure
  2    usage error (bad flag, argument or input file)
  3    device unreachable or unauthorized
  4    readiness: not ready (retire refuses); watch: flows the retired
       catch-all carried are denied now
  5    readiness: insufficient evidence (retire refuses); watch: a deny
       rule below does not log
  130  interrupted`

// usageError marks errors in what the user typed.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

func exitCode(ctx context.Context, err error) int {
	var ue usageError
	var ve verdictError
	switch {
	case err == nil:
		return exitOK
	case ctx.Err() != nil || errors.Is(err, context.Canceled):
		return exitInterrupted
	case errors.As(err, &ue):
		return exitUsage
	case errors.As(err, &ve):
		return ve.ExitCode()
	case errors.Is(err, collect.ErrUnauthorized), errors.Is(err, collect.ErrUnreachable):
		return exitDevice
	}
	return exitFailure
}

// run is main without the process: tests call it directly.
func run(ctx context.Context, args []string, io stdio, getenv func(string) string) int {
	d := &deps{io: io, getenv: getenv, now: time.Now, global: &globalOptions{}}
	root := newRootCmd(d)
	root.SetArgs(args)
	root.SetIn(io.in)
	root.SetOut(io.out)
	root.SetErr(io.err)
	err := root.ExecuteContext(ctx)
	if err != nil {
		fmt.Fprintf(io.err, "mine: %v\n", err)
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintln(io.err, "Run 'mine --help' for usage.")
		}
	}
	return exitCode(ctx, err)
}

func newRootCmd(d *deps) *cobra.Command {
	root := &cobra.Command{
		Use:   "mine",
		Short: "Evidence for retiring a PAN-OS catch-all rule, from HTTP status codes",
		Long: `mine turns the HTTP response status codes a Palo Alto Networks firewall sees
into evidence for retiring a port-based "catch-all" security rule.

It deploys 60 custom vulnerability signatures (threat IDs 41000-41059, one
per HTTP status code) so every inspected HTTP response is logged, collects
those threat logs, the catch-all's traffic logs, the rulebase and rule hit
counts through the XML API, finds the servers and App-IDs that depend on the
catch-all, suggests App-ID rules for them, and reports it all as an Excel
workbook, terminal tables and JSON.

Try it without a device:
  mine demo

Against a firewall (the API key comes from the environment, never a flag):
  export PANOS_API_KEY=...            # or PANOS_USERNAME and PANOS_PASSWORD
  mine signatures deploy --host fw.example.net
  mine run --host fw.example.net --since 7d --out report.xlsx

` + exitCodesHelp,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			level := slog.LevelInfo
			switch {
			case d.global.debug || d.global.verbose:
				level = slog.LevelDebug
			case d.global.quiet:
				level = slog.LevelWarn
			}
			d.logger = slog.New(slog.NewTextHandler(d.io.err, &slog.HandlerOptions{Level: level}))
			return nil
		},
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageError{err} })
	pf := root.PersistentFlags()
	pf.BoolVarP(&d.global.quiet, "quiet", "q", false, "print only warnings and errors on stderr")
	pf.BoolVarP(&d.global.verbose, "verbose", "v", false, "print progress details on stderr")
	pf.BoolVar(&d.global.debug, "debug", false, "also log every XML API request pango sends (API keys are blanked)")
	root.AddCommand(
		newDemoCmd(d),
		newRunCmd(d),
		newSignaturesCmd(d),
		newSimCmd(d),
		newVersionCmd(d),
		newSuggestCmd(d),
		newReadinessCmd(d),
		newRulesCmd(d),
		newHistoryCmd(d),
		newReportCmd(d),
		newProtectCmd(d),
		newRetireCmd(d),
		newWatchCmd(d),
	)
	return root
}

// argsUsage wraps a cobra positional-args check so its failures exit 2.
func argsUsage(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return usageError{err}
		}
		return nil
	}
}
