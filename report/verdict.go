package report

import (
	"fmt"
	"strings"
	"time"

	"github.com/panos-mine/mine"
)

// VerdictLabel names a readiness verdict in the words the Summary, the
// terminal and the readiness command use: READY, NOT READY, NOT ENOUGH
// EVIDENCE.
func VerdictLabel(v string) string {
	switch v {
	case mine.VerdictReady:
		return "READY"
	case mine.VerdictNotReady:
		return "NOT READY"
	case mine.VerdictInsufficientEvidence:
		return "NOT ENOUGH EVIDENCE"
	}
	return strings.ToUpper(v)
}

// maxReasons is how many reasons a banner gives; the Readiness sheet has
// every criterion.
const maxReasons = 3

// banner is a readiness verdict as a manager reads it: the verdict, what
// it means, the reasons that matter most and the next step.
type banner struct {
	rule, verdict string
	label         string
	headline      string
	reasons       []string
	next          string
}

// banners puts each readiness verdict of r into words. The reasons come
// from the criteria that did not pass, the ones that decided the verdict
// first, with figures of the report; the next step follows the first
// reason.
func banners(r *mine.Report) []banner {
	out := make([]banner, 0, len(r.Readiness))
	for _, rd := range r.Readiness {
		b := banner{rule: rd.Rule, verdict: rd.Verdict, label: VerdictLabel(rd.Verdict)}
		open := openCriteria(rd)
		switch rd.Verdict {
		case mine.VerdictReady:
			b.headline = "The catch-all can be retired: no ordinary client needed it in the window."
			b.reasons = readyReasons(r)
			b.next = "Disable the catch-all rather than delete it, so it can be re-enabled at once, and watch for a week. Re-check first: " + command(r, "mine readiness")
		case mine.VerdictNotReady:
			b.headline = "The catch-all is still in use: retiring it now would break traffic."
		default:
			b.headline = "There is not enough evidence yet to decide."
		}
		for _, c := range open {
			if len(b.reasons) == maxReasons {
				break
			}
			b.reasons = append(b.reasons, reason(r, c))
		}
		if len(open) > 0 {
			// Moving the services to App-ID rules is what retires a
			// catch-all that is in use; otherwise the deciding criterion.
			step := open[0]
			for _, c := range open {
				if c.Name == "successful-traffic" && len(r.Suggestions) > 0 {
					step = c
				}
			}
			b.next = nextStep(r, step)
		}
		out = append(out, b)
	}
	return out
}

// openCriteria returns the criteria of a verdict that did not pass, those
// that decide it first: for not-ready the catch-all's use, otherwise the
// signatures, then the rest in the verdict's order.
func openCriteria(rd mine.Readiness) []mine.Criterion {
	first := map[string]bool{"signatures-logging": true}
	if rd.Verdict == mine.VerdictNotReady {
		first = map[string]bool{"catch-all-hits": true, "successful-traffic": true}
	}
	var lead, rest []mine.Criterion
	for _, c := range rd.Criteria {
		switch {
		case c.Result == mine.ResultPass:
		case first[c.Name] && (rd.Verdict != mine.VerdictNotReady || c.Result == mine.ResultFail):
			lead = append(lead, c)
		default:
			rest = append(rest, c)
		}
	}
	return append(lead, rest...)
}

// readyReasons says what a ready verdict rests on, and what is left on the
// catch-all when something is.
func readyReasons(r *mine.Report) []string {
	t := r.Totals
	out := []string{"Every readiness criterion passes; the Readiness sheet lists the evidence."}
	switch {
	case t.CatchAllSessions > 0 && t.CatchAllClientSessions == 0:
		out = append(out, fmt.Sprintf("What still reaches the catch-all comes from scanners only: %s sessions, none from ordinary clients (%s detected).",
			count(t.CatchAllSessions), plural(len(r.Scanners), "scanner", "scanners")))
	case t.CatchAllSessions > 0:
		out = append(out, fmt.Sprintf("%s of its %s sessions came from ordinary clients, within the allowed weekly use.",
			count(t.CatchAllClientSessions), count(t.CatchAllSessions)))
	case t.CatchAllResponses > 0 && t.ScannerResponses == t.CatchAllResponses:
		out = append(out, fmt.Sprintf("What still reaches the catch-all comes from scanners only: %s HTTP responses.", count(t.CatchAllResponses)))
	}
	return out
}

// reason puts a criterion that did not pass into a manager's words.
func reason(r *mine.Report, c mine.Criterion) string {
	t, cov := r.Totals, r.Coverage
	period := windowLength(r.Window)
	switch c.Name {
	case "signatures-logging":
		if t.ThreatLogs == 0 {
			return "The firewall logged no HTTP status codes: the signatures are not deployed, or no logging profile is attached."
		}
		return "The catch-all's own HTTP traffic is not logged by the status code signatures, so what it carries cannot be judged."
	case "window-length":
		return fmt.Sprintf("The evidence covers %s: too short to rule out traffic that comes only monthly.", period)
	case "catch-all-hits":
		if c.Result != mine.ResultFail {
			return "Its use cannot be followed week by week yet: fewer than two weeks are known."
		}
		if t.CatchAllClientSessions > 0 {
			return fmt.Sprintf("Ordinary clients still use it: %s sessions in %s (scanners left out).", count(t.CatchAllClientSessions), period)
		}
		return "Ordinary clients still use it more than allowed, or more each week."
	case "successful-traffic":
		if n := len(r.Suggestions); n > 0 && cov.Total > 0 {
			return fmt.Sprintf("Services answer users successfully (HTTP 2xx) only through it; the %s would carry %s of its %s.",
				plural(n, "suggested App-ID rule", "suggested App-ID rules"), Percent(cov.CoveredShare), basis(cov.Basis))
		}
		return "Services answer users successfully (HTTP 2xx) only through it."
	case "counters-intact":
		if c.Result == mine.ResultUnknown {
			return "Its hit counter could not be read, so its use is only known from the logs."
		}
		return "Its hit counter was reset during the period, so part of its use is unknown."
	case "devices-reported":
		return "Not every expected firewall reported: the evidence is incomplete."
	}
	return fmt.Sprintf("%s: %s.", c.Name, c.Result)
}

// nextStep is the command that addresses a criterion.
func nextStep(r *mine.Report, c mine.Criterion) string {
	switch c.Name {
	case "signatures-logging":
		if r.Totals.ThreatLogs == 0 {
			return "Deploy the signatures, then check they log: " + command(r, "mine signatures deploy") + ", then " + command(r, "mine signatures verify") + " --attach-profile"
		}
		return "Attach a logging vulnerability profile to the catch-all: " + command(r, "mine signatures verify") + " --attach-profile"
	case "successful-traffic":
		if len(r.Suggestions) > 0 {
			return "Review the Suggested Rules sheet, then create the rules, disabled, for review: " + command(r, "mine suggest") + " --apply"
		}
		return "Move the services listed on the Readiness sheet to App-ID rules above the catch-all, then: " + command(r, "mine readiness")
	case "catch-all-hits":
		if c.Result == mine.ResultFail {
			return "Move what stays on the catch-all (Coverage sheet) to App-ID rules, then: " + command(r, "mine readiness")
		}
		return "Keep the weekly job running with a history: mine run --config mine.yaml (docs/scheduling.md)"
	case "window-length":
		return "Keep the weekly job running with a history until the evidence covers the period: mine run --config mine.yaml"
	case "counters-intact":
		return "Let a whole period pass after the reset, then: " + command(r, "mine readiness")
	case "devices-reported":
		return "Check that every firewall sends its logs, then: " + command(r, "mine readiness") + " --expect-serial SERIAL"
	}
	return "See the Readiness sheet, then: " + command(r, "mine readiness")
}

// command is a mine command line against the report's device.
func command(r *mine.Report, cmd string) string {
	host := r.Device.Hostname
	if host == "" || strings.ContainsAny(host, " \t\n") {
		host = "FIREWALL"
	}
	return cmd + " --host " + term(host)
}

// windowLength renders the window's length in days, or hours when shorter
// than two days.
func windowLength(w mine.Window) string {
	d := w.Duration()
	switch {
	case d <= 0:
		return "unknown"
	case d < 48*time.Hour:
		return plural(int(d.Round(time.Hour)/time.Hour), "hour", "hours")
	}
	return plural(int(d.Round(24*time.Hour)/(24*time.Hour)), "day", "days")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return count(int64(n)) + " " + many
}
