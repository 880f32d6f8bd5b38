package panosim

import (
	"fmt"
	"strconv"
	"time"
)

// commitJob is a commit in the job queue.
type commitJob struct {
	id       int
	snapshot *node // the candidate at enqueue time
	tenq     time.Time
	tfin     time.Time
	polls    int
	done     bool
	failed   []string // validation errors of a failed commit
	user     string
	desc     string
}

// handleCommit answers type=commit (full or partial): it enqueues a job when
// the candidate differs from what the queue will make the running config.
func (s *Server) handleCommit(r *request) response {
	text := r.get("cmd")
	if text == "" {
		return errorResp(400, 400, "Missing parameter: cmd")
	}
	cmd, err := parseOne(text)
	if err != nil {
		return apiError(18, "Malformed command: "+err.Error())
	}
	switch a := r.get("action"); a {
	case "", "partial":
	case "all":
		return apiError(17, "commit-all is only supported on Panorama")
	default:
		return errorResp(400, 400, "Illegal value for parameter \"action\" ["+a+"]")
	}
	switch cmd.name {
	case "commit":
	case "commit-all":
		return apiError(17, "commit-all is only supported on Panorama")
	default:
		return unexpected(cmd.name)
	}
	base := s.running
	if n := len(s.commits); n > 0 && !s.commits[n-1].done {
		base = s.commits[n-1].snapshot
	}
	if s.candidate.String() == base.String() {
		return success(19, "<msg>There are no changes to commit.</msg>")
	}
	id := s.nextJob
	s.nextJob++
	s.commits = append(s.commits, &commitJob{
		id:       id,
		snapshot: s.candidate.clone(),
		tenq:     s.now,
		user:     s.o.Username,
		desc:     cmd.textOf("description"),
	})
	return success(19, fmt.Sprintf("<result><msg><line>Commit job enqueued with jobid %d</line></msg><job>%d</job></result>", id, id))
}

// finishCommits completes the first n queued commit jobs, in order.
func (s *Server) finishCommits(n int) {
	for i := 0; i < n && i < len(s.commits); i++ {
		if j := s.commits[i]; !j.done {
			s.apply(j)
		}
	}
}

// apply makes a commit job's snapshot the running configuration, unless it
// does not validate: then the job fails and the running config stays.
func (s *Server) apply(j *commitJob) {
	j.done = true
	j.tfin = s.now
	if errs := validate(j.snapshot); len(errs) > 0 {
		j.failed = errs
		j.snapshot = nil
		return
	}
	before := map[string]string{}
	for _, e := range vsysRules(s.running).entries() {
		before[e.attr("uuid")] = e.String()
	}
	s.running = j.snapshot
	j.snapshot = nil
	s.cfgVer++
	s.pol = compilePolicy(s.running, s.o.Seed)
	now := s.now.Unix()
	for _, e := range vsysRules(s.running).entries() {
		uuid := e.attr("uuid")
		old, existed := before[uuid]
		rt := s.ruleTimes[uuid]
		switch {
		case rt == nil || !existed:
			s.ruleTimes[uuid] = &ruleTimes{created: now, modified: now}
		case old != e.String():
			rt.modified = now
		}
	}
}

func vsysRules(root *node) *node {
	return root.at("devices").entry("localhost.localdomain").child("vsys").entry("vsys1").at("rulebase", "security", "rules")
}

// validate returns the reasons a configuration would fail to commit: rule
// references that do not resolve, and custom signature IDs out of range.
func validate(root *node) []string {
	c := &compiler{
		vsys:   root.at("devices").entry("localhost.localdomain").child("vsys").entry("vsys1"),
		shared: root.child("shared"),
	}
	var errs []string
	bad := func(rule, field, member string) {
		errs = append(errs, fmt.Sprintf("rulebase -> security -> rules -> %s -> %s '%s' is not a valid reference", rule, field, member))
	}
	zones := map[string]bool{}
	for _, z := range c.vsys.child("zone").entries() {
		zones[z.attr("name")] = true
	}
	for _, e := range vsysRules(root).entries() {
		name := e.attr("name")
		for _, field := range []string{"from", "to"} {
			for _, m := range e.child(field).members() {
				if m != "any" && !zones[m] {
					bad(name, field, m)
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
			errs = append(errs, fmt.Sprintf("rulebase -> security -> rules -> %s -> action '%s' is not a valid value", name, a))
		}
		ps := e.child("profile-setting")
		for _, g := range ps.child("group").members() {
			if c.vsys.child("profile-group").entry(g) == nil && c.shared.child("profile-group").entry(g) == nil {
				bad(name, "profile-setting -> group", g)
			}
		}
		for _, v := range ps.at("profiles", "vulnerability").members() {
			if c.vsys.at("profiles", "vulnerability").entry(v) == nil &&
				c.shared.at("profiles", "vulnerability").entry(v) == nil && predefinedVuln[v] == nil {
				bad(name, "profile-setting -> profiles -> vulnerability", v)
			}
		}
	}
	for _, container := range []*node{c.shared.at("threats", "vulnerability"), c.vsys.at("threats", "vulnerability")} {
		for _, e := range container.entries() {
			id, err := strconv.Atoi(e.attr("name"))
			if err != nil || !((id >= 41000 && id <= 45000) || (id >= 6800001 && id <= 6900000)) {
				errs = append(errs, fmt.Sprintf("threats -> vulnerability -> %s is not a valid custom vulnerability ID (41000-45000, 6800001-6900000)", e.attr("name")))
			}
			if e.textOf("threatname") == "" {
				errs = append(errs, fmt.Sprintf("threats -> vulnerability -> %s -> threatname is missing", e.attr("name")))
			}
		}
	}
	return errs
}

// addrExists reports whether an address member resolves.
func (c *compiler) addrExists(m string) bool {
	for _, scope := range []*node{c.vsys, c.shared} {
		if scope.child("address").entry(m) != nil || scope.child("address-group").entry(m) != nil {
			return true
		}
	}
	var s addrSet
	addLiteral(&s, m)
	return len(s.prefixes)+len(s.ranges) > 0
}
