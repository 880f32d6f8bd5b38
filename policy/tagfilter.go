package policy

import (
	"fmt"
	"slices"
	"strings"
)

// tagExpr is a compiled dynamic address group filter: tags joined with and
// and or, grouped with parentheses, each tag bare or in single quotes
// ("'web' and ('prod' or 'stage')"). and binds tighter than or.
type tagExpr struct {
	tag         string // a leaf when op is ""
	op          string // "and", "or"
	left, right *tagExpr
}

func (e *tagExpr) eval(tags []string) bool {
	switch e.op {
	case "and":
		return e.left.eval(tags) && e.right.eval(tags)
	case "or":
		return e.left.eval(tags) || e.right.eval(tags)
	}
	return slices.Contains(tags, e.tag)
}

// parseTagFilter parses a dynamic address group's filter.
func parseTagFilter(s string) (*tagExpr, error) {
	toks, err := tagTokens(s)
	if err != nil {
		return nil, err
	}
	p := &tagParser{toks: toks}
	e, err := p.or()
	if err != nil {
		return nil, fmt.Errorf("filter %q: %w", s, err)
	}
	if p.i != len(p.toks) {
		return nil, fmt.Errorf("filter %q: unexpected %q", s, p.toks[p.i].text)
	}
	return e, nil
}

type tagToken struct {
	text   string
	quoted bool
}

func tagTokens(s string) ([]tagToken, error) {
	var out []tagToken
	for i := 0; i < len(s); {
		switch c := s[i]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(' || c == ')':
			out = append(out, tagToken{text: string(c)})
			i++
		case c == '\'' || c == '"':
			j := strings.IndexByte(s[i+1:], c)
			if j < 0 {
				return nil, fmt.Errorf("filter %q: unterminated quote", s)
			}
			out = append(out, tagToken{text: s[i+1 : i+1+j], quoted: true})
			i += j + 2
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\n\r()'\"", rune(s[j])) {
				j++
			}
			out = append(out, tagToken{text: s[i:j]})
			i = j
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("empty filter")
	}
	return out, nil
}

type tagParser struct {
	toks []tagToken
	i    int
}

func (p *tagParser) keyword(k string) bool {
	if p.i < len(p.toks) && !p.toks[p.i].quoted && strings.EqualFold(p.toks[p.i].text, k) {
		p.i++
		return true
	}
	return false
}

func (p *tagParser) or() (*tagExpr, error) {
	l, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.keyword("or") {
		r, err := p.and()
		if err != nil {
			return nil, err
		}
		l = &tagExpr{op: "or", left: l, right: r}
	}
	return l, nil
}

func (p *tagParser) and() (*tagExpr, error) {
	l, err := p.leaf()
	if err != nil {
		return nil, err
	}
	for p.keyword("and") {
		r, err := p.leaf()
		if err != nil {
			return nil, err
		}
		l = &tagExpr{op: "and", left: l, right: r}
	}
	return l, nil
}

func (p *tagParser) leaf() (*tagExpr, error) {
	if p.i >= len(p.toks) {
		return nil, fmt.Errorf("ends where a tag was expected")
	}
	t := p.toks[p.i]
	if !t.quoted && t.text == "(" {
		p.i++
		e, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.i >= len(p.toks) || p.toks[p.i].text != ")" || p.toks[p.i].quoted {
			return nil, fmt.Errorf("missing )")
		}
		p.i++
		return e, nil
	}
	if !t.quoted && (t.text == ")" || strings.EqualFold(t.text, "and") || strings.EqualFold(t.text, "or")) {
		return nil, fmt.Errorf("unexpected %q where a tag was expected", t.text)
	}
	p.i++
	return &tagExpr{tag: t.text}, nil
}
