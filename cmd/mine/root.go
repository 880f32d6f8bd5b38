package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/panos-mine/mine/collect"
	"github.com/panos-mine/mine/report"
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
	quiet     bool
	verbose   bool
	debug     bool
	logFormat string
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
  3    device unreachable (name, connection, timeout, untrusted
       certificate) or refused the credentials
  4    readiness: not ready (retire refuses); watch: flows the retired
       catch-all carried are denied now
  5    readiness: not enough evidence (retire refuses); watch: a deny
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
	cmd, err := root.ExecuteContextC(ctx)
	if err != nil {
		fmt.Fprintf(io.err, "mine: %v\n", err)
		var ue usageError
		if errors.As(err, &ue) {
			path := "mine"
			if cmd != nil {
				path = cmd.CommandPath()
			}
			fmt.Fprintf(io.err, "Run '%s --help' for usage.\n", path)
		}
		if h := errorHint(err); h != "" {
			fmt.Fprintln(io.err, h)
		}
	}
	return exitCode(ctx, err)
}

// errorHint says what the user can do about an error, in the flags'
// words; "" when there is nothing to add.
func errorHint(err error) string {
	var ce *collect.ConnError
	if errors.As(err, &ce) {
		switch ce.Kind {
		case collect.ConnTLS:
			return "The device's certificate is not signed by a CA this system trusts (most firewalls have a self-signed one).\n" +
				"Give the CA that signed it with --ca-file FILE.pem, or skip the check with --insecure-skip-verify (insecure)."
		case collect.ConnDNS:
			return "Check --host (or PANOS_HOSTNAME): the name does not resolve from this host."
		case collect.ConnRefused:
			return "Check --host and --port: it must be the management address, with HTTPS allowed by its management profile."
		case collect.ConnTimeout:
			return "The device did not answer within --timeout; raise it for a slow device, or check the path to it (firewall, HTTPS_PROXY)."
		}
		return ""
	}
	switch {
	case errors.Is(err, collect.ErrUnauthorized):
		return "Check the API key (PANOS_API_KEY or --api-key-file), or PANOS_USERNAME and PANOS_PASSWORD, and the admin role's XML API rights."
	case errors.Is(err, collect.ErrNoDeviceTime), errors.Is(err, collect.ErrZoneMismatch):
		return "Give the device's time zone with --device-tz, as an IANA name such as America/New_York (in a config file: device_tz)."
	case errors.Is(err, collect.ErrStalled), errors.Is(err, collect.ErrLogJobTimeout):
		return "The device's log queries are not finishing. A busy management plane may need a larger --timeout (bounds scale with it), or a quieter hour."
	case errors.Is(err, collect.ErrCheckpointBusy):
		return "See the checkpoints with 'mine checkpoints list'."
	}
	return ""
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
			logger, err := newLogger(d.io.err, d.global.logFormat, level, isTerminal(d.io.err))
			if err != nil {
				return err
			}
			d.logger = logger
			return nil
		},
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageError{err} })
	pf := root.PersistentFlags()
	pf.BoolVarP(&d.global.quiet, "quiet", "q", false, "print only warnings and errors on stderr")
	pf.BoolVarP(&d.global.verbose, "verbose", "v", false, "print progress details on stderr")
	pf.BoolVar(&d.global.debug, "debug", false, "also log every XML API request pango sends (API keys are blanked)")
	pf.StringVar(&d.global.logFormat, "log-format", logAuto, "log lines on stderr: human (level and message), text (key=value with time) or json; auto is human on a terminal, text otherwise")
	root.AddCommand(
		newDemoCmd(d),
		newRunCmd(d),
		newImportCmd(d),
		newSignaturesCmd(d),
		newSimCmd(d),
		newVersionCmd(d),
		newSuggestCmd(d),
		newReadinessCmd(d),
		newRulesCmd(d),
		newHistoryCmd(d),
		newCheckpointsCmd(d),
		newReportCmd(d),
		newProtectCmd(d),
		newRetireCmd(d),
		newWatchCmd(d),
	)
	for _, c := range append([]*cobra.Command{root}, root.Commands()...) {
		if c.HasSubCommands() {
			groupCmd(c)
		}
	}
	// Flag help wraps at the terminal width, like everything else.
	cobra.AddTemplateFunc("wrappedFlagUsages", func(fs *pflag.FlagSet) string { return fs.FlagUsagesWrapped(report.TerminalWidth) })
	t := root.UsageTemplate()
	t = strings.ReplaceAll(t, ".LocalFlags.FlagUsages", "wrappedFlagUsages .LocalFlags")
	t = strings.ReplaceAll(t, ".InheritedFlags.FlagUsages", "wrappedFlagUsages .InheritedFlags")
	root.SetUsageTemplate(t)
	return root
}

// groupCmd makes a command that only groups subcommands print its help
// when called alone, and refuse a subcommand it does not have as a usage
// error (exit 2), as the root does.
func groupCmd(c *cobra.Command) {
	c.SuggestionsMinimumDistance = 2
	c.Args = func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 {
			return nil
		}
		msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
		if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
			msg += "; did you mean " + strings.Join(s, " or ") + "?"
		}
		return usagef("%s", msg)
	}
	c.RunE = func(cmd *cobra.Command, args []string) error { return cmd.Help() }
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
