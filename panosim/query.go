package panosim

import (
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// The log filter language: terms "(field op value)" joined by "and" and
// "or" (and binds tighter), grouped with parentheses, negated with "not" or
// "!". Values are bare words or single-quoted strings.

type tokKind int

const (
	tokLParen tokKind = iota
	tokRParen
	tokWord
	tokQuoted
	tokBang
)

type token struct {
	kind tokKind
	text string
	pos  int
}

func tokenize(q string) ([]token, error) {
	var out []token
	i := 0
	for i < len(q) {
		c := q[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(':
			out = append(out, token{tokLParen, "(", i})
			i++
		case c == ')':
			out = append(out, token{tokRParen, ")", i})
			i++
		case c == '!' && (i+1 >= len(q) || q[i+1] != '='):
			out = append(out, token{tokBang, "!", i})
			i++
		case c == '\'' || c == '"':
			end := strings.IndexByte(q[i+1:], c)
			if end < 0 {
				return nil, fmt.Errorf("unterminated quoted value at offset %d", i)
			}
			out = append(out, token{tokQuoted, q[i+1 : i+1+end], i})
			i += end + 2
		default:
			start := i
			for i < len(q) && !strings.ContainsRune(" \t\r\n()'\"", rune(q[i])) {
				i++
			}
			out = append(out, token{tokWord, q[start:i], start})
		}
	}
	return out, nil
}

type fieldKind int

const (
	fStr fieldKind = iota
	fNum
	fTime
	fAddr
	fSeverity
)

type fieldDef struct {
	kind    fieldKind
	threat  bool // valid for threat logs
	traffic bool // valid for traffic logs
	str     func(*logEntry) string
	num     func(*logEntry) int64
	addr    func(*logEntry) []netip.Addr
}

var severityRank = map[string]int64{"informational": 1, "low": 2, "medium": 3, "high": 4, "critical": 5}

func logApp(e *logEntry) string {
	if e.threat {
		return e.s.app
	}
	return e.app
}

var fields = map[string]fieldDef{
	"threatid":           {kind: fNum, threat: true, num: func(e *logEntry) int64 { return int64(e.tid) }},
	"tid":                {kind: fNum, threat: true, num: func(e *logEntry) int64 { return int64(e.tid) }},
	"name-of-threatid":   {kind: fStr, threat: true, str: func(e *logEntry) string { return e.name }},
	"severity":           {kind: fSeverity, threat: true, str: func(e *logEntry) string { return e.severity }},
	"direction":          {kind: fStr, threat: true, str: func(e *logEntry) string { return "server-to-client" }},
	"misc":               {kind: fStr, threat: true, str: func(e *logEntry) string { return e.misc }},
	"url":                {kind: fStr, threat: true, str: func(e *logEntry) string { return e.misc }},
	"repeatcnt":          {kind: fNum, threat: true, traffic: true, num: func(e *logEntry) int64 { return int64(max(e.repeat, 1)) }},
	"rule":               {kind: fStr, threat: true, traffic: true, str: func(e *logEntry) string { return e.rule.name }},
	"rule_uuid":          {kind: fStr, threat: true, traffic: true, str: func(e *logEntry) string { return e.rule.uuid }},
	"receive_time":       {kind: fTime, threat: true, traffic: true},
	"time_generated":     {kind: fTime, threat: true, traffic: true},
	"subtype":            {kind: fStr, threat: true, traffic: true, str: func(e *logEntry) string { return e.subtypeName() }},
	"app":                {kind: fStr, threat: true, traffic: true, str: logApp},
	"action":             {kind: fStr, threat: true, traffic: true, str: func(e *logEntry) string { return e.actionName() }},
	"proto":              {kind: fStr, threat: true, traffic: true, str: func(e *logEntry) string { return e.s.proto }},
	"zone.src":           {kind: fStr, threat: true, traffic: true, str: func(e *logEntry) string { return e.s.from }},
	"zone.dst":           {kind: fStr, threat: true, traffic: true, str: func(e *logEntry) string { return e.s.to }},
	"from":               {kind: fStr, threat: true, traffic: true, str: func(e *logEntry) string { return e.s.from }},
	"to":                 {kind: fStr, threat: true, traffic: true, str: func(e *logEntry) string { return e.s.to }},
	"vsys":               {kind: fStr, threat: true, traffic: true, str: func(e *logEntry) string { return "vsys1" }},
	"addr.src":           {kind: fAddr, threat: true, traffic: true, addr: func(e *logEntry) []netip.Addr { return []netip.Addr{e.s.src} }},
	"addr.dst":           {kind: fAddr, threat: true, traffic: true, addr: func(e *logEntry) []netip.Addr { return []netip.Addr{e.s.dst} }},
	"addr":               {kind: fAddr, threat: true, traffic: true, addr: func(e *logEntry) []netip.Addr { return []netip.Addr{e.s.src, e.s.dst} }},
	"port.src":           {kind: fNum, threat: true, traffic: true, num: func(e *logEntry) int64 { return int64(e.s.sport) }},
	"port.dst":           {kind: fNum, threat: true, traffic: true, num: func(e *logEntry) int64 { return int64(e.s.dport) }},
	"seqno":              {kind: fNum, threat: true, traffic: true, num: func(e *logEntry) int64 { return int64(e.seqno) }},
	"sessionid":          {kind: fNum, threat: true, traffic: true, num: func(e *logEntry) int64 { return int64(e.s.id) }},
	"bytes":              {kind: fNum, traffic: true, num: func(e *logEntry) int64 { return e.s.bytesSent + e.s.bytesRecv }},
	"bytes_sent":         {kind: fNum, traffic: true, num: func(e *logEntry) int64 { return e.s.bytesSent }},
	"bytes_received":     {kind: fNum, traffic: true, num: func(e *logEntry) int64 { return e.s.bytesRecv }},
	"session_end_reason": {kind: fStr, traffic: true, str: func(e *logEntry) string { return e.endReason() }},
}

func (e *logEntry) subtypeName() string {
	if e.threat {
		return "vulnerability"
	}
	return e.subtype
}

func (e *logEntry) actionName() string {
	if e.threat && e.action == "" {
		return "alert"
	}
	return e.action
}

func (e *logEntry) endReason() string {
	if e.subtype == "end" {
		return e.s.endReason
	}
	return "policy-deny"
}

// filter is a compiled query.
type filter struct {
	match func(*logEntry) bool
	// wallLo and wallHi bound receive_time (device wall clock seconds) when
	// the query is a conjunction that constrains it.
	wallLo, wallHi int64
}

type qparser struct {
	toks    []token
	i       int
	threat  bool
	logType string
}

// compileQuery parses a filter for a log type ("threat" or "traffic").
func compileQuery(q string, logType string) (*filter, error) {
	f := &filter{wallLo: math.MinInt64, wallHi: math.MaxInt64}
	if strings.TrimSpace(q) == "" {
		f.match = func(*logEntry) bool { return true }
		return f, nil
	}
	toks, err := tokenize(q)
	if err != nil {
		return nil, err
	}
	p := &qparser{toks: toks, threat: logType == "threat", logType: logType}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.i < len(p.toks) {
		t := p.toks[p.i]
		return nil, fmt.Errorf("unexpected %q at offset %d", t.text, t.pos)
	}
	f.match = n.eval
	n.bounds(&f.wallLo, &f.wallHi)
	return f, nil
}

type qnode struct {
	op       string // and, or, not, term
	kids     []*qnode
	test     func(*logEntry) bool
	timeOp   string
	timeWall int64
}

func (n *qnode) eval(e *logEntry) bool {
	switch n.op {
	case "and":
		for _, k := range n.kids {
			if !k.eval(e) {
				return false
			}
		}
		return true
	case "or":
		for _, k := range n.kids {
			if k.eval(e) {
				return true
			}
		}
		return false
	case "not":
		return !n.kids[0].eval(e)
	}
	return n.test(e)
}

// bounds narrows [lo, hi] by the receive_time terms every match satisfies.
func (n *qnode) bounds(lo, hi *int64) {
	switch n.op {
	case "and":
		for _, k := range n.kids {
			k.bounds(lo, hi)
		}
	case "term":
		switch n.timeOp {
		case "geq":
			*lo = max(*lo, n.timeWall)
		case "leq":
			*hi = min(*hi, n.timeWall)
		case "eq":
			*lo = max(*lo, n.timeWall)
			*hi = min(*hi, n.timeWall)
		}
	}
}

func (p *qparser) peek(k int) *token {
	if p.i+k < len(p.toks) {
		return &p.toks[p.i+k]
	}
	return nil
}

func (p *qparser) isKeyword(k int, kw string) bool {
	t := p.peek(k)
	return t != nil && t.kind == tokWord && strings.EqualFold(t.text, kw)
}

func (p *qparser) or() (*qnode, error) {
	left, err := p.and()
	if err != nil {
		return nil, err
	}
	if !p.isKeyword(0, "or") {
		return left, nil
	}
	n := &qnode{op: "or", kids: []*qnode{left}}
	for p.isKeyword(0, "or") {
		p.i++
		k, err := p.and()
		if err != nil {
			return nil, err
		}
		n.kids = append(n.kids, k)
	}
	return n, nil
}

func (p *qparser) and() (*qnode, error) {
	left, err := p.unary()
	if err != nil {
		return nil, err
	}
	if !p.isKeyword(0, "and") {
		return left, nil
	}
	n := &qnode{op: "and", kids: []*qnode{left}}
	for p.isKeyword(0, "and") {
		p.i++
		k, err := p.unary()
		if err != nil {
			return nil, err
		}
		n.kids = append(n.kids, k)
	}
	return n, nil
}

var queryOps = map[string]bool{"eq": true, "neq": true, "geq": true, "leq": true, "in": true, "notin": true, "contains": true}

func (p *qparser) unary() (*qnode, error) {
	t := p.peek(0)
	if t == nil {
		return nil, fmt.Errorf("unexpected end of query")
	}
	if t.kind == tokBang || p.isKeyword(0, "not") {
		p.i++
		k, err := p.unary()
		if err != nil {
			return nil, err
		}
		return &qnode{op: "not", kids: []*qnode{k}}, nil
	}
	if t.kind != tokLParen {
		return nil, fmt.Errorf("expected '(' at offset %d, found %q", t.pos, t.text)
	}
	// "(field op value)" is a term; anything else in parentheses a group.
	f, o, v, r := p.peek(1), p.peek(2), p.peek(3), p.peek(4)
	if f != nil && f.kind == tokWord && o != nil && o.kind == tokWord && queryOps[strings.ToLower(o.text)] &&
		v != nil && (v.kind == tokWord || v.kind == tokQuoted) && r != nil && r.kind == tokRParen {
		p.i += 5
		return p.term(f, o, v)
	}
	if f != nil && f.kind == tokWord && !strings.EqualFold(f.text, "not") {
		if o == nil || o.kind != tokWord || !queryOps[strings.ToLower(o.text)] {
			if o == nil {
				return nil, fmt.Errorf("incomplete term at offset %d", f.pos)
			}
			return nil, fmt.Errorf("unknown operator %q at offset %d", o.text, o.pos)
		}
		if v == nil || v.kind == tokRParen || v.kind == tokLParen {
			return nil, fmt.Errorf("missing value for %q at offset %d", f.text, o.pos)
		}
		if r == nil {
			return nil, fmt.Errorf("missing ')' after value at offset %d", v.pos)
		}
		return nil, fmt.Errorf("expected ')' at offset %d, found %q", r.pos, r.text)
	}
	p.i++
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	c := p.peek(0)
	if c == nil || c.kind != tokRParen {
		if c == nil {
			return nil, fmt.Errorf("missing ')' at end of query")
		}
		return nil, fmt.Errorf("expected ')' at offset %d, found %q", c.pos, c.text)
	}
	p.i++
	return n, nil
}

const queryTimeFmt = "2006/01/02 15:04:05"

func (p *qparser) term(ft, ot, vt *token) (*qnode, error) {
	name := strings.ToLower(ft.text)
	def, ok := fields[name]
	if !ok {
		return nil, fmt.Errorf("unknown field %q at offset %d", ft.text, ft.pos)
	}
	if (p.threat && !def.threat) || (!p.threat && !def.traffic) {
		return nil, fmt.Errorf("field %q is not valid for log type %s", ft.text, p.logType)
	}
	op, val := strings.ToLower(ot.text), vt.text
	bad := func() (*qnode, error) {
		return nil, fmt.Errorf("operator %q is not valid for field %q at offset %d", ot.text, ft.text, ot.pos)
	}
	n := &qnode{op: "term"}
	switch def.kind {
	case fStr:
		get := def.str
		switch op {
		case "eq":
			n.test = func(e *logEntry) bool { return get(e) == val }
		case "neq":
			n.test = func(e *logEntry) bool { return get(e) != val }
		case "contains":
			n.test = func(e *logEntry) bool { return strings.Contains(get(e), val) }
		default:
			return bad()
		}
	case fSeverity:
		rank, ok := severityRank[strings.ToLower(val)]
		if !ok {
			return nil, fmt.Errorf("invalid severity %q at offset %d", val, vt.pos)
		}
		get := def.str
		cmp, err := numCmp(op)
		if err != nil {
			return bad()
		}
		n.test = func(e *logEntry) bool { return cmp(severityRank[get(e)], rank) }
	case fNum:
		v, err := strconv.ParseInt(val, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("invalid number %q for field %q at offset %d", val, ft.text, vt.pos)
		}
		cmp, err := numCmp(op)
		if err != nil {
			return bad()
		}
		get := def.num
		n.test = func(e *logEntry) bool { return cmp(get(e), v) }
	case fTime:
		t, err := time.Parse(queryTimeFmt, val)
		if err != nil {
			return nil, fmt.Errorf("invalid time %q for field %q at offset %d (want 'YYYY/MM/DD HH:MM:SS')", val, ft.text, vt.pos)
		}
		w := t.Unix()
		cmp, err := numCmp(op)
		if err != nil {
			return bad()
		}
		n.test = func(e *logEntry) bool { return cmp(e.wall, w) }
		n.timeOp, n.timeWall = op, w
	case fAddr:
		get := def.addr
		switch op {
		case "eq", "neq":
			a, err := netip.ParseAddr(val)
			if err != nil {
				return nil, fmt.Errorf("invalid address %q at offset %d", val, vt.pos)
			}
			eq := op == "eq"
			n.test = func(e *logEntry) bool {
				for _, x := range get(e) {
					if x == a {
						return eq
					}
				}
				return !eq
			}
		case "in", "notin":
			var pf netip.Prefix
			var err error
			if strings.Contains(val, "/") {
				pf, err = netip.ParsePrefix(val)
			} else {
				var a netip.Addr
				a, err = netip.ParseAddr(val)
				pf = netip.PrefixFrom(a, a.BitLen())
			}
			if err != nil {
				return nil, fmt.Errorf("invalid address or subnet %q at offset %d", val, vt.pos)
			}
			pf = pf.Masked()
			in := op == "in"
			n.test = func(e *logEntry) bool {
				for _, x := range get(e) {
					if pf.Contains(x) {
						return in
					}
				}
				return !in
			}
		default:
			return bad()
		}
	}
	return n, nil
}

func numCmp(op string) (func(a, b int64) bool, error) {
	switch op {
	case "eq":
		return func(a, b int64) bool { return a == b }, nil
	case "neq":
		return func(a, b int64) bool { return a != b }, nil
	case "geq":
		return func(a, b int64) bool { return a >= b }, nil
	case "leq":
		return func(a, b int64) bool { return a <= b }, nil
	}
	return nil, fmt.Errorf("bad operator %q", op)
}
