package panosim

import (
	"errors"
	"net/netip"
	"slices"
	"testing"
	"time"
)

func TestAddressValues(t *testing.T) {
	tests := []struct {
		name, kind, value string
		ok                bool
		in, out           []string
	}{
		{"host", "ip-netmask", "10.20.1.10", true, []string{"10.20.1.10"}, []string{"10.20.1.11"}},
		{"cidr, host bits set", "ip-netmask", "10.1.2.3/16", true, []string{"10.1.0.0", "10.1.255.255"}, []string{"10.2.0.0"}},
		{"ipv6 cidr", "ip-netmask", "fd00:10:1::/48", true, []string{"fd00:10:1::1", "fd00:10:1:ffff::9"}, []string{"fd00:10:2::1", "10.1.0.1"}},
		{"ipv6 host", "ip-netmask", "2001:db8::7", true, []string{"2001:db8::7"}, []string{"2001:db8::8"}},
		{"range", "ip-range", "10.1.15.0-10.1.20.255", true, []string{"10.1.15.0", "10.1.17.99", "10.1.20.255"}, []string{"10.1.14.255", "10.1.21.0"}},
		{"ipv6 range", "ip-range", "2001:db8::10-2001:db8::20", true, []string{"2001:db8::10", "2001:db8::1f"}, []string{"2001:db8::21"}},
		// Mask bits set are "don't care": the third octet's low bit must
		// be 1 (254 = 11111110), the fourth octet is free, the first two
		// must be 10.0.
		{"wildcard odd subnets", "ip-wildcard", "10.0.1.0/0.0.254.255", true,
			[]string{"10.0.1.5", "10.0.3.200", "10.0.255.0"}, []string{"10.0.2.1", "10.0.0.9", "10.1.1.1"}},
		// 0.0.255.15: the fourth octet's high nibble must be 0001 (16-31).
		{"wildcard host slice", "ip-wildcard", guestWildcard, true,
			[]string{"10.1.4.16", "10.1.200.31"}, []string{"10.1.4.15", "10.1.4.32", "10.2.4.16"}},
		{"range backwards", "ip-range", "10.0.0.9-10.0.0.1", false, nil, nil},
		{"range mixed families", "ip-range", "10.0.0.1-::5", false, nil, nil},
		{"wildcard mixed families", "ip-wildcard", "10.0.0.0/::ff", false, nil, nil},
		{"not an address", "ip-netmask", "wiki.corp.example", false, nil, nil},
		{"bad prefix", "ip-netmask", "10.0.0.0/33", false, nil, nil},
	}
	for _, tc := range tests {
		var s addrSet
		if ok := parseAddrValue(tc.kind, tc.value, &s); ok != tc.ok {
			t.Errorf("%s: parseAddrValue(%s, %q) = %v; want %v", tc.name, tc.kind, tc.value, ok, tc.ok)
			continue
		}
		for _, a := range tc.in {
			if !s.contains(netip.MustParseAddr(a), nil, 0) {
				t.Errorf("%s: %s %s does not contain %s; want it to", tc.name, tc.kind, tc.value, a)
			}
		}
		for _, a := range tc.out {
			if s.contains(netip.MustParseAddr(a), nil, 0) {
				t.Errorf("%s: %s %s contains %s; want it not to", tc.name, tc.kind, tc.value, a)
			}
		}
	}
}

func TestTagFilter(t *testing.T) {
	tags := func(ts ...string) func(string) bool { return func(x string) bool { return slices.Contains(ts, x) } }
	tests := []struct {
		filter string
		has    []string
		want   bool
	}{
		{"'web'", []string{"web"}, true},
		{"'web'", []string{"prod"}, false},
		{"'web' and 'prod'", []string{"web", "prod"}, true},
		{"'web' and 'prod'", []string{"web"}, false},
		{"'web' or 'prod'", []string{"prod"}, true},
		// and binds tighter than or: web or (prod and db).
		{"'web' or 'prod' and 'db'", []string{"prod"}, false},
		{"'web' or 'prod' and 'db'", []string{"web"}, true},
		{"('web' or 'prod') and 'db'", []string{"web"}, false},
		{"('web' or 'prod') and 'db'", []string{"prod", "db"}, true},
		{dagFilter, []string{"web", "staging"}, true},
		{dagFilter, []string{"web"}, false},
		{dagFilter, []string{"prod", "staging"}, false},
		{`"tag with space" AND web`, []string{"tag with space", "web"}, true},
		{"'grp.shared-group1'", []string{"grp.shared-group1"}, true}, // from the recorded Panorama config
		{"'Web'", []string{"web"}, false},                            // tags are case-sensitive
	}
	for _, tc := range tests {
		e, err := parseTagFilter(tc.filter)
		if err != nil {
			t.Errorf("parseTagFilter(%q) = %v", tc.filter, err)
			continue
		}
		if got := e.eval(tags(tc.has...)); got != tc.want {
			t.Errorf("filter %q over tags %v = %v; want %v", tc.filter, tc.has, got, tc.want)
		}
	}
	for _, bad := range []string{"", "'web' and", "('web'", "'web')", "and 'web'", "'web' 'prod'", "'unterminated", "''"} {
		if _, err := parseTagFilter(bad); !errors.Is(err, errMatchCriteria) {
			t.Errorf("parseTagFilter(%q) = %v; want %v", bad, err, errMatchCriteria)
		}
	}
}

func TestPortLists(t *testing.T) {
	tests := []struct {
		spec string
		ok   bool
		in   []int
		out  []int
	}{
		{"8443", true, []int{8443}, []int{8080, 8444}},
		{"80,8080,8000-8100", true, []int{80, 8000, 8050, 8100}, []int{81, 7999, 8101}},
		{" 53 , 5353 ", true, []int{53, 5353}, []int{54}},
		{"0-65535", true, []int{0, 65535}, nil},
		{"", false, nil, nil},
		{"80-70", false, nil, nil},
		{"65536", false, nil, nil},
		{"http", false, nil, nil},
	}
	for _, tc := range tests {
		rs, ok := parsePortList(tc.spec)
		if ok != tc.ok {
			t.Errorf("parsePortList(%q) ok = %v; want %v", tc.spec, ok, tc.ok)
			continue
		}
		for _, p := range tc.in {
			if !inRanges(rs, p) {
				t.Errorf("ports %q exclude %d; want included", tc.spec, p)
			}
		}
		for _, p := range tc.out {
			if inRanges(rs, p) {
				t.Errorf("ports %q include %d; want excluded", tc.spec, p)
			}
		}
	}
}

func TestDefaultPorts(t *testing.T) {
	tests := []struct {
		app, proto string
		port       int
		want       bool
	}{
		{"web-browsing", "tcp", 80, true},
		{"web-browsing", "tcp", 8080, false},
		{"http-proxy", "tcp", 8080, true}, // default/port member tcp/80,8080
		{"gitlab", "tcp", 443, true},
		{"dns", "udp", 53, true},
		{"dns", "tcp", 53, true},
		{"dns", "udp", 5353, false},
		{"ntp", "tcp", 123, false}, // udp only
		{"bittorrent", "tcp", 51413, true},
		{"bittorrent", "sctp", 51413, false},
		{"confluence", "tcp", 8080, false},
		{"no-such-app", "tcp", 80, false},
		{"icmp", "tcp", 80, false}, // identified by IP protocol, no ports
	}
	for _, tc := range tests {
		if got := isDefaultPort(tc.app, tc.proto, tc.port); got != tc.want {
			t.Errorf("isDefaultPort(%s, %s, %d) = %v; want %v", tc.app, tc.proto, tc.port, got, tc.want)
		}
	}
}

func TestSchedules(t *testing.T) {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	// 2026-11-02 is a Monday.
	at := func(s string) int64 {
		tm, err := time.ParseInLocation("2006-01-02 15:04:05", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return tm.UnixMilli()
	}
	sched := func(inner string) *schedule {
		n, err := parseOne(`<entry name="s"><schedule-type>` + inner + `</schedule-type></entry>`)
		if err != nil {
			t.Fatal(err)
		}
		s, err := compileSchedule(n)
		if err != nil {
			t.Fatalf("compileSchedule(%s) = %v", inner, err)
		}
		return s
	}
	office := sched(`<recurring><daily><member>08:00-12:00</member><member>13:00-17:00</member></daily></recurring>`)
	weekly := sched(`<recurring><weekly><monday><member>06:00-07:30</member></monday><saturday><member>00:00-23:59</member></saturday></weekly></recurring>`)
	once := sched(`<non-recurring><member>2026/11/02@10:00-2026/11/03@09:00</member></non-recurring>`)
	tests := []struct {
		name string
		s    *schedule
		at   string
		want bool
	}{
		{"daily start", office, "2026-11-02 08:00:00", true},
		{"daily last minute inclusive", office, "2026-11-02 12:00:59", true},
		{"daily lunch gap", office, "2026-11-02 12:01:00", false},
		{"daily second range", office, "2026-11-02 16:30:00", true},
		{"daily before", office, "2026-11-02 07:59:59", false},
		{"daily on a sunday", office, "2026-11-08 09:00:00", true},
		{"weekly monday", weekly, "2026-11-02 07:00:00", true},
		{"weekly monday after", weekly, "2026-11-02 07:31:00", false},
		{"weekly tuesday", weekly, "2026-11-03 07:00:00", false},
		{"weekly saturday", weekly, "2026-11-07 23:59:30", true},
		{"once inside", once, "2026-11-02 23:00:00", true},
		{"once end minute", once, "2026-11-03 09:00:59", true},
		{"once after", once, "2026-11-03 09:01:00", false},
		{"once before", once, "2026-11-02 09:59:00", false},
	}
	for _, tc := range tests {
		if got := tc.s.active(at(tc.at), loc); got != tc.want {
			t.Errorf("%s: active(%s) = %v; want %v", tc.name, tc.at, got, tc.want)
		}
	}
	for _, bad := range []string{
		`<recurring><daily><member>17:00-08:00</member></daily></recurring>`,
		`<recurring><daily><member>8:00-9:00</member></daily></recurring>`,
		`<non-recurring><member>2026/11/03@09:00-2026/11/02@10:00</member></non-recurring>`,
		`<recurring/>`,
	} {
		n, _ := parseOne(`<entry name="s"><schedule-type>` + bad + `</schedule-type></entry>`)
		if _, err := compileSchedule(n); err == nil {
			t.Errorf("compileSchedule(%s) = nil error; want one", bad)
		}
	}
}

func TestApplicationFilters(t *testing.T) {
	c := newCompiler(mustParseConfig(t, `<config><shared/>`+predefinedConfig()+`</config>`), nil, nil)
	tests := []struct {
		name, filter string
		want         []string
	}{
		// From the catalog: browser-based applications of risk 1 to 3.
		{"technology and risk", `<technology><member>browser-based</member></technology><risk><member>1</member><member>2</member><member>3</member></risk>`,
			[]string{"confluence", "gitlab", "grafana", "jenkins", "jira", "salesforce-base"}},
		// Networking applications flagged used-by-malware.
		{"category and flag", `<category><member>networking</member></category><used-by-malware>yes</used-by-malware>`,
			[]string{"dns", "http-proxy", "ms-rdp", "ssh", "ssl", "telnet", "tor"}},
		// Evasive and excessive bandwidth: the filter's flag names differ
		// from the application's (evasive-behavior, consume-big-bandwidth).
		{"two flags", `<evasive>yes</evasive><excessive-bandwidth-use>yes</excessive-bandwidth-use>`, []string{"bittorrent"}},
		{"subcategory with exclude", `<subcategory><member>database</member></subcategory><exclude><member>mysql</member></exclude>`,
			[]string{"mssql-db", "postgres"}},
		{"saas collaboration", `<category><member>collaboration</member></category><is-saas>yes</is-saas>`, []string{"facebook-base"}},
	}
	for _, tc := range tests {
		e, err := parseOne(`<entry name="f">` + tc.filter + `</entry>`)
		if err != nil {
			t.Fatal(err)
		}
		f := compileAppFilter(e)
		var got []string
		for _, a := range c.predefinedApps() {
			if f.selects(a) {
				got = append(got, a.name)
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: filter selects %v; want %v", tc.name, got, tc.want)
		}
	}
}

func TestUserMatching(t *testing.T) {
	tests := []struct {
		list []string
		user string
		want bool
	}{
		{[]string{"any"}, "", true},
		{[]string{`corp\anna.meyer`}, `corp\anna.meyer`, true},
		{[]string{`corp\anna.meyer`}, `CORP\Anna.Meyer`, true},
		{[]string{`corp\anna.meyer`}, `corp\ben.weber`, false},
		{[]string{`corp\anna.meyer`}, "", false},
		{[]string{"known-user"}, `corp\ben.weber`, true},
		{[]string{"known-user"}, "", false},
		{[]string{"unknown"}, "", true},
		{[]string{"unknown"}, `corp\ben.weber`, false},
		{[]string{"pre-logon"}, "", false},
	}
	for _, tc := range tests {
		if got := userMatches(tc.list, tc.user); got != tc.want {
			t.Errorf("userMatches(%v, %q) = %v; want %v", tc.list, tc.user, got, tc.want)
		}
	}
}

func mustParseConfig(t *testing.T, s string) *node {
	t.Helper()
	n, err := parseOne(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }
