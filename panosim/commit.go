package panosim

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// commitJob is a commit (or, on Panorama, a commit-all push) in the job
// queue.
type commitJob struct {
	id       int
	kind     string // Commit or CommitAll
	snapshot *node  // Commit: the configuration it makes running
	tenq     time.Time
	tfin     time.Time
	polls    int
	done     bool
	failed   []string // why a Commit failed
	inject   string   // injected failure reason
	user     string
	desc     string
	// CommitAll only.
	dg      string
	devices []*pushResult
}

// pushResult is one firewall's part of a commit-all job.
type pushResult struct {
	serial, name string
	result       string // PEND, OK, FAIL
	status       string
	errors       []string
	tstart, tfin time.Time
}

// handleCommit answers type=commit: a full or partial commit, or on
// Panorama a commit-all (push to a device group).
func (s *Server) handleCommit(r *request) response {
	text := r.get("cmd")
	if text == "" {
		return errorResp(400, 400, "Missing parameter: cmd")
	}
	cmd, err := parseOne(text)
	if err != nil {
		return apiError(18, "Malformed command: "+err.Error())
	}
	action := r.get("action")
	switch action {
	case "", "partial", "all":
	default:
		return errorResp(400, 400, "Illegal value for parameter \"action\" ["+action+"]")
	}
	if other := lockedBy(s.commitLocks, r.admin); other != "" {
		return apiError(0, "Commit is currently locked by "+other)
	}
	if other := lockedBy(s.configLocks, r.admin); other != "" {
		return apiError(0, "Config is currently locked by "+other)
	}
	switch {
	case cmd.name == "commit" && action != "all":
		return s.commit(r, cmd)
	case cmd.name == "commit-all" && s.pano != nil:
		return s.commitAll(r, cmd)
	case cmd.name == "commit-all" || action == "all":
		return apiError(17, "commit-all is only supported on Panorama")
	}
	return unexpected(cmd.name)
}

// commit enqueues a commit job when there is something to commit. A
// partial commit naming administrators (<partial><admin><member>…) applies
// only their changes, in order, to the configuration the queue will have
// made running; other partial scopes commit everything.
func (s *Server) commit(r *request, cmd *node) response {
	base := s.running
	for i := len(s.commits) - 1; i >= 0; i-- {
		if j := s.commits[i]; j.kind == "Commit" && !j.done {
			base = j.snapshot
			break
		}
	}
	partial := cmd.child("partial")
	if f := cmd.child("force"); f != nil && f.child("partial") != nil {
		partial = f.child("partial")
	}
	id := s.nextJob
	var snap *node
	if admins := partial.at("admin").members(); len(admins) > 0 {
		snap = base.clone()
		n := 0
		for i := range s.journal {
			op := &s.journal[i]
			if op.job == 0 && slices.Contains(admins, op.admin) {
				s.applyOp(snap, *op)
				op.job = id
				n++
			}
		}
		if n == 0 {
			return success(19, "<msg>There are no changes to commit.</msg>")
		}
		copyUUIDs(s.candidate, snap)
		s.assignRuleUUIDs(snap)
	} else {
		if s.candidate.String() == base.String() {
			return success(19, "<msg>There are no changes to commit.</msg>")
		}
		snap = s.candidate.clone()
		for i := range s.journal {
			if s.journal[i].job == 0 {
				s.journal[i].job = id
			}
		}
	}
	s.nextJob++
	j := &commitJob{id: id, kind: "Commit", snapshot: snap, tenq: s.now, user: r.admin, desc: cmd.textOf("description")}
	if len(s.failCommit) > 0 {
		j.inject, s.failCommit = s.failCommit[0], s.failCommit[1:]
	}
	s.commits = append(s.commits, j)
	return success(19, fmt.Sprintf("<result><msg><line>Commit job enqueued with jobid %d</line></msg><job>%d</job></result>", id, id))
}

// finishCommits completes the first n queued jobs, in order.
func (s *Server) finishCommits(n int) {
	for i := 0; i < n && i < len(s.commits); i++ {
		if j := s.commits[i]; !j.done {
			if j.kind == "CommitAll" {
				s.push(j)
			} else {
				s.apply(j)
			}
		}
	}
}

// apply makes a commit job's snapshot the running configuration, unless it
// does not validate: then the job fails, the running config stays and the
// changes stay pending.
func (s *Server) apply(j *commitJob) {
	j.done = true
	j.tfin = s.now
	errs := s.validate(j.snapshot)
	if j.inject != "" {
		errs = append(errs, j.inject)
	}
	if len(errs) > 0 {
		j.failed = errs
		j.snapshot = nil
		for i := range s.journal {
			if s.journal[i].job == j.id {
				s.journal[i].job = 0
			}
		}
		return
	}
	s.journal = slices.DeleteFunc(s.journal, func(op configOp) bool { return op.job == j.id })
	s.running = j.snapshot
	j.snapshot = nil
	s.recompile()
}

// recompile compiles the policy of the running configuration (and the
// pushed policy) after a change, and keeps rule creation and modification
// times.
func (s *Server) recompile() {
	if s.pano != nil {
		return
	}
	s.cfgVer++
	s.pol, _ = compilePolicy(s.running, s.pushed, s.policyEnv())
	now := s.now.Unix()
	seen := map[string]string{}
	for _, e := range ruleNodes(s.running, s.pushed) {
		uuid, text := e.attr("uuid"), e.String()
		seen[uuid] = text
		old, existed := s.ruleXML[uuid]
		rt := s.ruleTimes[uuid]
		switch {
		case rt == nil || !existed:
			s.ruleTimes[uuid] = &ruleTimes{created: now, modified: now}
		case old != text:
			rt.modified = now
		}
	}
	s.ruleXML = seen
}

func vsysRules(root *node) *node {
	return root.at("devices").entry("localhost.localdomain").child("vsys").entry("vsys1").at("rulebase", "security", "rules")
}

// customID reports whether id is in a custom vulnerability signature range.
func customID(id int) bool {
	return (id >= 41000 && id <= 45000) || (id >= 6800001 && id <= 6900000)
}

// validate returns the reasons a configuration would fail to commit.
func (s *Server) validate(root *node) []string {
	if s.pano != nil {
		return validatePanorama(root)
	}
	return validateFirewall(root, s.pushed)
}

// validateFirewall checks a firewall configuration (with the policy pushed
// to it): rule references that do not resolve in their scope chain, zones
// that do not exist, values that do not parse, custom signature IDs out of
// range, threat exceptions for custom IDs that do not exist.
func validateFirewall(root, pushed *node) []string {
	_, errs := compilePolicy(root, pushed, nil)
	c := newCompiler(root, pushed, nil)
	zones := map[string]bool{}
	for _, z := range c.vsys.child("zone").entries() {
		zones[z.attr("name")] = true
	}
	for _, rr := range c.ruleRefs() {
		for _, field := range []string{"from", "to"} {
			for _, m := range rr.node.child(field).members() {
				if m != "any" && !zones[m] {
					errs = append(errs, fmt.Sprintf("%s -> %s -> %s '%s' is not a valid reference", rr.where, rr.node.attr("name"), field, m))
				}
			}
		}
	}
	errs = append(errs, validateObjects(c, chain{c.vsys, c.shared, c.pushed})...)
	errs = append(errs, validateObjects(c, chain{c.shared})...)
	return append(errs, validateThreats(c.localChain())...)
}

// validatePanorama checks shared and every device group, each against its
// own scope chain (the group, its ancestors, shared). Zones come from
// templates, which the simulator does not model: they are not checked.
func validatePanorama(root *node) []string {
	var errs []string
	c := newCompiler(root, nil, nil)
	check := func(ch chain, where string, scope *node) {
		for _, pos := range []string{"pre-rulebase", "post-rulebase"} {
			for _, e := range scope.at(pos, "security", "rules").entries() {
				c.rule(ruleRef{node: e, ch: ch, loc: where, where: where + " -> " + pos})
			}
			for _, e := range scope.at(pos, "default-security-rules", "rules").entries() {
				if n := e.attr("name"); n != ruleIntrazone && n != ruleInterzone {
					c.errs = append(c.errs, fmt.Sprintf("%s -> %s -> default-security-rules -> %s is not a default rule", where, pos, n))
				}
			}
		}
		errs = append(errs, validateObjects(c, ch)...)
		errs = append(errs, validateThreats(ch)...)
	}
	check(chain{c.shared}, "shared", c.shared)
	groups := deviceGroups(root)
	for _, dg := range groups.entries() {
		name := dg.attr("name")
		ch, err := dgChain(root, name)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		check(ch, "device-group -> "+name, dg)
	}
	return append(errs, c.errs...)
}

// validateObjects checks the objects of the first scope of a chain that
// rules may not reference yet: dynamic group filters, static group
// members, service ports, schedules.
func validateObjects(c *compiler, ch chain) []string {
	var errs []string
	scope := ch[0]
	if scope == nil {
		return nil
	}
	for _, g := range scope.child("address-group").entries() {
		name := g.attr("name")
		if d := g.child("dynamic"); d != nil {
			if _, err := parseTagFilter(d.textOf("filter")); err != nil {
				errs = append(errs, fmt.Sprintf("address-group -> %s -> dynamic -> filter: %v", name, err))
			}
			continue
		}
		var s addrSet
		for _, m := range g.child("static").members() {
			if !c.addAddr(ch, &s, m, 0) {
				errs = append(errs, fmt.Sprintf("address-group -> %s -> static '%s' is not a valid reference", name, m))
			}
		}
	}
	for _, a := range scope.child("address").entries() {
		var s addrSet
		if !c.addrObject(a, &s) {
			errs = append(errs, fmt.Sprintf("address -> %s is not a valid address", a.attr("name")))
		}
	}
	for _, kind := range []string{"service", "service-group"} {
		for _, e := range scope.child(kind).entries() {
			var out []svcSpec
			if !c.services(ch, e.attr("name"), 0, &out) {
				errs = append(errs, fmt.Sprintf("%s -> %s is not a valid service (ports, members)", kind, e.attr("name")))
			}
		}
	}
	for _, e := range scope.child("schedule").entries() {
		if _, err := compileSchedule(e); err != nil {
			errs = append(errs, fmt.Sprintf("schedule -> %s: %v", e.attr("name"), err))
		}
	}
	return errs
}

// validateThreats checks the custom vulnerability signatures of the scopes
// (IDs, combination time attributes and children, block-ip parameters)
// and the threat exceptions of their vulnerability profiles.
func validateThreats(ch chain) []string {
	var errs []string
	ids := map[int]bool{}
	for _, scope := range ch {
		for _, e := range scope.at("threats", "vulnerability").entries() {
			id, err := strconv.Atoi(e.attr("name"))
			if err != nil || !customID(id) {
				errs = append(errs, fmt.Sprintf("threats -> vulnerability -> %s is not a valid custom vulnerability ID (41000-45000, 6800001-6900000)", e.attr("name")))
			}
			if e.textOf("threatname") == "" {
				errs = append(errs, fmt.Sprintf("threats -> vulnerability -> %s -> threatname is missing", e.attr("name")))
			}
			ids[id] = true
		}
	}
	for _, scope := range ch {
		for _, e := range scope.at("threats", "vulnerability").entries() {
			where := "threats -> vulnerability -> " + e.attr("name")
			errs = append(errs, validateBlockIP(where+" -> default-action", e.child("default-action"))...)
			cb := e.at("signature", "combination")
			if cb == nil {
				continue
			}
			errs = append(errs, validateTimeAttribute(where+" -> signature -> combination -> time-attribute", cb.child("time-attribute"), true)...)
			n := 0
			for _, ac := range cb.child("and-condition").entries() {
				for _, oc := range ac.child("or-condition").entries() {
					n++
					tid, err := strconv.Atoi(oc.textOf("threat-id"))
					if err != nil || (customID(tid) && !ids[tid]) {
						errs = append(errs, fmt.Sprintf("%s -> signature -> combination -> threat-id '%s' is not a valid threat ID", where, oc.textOf("threat-id")))
					}
				}
			}
			if n == 0 {
				errs = append(errs, where+" -> signature -> combination has no condition")
			}
		}
	}
	for _, scope := range ch {
		for _, p := range scope.at("profiles", "vulnerability").entries() {
			for _, x := range p.child("threat-exception").entries() {
				id, err := strconv.Atoi(x.attr("name"))
				if err == nil && customID(id) && !ids[id] {
					errs = append(errs, fmt.Sprintf("profiles -> vulnerability -> %s -> threat-exception -> %s is not a valid threat ID", p.attr("name"), x.attr("name")))
				}
				where := "profiles -> vulnerability -> " + p.attr("name") + " -> threat-exception -> " + x.attr("name")
				errs = append(errs, validateBlockIP(where+" -> action", x.child("action"))...)
				if ta := x.child("time-attribute"); ta != nil {
					errs = append(errs, validateTimeAttribute(where+" -> time-attribute", ta, false)...)
				}
			}
			for _, r := range p.child("rules").entries() {
				errs = append(errs, validateBlockIP("profiles -> vulnerability -> "+p.attr("name")+" -> rules -> "+r.attr("name")+" -> action", r.child("action"))...)
			}
		}
	}
	return errs
}

// validateBlockIP checks a block-ip action, when the action element holds
// one: track-by source or source-and-destination, duration 1-3600 seconds
// (the configuration schema's values).
func validateBlockIP(where string, action *node) []string {
	b := action.child("block-ip")
	if b == nil {
		return nil
	}
	var errs []string
	switch t := b.textOf("track-by"); t {
	case "source", "source-and-destination":
	default:
		errs = append(errs, fmt.Sprintf("%s -> block-ip -> track-by '%s' is not a valid value", where, t))
	}
	if d, err := strconv.Atoi(b.textOf("duration")); err != nil || d < 1 || d > 3600 {
		errs = append(errs, fmt.Sprintf("%s -> block-ip -> duration '%s' is not a valid value (1-3600)", where, b.textOf("duration")))
	}
	return errs
}

// validateTimeAttribute checks interval (1-3600 seconds), threshold
// (1-255 hits) and track-by; a combination signature needs all three set.
func validateTimeAttribute(where string, ta *node, required bool) []string {
	var errs []string
	if ta == nil {
		return []string{where + " is missing"}
	}
	check := func(name string, lo, hi int) {
		v := ta.textOf(name)
		if v == "" && !required {
			return
		}
		if n, err := strconv.Atoi(v); err != nil || n < lo || n > hi {
			errs = append(errs, fmt.Sprintf("%s -> %s '%s' is not a valid value (%d-%d)", where, name, v, lo, hi))
		}
	}
	check("interval", 1, 3600)
	check("threshold", 1, 255)
	switch t := ta.textOf("track-by"); t {
	case "", "source", "destination", "source-and-destination": // the schema defaults it to source-and-destination
	default:
		errs = append(errs, fmt.Sprintf("%s -> track-by '%s' is not a valid value", where, t))
	}
	return errs
}

// jobXML renders a job as "show jobs" does.
func (s *Server) jobXML(j *commitJob) string {
	loc := s.dev.loc
	var b strings.Builder
	w := xw{&b}
	b.WriteString("<job>")
	w.el("tenq", j.tenq.In(loc).Format(devTimeFmt))
	w.el("tdeq", j.tenq.In(loc).Format("15:04:05"))
	w.num("id", int64(j.id))
	w.el("user", j.user)
	w.el("type", j.kind)
	if j.done {
		w.el("status", "FIN")
	} else {
		w.el("status", "ACT")
	}
	w.el("queued", "NO")
	w.el("stoppable", "no")
	switch {
	case j.done && len(j.failed) > 0:
		w.el("result", "FAIL")
		w.el("tfin", j.tfin.In(loc).Format(devTimeFmt))
	case j.done:
		w.el("result", "OK")
		w.el("tfin", j.tfin.In(loc).Format(devTimeFmt))
	default:
		w.el("result", "PEND")
		w.el("tfin", "")
	}
	w.el("description", j.desc)
	w.el("positionInQ", "0")
	switch {
	case j.done:
		w.el("progress", "100")
	default:
		w.num("progress", int64(min(99, 100*(j.polls+1)/(s.o.PollsBeforeFinish+2))))
	}
	if j.kind == "CommitAll" {
		s.pushXML(&b, j)
		b.WriteString("</job>")
		return b.String()
	}
	switch {
	case j.done && len(j.failed) > 0:
		b.WriteString("<details><line>Validation Error:</line>")
		for _, l := range j.failed {
			w.el("line", l)
		}
		b.WriteString("<line>Commit failed</line></details>")
	case j.done:
		b.WriteString("<details><line>Configuration committed successfully</line></details>")
	default:
		b.WriteString("<details/>")
	}
	b.WriteString("<warnings/></job>")
	return b.String()
}
