package panosim

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// ipRegistry holds the IP addresses registered with tags for dynamic
// address groups (User-ID XML API register/unregister). Registrations take
// effect without a commit.
type ipRegistry struct {
	byIP map[netip.Addr]*registration
}

type registration struct {
	persistent string
	tags       map[string]int64 // tag -> expiry in unix milliseconds, 0 never
}

func newIPRegistry() *ipRegistry { return &ipRegistry{byIP: map[netip.Addr]*registration{}} }

// tagSet returns whether the address carries a tag at an instant.
func (r *ipRegistry) tagSet(a netip.Addr, at int64) func(string) bool {
	reg := r.byIP[a]
	return func(t string) bool {
		if reg == nil {
			return false
		}
		exp, ok := reg.tags[t]
		return ok && (exp == 0 || at < exp)
	}
}

// register adds tags to an address; it returns the tags that were already
// registered (and are left as they were).
func (r *ipRegistry) register(a netip.Addr, persistent string, tags []string, expires map[string]int64) []string {
	reg := r.byIP[a]
	if reg == nil {
		reg = &registration{persistent: persistent, tags: map[string]int64{}}
		r.byIP[a] = reg
	}
	var dup []string
	for _, t := range tags {
		if _, ok := reg.tags[t]; ok {
			dup = append(dup, t)
			continue
		}
		reg.tags[t] = expires[t]
	}
	return dup
}

// unregister removes tags (all of them when tags is empty); it returns the
// tags the address did not carry.
func (r *ipRegistry) unregister(a netip.Addr, tags []string) []string {
	reg := r.byIP[a]
	if reg == nil {
		return append([]string{}, tags...)
	}
	if len(tags) == 0 {
		delete(r.byIP, a)
		return nil
	}
	var missing []string
	for _, t := range tags {
		if _, ok := reg.tags[t]; !ok {
			missing = append(missing, t)
			continue
		}
		delete(reg.tags, t)
	}
	if len(reg.tags) == 0 {
		delete(r.byIP, a)
	}
	return missing
}

// expire drops the tags whose timeout passed.
func (r *ipRegistry) expire(at int64) {
	for a, reg := range r.byIP {
		for t, exp := range reg.tags {
			if exp != 0 && at >= exp {
				delete(reg.tags, t)
			}
		}
		if len(reg.tags) == 0 {
			delete(r.byIP, a)
		}
	}
}

// userMap holds the IP address to user mappings of User-ID.
type userMap struct {
	byIP map[netip.Addr]userEntry
}

type userEntry struct {
	user    string
	typ     string // how the mapping was learned: XMLAPI, UIA
	expires int64  // unix milliseconds, 0 never
}

func newUserMap() *userMap { return &userMap{byIP: map[netip.Addr]userEntry{}} }

// lookup returns the user mapped to an address at an instant, "" when the
// address maps to no user (the unknown user).
func (u *userMap) lookup(a netip.Addr, at int64) string {
	e, ok := u.byIP[a]
	if !ok || (e.expires != 0 && at >= e.expires) {
		return ""
	}
	return e.user
}

// handleUserID answers type=user-id: a uid-message whose payload registers
// or unregisters tagged IP addresses and logs users in or out.
func (s *Server) handleUserID(r *request) response {
	if s.pano != nil {
		return apiError(1, "type user-id is only supported on a firewall (use target=<serial>)")
	}
	if v := r.get("vsys"); v != "" && v != "vsys1" {
		return apiError(17, "vsys "+v+" does not exist")
	}
	text := r.get("cmd")
	if text == "" {
		return errorResp(400, 400, "Missing parameter: cmd")
	}
	msg, err := parseOne(text)
	if err != nil {
		return apiError(18, "Malformed command: "+err.Error())
	}
	if msg.name != "uid-message" {
		return apiError(17, msg.name+" is unexpected")
	}
	if t := msg.textOf("type"); t != "update" {
		return apiError(17, "uid-message -> type '"+t+"' is not supported (want update)")
	}
	payload := msg.child("payload")
	if payload == nil {
		return apiError(17, "uid-message -> payload is missing")
	}
	now := s.now.UnixMilli()
	var ops, failed strings.Builder
	anyFailed := false
	for _, op := range payload.children {
		var fails strings.Builder
		for _, e := range op.entries() {
			if reason := s.userIDEntry(op.name, e, now); reason != "" {
				fmt.Fprintf(&fails, `<entry ip="%s" message="%s"/>`, esc(e.attr("ip")), esc(reason))
			}
		}
		switch op.name {
		case "register", "unregister", "login", "logout":
		default:
			return apiError(1, "uid-message -> payload -> "+op.name+" is not supported by the simulator")
		}
		fmt.Fprintf(&ops, "<%s/>", op.name)
		if fails.Len() > 0 {
			anyFailed = true
			fmt.Fprintf(&failed, "<%s>%s</%s>", op.name, fails.String(), op.name)
		} else {
			fmt.Fprintf(&failed, "<%s/>", op.name)
		}
	}
	if anyFailed {
		return response{body: `<response status="error"><msg><line><uid-response><version>2.0</version><payload>` +
			failed.String() + `</payload></uid-response></line></msg></response>`}
	}
	return success(0, "<result><uid-response><version>2.0</version><payload>"+ops.String()+"</payload></uid-response></result>")
}

// userIDEntry applies one payload entry and returns why it failed ("" when
// it did not).
func (s *Server) userIDEntry(op string, e *node, now int64) string {
	a, err := netip.ParseAddr(e.attr("ip"))
	if err != nil {
		return "invalid ip address"
	}
	switch op {
	case "register":
		var tags []string
		expires := map[string]int64{}
		for _, m := range e.child("tag").children {
			if m.name != "member" || m.text == "" {
				continue
			}
			tags = append(tags, m.text)
			if t := m.attr("timeout"); t != "" && t != "0" {
				secs, err := strconv.Atoi(t)
				if err != nil || secs < 0 {
					return "invalid timeout " + t
				}
				expires[m.text] = now + int64(secs)*1000
			}
		}
		if len(tags) == 0 {
			return "no tag to register"
		}
		persistent := e.attr("persistent")
		if persistent == "" {
			persistent = "1"
		}
		s.reg.expire(now)
		if dup := s.reg.register(a, persistent, tags, expires); len(dup) > 0 {
			return "tag " + strings.Join(dup, ",") + " already exists, ignore"
		}
	case "unregister":
		s.reg.expire(now)
		if missing := s.reg.unregister(a, e.child("tag").members()); len(missing) > 0 {
			return "tag " + strings.Join(missing, ",") + " does not exist, ignore unreg"
		}
	case "login":
		user := e.attr("name")
		if user == "" {
			return "user name is missing"
		}
		ue := userEntry{user: user, typ: "XMLAPI"}
		if t := e.attr("timeout"); t != "" {
			mins, err := strconv.Atoi(t)
			if err != nil || mins < 0 {
				return "invalid timeout " + t
			}
			if mins > 0 {
				ue.expires = now + int64(mins)*60_000
			}
		}
		s.users.byIP[a] = ue
	case "logout":
		if cur, ok := s.users.byIP[a]; ok && (e.attr("name") == "" || strings.EqualFold(cur.user, e.attr("name"))) {
			delete(s.users.byIP, a)
		}
	}
	return ""
}

// showRegisteredIP answers show object registered-ip all | ip <addr> |
// tag <entry name='t'/>: one entry per address with its tags, then the
// count.
func (s *Server) showRegisteredIP(n *node) response {
	sel := only(n)
	if sel == nil {
		return unexpected("show", "object", "registered-ip")
	}
	now := s.now.UnixMilli()
	s.reg.expire(now)
	var want func(netip.Addr, *registration) bool
	switch sel.name {
	case "all":
		want = func(netip.Addr, *registration) bool { return true }
	case "ip":
		a, err := netip.ParseAddr(strings.Trim(strings.TrimSpace(sel.text), `"`))
		if err != nil {
			return apiError(17, "show -> object -> registered-ip -> ip "+sel.text+" is invalid")
		}
		want = func(b netip.Addr, _ *registration) bool { return a == b }
	case "tag":
		var tags []string
		for _, e := range sel.entries() {
			tags = append(tags, e.attr("name"))
		}
		want = func(_ netip.Addr, r *registration) bool {
			for _, t := range tags {
				if _, ok := r.tags[t]; ok {
					return true
				}
			}
			return false
		}
	default:
		return unexpected("show", "object", "registered-ip", sel.name)
	}
	addrs := make([]netip.Addr, 0, len(s.reg.byIP))
	for a := range s.reg.byIP {
		addrs = append(addrs, a)
	}
	slices.SortFunc(addrs, func(a, b netip.Addr) int { return a.Compare(b) })
	var b strings.Builder
	b.WriteString("<result>")
	count := 0
	for _, a := range addrs {
		reg := s.reg.byIP[a]
		if !want(a, reg) {
			continue
		}
		count++
		fmt.Fprintf(&b, `<entry ip="%s" from_agent="0" persistent="%s"><tag>`, a, esc(reg.persistent))
		tags := make([]string, 0, len(reg.tags))
		for t := range reg.tags {
			tags = append(tags, t)
		}
		slices.Sort(tags)
		for _, t := range tags {
			if exp := reg.tags[t]; exp != 0 {
				fmt.Fprintf(&b, `<member timeout="%d">`, (exp-now+999)/1000)
			} else {
				b.WriteString("<member>")
			}
			escape(&b, t)
			b.WriteString("</member>")
		}
		b.WriteString("</tag></entry>")
	}
	fmt.Fprintf(&b, "<count>%d</count></result>", count)
	return success(0, b.String())
}

// showUserMapping answers show user ip-user-mapping all | ip <addr>.
func (s *Server) showUserMapping(n *node) response {
	sel := only(n)
	if sel == nil || (sel.name != "all" && sel.name != "ip") {
		return unexpected("show", "user", "ip-user-mapping")
	}
	now := s.now.UnixMilli()
	var only netip.Addr
	if sel.name == "ip" {
		a, err := netip.ParseAddr(strings.Trim(strings.TrimSpace(sel.text), `"`))
		if err != nil {
			return apiError(17, "show -> user -> ip-user-mapping -> ip "+sel.text+" is invalid")
		}
		only = a
	}
	addrs := make([]netip.Addr, 0, len(s.users.byIP))
	for a := range s.users.byIP {
		if (!only.IsValid() || a == only) && s.users.lookup(a, now) != "" {
			addrs = append(addrs, a)
		}
	}
	slices.SortFunc(addrs, func(a, b netip.Addr) int { return a.Compare(b) })
	var b strings.Builder
	w := xw{&b}
	b.WriteString("<result>")
	for _, a := range addrs {
		e := s.users.byIP[a]
		b.WriteString("<entry>")
		w.el("ip", a.String())
		w.el("vsys", "vsys1")
		w.el("type", e.typ)
		w.el("user", e.user)
		left := "Never"
		if e.expires != 0 {
			left = strconv.FormatInt((e.expires-now+999)/1000, 10)
		}
		w.el("idle_timeout", left)
		w.el("max_timeout", left)
		b.WriteString("</entry>")
	}
	fmt.Fprintf(&b, "<count>%d</count></result>", len(addrs))
	return success(0, b.String())
}

// errOnPanorama is returned by the methods that act on a firewall's
// User-ID and DNS state when called on a Panorama.
var errOnPanorama = errors.New("panosim: a Panorama matches no traffic: call this on one of Firewalls()")

// RegisterIP registers an IP address with tags for dynamic address groups,
// as the User-ID XML API would; it takes effect without a commit. It
// returns an error for an invalid address or on a Panorama.
func (s *Server) RegisterIP(ip string, tags ...string) error {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return fmt.Errorf("panosim: register %q: %w", ip, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pano != nil {
		return errOnPanorama
	}
	s.reg.register(a, "1", tags, nil)
	return nil
}

// UnregisterIP removes tags from a registered address (every tag when none
// is given). It returns an error for an invalid address or on a Panorama.
func (s *Server) UnregisterIP(ip string, tags ...string) error {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return fmt.Errorf("panosim: unregister %q: %w", ip, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pano != nil {
		return errOnPanorama
	}
	s.reg.unregister(a, tags)
	return nil
}

// MapUser maps an IP address to a user as a User-ID agent would (user ""
// removes the mapping): sessions from the address then carry the user,
// for source-user matching and in the logs' srcuser. It returns an error
// for an invalid address or on a Panorama.
func (s *Server) MapUser(ip, user string) error {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return fmt.Errorf("panosim: map user to %q: %w", ip, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pano != nil {
		return errOnPanorama
	}
	if user == "" {
		delete(s.users.byIP, a)
	} else {
		s.users.byIP[a] = userEntry{user: user, typ: "UIA"}
	}
	return nil
}

// SetFQDN sets what the device's DNS answers for a name used by fqdn
// address objects (no address: the name does not resolve) and refreshes
// the policy, as the device's periodic FQDN refresh would. It returns an
// error for an invalid address or on a Panorama.
func (s *Server) SetFQDN(name string, addrs ...string) error {
	var out []netip.Addr
	for _, v := range addrs {
		a, err := netip.ParseAddr(v)
		if err != nil {
			return fmt.Errorf("panosim: fqdn %s: %w", name, err)
		}
		out = append(out, a)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pano != nil {
		return errOnPanorama
	}
	s.fqdn[strings.ToLower(name)] = out
	s.pol, _ = compilePolicy(s.running, s.pushed, s.policyEnv())
	return nil
}

// policyEnv returns the device state the policy reads besides its
// configuration.
func (s *Server) policyEnv() *policyEnv {
	return &policyEnv{seed: s.o.Seed, loc: s.dev.loc, fqdn: s.fqdn, reg: s.reg}
}
