package panosim

import (
	"strconv"
	"strings"
)

// signature is a custom vulnerability signature: a standard one (and
// conditions on http-rsp-code), or a combination (combo set) counting the
// hits of child signatures.
type signature struct {
	tid           int
	name          string
	severity      string
	direction     string
	defaultAction string
	// defaultBlock holds track-by and duration of a block-ip default
	// action.
	defaultBlock sigAction
	client       bool
	server       bool
	and          [][]sigCond // every and-condition needs one matching or-condition
	combo        *combination
}

// sigAction is what a profile (or a signature's default) does with a
// threat: the action and, for block-ip, what to block for how long.
type sigAction struct {
	name     string // alert, allow, drop, reset-client, reset-server, reset-both, block-ip
	trackBy  string // block-ip: source or source-and-destination
	duration int    // block-ip: seconds
}

// blocks reports whether the action ends the session: the response is
// not delivered.
func (a sigAction) blocks() bool {
	switch a.name {
	case "drop", "reset-client", "reset-server", "reset-both", "block-ip":
		return true
	}
	return false
}

// combination is the time attribute of a combination signature: it fires
// when threshold hits of its children are seen within interval seconds
// from one source, destination, or pair (trackBy).
type combination struct {
	children  map[int]bool
	interval  int
	threshold int
	trackBy   string
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
	action     sigAction
	threatName string
	otherAny   bool // category, cve and vendor-id are any
}

type vulnProfile struct {
	name       string
	rules      []vulnRule
	exceptions map[int]sigAction
}

// actionFor returns the action the profile takes on a signature: "" when no
// rule covers it, otherwise the resolved action (default -> the signature's).
func (p *vulnProfile) actionFor(s *signature) string { return p.decide(s).name }

// decide returns what the profile does with a signature: a threat
// exception for its ID first, then the first rule that covers it; the
// zero action when nothing does. Action default is the signature's own.
func (p *vulnProfile) decide(s *signature) sigAction {
	resolve := func(a sigAction) sigAction {
		if a.name == "default" {
			if s.defaultAction == "block-ip" {
				return s.defaultBlock
			}
			return sigAction{name: s.defaultAction}
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
	return sigAction{}
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

// actionOf reads an action element: <action><reset-both/></action>, or
// <block-ip><track-by>source</track-by><duration>60</duration></block-ip>.
// A missing action is default.
func actionOf(n *node) sigAction {
	a := sigAction{name: choice(n)}
	if a.name == "" {
		a.name = "default"
	}
	if b := n.child("block-ip"); b != nil {
		a.trackBy = b.textOf("track-by")
		a.duration, _ = strconv.Atoi(b.textOf("duration"))
	}
	return a
}

func compileVulnProfile(e *node) *vulnProfile {
	p := &vulnProfile{name: e.attr("name"), exceptions: map[int]sigAction{}}
	for _, r := range e.child("rules").entries() {
		vr := vulnRule{
			host:       r.textOf("host"),
			action:     actionOf(r.child("action")),
			threatName: r.textOf("threat-name"),
			otherAny: (r.textOf("category") == "" || r.textOf("category") == "any") &&
				anyList(r.child("cve").members()) && anyList(r.child("vendor-id").members()),
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
		p.exceptions[id] = actionOf(x.child("action"))
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
	if s.defaultAction == "block-ip" {
		s.defaultBlock = actionOf(e.child("default-action"))
	}
	if !s.client && !s.server {
		s.client = true
	}
	if cb := e.at("signature", "combination"); cb != nil {
		c := &combination{children: map[int]bool{}}
		ta := cb.child("time-attribute")
		c.interval, _ = strconv.Atoi(ta.textOf("interval"))
		c.threshold, _ = strconv.Atoi(ta.textOf("threshold"))
		c.trackBy = ta.textOf("track-by")
		if c.trackBy == "" {
			c.trackBy = "source-and-destination" // the schema's default
		}
		// Every threat ID of every condition counts as a child: the
		// simulator does not model and-conditions of a combination.
		for _, ac := range cb.child("and-condition").entries() {
			for _, oc := range ac.child("or-condition").entries() {
				if id, err := strconv.Atoi(oc.textOf("threat-id")); err == nil {
					c.children[id] = true
				}
			}
		}
		s.combo = c
		return s
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
