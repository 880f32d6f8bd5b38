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
	s.pol = compilePolicy(s.running, s.pushed, s.o.Seed)
	now := s.now.Unix()
	seen := map[string]string{}
	for _, e := range newCompiler(s.running, s.pushed).ruleNodes() {
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
// to it): rule references that do not resolve, custom signature IDs out of
// range, threat exceptions for custom IDs that do not exist.
func validateFirewall(root, pushed *node) []string {
	c := newCompiler(root, pushed)
	zones := map[string]bool{}
	for _, z := range c.vsys.child("zone").entries() {
		zones[z.attr("name")] = true
	}
	errs := c.validateRules("rulebase -> security -> rules", c.ruleNodes(), zones)
	return append(errs, c.validateThreats()...)
}

// validatePanorama checks shared and every device group, each against its
// own scopes. Zones come from templates, which the simulator does not
// model: they are not checked.
func validatePanorama(root *node) []string {
	shared := root.child("shared")
	pred := root.at("predefined", "profiles", "vulnerability")
	var errs []string
	sc := &compiler{scopes: []*node{shared}, predefined: pred}
	for _, pos := range []string{"pre-rulebase", "post-rulebase"} {
		errs = append(errs, sc.validateRules("shared -> "+pos, shared.at(pos, "security", "rules").entries(), nil)...)
	}
	errs = append(errs, sc.validateThreats()...)
	for _, dg := range root.at("devices").entry("localhost.localdomain").child("device-group").entries() {
		dc := &compiler{scopes: []*node{dg, shared}, predefined: pred}
		for _, pos := range []string{"pre-rulebase", "post-rulebase"} {
			errs = append(errs, dc.validateRules("device-group -> "+dg.attr("name")+" -> "+pos, dg.at(pos, "security", "rules").entries(), nil)...)
		}
		errs = append(errs, dc.validateThreats()...)
	}
	return errs
}

// validateRules checks rule references; zones nil leaves zones unchecked.
func (c *compiler) validateRules(where string, rules []*node, zones map[string]bool) []string {
	var errs []string
	bad := func(rule, field, member string) {
		errs = append(errs, fmt.Sprintf("%s -> %s -> %s '%s' is not a valid reference", where, rule, field, member))
	}
	for _, e := range rules {
		name := e.attr("name")
		if zones != nil {
			for _, field := range []string{"from", "to"} {
				for _, m := range e.child(field).members() {
					if m != "any" && !zones[m] {
						bad(name, field, m)
					}
				}
			}
		}
		for _, field := range []string{"source", "destination"} {
			for _, m := range e.child(field).members() {
				if m != "any" && !c.addrExists(m) {
					bad(name, field, m)
				}
			}
		}
		for _, m := range e.child("service").members() {
			switch m {
			case "any", "application-default", "service-http", "service-https":
				continue
			}
			if c.service(m, 0) == nil {
				bad(name, "service", m)
			}
		}
		switch a := e.textOf("action"); a {
		case "", "allow", "deny", "drop", "reset-client", "reset-server", "reset-both":
		default:
			errs = append(errs, fmt.Sprintf("%s -> %s -> action '%s' is not a valid value", where, name, a))
		}
		ps := e.child("profile-setting")
		for _, g := range ps.child("group").members() {
			if c.lookup(g, "profile-group") == nil {
				bad(name, "profile-setting -> group", g)
			}
		}
		for _, v := range ps.at("profiles", "vulnerability").members() {
			if c.vulnProfile(v) == nil {
				bad(name, "profile-setting -> profiles -> vulnerability", v)
			}
		}
	}
	return errs
}

// validateThreats checks the custom vulnerability signatures of the scopes
// and the threat exceptions of their vulnerability profiles.
func (c *compiler) validateThreats() []string {
	var errs []string
	ids := map[int]bool{}
	for _, scope := range c.scopes {
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
	for _, scope := range c.scopes {
		for _, p := range scope.at("profiles", "vulnerability").entries() {
			for _, x := range p.child("threat-exception").entries() {
				id, err := strconv.Atoi(x.attr("name"))
				if err == nil && customID(id) && !ids[id] {
					errs = append(errs, fmt.Sprintf("profiles -> vulnerability -> %s -> threat-exception -> %s is not a valid threat ID", p.attr("name"), x.attr("name")))
				}
			}
		}
	}
	return errs
}

// addrExists reports whether an address member resolves.
func (c *compiler) addrExists(m string) bool {
	if c.lookup(m, "address") != nil || c.lookup(m, "address-group") != nil {
		return true
	}
	var s addrSet
	addLiteral(&s, m)
	return len(s.prefixes)+len(s.ranges) > 0
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
