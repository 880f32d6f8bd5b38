package signatures

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// xnode is an element of device configuration read back over the API. The
// configuration is schema-rich and mine needs only a few paths of it, so it
// is read generically instead of into structs.
type xnode struct {
	name     string
	attrs    []xml.Attr
	text     string
	children []*xnode
}

// parseXML parses a document or a sequence of sibling elements into a
// synthetic root whose children are the top elements. Leaf text is
// trimmed.
func parseXML(b []byte) (*xnode, error) { return parseTree(b, false) }

// parseXMLExact parses like parseXML but keeps the text of leaf elements
// as it is: a description's own spaces are part of what undo must put
// back. Text made only of white space, the indentation of a
// pretty-printed answer, is dropped.
func parseXMLExact(b []byte) (*xnode, error) { return parseTree(b, true) }

func parseTree(b []byte, exact bool) (*xnode, error) {
	d := xml.NewDecoder(strings.NewReader(string(b)))
	root := &xnode{}
	stack := []*xnode{root}
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("parse XML: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := &xnode{name: t.Name.Local, attrs: t.Attr}
			p := stack[len(stack)-1]
			p.children = append(p.children, n)
			stack = append(stack, n)
		case xml.EndElement:
			n := stack[len(stack)-1]
			switch {
			case len(n.children) > 0 || exact && strings.TrimSpace(n.text) == "":
				n.text = ""
			case !exact:
				n.text = strings.TrimSpace(n.text)
			}
			stack = stack[:len(stack)-1]
		case xml.CharData:
			stack[len(stack)-1].text += string(t)
		}
	}
	if len(stack) != 1 {
		return nil, errors.New("parse XML: unexpected end of input")
	}
	return root, nil
}

// parseResponse parses an XML API answer and returns its <result> element
// (an empty one when the answer has none).
func parseResponse(b []byte) (*xnode, error) {
	root, err := parseXML(b)
	if err != nil {
		return nil, err
	}
	if r := root.at("response", "result"); r != nil {
		return r, nil
	}
	if root.child("response") == nil {
		return nil, errors.New("parse XML: not an XML API response")
	}
	return &xnode{name: "result"}, nil
}

func (n *xnode) attr(k string) string {
	if n == nil {
		return ""
	}
	for _, a := range n.attrs {
		if a.Name.Local == k {
			return a.Value
		}
	}
	return ""
}

func (n *xnode) child(name string) *xnode {
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

// at descends through first children by element name; nil when missing.
func (n *xnode) at(names ...string) *xnode {
	for _, name := range names {
		n = n.child(name)
		if n == nil {
			return nil
		}
	}
	return n
}

// entry returns the child <entry name=...>, or nil.
func (n *xnode) entry(name string) *xnode {
	for _, e := range n.entries() {
		if e.attr("name") == name {
			return e
		}
	}
	return nil
}

func (n *xnode) entries() []*xnode {
	if n == nil {
		return nil
	}
	var out []*xnode
	for _, c := range n.children {
		if c.name == "entry" {
			out = append(out, c)
		}
	}
	return out
}

func (n *xnode) members() []string {
	if n == nil {
		return nil
	}
	var out []string
	for _, c := range n.children {
		if c.name == "member" {
			out = append(out, strings.TrimSpace(c.text))
		}
	}
	return out
}

func (n *xnode) textOf(name string) string {
	if c := n.child(name); c != nil {
		return strings.TrimSpace(c.text)
	}
	return ""
}

// choice returns the name of the first child element (<action><alert/>),
// or the text of n.
func (n *xnode) choice() string {
	if n == nil {
		return ""
	}
	if len(n.children) > 0 {
		return n.children[0].name
	}
	return strings.TrimSpace(n.text)
}

// findAll returns every descendant reached by the path of element names,
// at any depth for its first step.
func (n *xnode) findAll(path ...string) []*xnode {
	var out []*xnode
	var walk func(*xnode)
	walk = func(m *xnode) {
		for _, c := range m.children {
			if c.name == path[0] {
				if t := c.at(path[1:]...); t != nil {
					out = append(out, t)
					continue
				}
			}
			walk(c)
		}
	}
	if n != nil {
		walk(n)
	}
	return out
}

// without returns a copy of n without the named direct children.
func (n *xnode) without(names ...string) *xnode {
	c := *n
	c.children = nil
	for _, ch := range n.children {
		if !slices.Contains(names, ch.name) {
			c.children = append(c.children, ch)
		}
	}
	return &c
}

// clone copies n deeply.
func (n *xnode) clone() *xnode {
	c := &xnode{name: n.name, text: n.text, attrs: slices.Clone(n.attrs)}
	for _, ch := range n.children {
		c.children = append(c.children, ch.clone())
	}
	return c
}

func (n *xnode) setAttr(k, v string) {
	for i := range n.attrs {
		if n.attrs[i].Name.Local == k {
			n.attrs[i].Value = v
			return
		}
	}
	n.attrs = append(n.attrs, xml.Attr{Name: xml.Name{Local: k}, Value: v})
}

// String renders n as XML with only its name attribute: the attributes the
// device adds (uuid, admin, dirtyId, time, loc) are not configuration mine
// writes back.
func (n *xnode) String() string {
	var b strings.Builder
	n.write(&b, "", "")
	return b.String()
}

// indent renders n with one element per line, for diffs.
func (n *xnode) indent() string {
	var b strings.Builder
	n.write(&b, "", "  ")
	return b.String()
}

func (n *xnode) write(b *strings.Builder, prefix, step string) {
	nl := ""
	if step != "" {
		nl = "\n"
	}
	b.WriteString(prefix + "<" + n.name)
	if v := n.attr("name"); v != "" || n.name == "entry" {
		b.WriteString(` name="` + escapeAttr(v) + `"`)
	}
	switch {
	case len(n.children) == 0 && n.text == "":
		b.WriteString("/>" + nl)
	case len(n.children) == 0:
		b.WriteString(">" + escapeText(n.text) + "</" + n.name + ">" + nl)
	default:
		b.WriteString(">" + nl)
		for _, c := range n.children {
			c.write(b, prefix+step, step)
		}
		b.WriteString(prefix + "</" + n.name + ">" + nl)
	}
}

// canonical renders n for comparison: children sorted, only the name
// attribute kept. Leaves the device holds but the other side lacks are
// compared as described in sameConfig.
func (n *xnode) canonical() string {
	var b strings.Builder
	b.WriteString("<" + n.name)
	if v := n.attr("name"); v != "" {
		b.WriteString(` name="` + escapeAttr(v) + `"`)
	}
	b.WriteString(">")
	if len(n.children) == 0 {
		b.WriteString(escapeText(n.text))
	}
	kids := make([]string, len(n.children))
	for i, c := range n.children {
		kids[i] = c.canonical()
	}
	slices.Sort(kids)
	for _, k := range kids {
		b.WriteString(k)
	}
	b.WriteString("</" + n.name + ">")
	return b.String()
}

// sameConfig reports whether the device's element have equals the element
// want that mine would write. Children of have that want lacks are ignored
// when they are leaves with the value "no" or no value at all: devices add
// such defaults (negate no) to what was configured.
func sameConfig(have, want *xnode) bool {
	if have.name != want.name || have.attr("name") != want.attr("name") {
		return false
	}
	if len(want.children) == 0 {
		return len(have.children) == 0 && strings.TrimSpace(have.text) == strings.TrimSpace(want.text)
	}
	used := make([]bool, len(have.children))
	for _, w := range want.children {
		found := false
		for i, h := range have.children {
			if !used[i] && h.name == w.name && h.attr("name") == w.attr("name") && sameConfig(h, w) {
				used[i], found = true, true
				break
			}
		}
		if !found {
			return false
		}
	}
	for i, h := range have.children {
		if !used[i] && !(len(h.children) == 0 && (h.text == "" || h.text == "no")) {
			return false
		}
	}
	return true
}

func escapeText(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

func escapeAttr(s string) string {
	return strings.NewReplacer(`&`, "&amp;", `<`, "&lt;", `>`, "&gt;", `"`, "&quot;").Replace(s)
}
