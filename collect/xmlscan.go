package collect

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// This file is a small XML scanner for log query answers. PAN-OS returns up
// to 5000 flat <entry> elements per page; decoding each with encoding/xml
// costs reflection and an allocation per field, so entries are walked in
// place instead: each leaf child is handed over as (name, raw text) without
// copying, and only the fields mine keeps are turned into strings.

// scanner walks XML in b from position p.
type scanner struct {
	b []byte
	p int
}

type tagKind int

const (
	tagEOF tagKind = iota
	tagOpen
	tagClose
	tagEmpty // <x/>
)

// nextTag moves to the next element tag, skipping text, comments,
// processing instructions and CDATA sections (callers that want text read it
// themselves). It returns the tag kind, the element name and the raw
// attribute bytes.
func (s *scanner) nextTag() (tagKind, []byte, []byte, error) {
	for {
		if s.p >= len(s.b) || s.b[s.p] != '<' { // between fields the next tag usually follows at once
			i := bytes.IndexByte(s.b[s.p:], '<')
			if i < 0 {
				s.p = len(s.b)
				return tagEOF, nil, nil, nil
			}
			s.p += i
		}
		rest := s.b[s.p:]
		if len(rest) > 1 && (rest[1] == '!' || rest[1] == '?') {
			switch {
			case bytes.HasPrefix(rest, []byte("<!--")):
				j := bytes.Index(rest, []byte("-->"))
				if j < 0 {
					return 0, nil, nil, s.errorf("unterminated comment")
				}
				s.p += j + 3
				continue
			case bytes.HasPrefix(rest, []byte("<![CDATA[")):
				j := bytes.Index(rest, []byte("]]>"))
				if j < 0 {
					return 0, nil, nil, s.errorf("unterminated CDATA section")
				}
				s.p += j + 3
				continue
			default:
				j := bytes.IndexByte(rest, '>')
				if j < 0 {
					return 0, nil, nil, s.errorf("unterminated declaration")
				}
				s.p += j + 1
				continue
			}
		}
		kind := tagOpen
		q := s.p + 1
		if q < len(s.b) && s.b[q] == '/' {
			kind = tagClose
			q++
		}
		nameStart := q
		for q < len(s.b) && !nameEnd[s.b[q]] {
			q++
		}
		if q == nameStart || q >= len(s.b) {
			return 0, nil, nil, s.errorf("malformed tag")
		}
		name := s.b[nameStart:q]
		attrStart := q
		// find the end of the tag, honouring quoted attribute values (most
		// tags have none, so a plain loop beats searching)
		for ; q < len(s.b); q++ {
			c := s.b[q]
			if c == '>' {
				break
			}
			if c == '"' || c == '\'' {
				j := bytes.IndexByte(s.b[q+1:], c)
				if j < 0 {
					q = len(s.b)
					break
				}
				q += j + 1
			}
		}
		if q >= len(s.b) {
			return 0, nil, nil, s.errorf("unterminated tag <%s", name)
		}
		attrs := s.b[attrStart:q]
		if kind == tagOpen && len(attrs) > 0 && attrs[len(attrs)-1] == '/' {
			kind = tagEmpty
			attrs = attrs[:len(attrs)-1]
		}
		s.p = q + 1
		return kind, name, attrs, nil
	}
}

// leafPath is false only in a test that checks that the general path
// reads every entry as leaf (and expect) do.
var leafPath = true

// leaf reads a leaf element <name>text</name> at the scanner's position
// in one go, when it is exactly that: a start tag with a plain name and no
// attributes, text without markup, and the matching end tag. It returns
// the name and the raw text (never escaped: text with a CDATA section or
// a comment is not taken here) and moves past the end tag; for anything
// else it returns ok false and leaves the position alone, for nextTag and
// text to read. Log entries are a hundred such fields each: this is the
// path nearly every field takes that expect does not.
func (s *scanner) leaf() (name, text []byte, ok bool) {
	b, p := s.b, s.p
	if p+1 >= len(b) || b[p] != '<' {
		return nil, nil, false
	}
	q := p + 1
	for q < len(b) && !nameEnd[b[q]] {
		q++
	}
	if q == p+1 || q >= len(b) || b[q] != '>' {
		return nil, nil, false
	}
	name = b[p+1 : q]
	t := q + 1
	i := bytes.IndexByte(b[t:], '<')
	if i < 0 {
		return nil, nil, false
	}
	e := t + i
	if end := e + len(name) + 3; end > len(b) || b[e+1] != '/' || b[end-1] != '>' || !bytes.Equal(b[e+2:end-1], name) {
		return nil, nil, false
	}
	s.p = e + len(name) + 3
	return name, b[t:e], true
}

// expect reads the element that starts with tag at the scanner's
// position, as the general path would read it, when it is a leaf: tag is
// "<name>" (then text without markup and "</" end, end being "name>"),
// "<name/>" (empty: the text is nil) or "<name " (attributes, then "/>",
// or ">", text and the end tag). For anything else it returns false and
// leaves the position alone.
func (s *scanner) expect(tag, end *word) ([]byte, bool) {
	b, p := s.b, s.p
	if tag.s == "" || !tag.at(b, p) {
		return nil, false
	}
	t := p + len(tag.s)
	switch tag.s[len(tag.s)-1] {
	case ' ': // to the end of the start tag, past quoted values
		q := t
		for ; q < len(b) && b[q] != '>'; q++ {
			if c := b[q]; c == '"' || c == '\'' {
				j := bytes.IndexByte(b[q+1:], c)
				if j < 0 {
					return nil, false
				}
				q += j + 1
			}
		}
		if q >= len(b) {
			return nil, false
		}
		if b[q-1] == '/' {
			s.p = q + 1
			return nil, true
		}
		t = q + 1
	case '>':
		if tag.s[len(tag.s)-2] == '/' {
			s.p = t
			return nil, true
		}
	}
	i := bytes.IndexByte(b[t:], '<')
	if i < 0 {
		return nil, false
	}
	e := t + i
	if e+1 >= len(b) || b[e+1] != '/' || !end.at(b, e+2) {
		return nil, false
	}
	s.p = e + 2 + len(end.s)
	return b[t:e], true
}

// word is a short string made ready for quick comparisons: its first and
// last eight bytes as words (they overlap below sixteen bytes; below
// eight, the first word holds it all, under a mask). Comparing a tag of
// a log entry with one is two loads and two comparisons, where a
// comparison of strings is a call.
type word struct {
	s            string
	lo, hi, mask uint64
}

func newWord(s string) word {
	w := word{s: s}
	var buf [8]byte
	switch n := len(s); {
	case n >= 8:
		w.lo, w.hi = binary.LittleEndian.Uint64([]byte(s[:8])), binary.LittleEndian.Uint64([]byte(s[n-8:]))
	default:
		copy(buf[:], s)
		w.lo, w.mask = binary.LittleEndian.Uint64(buf[:]), 1<<(8*uint(n))-1
	}
	return w
}

// at reports whether b holds w at p.
func (w *word) at(b []byte, p int) bool {
	n := len(w.s)
	if p < 0 || len(b)-p < n {
		return false
	}
	switch {
	case n >= 8 && n <= 16:
		return binary.LittleEndian.Uint64(b[p:]) == w.lo && binary.LittleEndian.Uint64(b[p+n-8:]) == w.hi
	case n < 8 && len(b)-p >= 8:
		return binary.LittleEndian.Uint64(b[p:])&w.mask == w.lo
	}
	return string(b[p:p+n]) == w.s
}

// text reads character data (and CDATA) up to the next tag and returns it
// raw, with a flag telling whether it needs unescaping.
func (s *scanner) text() (raw []byte, escaped bool, err error) {
	start := s.p
	for {
		i := bytes.IndexByte(s.b[s.p:], '<')
		if i < 0 {
			return nil, false, s.errorf("unterminated element text")
		}
		s.p += i
		if s.p+1 < len(s.b) && s.b[s.p+1] == '!' && bytes.HasPrefix(s.b[s.p:], []byte("<![CDATA[")) {
			j := bytes.Index(s.b[s.p:], []byte("]]>"))
			if j < 0 {
				return nil, false, s.errorf("unterminated CDATA section")
			}
			s.p += j + 3
			escaped = true
			continue
		}
		// entities are looked for lazily, by the few fields that are kept
		// (see entryDecoder.str)
		return s.b[start:s.p], escaped, nil
	}
}

// closes consumes the end tag </name> if it comes next.
func (s *scanner) closes(name []byte) bool {
	r := s.b[s.p:]
	if len(r) >= len(name)+3 && r[0] == '<' && r[1] == '/' && r[len(name)+2] == '>' && bytes.Equal(r[2:len(name)+2], name) {
		s.p += len(name) + 3
		return true
	}
	return false
}

// skipElement skips the rest of an element whose start tag was just read.
func (s *scanner) skipElement(name []byte) error {
	depth := 1
	for depth > 0 {
		k, _, _, err := s.nextTag()
		if err != nil {
			return err
		}
		switch k {
		case tagEOF:
			return s.errorf("unterminated element <%s>", name)
		case tagOpen:
			depth++
		case tagClose:
			depth--
		}
	}
	return nil
}

func (s *scanner) errorf(format string, args ...any) error {
	return fmt.Errorf("malformed XML at byte %d: %s", s.p, fmt.Sprintf(format, args...))
}

// nameEnd marks the bytes that end an element name.
var nameEnd = [256]bool{' ': true, '\t': true, '\n': true, '\r': true, '>': true, '/': true}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// attr returns the value of attribute name in raw attribute bytes.
func attr(attrs []byte, name string) ([]byte, bool) {
	for i := 0; i < len(attrs); {
		for i < len(attrs) && isSpace(attrs[i]) {
			i++
		}
		k := i
		for i < len(attrs) && attrs[i] != '=' && !isSpace(attrs[i]) {
			i++
		}
		key := attrs[k:i]
		for i < len(attrs) && (isSpace(attrs[i]) || attrs[i] == '=') {
			i++
		}
		if i >= len(attrs) {
			return nil, false
		}
		q := attrs[i]
		if q != '"' && q != '\'' {
			return nil, false
		}
		j := bytes.IndexByte(attrs[i+1:], q)
		if j < 0 {
			return nil, false
		}
		val := attrs[i+1 : i+1+j]
		i += j + 2
		if string(key) == name {
			return val, true
		}
	}
	return nil, false
}

// unescape decodes entities and CDATA sections of raw element text.
func unescape(raw []byte) (string, error) {
	var out []byte
	for i := 0; i < len(raw); {
		c := raw[i]
		if c == '<' && bytes.HasPrefix(raw[i:], []byte("<![CDATA[")) {
			j := bytes.Index(raw[i:], []byte("]]>"))
			if j < 0 {
				return "", fmt.Errorf("unterminated CDATA section")
			}
			out = append(out, raw[i+9:i+j]...)
			i += j + 3
			continue
		}
		if c != '&' {
			out = append(out, c)
			i++
			continue
		}
		j := bytes.IndexByte(raw[i:], ';')
		if j < 0 || j > 12 {
			return "", fmt.Errorf("bad entity near %q", clip(raw[i:]))
		}
		ent := raw[i+1 : i+j]
		switch string(ent) {
		case "amp":
			out = append(out, '&')
		case "lt":
			out = append(out, '<')
		case "gt":
			out = append(out, '>')
		case "quot":
			out = append(out, '"')
		case "apos":
			out = append(out, '\'')
		default:
			if len(ent) < 2 || ent[0] != '#' {
				return "", fmt.Errorf("unknown entity &%s;", ent)
			}
			var n uint64
			var err error
			if ent[1] == 'x' || ent[1] == 'X' {
				n, err = strconv.ParseUint(string(ent[2:]), 16, 32)
			} else {
				n, err = strconv.ParseUint(string(ent[1:]), 10, 32)
			}
			if err != nil || !utf8.ValidRune(rune(n)) {
				return "", fmt.Errorf("bad character reference &%s;", ent)
			}
			out = utf8.AppendRune(out, rune(n))
		}
		i += j + 1
	}
	return string(out), nil
}

func clip(b []byte) string {
	if len(b) > 16 {
		b = b[:16]
	}
	return string(b)
}
