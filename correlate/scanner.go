package correlate

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/panos-mine/mine"
)

// Scanner detection. A source is a scanner when one of these holds:
//   - a sweep: at least scannerMinErrorPaths distinct URLs answered 4xx,
//     and 4xx are at least scannerMinErrorShare of its answers;
//   - a burst: at least scannerBurstPaths distinct new 4xx URLs within one
//     hour, and 4xx at least scannerBurstShare of its answers;
//   - probes: at least scannerMinProbes distinct well-known probe paths
//     (probePaths) answered 4xx, which no ordinary client asks for.
const (
	scannerMinErrorPaths = 20
	scannerMinErrorShare = 0.5
	scannerBurstPaths    = 10
	scannerBurstShare    = 0.3
	scannerMinProbes     = 2
	maxListedProbes      = 10
)

// probePaths are paths vulnerability scanners and bots ask every server for:
// secrets, admin consoles and exploit targets of common products. Generic
// paths a real application may serve (/admin, /login, /console,
// /robots.txt) are not in it.
var probePaths = func() map[string]bool {
	m := map[string]bool{}
	for _, p := range []string{
		"/.env", "/.env.local", "/.env.production", "/.git/config", "/.git/HEAD", "/.git/index",
		"/.svn/entries", "/.hg/store", "/.DS_Store", "/.htaccess", "/.htpasswd", "/web.config",
		"/.aws/credentials", "/.ssh/id_rsa",
		"/wp-login.php", "/wp-admin/", "/wp-config.php", "/xmlrpc.php", "/wp-content/plugins/",
		"/phpmyadmin/", "/pma/", "/myadmin/", "/phpinfo.php", "/info.php", "/config.php", "/backup.zip",
		"/backup.sql", "/dump.sql", "/db.sql", "/server-status", "/server-info",
		"/actuator/env", "/actuator/heapdump", "/actuator/health", "/jolokia/list",
		"/manager/html", "/jmx-console/", "/invoker/JMXInvokerServlet", "/solr/admin/info/system",
		"/cgi-bin/luci", "/cgi-bin/test.cgi", "/HNAP1/", "/boaform/admin/formLogin", "/GponForm/diag_Form",
		"/owa/auth/logon.aspx", "/autodiscover/autodiscover.xml", "/ecp/",
		"/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php", "/_ignition/execute-solution",
		"/telescope/requests", "/druid/index.html", "/nacos/", "/api/jsonws/invoke",
		"/remote/login", "/global-protect/login.esp", "/dana-na/auth/url_default/welcome.cgi",
		"/debug/default/view", "/jenkins/script", "/console/login/LoginForm.jsp",
	} {
		m[strings.ToLower(strings.TrimSuffix(p, "/"))] = true
	}
	return m
}()

// probePath returns the well-known probe path a URL (host/path, no query)
// asks for, or "".
func probePath(u string) string {
	i := strings.IndexByte(u, '/')
	if i < 0 {
		return ""
	}
	p := strings.TrimSuffix(u[i:], "/")
	if probePaths[strings.ToLower(p)] {
		return p
	}
	return ""
}

func (a *Aggregator) scanners() []mine.Scanner {
	var out []mine.Scanner
	for src, s := range a.sources {
		share := 0.0
		if s.responses > 0 {
			share = float64(s.clientErrs) / float64(s.responses)
		}
		perHour := map[int32]int{}
		burst := 0
		for _, h := range s.errPaths {
			perHour[h]++
			burst = max(burst, perHour[h])
		}
		var reasons []string
		if len(s.errPaths) >= scannerMinErrorPaths && share >= scannerMinErrorShare {
			reasons = append(reasons, fmt.Sprintf("%d distinct URLs answered 4xx (%.0f%% of its %d answers)", len(s.errPaths), 100*share, s.responses))
		}
		if burst >= scannerBurstPaths && share >= scannerBurstShare {
			reasons = append(reasons, fmt.Sprintf("%d distinct URLs answered 4xx within one hour", burst))
		}
		probes := make([]string, 0, len(s.probes))
		for p := range s.probes {
			probes = append(probes, p)
		}
		slices.Sort(probes)
		if len(probes) >= scannerMinProbes {
			reasons = append(reasons, fmt.Sprintf("asked for %d well-known probe paths (%s)", len(probes), strings.Join(probes[:min(3, len(probes))], ", ")))
		}
		if len(reasons) == 0 {
			continue
		}
		sc := mine.Scanner{
			Source: src, DistinctPaths: len(s.errPaths), Responses: s.responses,
			NotFound: s.notFound, FirstSeen: s.first, LastSeen: s.last,
			Reasons: reasons, ProbePaths: probes[:min(maxListedProbes, len(probes))], BurstPaths: burst,
			Targets: make([]string, 0, len(s.targets)),
		}
		for t := range s.targets {
			sc.Targets = append(sc.Targets, t)
		}
		sortAddrs(sc.Targets)
		out = append(out, sc)
	}
	slices.SortFunc(out, func(x, y mine.Scanner) int {
		if c := cmp.Compare(y.DistinctPaths, x.DistinctPaths); c != 0 {
			return c
		}
		return compareAddr(x.Source, y.Source)
	})
	return out
}

// scannerTargets lists the destinations that answered scanners with 4xx,
// with the advice to answer such errors with a reset: a scanner that gets
// 404 for a missing path and 200 or 403 for a present one learns what
// exists, one that gets a reset learns nothing.
func (a *Aggregator) scannerTargets(scanners []mine.Scanner) []mine.ScannerTarget {
	byDst := map[string]*mine.ScannerTarget{}
	for _, sc := range scanners {
		for dst, te := range a.sources[sc.Source].errTargets {
			t := byDst[dst]
			if t == nil {
				t = &mine.ScannerTarget{Destination: dst, Scanners: []string{}, Statuses: []int{}, Rules: []string{}}
				byDst[dst] = t
			}
			t.Scanners = append(t.Scanners, sc.Source)
			t.ErrorResponses += te.n
			for _, c := range te.statuses {
				if !slices.Contains(t.Statuses, c) {
					t.Statuses = append(t.Statuses, c)
				}
			}
			for _, r := range te.rules {
				if !slices.Contains(t.Rules, r) {
					t.Rules = append(t.Rules, r)
				}
			}
		}
	}
	out := make([]mine.ScannerTarget, 0, len(byDst))
	for _, t := range byDst {
		sortAddrs(t.Scanners)
		slices.Sort(t.Statuses)
		slices.Sort(t.Rules)
		names := make([]string, len(t.Statuses))
		for i, c := range t.Statuses {
			names[i] = fmt.Sprintf("HTTP-%d", c)
		}
		t.Recommendation = fmt.Sprintf("answer probes of %s with a reset, not an error page: in the vulnerability profile of the rule %s, "+
			"add threat exceptions for %s with action reset-server, so a scanner cannot tell existing paths from missing ones "+
			"(ordinary clients of this server then see a reset for a missing page too)",
			t.Destination, quoteList(t.Rules), strings.Join(names, ", "))
		out = append(out, *t)
	}
	slices.SortFunc(out, func(x, y mine.ScannerTarget) int {
		if c := cmp.Compare(y.ErrorResponses, x.ErrorResponses); c != 0 {
			return c
		}
		return compareAddr(x.Destination, y.Destination)
	})
	return out
}

// ClientSessions returns each catch-all rule's sessions from sources that
// are not scanners, from the traffic logs: what the history keeps week by
// week. It is nil when there are no traffic logs.
func (a *Aggregator) ClientSessions() map[string]int64 {
	if a.trafficLogs == 0 {
		return nil
	}
	isScanner := map[string]bool{}
	for _, s := range a.scanners() {
		isScanner[s.Source] = true
	}
	out := make(map[string]int64, len(a.catchAll))
	for rule := range a.catchAll {
		out[rule] = 0
	}
	for k, s := range a.sessions {
		if !isScanner[k.src] {
			out[k.rule] += s.sessions
		}
	}
	return out
}
