package panosim

import (
	"fmt"
	"strconv"
	"strings"
)

const commandSucceeded = "<msg>command succeeded</msg>"

// handleConfig answers type=config: get and the edits work on the candidate
// configuration, show on the running one.
func (s *Server) handleConfig(r *request) response {
	action := r.get("action")
	xp := r.get("xpath")
	if action == "" {
		return errorResp(400, 400, "Missing parameter: action")
	}
	if xp == "" {
		return errorResp(400, 400, "Missing parameter: xpath")
	}
	steps, err := parseXPath(xp)
	if err != nil {
		return apiError(6, "Bad xpath: "+err.Error())
	}
	switch action {
	case "get", "show":
		tree := s.candidate
		if action == "show" {
			tree = s.running
		}
		ms := find(tree, steps)
		if len(ms) == 0 {
			if action == "get" {
				return success(7, "<result/>")
			}
			return apiError(0, "No such node")
		}
		var b strings.Builder
		if action == "get" {
			fmt.Fprintf(&b, `<result total-count="%d" count="%d">`, len(ms), len(ms))
		} else {
			b.WriteString("<result>")
		}
		for _, m := range ms {
			m.n.write(&b)
		}
		b.WriteString("</result>")
		return success(0, b.String())
	case "set", "edit", "delete", "move", "rename":
		if other := lockedBy(s.configLocks, r.admin); other != "" {
			return apiError(0, "Config is currently locked by "+other)
		}
		op := configOp{admin: r.admin, action: action, steps: steps, element: r.get("element"),
			where: r.get("where"), dst: r.get("dst"), newname: r.get("newname")}
		resp := s.applyOp(s.candidate, op)
		if changed(resp) {
			s.assignRuleUUIDs(s.candidate)
			s.journal = append(s.journal, op)
		}
		return resp
	case "clone", "override", "multi-config", "complete":
		return apiError(1, "config action "+action+" is not supported by the simulator")
	}
	return errorResp(400, 400, "Illegal value for parameter \"action\" ["+action+"]")
}

// changed reports whether an answer to a config change says it was made.
func changed(r response) bool {
	return strings.HasPrefix(r.body, `<response status="success" code="20">`)
}

// applyOp makes one change to the configuration tree root.
func (s *Server) applyOp(root *node, op configOp) response {
	steps := op.steps
	switch op.action {
	case "set":
		return configSet(root, steps, op.element)
	case "edit":
		return configEdit(root, steps, op.element)
	case "delete":
		if steps[len(steps)-1].attrOnly != "" {
			return apiError(6, "Bad xpath: cannot delete an attribute")
		}
		ms := find(root, steps)
		if len(ms) == 0 {
			return success(7, "<msg>Object doesn't exist</msg>")
		}
		if ms[0].parent == nil {
			return apiError(12, "cannot delete the configuration root")
		}
		for _, m := range ms {
			m.parent.children = removeNode(m.parent.children, m.n)
		}
		return success(20, commandSucceeded)
	case "move":
		return configMove(root, steps, op.where, op.dst)
	case "rename":
		return configRename(root, steps, op.newname)
	}
	return errorResp(400, 400, "Illegal value for parameter \"action\" ["+op.action+"]")
}

func removeNode(list []*node, n *node) []*node {
	out := list[:0]
	for _, c := range list {
		if c != n {
			out = append(out, c)
		}
	}
	clear(list[len(out):])
	return out
}

func configSet(root *node, steps []step, element string) response {
	if strings.TrimSpace(element) == "" {
		return errorResp(400, 400, "Missing parameter: element")
	}
	frags, err := parseFragments(element)
	if err != nil {
		return apiError(18, "Malformed element: "+err.Error())
	}
	target, err := ensure(root, steps)
	if err != nil {
		return apiError(6, "Bad xpath: "+err.Error())
	}
	for _, f := range frags {
		mergeInto(target, f)
	}
	return success(20, commandSucceeded)
}

func configEdit(root *node, steps []step, element string) response {
	if strings.TrimSpace(element) == "" {
		return errorResp(400, 400, "Missing parameter: element")
	}
	n, err := parseOne(element)
	if err != nil {
		return apiError(18, "Malformed element: "+err.Error())
	}
	last := steps[len(steps)-1]
	if len(steps) < 2 || last.attrOnly != "" || n.name != last.name || (last.predAttr != "" && !last.matches(n)) || len(last.predValues) > 1 {
		return apiError(12, "edit breaks config validity: element "+n.name+" does not match the xpath")
	}
	ms := find(root, steps)
	if len(ms) > 0 {
		old := ms[0]
		if uuid := old.n.attr("uuid"); uuid != "" && !n.hasAttr("uuid") {
			n.setAttr("uuid", uuid)
		}
		for i, c := range old.parent.children {
			if c == old.n {
				old.parent.children[i] = n
			}
		}
	} else {
		parent, err := ensure(root, steps[:len(steps)-1])
		if err != nil {
			return apiError(6, "Bad xpath: "+err.Error())
		}
		parent.children = append(parent.children, n)
	}
	return success(20, commandSucceeded)
}

// assignRuleUUIDs gives new security rules a UUID, as PAN-OS does when a
// rule is created.
func (s *Server) assignRuleUUIDs(root *node) {
	for _, rules := range ruleContainers(root) {
		for _, e := range rules.entries() {
			if e.attr("uuid") == "" {
				s.uuidSeq++
				e.setAttr("uuid", deriveUUID(s.o.Seed, "new-rule:"+e.attr("name")+":"+strconv.Itoa(s.uuidSeq)))
			}
		}
	}
}

// ruleContainers returns every security rules container of a firewall
// (vsys1) or Panorama (shared and device group pre and post) configuration.
func ruleContainers(root *node) []*node {
	var out []*node
	add := func(n *node) {
		if n != nil {
			out = append(out, n)
		}
	}
	dev := root.at("devices").entry("localhost.localdomain")
	add(dev.child("vsys").entry("vsys1").at("rulebase", "security", "rules"))
	for _, pos := range []string{"pre-rulebase", "post-rulebase"} {
		add(root.at("shared", pos, "security", "rules"))
		for _, dg := range dev.child("device-group").entries() {
			add(dg.at(pos, "security", "rules"))
		}
	}
	return out
}

func configMove(root *node, steps []step, where, dst string) response {
	if steps[len(steps)-1].attrOnly != "" {
		return apiError(6, "Bad xpath: cannot move an attribute")
	}
	ms := find(root, steps)
	if len(ms) != 1 || ms[0].parent == nil {
		return success(7, "<msg>Object doesn't exist</msg>")
	}
	p, n := ms[0].parent, ms[0].n
	var sibs []int // indexes of siblings with the same element name
	pos := -1
	for i, c := range p.children {
		if c.name == n.name {
			if c == n {
				pos = len(sibs)
			}
			sibs = append(sibs, i)
		}
	}
	var ref *node
	switch where {
	case "top":
		if pos == 0 {
			return apiError(14, "already at the top")
		}
	case "bottom":
		if pos == len(sibs)-1 {
			return apiError(14, "already at the bottom")
		}
	case "before", "after":
		if dst == "" {
			return errorResp(400, 400, "Missing parameter: dst")
		}
		for _, i := range sibs {
			if c := p.children[i]; c != n && c.attr("name") == dst {
				ref = c
			}
		}
		if ref == nil {
			return apiError(7, dst+" does not exist")
		}
	case "":
		return errorResp(400, 400, "Missing parameter: where")
	default:
		return errorResp(400, 400, "Illegal value for parameter \"where\" ["+where+"]")
	}
	p.children = removeNode(p.children, n)
	insertAt := len(p.children)
	switch where {
	case "top":
		for i, c := range p.children {
			if c.name == n.name {
				insertAt = i
				break
			}
		}
	case "bottom":
		for i, c := range p.children {
			if c.name == n.name {
				insertAt = i + 1
			}
		}
	case "before", "after":
		for i, c := range p.children {
			if c == ref {
				insertAt = i
				if where == "after" {
					insertAt++
				}
			}
		}
	}
	p.children = append(p.children, nil)
	copy(p.children[insertAt+1:], p.children[insertAt:])
	p.children[insertAt] = n
	return success(20, commandSucceeded)
}

func configRename(root *node, steps []step, newname string) response {
	if newname == "" {
		return errorResp(400, 400, "Missing parameter: newname")
	}
	if steps[len(steps)-1].attrOnly != "" {
		return apiError(6, "Bad xpath: cannot rename an attribute")
	}
	ms := find(root, steps)
	if len(ms) != 1 || ms[0].parent == nil {
		return success(7, "<msg>Object doesn't exist</msg>")
	}
	p, n := ms[0].parent, ms[0].n
	for _, c := range p.children {
		if c != n && c.name == n.name && c.attr("name") == newname {
			return apiError(12, newname+" already exists")
		}
	}
	n.setAttr("name", newname)
	return success(20, commandSucceeded)
}
