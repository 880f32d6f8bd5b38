package panosim

import (
	"strconv"
	"strings"
)

// signature is a custom vulnerability signature.
type signature struct {
	tid           int
	name          string
	severity      string
	direction     string
	defaultAction string
	client        bool
	server        bool
	and           [][]sigCond // every and-condition needs one matching or-condition
}

type sigCond struct {
	op     string // equal-to, less-than, greater-than; "" never matches
	value  int
	negate bool
}

func (s *signature) matchesStatus(code int) bool {
	if s.direction != "server2client" && s.direction != "both" {
		return false
	}
	if len(s.and) == 0 {
		return false
	}
	for _, ors := range s.and {
		ok := false
		for _, c := range ors {
			var m bool
			switch c.op {
			case "equal-to":
				m = code == c.value
			case "less-than":
				m = code < c.value
			case "greater-than":
				m = code > c.value
			default:
				continue
			}
			if c.negate {
				m = !m
			}
			if m {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

type vulnRule struct {
	severities map[string]bool // nil means any
	host       string
	action     string
	threatName string
	otherAny   bool // category, cve and vendor-id are any
}

type vulnProfile struct {
	name       string
	rules      []vulnRule
	exceptions map[int]string
}

// actionFor returns the action the profile takes on a signature: "" when no
// rule covers it, otherwise the resolved action (default -> the signature's).
func (p *vulnProfile) actionFor(s *signature) string {
	resolve := func(a string) string {
		if a == "default" {
			return s.defaultAction
		}
		return a
	}
	if a, ok := p.exceptions[s.tid]; ok {
		return resolve(a)
	}
	for _, r := range p.rules {
		if r.severities != nil && !r.severities[s.severity] {
			continue
		}
		switch r.host {
		case "", "any":
		case "client":
			if !s.client {
				continue
			}
		case "server":
			if !s.server {
				continue
			}
		default:
			continue
		}
		if r.threatName != "" && r.threatName != "any" &&
			!strings.Contains(strings.ToLower(s.name), strings.ToLower(r.threatName)) {
			continue
		}
		if !r.otherAny {
			continue
		}
		return resolve(r.action)
	}
	return ""
}

// ruleProfile resolves the vulnerability profile a rule (or default rule
// override) applies, directly or through a profile group.
func (c *compiler) ruleProfile(ch chain, e *node) *vulnProfile {
	ps := e.child("profile-setting")
	if ps == nil {
		return nil
	}
	var name string
	if ms := ps.at("profiles", "vulnerability").members(); len(ms) > 0 {
		name = ms[0]
	} else if gs := ps.child("group").members(); len(gs) > 0 {
		if g := ch.lookup(gs[0], "profile-group"); g != nil {
			if ms := g.child("vulnerability").members(); len(ms) > 0 {
				name = ms[0]
			}
		}
	}
	if name == "" {
		return nil
	}
	if p := c.vulnProfile(ch, name); p != nil {
		return compileVulnProfile(p)
	}
	return nil
}

func compileVulnProfile(e *node) *vulnProfile {
	p := &vulnProfile{name: e.attr("name"), exceptions: map[int]string{}}
	for _, r := range e.child("rules").entries() {
		vr := vulnRule{
			host:       r.textOf("host"),
			action:     choice(r.child("action")),
			threatName: r.textOf("threat-name"),
			otherAny: (r.textOf("category") == "" || r.textOf("category") == "any") &&
				anyList(r.child("cve").members()) && anyList(r.child("vendor-id").members()),
		}
		if vr.action == "" {
			vr.action = "default"
		}
		if sev := r.child("severity").members(); !anyList(sev) {
			vr.severities = map[string]bool{}
			for _, s := range sev {
				vr.severities[s] = true
			}
		}
		p.rules = append(p.rules, vr)
	}
	for _, x := range e.child("threat-exception").entries() {
		id, err := strconv.Atoi(x.attr("name"))
		if err != nil {
			continue
		}
		a := choice(x.child("action"))
		if a == "" {
			a = "default"
		}
		p.exceptions[id] = a
	}
	return p
}

// choice returns the name of the first child element (<action><alert/>) or
// the text of n.
func choice(n *node) string {
	if n == nil {
		return ""
	}
	if len(n.children) > 0 {
		return n.children[0].name
	}
	return n.text
}

func compileSignature(e *node) *signature {
	id, err := strconv.Atoi(e.attr("name"))
	if err != nil {
		return nil
	}
	s := &signature{
		tid:           id,
		name:          e.textOf("threatname"),
		severity:      e.textOf("severity"),
		direction:     e.textOf("direction"),
		defaultAction: choice(e.child("default-action")),
		client:        e.at("affected-host", "client") != nil && e.at("affected-host", "client").text == "yes",
		server:        e.at("affected-host", "server") != nil && e.at("affected-host", "server").text == "yes",
	}
	if s.name == "" {
		s.name = e.attr("name")
	}
	if s.defaultAction == "" {
		s.defaultAction = "alert"
	}
	if !s.client && !s.server {
		s.client = true
	}
	std := e.at("signature", "standard").entries()
	if len(std) == 0 {
		return nil
	}
	// A signature fires when one of its standard entries matches.
	for _, st := range std {
		var and [][]sigCond
		for _, ac := range st.child("and-condition").entries() {
			var ors []sigCond
			for _, oc := range ac.child("or-condition").entries() {
				op := oc.child("operator")
				if op == nil || len(op.children) == 0 {
					continue
				}
				o := op.children[0]
				cd := sigCond{negate: o.textOf("negate") == "yes"}
				v, err := strconv.Atoi(o.textOf("value"))
				if err == nil && o.textOf("context") == "http-rsp-code" &&
					(o.name == "equal-to" || o.name == "less-than" || o.name == "greater-than") {
					cd.op = o.name
					cd.value = v
				}
				ors = append(ors, cd)
			}
			and = append(and, ors)
		}
		if len(s.and) == 0 {
			s.and = and
		}
	}
	return s
}
