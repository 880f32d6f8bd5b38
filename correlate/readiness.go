package correlate

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/panos-mine/mine"
)

// Readiness criteria, in the order a verdict lists them.
const (
	CriterionSignatures = "signatures-logging"
	CriterionWindow     = "window-length"
	CriterionHits       = "catch-all-hits"
	CriterionSuccess    = "successful-traffic"
	CriterionCounters   = "counters-intact"
	CriterionDevices    = "devices-reported"
	CriterionRulebase   = "rulebase-read"
)

// deploySlack is how long after a rule changed a session may still land on
// the catch-all: sessions that started before the commit keep their rule.
const deploySlack = time.Hour

// risingFactor and risingMin say when the latest week's sessions count as
// rising: above the mean of the weeks before by both.
const (
	risingFactor = 1.2
	risingMin    = 10
	maxListed    = 5
)

// readiness judges each catch-all rule. The verdict is:
//   - insufficient-evidence when the HTTP status signatures are not
//     deployed and logging: without status codes nothing can be told;
//   - not-ready when the catch-all still carries ordinary traffic (hits
//     above the threshold or rising, or recent successful traffic no
//     deployed rule carries): positive evidence, whatever else is missing;
//   - insufficient-evidence when any other criterion fails or is unknown
//     (a short window, a counter reset, a firewall that did not report);
//   - ready otherwise.
func (x *analysis) readiness(gs []*svcGroup) []mine.Readiness {
	out := make([]mine.Readiness, 0, len(x.in.CatchAll))
	for i := range x.in.CatchAll {
		ca := &x.in.CatchAll[i]
		crit := []mine.Criterion{
			x.critSignatures(ca),
			x.critWindow(),
			x.critHits(ca),
			x.critSuccess(ca, gs),
			x.critCounters(ca),
			x.critDevices(),
		}
		if x.in.NoRulebase {
			crit = append(crit, unknown(CriterionRulebase, "the rulebase was not read (the logs were imported from files): "+
				"whether rules above %q already carry its traffic, and its profiles and options, cannot be checked", ca.Name))
		}
		out = append(out, mine.Readiness{Rule: ca.Name, Verdict: verdict(crit), Criteria: crit})
	}
	return out
}

func verdict(cs []mine.Criterion) string {
	res := map[string]string{}
	for _, c := range cs {
		res[c.Name] = c.Result
	}
	if res[CriterionSignatures] != mine.ResultPass {
		return mine.VerdictInsufficientEvidence
	}
	if res[CriterionHits] == mine.ResultFail || res[CriterionSuccess] == mine.ResultFail {
		return mine.VerdictNotReady
	}
	for _, c := range cs {
		if c.Result != mine.ResultPass {
			return mine.VerdictInsufficientEvidence
		}
	}
	return mine.VerdictReady
}

func pass(name, format string, args ...any) mine.Criterion {
	return mine.Criterion{Name: name, Result: mine.ResultPass, Evidence: fmt.Sprintf(format, args...)}
}

func fail(name, format string, args ...any) mine.Criterion {
	return mine.Criterion{Name: name, Result: mine.ResultFail, Evidence: fmt.Sprintf(format, args...)}
}

func unknown(name, format string, args ...any) mine.Criterion {
	return mine.Criterion{Name: name, Result: mine.ResultUnknown, Evidence: fmt.Sprintf(format, args...)}
}

func ts(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

// days renders a duration in whole days, or hours when shorter.
func fmtDur(d time.Duration) string {
	if d >= day && d%day == 0 {
		return fmt.Sprintf("%dd", d/day)
	}
	if d >= day {
		return fmt.Sprintf("%.1fd", d.Hours()/24)
	}
	return fmt.Sprintf("%.0fh", d.Hours())
}

// critSignatures: the HTTP status signatures are deployed and logging, on
// the device and for the traffic of this catch-all.
func (x *analysis) critSignatures(ca *mine.Rule) mine.Criterion {
	a, w := x.a, x.in.Window
	if a.threatLogs == 0 {
		return fail(CriterionSignatures, "no HTTP status threat logs in the window %s: deploy the signatures (mine signatures deploy) "+
			"and attach a vulnerability profile that alerts on informational threats to the rules", w)
	}
	if age := w.To.Sub(a.threatSpan.last); age > x.opts.Freshness {
		return fail(CriterionSignatures, "the newest HTTP status log is from %s, %s before the window's end (allowed %s): are the signatures still deployed and the profile attached?",
			ts(a.threatSpan.last), fmtDur(age.Truncate(time.Hour)), fmtDur(x.opts.Freshness))
	}
	if ca.DisableServerResponseInspection {
		return fail(CriterionSignatures, "%q disables server response inspection: the responses it carries are never logged", ca.Name)
	}
	device := fmt.Sprintf("%d HTTP status logs in the window, the newest from %s", a.threatLogs, ts(a.threatSpan.last))
	if rt := a.ruleThreat[ca.Name]; rt != nil {
		return pass(CriterionSignatures, "%s; %d on %q, the newest from %s", device, rt.entries, ca.Name, ts(rt.last))
	}
	var httpSessions int64
	var apps []string
	for k, s := range a.sessions {
		if k.rule == ca.Name && (a.httpApps[k.app] || k.app == "web-browsing") {
			httpSessions += s.sessions
			if !slices.Contains(apps, k.app) {
				apps = append(apps, k.app)
			}
		}
	}
	if httpSessions > 0 {
		slices.Sort(apps)
		return fail(CriterionSignatures, "%q carried %d sessions of HTTP applications (%s) but logged no HTTP status: attach a vulnerability profile "+
			"that alerts on informational threats to it (%s)", ca.Name, httpSessions, strings.Join(apps, ", "), device)
	}
	if x.in.NoRulebase {
		return unknown(CriterionSignatures, "no HTTP status logs on %q, and without the rulebase its vulnerability profile is unknown (%s)", ca.Name, device)
	}
	if len(ca.ProfileGroup) == 0 && len(ca.VulnerabilityProfiles) == 0 {
		return fail(CriterionSignatures, "%q has no vulnerability profile: HTTP it carried would not be logged (%s)", ca.Name, device)
	}
	return pass(CriterionSignatures, "%s; none on %q, which carried no HTTP application", device, ca.Name)
}

// critWindow: the evidence reaches back at least MinWindow.
func (x *analysis) critWindow() mine.Criterion {
	a, w, min := x.a, x.in.Window, x.opts.MinWindow
	if w.Duration() < min-time.Minute {
		return fail(CriterionWindow, "the window is %s; the verdict needs %s", fmtDur(w.Duration()), fmtDur(min))
	}
	if a.threatLogs == 0 {
		return fail(CriterionWindow, "the window is %s but holds no HTTP status evidence", fmtDur(w.Duration()))
	}
	tol := minDur(day, min/10)
	start := a.threatSpan.first
	if start.Before(w.From) {
		start = w.From
	}
	if have := w.To.Sub(start); have < min-tol {
		return fail(CriterionWindow, "HTTP status logs reach back only to %s: %s of evidence, the verdict needs %s",
			ts(a.threatSpan.first), fmtDur(have.Truncate(time.Hour)), fmtDur(min))
	}
	return pass(CriterionWindow, "window of %s (needed %s), HTTP status logs from %s", fmtDur(w.Duration()), fmtDur(min), ts(a.threatSpan.first))
}

func minDur(a, b time.Duration) time.Duration {
	if a < b {
		return a
	}
	return b
}

// critHits: sessions from non-scanners on the catch-all are at most the
// threshold in the latest week and not rising across the weeks, from the
// history when it has two weeks or more, otherwise from the weeks inside
// the window.
func (x *analysis) critHits(ca *mine.Rule) mine.Criterion {
	a, w, limit := x.a, x.in.Window, x.opts.MaxWeeklySessions
	h, haveHits := x.hits[ca.Name]
	counter := "no hit counter"
	if haveHits {
		counter = fmt.Sprintf("hit counter %d", h.HitCount)
		if !h.LastHit.IsZero() {
			counter += ", last hit " + ts(h.LastHit)
		}
	}

	var series []int64
	var weeks []string
	basis := ""
	var hist []mine.WeeklyHits
	for _, wh := range x.in.History {
		if wh.Rule == ca.Name {
			hist = append(hist, wh)
		}
	}
	slices.SortFunc(hist, func(p, q mine.WeeklyHits) int { return p.Week.Compare(q.Week) })
	logged := false
	perDay := map[int32]int64{}
	var total int64
	for k, s := range a.sessions {
		if k.rule != ca.Name {
			continue
		}
		logged = true
		if x.isScanner[k.src] {
			continue
		}
		total += s.sessions
		for _, d := range s.days {
			perDay[d.day] += d.n
		}
	}
	if len(hist) >= 2 {
		basis = "history"
		for _, wh := range hist {
			series = append(series, wh.Sessions)
			weeks = append(weeks, wh.Week.UTC().Format("2006-01-02"))
		}
	} else {
		basis = "traffic logs"
		first := dayOf(w.From)
		if !w.From.Equal(time.Unix(int64(first)*86400, 0)) {
			first++
		}
		last := dayOf(w.To) - 1 // the last day that ended by the window's end
		for end := last; end-6 >= first; end -= 7 {
			var n int64
			for d := end - 6; d <= end; d++ {
				n += perDay[d]
			}
			series = append(series, n)
			weeks = append(weeks, time.Unix(int64(end-6)*86400, 0).UTC().Format("2006-01-02"))
		}
		slices.Reverse(series)
		slices.Reverse(weeks)
	}
	if !logged && len(hist) < 2 {
		switch {
		case haveHits && (h.HitCount == 0 || h.LastHit.Before(w.From)):
			return pass(CriterionHits, "no traffic logs and no hits in the window (%s)", counter)
		case haveHits:
			return unknown(CriterionHits, "%q has hits in the window (%s) but sent no traffic logs: enable log at session end on it", ca.Name, counter)
		}
		return unknown(CriterionHits, "no traffic logs and no hit counts for %q", ca.Name)
	}

	latest, latestWhat := total, fmt.Sprintf("%d in the whole %s window (no full week in it)", total, fmtDur(w.Duration()))
	if len(series) > 0 {
		latest = series[len(series)-1]
		latestWhat = fmt.Sprintf("%d in the latest week", latest)
	}
	detail := fmt.Sprintf("non-scanner sessions on %q per week from %s: %s; %s",
		ca.Name, basis, weekList(weeks, series), counter)
	if len(series) == 0 {
		detail = fmt.Sprintf("non-scanner sessions on %q: %d in the window (%s); %s", ca.Name, total, basis, counter)
	}
	if latest > limit {
		return fail(CriterionHits, "%s, above the threshold of %d (%s)", latestWhat, limit, detail)
	}
	if len(series) >= 2 {
		prev := series[:len(series)-1]
		var sum int64
		for _, n := range prev {
			sum += n
		}
		mean := float64(sum) / float64(len(prev))
		if float64(latest) > risingFactor*mean && float64(latest)-mean >= risingMin {
			return fail(CriterionHits, "rising: %d in the latest week against %.0f a week before (%s)", latest, mean, detail)
		}
		return pass(CriterionHits, "%s, at most %d and not rising (%s)", latestWhat, limit, detail)
	}
	if total == 0 {
		return pass(CriterionHits, "no non-scanner sessions in the window (%s)", detail)
	}
	return unknown(CriterionHits, "%s, at most %d, but fewer than two weeks cannot show a trend: use a longer window or keep a history (%s)", latestWhat, limit, detail)
}

func weekList(weeks []string, n []int64) string {
	if len(n) == 0 {
		return "none"
	}
	parts := make([]string, len(n))
	for i := range n {
		parts[i] = fmt.Sprintf("%d (week of %s)", n[i], weeks[i])
	}
	return strings.Join(parts, ", ")
}

// critSuccess: no successful (2xx) traffic to ordinary clients on the
// catch-all in the recent days, or all of it carried by enabled rules
// above the catch-all since before it was seen.
func (x *analysis) critSuccess(ca *mine.Rule, gs []*svcGroup) mine.Criterion {
	since := x.in.Window.To.Add(-x.opts.Recent)
	var recent, open []*svcGroup
	var last time.Time
	for _, g := range gs {
		if g.rule != ca.Name {
			continue
		}
		if g.ok.last.After(last) {
			last = g.ok.last
		}
		if g.ok.last.Before(since) {
			continue
		}
		recent = append(recent, g)
		if g.coveredBy == "" || !g.coveredAt.IsZero() && g.ok.last.After(g.coveredAt.Add(deploySlack)) {
			open = append(open, g)
		}
	}
	if len(recent) == 0 {
		lastSeen := "none in the window"
		if !last.IsZero() {
			lastSeen = "the last on " + ts(last)
		}
		return pass(CriterionSuccess, "no 2xx answers to non-scanners through %q since %s (%s)", ca.Name, ts(since), lastSeen)
	}
	if len(open) == 0 {
		var names []string
		for _, g := range recent {
			names = append(names, g.coveredBy)
		}
		slices.Sort(names)
		return pass(CriterionSuccess, "%s answering 2xx through %q since %s carried by enabled rules above it: %s",
			count(len(recent), "service", "services"), ca.Name, ts(since), strings.Join(slices.Compact(names), ", "))
	}
	slices.SortFunc(open, func(p, q *svcGroup) int {
		if c := q.ok.last.Compare(p.ok.last); c != 0 {
			return c
		}
		return cmp.Compare(p.name, q.name)
	})
	var items []string
	for _, g := range open[:min(maxListed, len(open))] {
		ports := sortedPorts(g.ports)
		var ps []string
		for _, p := range ports {
			ps = append(ps, serviceName(p))
		}
		// A group an enabled rule covers has no suggestion: name the
		// traffic, not a suggestion that does not exist.
		it := fmt.Sprintf("%s (%s %s %s, last %s", g.name, strings.Join(g.dsts, ","), g.app, strings.Join(ps, ","), ts(g.ok.last))
		if g.coveredBy != "" {
			it = fmt.Sprintf("traffic to %s (%s %s, last %s", strings.Join(g.dsts, ","), g.app, strings.Join(ps, ","), ts(g.ok.last))
		}
		switch {
		case g.coveredBy != "":
			it += fmt.Sprintf(", still after %s changed at %s", g.coveredBy, ts(g.coveredAt))
		case g.existing != "" && x.byName[g.existing] != nil && x.byName[g.existing].Disabled:
			it += fmt.Sprintf(", rule %s is in place but disabled", g.existing)
		}
		items = append(items, it+")")
	}
	more := ""
	if len(open) > maxListed {
		more = fmt.Sprintf("; %d more", len(open)-maxListed)
	}
	return fail(CriterionSuccess, "%s answered 2xx to ordinary clients through %q since %s and no enabled rule above it carries them: %s%s",
		count(len(open), "service", "services"), ca.Name, ts(since), strings.Join(items, "; "), more)
}

// critCounters: the catch-all's hit counter was not reset (nor the rule
// recreated) inside the window.
func (x *analysis) critCounters(ca *mine.Rule) mine.Criterion {
	w := x.in.Window
	for _, wh := range x.in.History {
		if wh.Rule == ca.Name && wh.Reset && !wh.Week.Before(w.From.Add(-7*day)) {
			return fail(CriterionCounters, "the history shows the hit counter of %q going down in the week of %s", ca.Name, wh.Week.UTC().Format("2006-01-02"))
		}
	}
	h, ok := x.hits[ca.Name]
	if !ok && x.in.NoRulebase {
		return unknown(CriterionCounters, "no hit counts for %q: imported logs carry none", ca.Name)
	}
	if !ok {
		return unknown(CriterionCounters, "no hit counts for %q (PAN-OS before 8.1, or read through Panorama)", ca.Name)
	}
	if !h.LastReset.IsZero() && !h.LastReset.Before(w.From) {
		return fail(CriterionCounters, "the hit counter of %q was reset at %s, inside the window", ca.Name, ts(h.LastReset))
	}
	if !h.Created.IsZero() && h.Created.After(w.From) {
		return fail(CriterionCounters, "%q was created at %s, inside the window: its counter starts there", ca.Name, ts(h.Created))
	}
	if h.LastReset.IsZero() {
		return pass(CriterionCounters, "hit counter %d of %q never reset", h.HitCount, ca.Name)
	}
	return pass(CriterionCounters, "hit counter %d of %q last reset at %s, before the window", h.HitCount, ca.Name, ts(h.LastReset))
}

// critDevices: every expected firewall (HA peers included, when listed)
// sent logs or hit counts.
func (x *analysis) critDevices() mine.Criterion {
	reported := map[string]bool{}
	for s, n := range x.a.serials {
		if s != "" && *n > 0 {
			reported[s] = true
		}
	}
	for _, h := range slices.Concat(x.in.Hits, x.in.MemberHits) {
		if h.Serial != "" {
			reported[h.Serial] = true
		}
	}
	expected := x.in.ExpectedSerials
	if len(expected) == 0 && x.in.Device.Serial != "" {
		expected = []string{x.in.Device.Serial}
	}
	got := sortedKeys(reported)
	if len(expected) == 0 {
		if len(got) == 0 {
			return unknown(CriterionDevices, "no firewall serial number is known: nothing shows which devices reported")
		}
		return pass(CriterionDevices, "logs from %s", strings.Join(got, ", "))
	}
	var missing []string
	for _, s := range expected {
		if !reported[s] {
			missing = append(missing, s)
		}
	}
	if len(missing) > 0 {
		return fail(CriterionDevices, "no logs and no hit counts from %s (reported: %s)", strings.Join(missing, ", "), orNone(got))
	}
	return pass(CriterionDevices, "every expected firewall reported: %s (HA peers count only when listed as expected)", strings.Join(expected, ", "))
}

// count writes n with the singular or plural noun.
func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}
