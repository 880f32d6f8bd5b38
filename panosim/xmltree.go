package panosim

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// node is one element of the generic configuration tree. Leaves carry text,
// containers carry children; text of a container is dropped, as PAN-OS does
// with whitespace between elements.
type node struct {
	name     string
	attrs    []attr
	text     string
	children []*node
}

type attr struct{ name, value string }

func newNode(name string, children ...*node) *node {
	return &node{name: name, children: children}
}

func leaf(name, text string) *node { return &node{name: name, text: text} }

func entryNode(name string, children ...*node) *node {
	n := newNode("entry", children...)
	n.setAttr("name", name)
	return n
}

func (n *node) attr(k string) string {
	for _, a := range n.attrs {
		if a.name == k {
			return a.value
		}
	}
	return ""
}

func (n *node) hasAttr(k string) bool {
	for _, a := range n.attrs {
		if a.name == k {
			return true
		}
	}
	return false
}

func (n *node) setAttr(k, v string) {
	for i := range n.attrs {
		if n.attrs[i].name == k {
			n.attrs[i].value = v
			return
		}
	}
	n.attrs = append(n.attrs, attr{k, v})
}

// child returns the first child element called name, or nil.
func (n *node) child(name string) *node {
	if n == nil {
		return nil
	}
	for _, c := range n.children {
		if c.name == name {
			return c
		}
	}
	return nil
}

// entry returns the child <entry name=...> of n, or nil.
func (n *node) entry(name string) *node {
	if n == nil {
		return nil
	}
	for _, c := range n.children {
		if c.name == "entry" && c.attr("name") == name {
			return c
		}
	}
	return nil
}

// entries returns the <entry> children of n.
func (n *node) entries() []*node {
	if n == nil {
		return nil
	}
	var out []*node
	for _, c := range n.children {
		if c.name == "entry" {
			out = append(out, c)
		}
	}
	return out
}

// at descends through first children by element name; nil when missing.
func (n *node) at(names ...string) *node {
	for _, name := range names {
		n = n.child(name)
		if n == nil {
			return nil
		}
	}
	return n
}

// members returns the texts of n's <member> children.
func (n *node) members() []string {
	if n == nil {
		return nil
	}
	var out []string
	for _, c := range n.children {
		if c.name == "member" {
			out = append(out, c.text)
		}
	}
	return out
}

// textOf returns the text of the child called name, or "".
func (n *node) textOf(name string) string {
	if c := n.child(name); c != nil {
		return c.text
	}
	return ""
}

func (n *node) clone() *node {
	c := &node{name: n.name, text: n.text}
	if len(n.attrs) > 0 {
		c.attrs = append([]attr(nil), n.attrs...)
	}
	if len(n.children) > 0 {
		c.children = make([]*node, len(n.children))
		for i, ch := range n.children {
			c.children[i] = ch.clone()
		}
	}
	return c
}

func (n *node) String() string {
	var b strings.Builder
	n.write(&b)
	return b.String()
}

func (n *node) write(b *strings.Builder) {
	b.WriteByte('<')
	b.WriteString(n.name)
	for _, a := range n.attrs {
		b.WriteByte(' ')
		b.WriteString(a.name)
		b.WriteString(`="`)
		escape(b, a.value)
		b.WriteByte('"')
	}
	if len(n.children) == 0 && n.text == "" {
		b.WriteString("/>")
		return
	}
	b.WriteByte('>')
	if len(n.children) == 0 {
		escape(b, n.text)
	} else {
		for _, c := range n.children {
			c.write(b)
		}
	}
	b.WriteString("</")
	b.WriteString(n.name)
	b.WriteByte('>')
}

// escape writes s with the XML special characters escaped.
func escape(b *strings.Builder, s string) {
	last := 0
	for i := 0; i < len(s); i++ {
		var rep string
		switch s[i] {
		case '<':
			rep = "&lt;"
		case '>':
			rep = "&gt;"
		case '&':
			rep = "&amp;"
		case '"':
			rep = "&quot;"
		default:
			continue
		}
		b.WriteString(s[last:i])
		b.WriteString(rep)
		last = i + 1
	}
	b.WriteString(s[last:])
}

// parseFragments parses zero or more sibling XML elements.
func parseFragments(s string) ([]*node, error) {
	d := xml.NewDecoder(strings.NewReader(s))
	var roots, stack []*node
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("malformed xml: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := &node{name: t.Name.Local}
			for _, a := range t.Attr {
				if a.Name.Space == "xmlns" || a.Name.Local == "xmlns" {
					continue
				}
				n.attrs = append(n.attrs, attr{a.Name.Local, a.Value})
			}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
			} else {
				roots = append(roots, n)
			}
			stack = append(stack, n)
		case xml.EndElement:
			n := stack[len(stack)-1]
			if len(n.children) > 0 {
				n.text = ""
			} else {
				n.text = strings.TrimSpace(n.text)
			}
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(t)
			} else if strings.TrimSpace(string(t)) != "" {
				return nil, errors.New("malformed xml: text outside of an element")
			}
		}
	}
	if len(stack) > 0 {
		return nil, errors.New("malformed xml: unexpected end of input")
	}
	return roots, nil
}

// parseOne parses exactly one XML element.
func parseOne(s string) (*node, error) {
	ns, err := parseFragments(s)
	if err != nil {
		return nil, err
	}
	if len(ns) != 1 {
		return nil, fmt.Errorf("malformed xml: want one element, got %d", len(ns))
	}
	return ns[0], nil
}

// step is one location step of the supported xpath subset: name, or
// name[@attr='value'], or name[@attr='a' or @attr='b'].
type step struct {
	name       string
	predAttr   string
	predValues []string
	attrOnly   string // a final "@name" step selects one attribute
}

func (s step) matches(n *node) bool {
	if n.name != s.name {
		return false
	}
	if s.predAttr == "" {
		return true
	}
	v := n.attr(s.predAttr)
	for _, p := range s.predValues {
		if v == p {
			return true
		}
	}
	return false
}

// parseXPath parses an absolute xpath of the subset PAN-OS clients use.
func parseXPath(p string) ([]step, error) {
	p = strings.TrimSpace(p)
	if !strings.HasPrefix(p, "/") {
		return nil, fmt.Errorf("xpath %q is not absolute", p)
	}
	var steps []step
	i := 0
	for i < len(p) {
		if p[i] != '/' {
			return nil, fmt.Errorf("xpath %q: expected '/' at offset %d", p, i)
		}
		i++
		if i == len(p) && len(steps) > 0 {
			break // tolerate a trailing slash
		}
		start := i
		for i < len(p) && p[i] != '/' && p[i] != '[' {
			i++
		}
		st := step{name: p[start:i]}
		if strings.HasPrefix(st.name, "@") && i == len(p) && len(steps) > 0 && len(st.name) > 1 {
			steps = append(steps, step{attrOnly: st.name[1:]})
			break
		}
		if st.name == "" || strings.ContainsAny(st.name, " '\"@()*=]") {
			return nil, fmt.Errorf("xpath %q: bad step name at offset %d", p, start)
		}
		if i < len(p) && p[i] == '[' {
			end, err := parsePredicate(p, i+1, &st)
			if err != nil {
				return nil, err
			}
			i = end
		}
		steps = append(steps, st)
	}
	if len(steps) == 0 {
		return nil, fmt.Errorf("xpath %q is empty", p)
	}
	return steps, nil
}

// parsePredicate parses "@a='v' (or @a='w')*]" starting at i and returns the
// offset after the closing bracket.
func parsePredicate(p string, i int, st *step) (int, error) {
	skip := func() {
		for i < len(p) && p[i] == ' ' {
			i++
		}
	}
	for {
		skip()
		if i >= len(p) || p[i] != '@' {
			return 0, fmt.Errorf("xpath %q: unsupported predicate at offset %d", p, i)
		}
		start := i + 1
		for i < len(p) && p[i] != '=' && p[i] != ' ' && p[i] != ']' {
			i++
		}
		name := p[start:i]
		skip()
		if i >= len(p) || p[i] != '=' || name == "" {
			return 0, fmt.Errorf("xpath %q: unsupported predicate at offset %d", p, start-1)
		}
		i++
		skip()
		if i >= len(p) || (p[i] != '\'' && p[i] != '"') {
			return 0, fmt.Errorf("xpath %q: predicate value must be quoted at offset %d", p, i)
		}
		q := p[i]
		end := strings.IndexByte(p[i+1:], q)
		if end < 0 {
			return 0, fmt.Errorf("xpath %q: unterminated predicate value", p)
		}
		if st.predAttr != "" && st.predAttr != name {
			return 0, fmt.Errorf("xpath %q: predicates on different attributes are not supported", p)
		}
		st.predAttr = name
		st.predValues = append(st.predValues, p[i+1:i+1+end])
		i += end + 2
		skip()
		if i < len(p) && p[i] == ']' {
			return i + 1, nil
		}
		if strings.HasPrefix(p[i:], "or ") {
			i += 3
			continue
		}
		return 0, fmt.Errorf("xpath %q: unterminated predicate at offset %d", p, i)
	}
}

// match is a node found by an xpath, with its parent (nil for the root).
type match struct{ parent, n *node }

// find returns every node the steps select below root (whose own name is the
// first step). A final attribute step yields copies of the selected elements
// that carry only that attribute.
func find(root *node, steps []step) []match {
	if n := len(steps); n > 1 && steps[n-1].attrOnly != "" {
		var out []match
		for _, m := range find(root, steps[:n-1]) {
			if m.n.hasAttr(steps[n-1].attrOnly) {
				c := &node{name: m.n.name}
				c.setAttr(steps[n-1].attrOnly, m.n.attr(steps[n-1].attrOnly))
				out = append(out, match{nil, c})
			}
		}
		return out
	}
	if len(steps) == 0 || !steps[0].matches(root) {
		return nil
	}
	cur := []match{{nil, root}}
	for _, st := range steps[1:] {
		var next []match
		for _, m := range cur {
			for _, c := range m.n.children {
				if st.matches(c) {
					next = append(next, match{m.n, c})
				}
			}
		}
		if len(next) == 0 {
			return nil
		}
		cur = next
	}
	return cur
}

// ensure returns the first node the steps select, creating missing steps.
func ensure(root *node, steps []step) (*node, error) {
	if len(steps) == 0 || !steps[0].matches(root) {
		return nil, errors.New("xpath does not start at /config")
	}
	if steps[len(steps)-1].attrOnly != "" {
		return nil, errors.New("cannot change an attribute step")
	}
	n := root
	for _, st := range steps[1:] {
		var found *node
		for _, c := range n.children {
			if st.matches(c) {
				found = c
				break
			}
		}
		if found == nil {
			if len(st.predValues) > 1 {
				return nil, errors.New("cannot create a node from a predicate with alternatives")
			}
			found = &node{name: st.name}
			if st.predAttr != "" {
				found.setAttr(st.predAttr, st.predValues[0])
			}
			n.children = append(n.children, found)
		}
		n = found
	}
	return n, nil
}

// exclusive lists element names that are alternatives of one choice in the
// PAN-OS schema: setting one removes its siblings.
var exclusive = [][]string{
	{"ip-netmask", "ip-range", "fqdn", "ip-wildcard"},
	{"group", "profiles"},
	{"static", "dynamic"},
	{"tcp", "udp", "sctp"},
	{"equal-to", "less-than", "greater-than", "pattern-match"},
}

// choiceParents are containers whose element children form one choice, like
// <action><alert/></action>.
var choiceParents = map[string]bool{"action": true, "default-action": true}

// singleMember are member lists with at most one member (security profile
// references): setting a member replaces the old one.
var singleMember = map[string]bool{
	"virus": true, "spyware": true, "vulnerability": true, "url-filtering": true,
	"file-blocking": true, "wildfire-analysis": true, "data-filtering": true, "group": true,
}

// mergeInto merges the fragment c into parent the way a config set does:
// entries are matched by name, leaves replaced, member lists unioned.
func mergeInto(parent, c *node) {
	if c.name == "member" {
		if singleMember[parent.name] {
			parent.text = ""
			parent.children = []*node{c.clone()}
			return
		}
		for _, e := range parent.children {
			if e.name == "member" && e.text == c.text {
				return
			}
		}
		parent.children = append(parent.children, c.clone())
		return
	}
	if choiceParents[parent.name] || len(c.children) > 0 || c.text != "" {
		removeAlternatives(parent, c.name)
	}
	var existing *node
	for _, e := range parent.children {
		if e.name == c.name && e.attr("name") == c.attr("name") {
			existing = e
			break
		}
	}
	if existing == nil {
		parent.children = append(parent.children, c.clone())
		return
	}
	for _, a := range c.attrs {
		existing.setAttr(a.name, a.value)
	}
	switch {
	case len(c.children) == 0 && c.text == "":
		// An empty element adds nothing to an existing node.
	case len(c.children) == 0:
		existing.text = c.text
		existing.children = nil
	default:
		existing.text = ""
		for _, cc := range c.children {
			mergeInto(existing, cc)
		}
	}
}

func removeAlternatives(parent *node, name string) {
	drop := func(other string) bool { return false }
	if choiceParents[parent.name] {
		drop = func(other string) bool { return other != name }
	} else {
		for _, set := range exclusive {
			for _, s := range set {
				if s == name {
					drop = func(other string) bool {
						if other == name {
							return false
						}
						for _, o := range set {
							if o == other {
								return true
							}
						}
						return false
					}
				}
			}
		}
	}
	kept := parent.children[:0]
	for _, e := range parent.children {
		if !drop(e.name) {
			kept = append(kept, e)
		}
	}
	parent.children = kept
}
