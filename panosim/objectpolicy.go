package panosim

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// Rule and object names of the Options.ObjectPolicy scenario.
const (
	ruleTaggedWeb   = "Allow-Tagged-Web"
	ruleDevTools    = "Allow-Dev-Tools"
	ruleVault       = "Allow-Vault-TLS"
	ruleCIAltPort   = "Allow-CI-Alt-Port"
	ruleOpsUsers    = "Allow-Ops-Users"
	ruleZoneIntra   = "Allow-Zone-Internal"
	ruleNonGuest    = "Allow-Reports-NonGuest"
	ruleCleanup     = "Deny-All-Log"
	svcLying        = "tcp-8080" // its port is 8443: the name lies
	dagProdWeb      = "dag-prod-web"
	dagFilter       = "'web' and ('prod' or 'staging')"
	appFilterWeb    = "af-browser-apps"
	appGroupWeb     = "ag-web-basics"
	appGroupDev     = "ag-dev-tools"
	appGroupSCM     = "ag-scm"
	groupGuests     = "grp-guest-clients"
	groupCorp       = "grp-corp-networks"
	groupCI         = "grp-ci-servers"
	groupCIPrimary  = "grp-ci-primary"
	userDomain      = `corp\`
	guestRangeLo    = "10.1.15.0"
	guestRangeHi    = "10.1.20.255"
	guestWildcard   = "10.1.0.16/0.0.255.15" // 10.1.*.16 - 10.1.*.31
	objectRNGStream = 0x0b1ec7
)

// Roles of catch-all services in the ObjectPolicy scenario: which trap of
// the rulebase each one exercises.
const (
	roleLyingPort = "lying-port"  // behind Allow-CI-Alt-Port, whose service tcp-8080 is 8443
	roleUsers     = "users"       // some of its users are allowed by Allow-Ops-Users
	roleIntrazone = "intrazone"   // named by the intrazone rule Allow-Zone-Internal
	roleNegated   = "negated"     // its non-guest clients are allowed by Allow-Reports-NonGuest
	roleDAG       = "dag"         // registered with web and prod: in dag-prod-web, on a default port
	roleDAGDecoy  = "dag-decoy"   // registered with web only: not in dag-prod-web
	roleDAGObject = "dag-object"  // its address object is tagged web and staging, on a non-default port
	placeLocal    = "local"       // vsys1 (on a managed firewall: its local rulebase)
	placeRootPre  = "root-pre"    // Panorama: pre-rulebase of the top-level device group
	placeLeafPre  = "leaf-pre"    // Panorama: pre-rulebase of the firewall's device group
	placeRootPost = "root-post"   // Panorama: post-rulebase of the top-level device group
	placeShared   = "shared"      // Panorama: shared objects
	placeRootObjs = "root-object" // Panorama: objects of the top-level device group
	placeLeafObjs = "leaf-object" // Panorama: objects of the firewall's device group
)

var firstNames = []string{"anna", "ben", "carla", "david", "elena", "felix", "greta", "hugo", "ines", "jonas",
	"katrin", "lukas", "maria", "nils", "olga", "paul", "quinn", "rosa", "sven", "tina",
	"uwe", "vera", "wim", "xenia", "yusuf", "zoe", "arne", "bea", "cem", "dana"}

var lastNames = []string{"meyer", "schmidt", "novak", "rossi", "garcia", "kowalski", "jensen", "weber",
	"dubois", "silva", "nagy", "moreau", "fischer", "horvat", "lindqvist", "costa", "keller", "brandt",
	"vogel", "ivanova"}

// objectScenario is what Options.ObjectPolicy adds to a scenario: the
// services that play each role, the planted User-ID and DNS state, and
// the ground truth computed on the initial policy.
type objectScenario struct {
	roles      map[string]*svc
	opsUsers   []string
	users      map[netip.Addr]string   // planted User-ID mappings
	registered map[netip.Addr][]string // planted tag registrations
	truth      *Truth
}

// devToolsCovered reports whether Allow-Dev-Tools carries a service
// (application jenkins or gitlab on one of its default ports).
func devToolsCovered(s *svc) bool {
	return (s.app == "jenkins" || s.app == "gitlab") && isDefaultPort(s.app, s.proto, s.port)
}

// inBrowserFilter reports whether the application filter af-browser-apps
// (technology browser-based, risk 1 to 3) selects an application.
func inBrowserFilter(app string) bool {
	a := appByName[app]
	return a != nil && a.technology == "browser-based" && a.risk <= 3
}

// planObjectPolicy assigns the roles, users and registrations. It draws
// from its own random stream after the base scenario, so the base
// scenario of a seed is the same with and without ObjectPolicy (except
// the ports it changes for its roles).
func (sc *scenario) planObjectPolicy() {
	rng := newRNG(sc.seed, objectRNGStream)
	op := &objectScenario{roles: map[string]*svc{}, users: map[netip.Addr]string{}, registered: map[netip.Addr][]string{}}
	sc.obj = op

	// Users: every client but about one in eight is mapped by User-ID.
	names := make([]string, 0, len(firstNames)*len(lastNames))
	for _, f := range firstNames {
		for _, l := range lastNames {
			names = append(names, userDomain+f+"."+l)
		}
	}
	rng.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
	for i, c := range sc.clients {
		if rng.IntN(8) == 0 {
			continue
		}
		op.users[c] = names[i%len(names)]
	}

	used := map[*svc]bool{}
	pick := func(ok func(*svc) bool) *svc {
		var cands []*svc
		for _, s := range sc.catchAll {
			if !used[s] && ok(s) {
				cands = append(cands, s)
			}
		}
		if len(cands) == 0 {
			return nil
		}
		s := cands[rng.IntN(len(cands))]
		used[s] = true
		return s
	}
	notDev := func(s *svc) bool { return !devToolsCovered(s) }
	// The dynamic group member first: it needs an application the filter
	// selects; it is moved to its application's default port.
	if w := pick(func(s *svc) bool { return inBrowserFilter(s.app) && s.app != "jenkins" && s.app != "gitlab" }); w != nil {
		w.port = firstDefaultPort(w.app)
		op.roles[roleDAG] = w
	}
	// The lying service's target runs on 8080, which its name promises.
	if x := pick(func(s *svc) bool { return s.app != "jenkins" && s.app != "gitlab" }); x != nil {
		x.port = 8080
		op.roles[roleLyingPort] = x
	}
	for _, role := range []string{roleUsers, roleNegated, roleIntrazone, roleDAGObject, roleDAGDecoy} {
		if s := pick(notDev); s != nil {
			op.roles[role] = s
		}
	}
	if u := op.roles[roleDAGObject]; u != nil && isDefaultPort(u.app, u.proto, u.port) {
		for _, p := range []int{8081, 9000, 8090, 8080} {
			if !isDefaultPort(u.app, u.proto, p) {
				u.port = p
				break
			}
		}
	}
	if y := op.roles[roleUsers]; y != nil {
		var mapped []netip.Addr
		for _, c := range y.clients {
			if op.users[c] != "" {
				mapped = append(mapped, c)
			}
		}
		for _, c := range mapped[:(len(mapped)+1)/2] {
			op.opsUsers = append(op.opsUsers, op.users[c])
		}
		slices.Sort(op.opsUsers)
	}
	if w := op.roles[roleDAG]; w != nil {
		op.registered[w.ip] = []string{"web", "prod"}
	}
	if v := op.roles[roleDAGDecoy]; v != nil {
		op.registered[v.ip] = []string{"web"}
	}
}

// plantState puts the User-ID mappings, tag registrations and DNS answers
// of the scenario in place, as if learned before the scenario starts.
func (sc *scenario) plantState(s *Server) {
	for _, c := range sc.covered {
		s.fqdn[c.host] = []netip.Addr{c.ip}
	}
	for _, list := range [][]*svc{sc.catchAll, sc.opaque} {
		for _, c := range list {
			s.fqdn[c.host] = []netip.Addr{c.ip}
		}
	}
	for _, st := range sc.sites {
		s.fqdn[st.host] = []netip.Addr{st.ip}
	}
	if sc.obj == nil {
		return
	}
	for a, u := range sc.obj.users {
		s.users.byIP[a] = userEntry{user: u, typ: "UIA"}
	}
	for a, tags := range sc.obj.registered {
		s.reg.register(a, "1", tags, nil)
	}
}

// placedRule is a rule of the ObjectPolicy scenario with where it lives.
type placedRule struct {
	spec  ruleSpec
	place string
}

// objectRules returns the rules of the ObjectPolicy scenario in
// evaluation order. On a standalone firewall they all live in vsys1; with
// Panorama the generic ones live in device groups (see place).
func (sc *scenario) objectRules() []placedRule {
	const group = "<group><member>corp-profiles</member></group>"
	op := sc.obj
	dst := func(role, object string) []string {
		if op.roles[role] == nil {
			return []string{"srv-none"}
		}
		return []string{object}
	}
	appOf := func(role string) []string {
		if s := op.roles[role]; s != nil {
			return []string{s.app}
		}
		return []string{"web-browsing"}
	}
	users := op.opsUsers
	if len(users) == 0 {
		users = []string{userDomain + "nobody"}
	}
	tz, dmz, untrust := []string{zoneTrust}, []string{zoneDMZ}, []string{zoneUntrust}
	// The catch-all opens the server zone to the clients only; the cleanup
	// rule below it logs the rest.
	catchAll := sc.catchAllRule()
	catchAll.from, catchAll.to = tz, dmz
	return []placedRule{
		{ruleSpec{name: ruleBlock, desc: "Block known bad internet hosts", from: tz, to: untrust,
			src: []string{"any"}, dst: []string{"blocked-hosts"}, app: []string{"any"}, service: []string{"any"}, action: "deny"}, placeRootPre},
		{ruleSpec{name: ruleDNS, desc: "Name resolution", from: tz, to: []string{zoneDMZ, zoneUntrust},
			src: []string{groupCorp}, dst: []string{"any"}, app: []string{"dns"}, service: []string{"application-default"},
			action: "allow", profiles: group}, placeRootPre},
		{ruleSpec{name: ruleInternet, desc: "Users to the internet", from: tz, to: untrust,
			src: []string{groupCorp}, dst: []string{"any"}, app: []string{appGroupWeb}, service: []string{"application-default"},
			action: "allow", profiles: group}, placeLeafPre},
		{ruleSpec{name: ruleTaggedWeb, desc: "Web apps of servers tagged web and prod or staging", from: tz, to: dmz,
			src: []string{"any"}, dst: []string{dagProdWeb}, app: []string{appFilterWeb}, service: []string{"application-default"},
			action: "allow", profiles: group}, placeLeafPre},
		{ruleSpec{name: ruleDevTools, desc: "CI and source control", from: tz, to: dmz,
			src: []string{groupCorp}, dst: []string{"dmz-servers"}, app: []string{appGroupDev}, service: []string{"application-default"},
			action: "allow", profiles: group}, placeLeafPre},
		{ruleSpec{name: ruleWiki, desc: "Intranet wiki", from: tz, to: dmz,
			src: []string{"any"}, dst: []string{"srv-wiki-fqdn"}, app: []string{"web-browsing"},
			service: []string{"application-default"}, action: "allow", profiles: group}, placeLocal},
		{ruleSpec{name: rulePortal, desc: "Intranet portal", from: tz, to: dmz,
			src: []string{"corp-clients"}, dst: []string{"srv-portal"}, app: []string{appGroupWeb},
			service: []string{"application-default"}, action: "allow", profiles: group}, placeLocal},
		{ruleSpec{name: ruleLegacyFTP, desc: "Old file drop, disabled 2025", from: tz, to: dmz,
			src: []string{"any"}, dst: []string{"srv-ftp"}, app: []string{"ftp"},
			service: []string{"application-default"}, action: "allow", profiles: group, disabled: true}, placeLocal},
		{ruleSpec{name: ruleVault, desc: "Secrets vault over TLS", from: tz, to: dmz,
			src: []string{"corp-clients"}, dst: []string{"srv-vault"}, app: []string{"ssl"}, service: []string{svcLying},
			action: "allow", profiles: group}, placeLocal},
		{ruleSpec{name: ruleCIAltPort, desc: "CI web console on its alternate port", from: tz, to: dmz,
			src: []string{"any"}, dst: []string{groupCI}, app: []string{"any"}, service: []string{svcLying},
			action: "allow", profiles: group}, placeLocal},
		{ruleSpec{name: ruleOpsUsers, desc: "Operations staff only", from: tz, to: dmz,
			src: []string{"any"}, dst: dst(roleUsers, "srv-ops-console"), users: users, app: appOf(roleUsers),
			service: []string{"any"}, action: "allow", profiles: group}, placeLocal},
		{ruleSpec{name: ruleZoneIntra, desc: "Traffic inside the server and client zones", ruleType: "intrazone",
			from: []string{zoneTrust, zoneDMZ}, to: []string{zoneTrust, zoneDMZ},
			src: []string{"any"}, dst: dst(roleIntrazone, "srv-zone-range"), app: []string{"any"}, service: []string{"any"},
			action: "allow", profiles: group}, placeLocal},
		{ruleSpec{name: ruleNonGuest, desc: "Reports for everyone but guests", from: tz, to: dmz,
			src: []string{groupGuests}, negSrc: true, dst: dst(roleNegated, "srv-reports"), app: appOf(roleNegated),
			service: []string{"any"}, action: "allow", profiles: group}, placeLocal},
		{catchAll, placeRootPost},
		{ruleSpec{name: ruleCleanup, desc: "Log what nothing allowed", from: []string{"any"}, to: []string{"any"},
			src: []string{"any"}, dst: []string{"any"}, app: []string{"any"}, service: []string{"any"}, action: "deny"}, placeRootPost},
	}
}

// objectPolicyObjects renders the objects of the ObjectPolicy scenario
// that live in place: vsys1 of a standalone firewall holds all of them
// (place "" = every place).
func (sc *scenario) objectPolicyObjects(places ...string) (address, groups, services, apps, tags string) {
	in := func(p string) bool { return len(places) == 0 || slices.Contains(places, p) }
	var a, g, sv, ap strings.Builder
	addr := func(name, kind, value string, tagList ...string) {
		a.WriteString(`<entry name="` + esc(name) + `"><` + kind + `>` + esc(value) + `</` + kind + `>`)
		if len(tagList) > 0 {
			a.WriteString("<tag>" + members(tagList...) + "</tag>")
		}
		a.WriteString("</entry>")
	}
	static := func(name string, ms ...string) {
		g.WriteString(`<entry name="` + esc(name) + `"><static>` + members(ms...) + `</static></entry>`)
	}
	op := sc.obj
	if in(placeShared) {
		addr("bad-host-1", "ip-netmask", sc.blocked[0].String())
		addr("bad-host-2", "ip-netmask", sc.blocked[1].String())
		addr("corp-clients-v6", "ip-netmask", "fd00:10:1::/48")
		static("grp-threat-feed", "bad-host-2")
		static("blocked-hosts", "bad-host-1", "grp-threat-feed")
		static(groupCorp, "corp-clients", "corp-clients-v6")
		sv.WriteString(`<entry name="` + svcLying + `"><protocol><tcp><port>8443</port></tcp></protocol>` +
			`<description>alternate web port</description></entry>`)
		ap.WriteString(`<application-filter><entry name="` + appFilterWeb + `"><technology>` + members("browser-based") +
			`</technology><risk>` + members("1", "2", "3") + `</risk></entry></application-filter>`)
		if len(places) > 0 {
			addr("corp-clients", "ip-netmask", "10.1.0.0/16")
			addr("dmz-servers", "ip-netmask", "10.20.0.0/16")
		}
	}
	if in(placeRootObjs) {
		g.WriteString(`<entry name="` + dagProdWeb + `"><dynamic><filter>` + esc(dagFilter) + `</filter></dynamic></entry>`)
	}
	if in(placeLeafObjs) {
		ap.WriteString(`<application-group>` +
			`<entry name="` + appGroupWeb + `"><members>` + members("web-browsing", "ssl") + `</members></entry>` +
			`<entry name="` + appGroupSCM + `"><members>` + members("gitlab") + `</members></entry>` +
			`<entry name="` + appGroupDev + `"><members>` + members("jenkins", appGroupSCM) + `</members></entry>` +
			`</application-group>`)
	}
	if in(placeLocal) {
		addr("srv-wiki-fqdn", "fqdn", "wiki.corp.example")
		vault := "10.20.10.250" // nothing answers there when the scenario has no vault
		for _, o := range sc.opaque {
			if o.name == "vault" {
				vault = o.ip.String()
			}
		}
		addr("srv-vault", "ip-netmask", vault)
		if x := op.roles[roleLyingPort]; x != nil {
			addr("srv-ci", "ip-netmask", x.ip.String())
			static(groupCIPrimary, "srv-ci")
		} else {
			static(groupCIPrimary, "srv-none")
		}
		static(groupCI, groupCIPrimary)
		if y := op.roles[roleUsers]; y != nil {
			addr("srv-ops-console", "ip-netmask", y.ip.String())
		}
		if z := op.roles[roleIntrazone]; z != nil {
			b := z.ip.As4()
			addr("srv-zone-range", "ip-range", fmt.Sprintf("%d.%d.%d.0-%d.%d.%d.255", b[0], b[1], b[2], b[0], b[1], b[2]))
		}
		if n := op.roles[roleNegated]; n != nil {
			addr("srv-reports", "ip-netmask", n.ip.String())
		}
		if u := op.roles[roleDAGObject]; u != nil {
			addr("srv-staging-web", "ip-netmask", u.ip.String(), "web", "staging")
		}
		addr("srv-none", "ip-netmask", "10.20.255.254")
		addr("guest-range", "ip-range", guestRangeLo+"-"+guestRangeHi)
		addr("guest-kiosks", "ip-wildcard", guestWildcard)
		static(groupGuests, "guest-range", "guest-kiosks")
	}
	tagXML := ""
	if in(placeShared) || in(placeLocal) {
		tagXML = `<tag><entry name="web"><color>color3</color></entry><entry name="prod"><color>color1</color></entry>` +
			`<entry name="staging"><color>color5</color></entry></tag>`
	}
	return a.String(), g.String(), sv.String(), ap.String(), tagXML
}

// panoramaSharedObjects renders the shared objects of a Panorama: none,
// or with ObjectPolicy those its device groups' rules use.
func panoramaSharedObjects(o Options) string {
	if !o.ObjectPolicy {
		return ""
	}
	sc := &scenario{seed: o.Seed, blocked: blockedHosts()}
	a, g, sv, ap, tags := sc.objectPolicyObjects(placeShared)
	return "<address>" + a + "</address><address-group>" + g + "</address-group><service>" + sv + "</service>" + ap + tags
}

// panoramaGroupPolicy renders a device group's objects and its pre- and
// post-rules. A top-level group holds the catch-all (and, with
// ObjectPolicy, the generic rules a top-level group holds); a group that
// manages firewalls holds, with ObjectPolicy, the generic rules of the
// firewalls' own group.
func panoramaGroupPolicy(o Options, dg DeviceGroupOptions, hasFirewalls bool) (objects, pre, post string) {
	sc := &scenario{seed: o.Seed, bare: o.Bare, blocked: blockedHosts()}
	render := func(r ruleSpec) string {
		n, err := parseOne(sc.ruleXML(r))
		if err != nil {
			panic("panosim: device group rule: " + err.Error())
		}
		n.setAttr("uuid", deriveUUID(o.Seed, "dg:"+dg.Name+":rule:"+r.name))
		return n.String()
	}
	root := dg.Parent == ""
	objects = corpProfiles()
	if !o.ObjectPolicy {
		if root {
			post = render(sc.catchAllRule())
		}
		return objects, pre, post
	}
	sc.obj = &objectScenario{roles: map[string]*svc{}}
	var places []string
	if root {
		places = append(places, placeRootObjs)
	}
	if hasFirewalls {
		places = append(places, placeLeafObjs)
	}
	if len(places) > 0 {
		_, g, _, ap, _ := sc.objectPolicyObjects(places...)
		objects += "<address-group>" + g + "</address-group>" + ap
	}
	var preB, postB strings.Builder
	for _, pr := range sc.objectRules() {
		switch {
		case pr.place == placeRootPre && root, pr.place == placeLeafPre && hasFirewalls:
			preB.WriteString(render(pr.spec))
		case pr.place == placeRootPost && root:
			postB.WriteString(render(pr.spec))
		}
	}
	return objects, preB.String(), postB.String()
}

// blockedHosts are the internet hosts Block-Known-Bad denies.
func blockedHosts() []netip.Addr {
	return []netip.Addr{ip4(203, 0, 113, 66), ip4(198, 51, 100, 250)}
}

// setTruth computes the ground truth of an ObjectPolicy scenario on the
// server's initial policy: for every ordinary client of every service,
// the rule that carries its sessions. A service whose clients split
// between rules appears once per rule, each time with the clients that
// rule carries.
func (sc *scenario) setTruth(s *Server) {
	if sc.obj == nil {
		return
	}
	t := sc.baseTruth()
	t.ObjectPolicy = true
	t.Rulebase = nil
	for _, r := range s.pol.rules {
		if !r.isDefault {
			t.Rulebase = append(t.Rulebase, r.name)
		}
	}
	at := s.o.Start.UnixMilli()
	split := func(v *svc) map[string][]netip.Addr {
		by := map[string][]netip.Addr{}
		for _, c := range v.clients {
			f := flow{from: zoneTrust, to: v.zone, src: c, dst: v.ip, proto: v.proto, protoNum: ipProtoNumber[v.proto],
				sport: 40000, dport: v.port, app: v.app, user: sc.obj.users[c], at: at}
			if httpApps[v.app] || v.app == "ssl" { // the sessions that carry a URL or a server name
				f.host = v.host
			}
			f.category = urlCategoryOf(f.host, f.dst)
			r := s.pol.match(&f)
			by[r.name] = append(by[r.name], c)
		}
		return by
	}
	t.CatchAllServices, t.CoveredServices, t.OpaqueServices = nil, nil, nil
	for _, list := range [][]*svc{sc.covered, sc.catchAll, sc.opaque} {
		for _, v := range list {
			by := split(v)
			rules := make([]string, 0, len(by))
			for r := range by {
				rules = append(rules, r)
			}
			slices.Sort(rules)
			for _, r := range rules {
				st := sc.svcTruth(v)
				st.Rule = r
				st.Sources = []string{}
				for _, c := range by[r] {
					st.Sources = append(st.Sources, c.String())
				}
				switch {
				case r != ruleCatchAll:
					t.CoveredServices = append(t.CoveredServices, st)
				case v.kind == kindOpaque:
					t.OpaqueServices = append(t.OpaqueServices, st)
				default:
					t.CatchAllServices = append(t.CatchAllServices, st)
				}
			}
		}
	}
	sc.obj.truth = &t
}
