package collect

import (
	"bytes"
	"fmt"
	"strconv"
	"time"

	"github.com/panos-mine/mine"
)

// logPage is what the envelope of a log query answer says about the job.
type logPage struct {
	JobStatus string // ACT while running, FIN when done
	HasLogs   bool   // a <logs> element was present
	Count     int    // its count attribute
	Progress  int    // its progress attribute
	Entries   int    // <entry> elements seen
}

// fieldFunc receives one leaf field of a log entry: its element name and raw
// text (escaped tells whether the text holds entities or CDATA and must be
// unescaped before use). Both slices alias the page and are valid only
// during the call.
type fieldFunc func(name, raw []byte, escaped bool) error

// parseLogPage walks the answer to a type=log action=get request. For each
// result/log/logs/entry it calls begin, then field for every leaf child,
// then end with the entry's bytes as they came (aliasing body). Nested
// children of an entry (none in PAN-OS 10.x/11.x) are skipped. With keep,
// field is spared the plain leaf fields keep does not hold (the entry is
// walked and checked all the same).
func parseLogPage(body []byte, keep *fieldSet, begin func() error, field fieldFunc, end func(raw []byte) error) (logPage, error) {
	var pg logPage
	s := scanner{b: body}
	sh := newEntryShape()
	var stack [8][]byte
	depth := 0
	for {
		p0 := s.p
		k, name, attrs, err := s.nextTag()
		if err != nil {
			return pg, err
		}
		switch k {
		case tagEOF:
			if depth != 0 {
				return pg, fmt.Errorf("malformed XML: answer ends inside <%s>", stack[depth-1])
			}
			if !seenResponse(body) {
				return pg, fmt.Errorf("malformed log answer: no <response> element")
			}
			return pg, nil
		case tagClose:
			if depth == 0 || !bytes.Equal(stack[depth-1], name) {
				return pg, s.errorf("unexpected </%s>", name)
			}
			depth--
			continue
		}
		// tagOpen or tagEmpty
		parent := []byte(nil)
		if depth > 0 {
			parent = stack[depth-1]
		}
		switch {
		case depth == 0 && string(name) == "response":
			if st, ok := attr(attrs, "status"); ok && string(st) != "success" {
				return pg, fmt.Errorf("log answer has status %q", st)
			}
		case string(name) == "status" && string(parent) == "job" && k == tagOpen:
			raw, _, err := s.text()
			if err != nil {
				return pg, err
			}
			pg.JobStatus = string(bytes.TrimSpace(raw))
		case string(name) == "logs" && string(parent) == "log":
			pg.HasLogs = true
			if v, ok := attr(attrs, "count"); ok {
				pg.Count, _ = strconv.Atoi(string(v))
			}
			if v, ok := attr(attrs, "progress"); ok {
				pg.Progress, _ = strconv.Atoi(string(v))
			}
		case string(name) == "entry" && string(parent) == "logs":
			pg.Entries++
			start := p0 + bytes.LastIndexByte(body[p0:s.p], '<')
			if err := begin(); err != nil {
				return pg, err
			}
			if k == tagOpen {
				if err := parseEntry(&s, keep, field, sh); err != nil {
					return pg, err
				}
			}
			if err := end(body[start:s.p]); err != nil {
				return pg, err
			}
			continue // the entry's end tag was consumed
		}
		if k == tagOpen {
			if depth == len(stack) {
				if err := s.skipElement(name); err != nil {
					return pg, err
				}
				continue
			}
			stack[depth] = name
			depth++
		}
	}
}

func seenResponse(body []byte) bool { return bytes.Contains(body, []byte("<response")) }

// parseEntry reads the children of one <entry> up to and including its end
// tag. Plain leaf fields that keep (when set) does not hold are not
// handed to field. With sh, the entry's fields are first expected in the
// order sh learned from an entry before (see entryShape).
func parseEntry(s *scanner, keep *fieldSet, field fieldFunc, sh *entryShape) error {
	k := 0 // sh's field expected next
	learn := sh != nil && sh.stale
	if learn {
		sh.reset()
	}
	// seen follows the fields read the slower ways in sh's order, or
	// stops following it for the rest of the entry
	seen := func(name []byte, form byte) {
		switch {
		case sh == nil:
		case learn:
			sh.add(name, form, keep)
		case k < len(sh.fields) && string(name) == string(sh.fields[k].name):
			k++
		default:
			k, sh.stale = len(sh.fields)+1, true
		}
	}
	for {
		if leafPath {
			if sh != nil && k < len(sh.fields) && !learn {
				f := &sh.fields[k]
				if f.run > 0 {
					if n := s.skipRun(sh, k); n > 0 {
						k += n
						continue
					}
				}
				if raw, ok := s.expect(&f.tag, &f.end); ok {
					if f.keep {
						if err := field(f.name, raw, false); err != nil {
							return err
						}
					}
					k++
					continue
				}
			}
			if name, raw, ok := s.leaf(); ok {
				seen(name, formLeaf)
				if keep == nil || keep.has(name) {
					if err := field(name, raw, false); err != nil {
						return err
					}
				}
				continue
			}
		}
		k0, name, attrs, err := s.nextTag()
		if err != nil {
			return err
		}
		if sh != nil && (k0 == tagOpen || k0 == tagEmpty) {
			var form byte // 0: not expected (attributes after other blanks)
			switch {
			case len(attrs) == 0 && k0 == tagEmpty:
				form = formEmpty
			case len(attrs) > 0 && attrs[0] == ' ':
				form = formAttrs
			}
			seen(name, form)
		}
		switch k0 {
		case tagEOF:
			return s.errorf("answer ends inside a log entry")
		case tagClose:
			if string(name) != "entry" {
				return s.errorf("unexpected </%s> in log entry", name)
			}
			if sh != nil && !learn && k != len(sh.fields) {
				sh.stale = true // fewer fields than the shape, or other ones
			}
			if learn {
				sh.findRuns()
			}
			return nil
		case tagEmpty:
			if err := field(name, nil, false); err != nil {
				return err
			}
		case tagOpen:
			raw, escaped, err := s.text()
			if err != nil {
				return err
			}
			if s.closes(name) {
				if err := field(name, raw, escaped); err != nil {
					return err
				}
				continue
			}
			k2, name2, _, err := s.nextTag()
			if err != nil {
				return err
			}
			if k2 == tagClose {
				if !bytes.Equal(name, name2) {
					return s.errorf("<%s> closed by </%s>", name, name2)
				}
				if err := field(name, raw, escaped); err != nil {
					return err
				}
				continue
			}
			// a structured field: skip it whole
			if k2 == tagOpen {
				if err := s.skipElement(name2); err != nil {
					return err
				}
			}
			if err := s.skipElement(name); err != nil {
				return err
			}
		}
	}
}

// entryShape is the order of the fields of an entry, learned from one
// entry and expected of the next: PAN-OS writes the fields of a log type
// in one order, so the next field's start tag is most often the one the
// entry before had there, and checking that it is costs one comparison,
// where reading a name costs a look at each of its bytes and a lookup in
// the fields kept. A field that is not the one expected is read the
// usual way, and the shape is learned again from the next entry.
type entryShape struct {
	fields []shapeField
	stale  bool // learn from the next entry
}

// shapeField is one field of an entryShape.
type shapeField struct {
	name []byte
	// tag is how the field starts: "<name>" (a plain leaf), "<name/>"
	// (empty) or "<name " (with attributes); "" is never expected. end
	// is the end tag after "</": "name>".
	tag, end word
	keep     bool // handed over
	// run, on the first of consecutive fields not handed over, is how
	// many they are; runStart and runEnd are where they lay in the
	// entry before, when they were all as expected (else runEnd is 0).
	run              int
	runStart, runEnd int
}

// minRun is the fewest fields not handed over that skipRun takes at once.
const minRun = 3

// findRuns marks the runs of fields not handed over, once the shape is
// learned.
func (sh *entryShape) findRuns() {
	for i := 0; i < len(sh.fields); {
		j := i
		for j < len(sh.fields) && !sh.fields[j].keep && sh.fields[j].tag.s != "" {
			j++
		}
		if j-i >= minRun {
			sh.fields[i].run = j - i
		}
		i = max(j, i+1)
	}
}

// skipRun passes over the run of fields not handed over that starts at
// field k of sh, and returns how many fields it passed (0 when the first
// is not as expected). When the run's bytes are those it had in the entry
// before, which were read field by field and found as expected, they are
// passed in one comparison: the same bytes read the same way. Otherwise
// the fields are read one by one, and their bytes kept for the next
// entry when all were as expected. The entry before lies in the same
// page, earlier: a shape lives for one page.
func (s *scanner) skipRun(sh *entryShape, k int) int {
	f := &sh.fields[k]
	if n := f.runEnd - f.runStart; n > 0 && len(s.b)-s.p >= n && string(s.b[s.p:s.p+n]) == string(s.b[f.runStart:f.runEnd]) {
		f.runStart, f.runEnd = s.p, s.p+n
		s.p += n
		return f.run
	}
	start, j := s.p, 0
	for ; j < f.run; j++ {
		g := &sh.fields[k+j]
		if _, ok := s.expect(&g.tag, &g.end); !ok {
			break
		}
	}
	f.runStart, f.runEnd = start, 0
	if j == f.run {
		f.runEnd = s.p
	}
	return j
}

func newEntryShape() *entryShape { return &entryShape{stale: true} }

func (sh *entryShape) reset() { sh.fields, sh.stale = sh.fields[:0], false }

// How a field was written, for an entryShape.
const (
	formLeaf  = 'l' // <name>text</name>
	formEmpty = 'e' // <name/>
	formAttrs = 'a' // <name attributes...
)

// add appends a field to the shape being learned; form is how it was
// written (0 for a way it is not expected).
func (sh *entryShape) add(name []byte, form byte, keep *fieldSet) {
	n := string(name)
	tag := ""
	switch form {
	case formLeaf:
		tag = "<" + n + ">"
	case formEmpty:
		tag = "<" + n + "/>"
	case formAttrs:
		tag = "<" + n + " "
	}
	sh.fields = append(sh.fields, shapeField{name: []byte(n), tag: newWord(tag), end: newWord(n + ">"), keep: keep == nil || keep.has(name)})
}

// entryDecoder turns raw fields into strings and numbers. It interns the
// small vocabularies (rules, zones, apps, addresses) so a page of 5000
// entries does not allocate the same strings 5000 times, and caches the
// device-zone to UTC conversion per hour.
type entryDecoder struct {
	loc    *time.Location
	intern map[string]string
	// time cache: the "YYYY/MM/DD HH" prefix of the last time parsed and
	// the UTC instant of its start
	hourKey  [13]byte
	hourBase time.Time
	hourOK   bool
	// the same for wallIn: the wall hour and its UTC instant
	wallHour int64
	wallBase time.Time
	wallOK   bool
	// page is the worker's answer buffer, reused page after page.
	page bytes.Buffer
	// last holds each field's value in the entry before: entries repeat
	// the serial, rule, zones and application, and a comparison costs
	// less than hashing for the intern map.
	last [numLastFields]string
}

// The fields whose last value an entryDecoder keeps.
const (
	lastSerial = iota
	lastDevice
	lastVsys
	lastRule
	lastRuleUUID
	lastFrom
	lastTo
	lastSrc
	lastDst
	lastUser
	lastProto
	lastApp
	lastSubtype
	lastThreat
	lastSeverity
	lastDirection
	lastAction
	lastEndReason
	numLastFields
)

func newEntryDecoder(loc *time.Location) *entryDecoder {
	if loc == nil {
		loc = time.UTC
	}
	return &entryDecoder{loc: loc, intern: make(map[string]string, 1024)}
}

const maxInterned = 1 << 16

// strAt is str for field f: the entry before's value when the bytes are
// the same. Only a value read as it was written (no entity, no CDATA) is
// kept, so bytes equal to it need no unescaping either.
func (d *entryDecoder) strAt(f int, raw []byte, escaped bool) (string, error) {
	if !escaped && string(raw) == d.last[f] {
		return d.last[f], nil
	}
	s, err := d.str(raw, escaped)
	if err == nil && !escaped && len(s) == len(raw) {
		d.last[f] = s
	}
	return s, err
}

func (d *entryDecoder) str(raw []byte, escaped bool) (string, error) {
	if escaped || bytes.IndexByte(raw, '&') >= 0 {
		return unescape(raw)
	}
	if s, ok := d.intern[string(raw)]; ok {
		return s, nil
	}
	s := string(raw)
	if len(d.intern) < maxInterned && len(s) <= 64 {
		d.intern[s] = s
	}
	return s, nil
}

// time parses a PAN-OS log time "YYYY/MM/DD HH:MM:SS" in the device zone
// and returns it in UTC.
func (d *entryDecoder) time(raw []byte) (time.Time, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) != 19 || raw[4] != '/' || raw[7] != '/' || raw[10] != ' ' || raw[13] != ':' || raw[16] != ':' {
		return time.Time{}, fmt.Errorf("log time %q is not YYYY/MM/DD HH:MM:SS", raw)
	}
	mm, ok1 := digits2(raw[14:16])
	ss, ok2 := digits2(raw[17:19])
	if !ok1 || !ok2 || mm > 59 || ss > 60 {
		return time.Time{}, fmt.Errorf("log time %q has a bad minute or second", raw)
	}
	if !d.hourOK || !bytes.Equal(d.hourKey[:], raw[:13]) {
		y, ok := digits4(raw[0:4])
		mo, ok3 := digits2(raw[5:7])
		dd, ok4 := digits2(raw[8:10])
		hh, ok5 := digits2(raw[11:13])
		if !ok || !ok3 || !ok4 || !ok5 || mo < 1 || mo > 12 || dd < 1 || dd > 31 || hh > 23 {
			return time.Time{}, fmt.Errorf("log time %q has a bad date or hour", raw)
		}
		d.hourBase = time.Date(y, time.Month(mo), dd, hh, 0, 0, 0, d.loc).UTC()
		copy(d.hourKey[:], raw[:13])
		d.hourOK = true
	}
	return d.hourBase.Add(time.Duration(mm)*time.Minute + time.Duration(ss)*time.Second), nil
}

func digits2(b []byte) (int, bool) {
	if b[0] < '0' || b[0] > '9' || b[1] < '0' || b[1] > '9' {
		return 0, false
	}
	return int(b[0]-'0')*10 + int(b[1]-'0'), true
}

func digits4(b []byte) (int, bool) {
	hi, ok1 := digits2(b[0:2])
	lo, ok2 := digits2(b[2:4])
	return hi*100 + lo, ok1 && ok2
}

// uint parses a decimal field; an empty field is 0.
func parseUint(name, raw []byte) (uint64, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return 0, nil
	}
	var n uint64
	for _, c := range raw {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("field %s: %q is not a number", name, raw)
		}
		d := uint64(c - '0')
		if n > (1<<64-1-d)/10 {
			return 0, fmt.Errorf("field %s: %q overflows", name, raw)
		}
		n = n*10 + d
	}
	return n, nil
}

// threatName splits "HTTP-200(41003)" into name and ID; a plain name has ID 0.
func threatName(s string) (string, int) {
	if n := len(s); n > 2 && s[n-1] == ')' {
		if i := bytes.LastIndexByte([]byte(s), '('); i > 0 {
			if id, err := strconv.Atoi(s[i+1 : n-1]); err == nil {
				return s[:i], id
			}
		}
	}
	return s, 0
}

// decodeThreat fills l from the fields of one threat entry.
func (d *entryDecoder) threatField(l *mine.ThreatLog, name, raw []byte, escaped bool) error {
	var err error
	switch string(name) {
	case "receive_time":
		l.ReceiveTime, err = d.time(raw)
	case "serial":
		l.Serial, err = d.strAt(lastSerial, raw, escaped)
	case "device_name":
		l.DeviceName, err = d.strAt(lastDevice, raw, escaped)
	case "vsys":
		l.Vsys, err = d.strAt(lastVsys, raw, escaped)
	case "seqno":
		l.SeqNo, err = parseUint(name, raw)
	case "sessionid":
		l.SessionID, err = parseUint(name, raw)
	case "repeatcnt":
		var n uint64
		n, err = parseUint(name, raw)
		l.RepeatCount = int(min(n, 1<<31-1))
	case "rule":
		l.Rule, err = d.strAt(lastRule, raw, escaped)
	case "rule_uuid":
		l.RuleUUID, err = d.strAt(lastRuleUUID, raw, escaped)
	case "from":
		l.FromZone, err = d.strAt(lastFrom, raw, escaped)
	case "to":
		l.ToZone, err = d.strAt(lastTo, raw, escaped)
	case "src":
		l.Src, err = d.strAt(lastSrc, raw, escaped)
	case "dst":
		l.Dst, err = d.strAt(lastDst, raw, escaped)
	case "srcuser":
		l.SrcUser, err = d.strAt(lastUser, raw, escaped)
	case "sport":
		var n uint64
		n, err = parseUint(name, raw)
		l.SrcPort = int(min(n, 65535))
	case "dport":
		var n uint64
		n, err = parseUint(name, raw)
		l.DstPort = int(min(n, 65535))
	case "proto":
		l.Proto, err = d.strAt(lastProto, raw, escaped)
	case "app":
		l.App, err = d.strAt(lastApp, raw, escaped)
	case "subtype":
		l.Subtype, err = d.strAt(lastSubtype, raw, escaped)
	case "threatid":
		var s string
		s, err = d.strAt(lastThreat, raw, escaped)
		var id int
		l.ThreatName, id = threatName(s)
		if l.ThreatID == 0 {
			l.ThreatID = id
		}
	case "tid":
		var n uint64
		n, err = parseUint(name, raw)
		if n != 0 {
			l.ThreatID = int(min(n, 1<<31-1))
		}
	case "severity":
		l.Severity, err = d.strAt(lastSeverity, raw, escaped)
	case "direction":
		l.Direction, err = d.strAt(lastDirection, raw, escaped)
	case "action":
		l.Action, err = d.strAt(lastAction, raw, escaped)
	case "misc":
		var s string
		if escaped || bytes.IndexByte(raw, '&') >= 0 {
			s, err = unescape(raw)
		} else {
			s = string(raw)
		}
		l.URL = trimQuotes(s)
	}
	return err
}

// threatFields and trafficFields are the fields decodeEntries and
// threatField or trafficField read (a test checks them against the
// switches): a log entry has a hundred, mine reads 26 or 28.
var (
	threatFields = newFieldSet("receive_time", "high_res_timestamp", "serial", "device_name", "vsys", "seqno", "sessionid",
		"repeatcnt", "rule", "rule_uuid", "from", "to", "src", "dst", "srcuser", "sport", "dport", "proto", "app",
		"subtype", "threatid", "tid", "severity", "direction", "action", "misc")
	trafficFields = newFieldSet("receive_time", "high_res_timestamp", "start", "serial", "device_name", "vsys", "seqno",
		"sessionid", "repeatcnt", "rule", "rule_uuid", "from", "to", "src", "dst", "srcuser", "sport", "dport", "proto",
		"app", "action", "subtype", "bytes", "bytes_sent", "bytes_received", "packets", "elapsed", "session_end_reason")
)

// A fieldSet is a set of field names, looked up by length first (most
// names of a length differ from the set's in their first byte).
type fieldSet struct{ byLen [32][]string }

func newFieldSet(names ...string) *fieldSet {
	f := &fieldSet{}
	for _, n := range names {
		if len(n) >= len(f.byLen) {
			panic("collect: field name " + n + " too long for a fieldSet")
		}
		f.byLen[len(n)] = append(f.byLen[len(n)], n)
	}
	return f
}

func (f *fieldSet) has(name []byte) bool {
	if len(name) >= len(f.byLen) {
		return false
	}
	for _, n := range f.byLen[len(name)] {
		if string(name) == n {
			return true
		}
	}
	return false
}

// trafficField fills l from one field of a traffic entry.
func (d *entryDecoder) trafficField(l *mine.TrafficLog, name, raw []byte, escaped bool) error {
	var err error
	var n uint64
	switch string(name) {
	case "receive_time":
		l.ReceiveTime, err = d.time(raw)
	case "start":
		if len(bytes.TrimSpace(raw)) > 0 {
			l.Start, err = d.time(raw)
		}
	case "serial":
		l.Serial, err = d.strAt(lastSerial, raw, escaped)
	case "device_name":
		l.DeviceName, err = d.strAt(lastDevice, raw, escaped)
	case "vsys":
		l.Vsys, err = d.strAt(lastVsys, raw, escaped)
	case "seqno":
		l.SeqNo, err = parseUint(name, raw)
	case "sessionid":
		l.SessionID, err = parseUint(name, raw)
	case "repeatcnt":
		n, err = parseUint(name, raw)
		l.RepeatCount = int(min(n, 1<<31-1))
	case "rule":
		l.Rule, err = d.strAt(lastRule, raw, escaped)
	case "rule_uuid":
		l.RuleUUID, err = d.strAt(lastRuleUUID, raw, escaped)
	case "from":
		l.FromZone, err = d.strAt(lastFrom, raw, escaped)
	case "to":
		l.ToZone, err = d.strAt(lastTo, raw, escaped)
	case "src":
		l.Src, err = d.strAt(lastSrc, raw, escaped)
	case "dst":
		l.Dst, err = d.strAt(lastDst, raw, escaped)
	case "srcuser":
		l.SrcUser, err = d.strAt(lastUser, raw, escaped)
	case "sport":
		n, err = parseUint(name, raw)
		l.SrcPort = int(min(n, 65535))
	case "dport":
		n, err = parseUint(name, raw)
		l.DstPort = int(min(n, 65535))
	case "proto":
		l.Proto, err = d.strAt(lastProto, raw, escaped)
	case "app":
		l.App, err = d.strAt(lastApp, raw, escaped)
	case "action":
		l.Action, err = d.strAt(lastAction, raw, escaped)
	case "subtype":
		l.Subtype, err = d.strAt(lastSubtype, raw, escaped)
	case "bytes":
		n, err = parseUint(name, raw)
		l.Bytes = int64(min(n, 1<<63-1))
	case "bytes_sent":
		n, err = parseUint(name, raw)
		l.BytesSent = int64(min(n, 1<<63-1))
	case "bytes_received":
		n, err = parseUint(name, raw)
		l.BytesReceived = int64(min(n, 1<<63-1))
	case "packets":
		n, err = parseUint(name, raw)
		l.Packets = int64(min(n, 1<<63-1))
	case "elapsed":
		n, err = parseUint(name, raw)
		l.ElapsedSeconds = int64(min(n, 1<<63-1))
	case "session_end_reason":
		l.SessionEndReason, err = d.strAt(lastEndReason, raw, escaped)
	}
	return err
}

func trimQuotes(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return s[1 : len(s)-1]
	}
	if len(s) >= 1 && s[0] == '"' { // truncated after the opening quote
		return s[1:]
	}
	return s
}

// ParseThreatPage parses one log query answer of log-type threat and calls
// fn for every entry. loc is the device's time zone; times come out in UTC
// (a 10.x+ entry's own high_res_timestamp offset decides where it says
// more than loc). fn's argument is reused between calls: copy it to keep
// it. An entry that cannot be read is an error; the collector instead
// skips and counts it.
func ParseThreatPage(body []byte, loc *time.Location, fn func(*mine.ThreatLog) error) (count int, finished bool, err error) {
	return parseStrict(body, newEntryDecoder(loc).threatEntries, fn)
}

// ParseTrafficPage is ParseThreatPage for log-type traffic.
func ParseTrafficPage(body []byte, loc *time.Location, fn func(*mine.TrafficLog) error) (count int, finished bool, err error) {
	return parseStrict(body, newEntryDecoder(loc).trafficEntries, fn)
}

func parseStrict[T any](body []byte, entries func([]byte, func(*T, *entryMeta) error) (logPage, error), fn func(*T) error) (int, bool, error) {
	n := 0
	pg, err := entries(body, func(l *T, m *entryMeta) error {
		if m.bad != nil {
			return m.bad
		}
		n++
		return fn(l)
	})
	return n, pg.finished(), err
}

// entryMeta is what the collector needs of an entry besides its record.
type entryMeta struct {
	index   int   // 1-based position in the page
	wall    int64 // receive_time as written (device wall clock), in seconds as if UTC
	hasRecv bool
	hiRes   bool
	gen     time.Time     // the high_res_timestamp instant, UTC
	genOff  time.Duration // its UTC offset
	// zoneOff is the offset the decoder's zone gives at gen; it differs
	// from genOff when that zone is wrong for the device.
	zoneOff time.Duration
	serial  string
	seq     uint64
	bad     error  // why the entry cannot be used; its record is not valid
	raw     []byte // the entry as it came; aliases the page
}

func (d *entryDecoder) threatEntries(body []byte, fn func(*mine.ThreatLog, *entryMeta) error) (logPage, error) {
	return decodeEntries(d, body, "threat", threatFields, d.threatField, func(l *mine.ThreatLog) (*time.Time, string, uint64) {
		return &l.ReceiveTime, l.Serial, l.SeqNo
	}, fn)
}

func (d *entryDecoder) trafficEntries(body []byte, fn func(*mine.TrafficLog, *entryMeta) error) (logPage, error) {
	return decodeEntries(d, body, "traffic", trafficFields, d.trafficField, func(l *mine.TrafficLog) (*time.Time, string, uint64) {
		return &l.ReceiveTime, l.Serial, l.SeqNo
	}, fn)
}

// decodeEntries parses a page into records of type T, one at a time:
// field fills a record from one field, ident tells a finished record's
// receive time (to set) and identity, fn receives it with what else is
// known of the entry. A field that cannot be read makes its entry bad (the
// rest of the entry is still walked); only XML that cannot be walked fails
// the page. An entry without a receive time or a sequence number is bad:
// it could be placed in no window, or told from no other.
func decodeEntries[T any](d *entryDecoder, body []byte, kind string, keep *fieldSet, field func(*T, []byte, []byte, bool) error,
	ident func(*T) (*time.Time, string, uint64), fn func(*T, *entryMeta) error) (logPage, error) {
	var l, zero T
	var m entryMeta
	n := 0
	return parseLogPage(body, keep,
		func() error { l, m = zero, entryMeta{}; return nil },
		func(name, raw []byte, esc bool) error {
			if m.bad != nil {
				return nil
			}
			var err error
			switch string(name) {
			case "receive_time": // set in UTC once the entry is whole
				m.wall, err = d.wallSeconds(raw)
				m.hasRecv = err == nil
			case "high_res_timestamp":
				if len(bytes.TrimSpace(raw)) > 0 {
					m.gen, m.genOff, err = parseHiRes(raw)
					m.hiRes = err == nil
				}
			default:
				err = field(&l, name, raw, esc)
			}
			if err != nil {
				m.bad = fmt.Errorf("%s log entry %d: %w", kind, n+1, err)
			}
			return nil
		},
		func(raw []byte) error {
			n++
			m.index, m.raw = n, raw
			recv, serial, seq := ident(&l)
			m.serial, m.seq = serial, seq
			switch {
			case m.bad != nil:
			case !m.hasRecv:
				m.bad = fmt.Errorf("%s log entry %d (serial %q seqno %d) has no receive_time", kind, n, serial, seq)
			case seq == 0:
				m.bad = fmt.Errorf("%s log entry %d (serial %q) has no seqno", kind, n, serial)
			default:
				*recv = d.receiveUTC(&m)
			}
			return fn(&l, &m)
		})
}

// finished reports whether the job is done and its entries are final.
func (pg logPage) finished() bool { return pg.JobStatus == "FIN" }

// wallSeconds parses a PAN-OS log time "YYYY/MM/DD HH:MM:SS" as written,
// returning its digits as seconds since the epoch of a UTC clock.
func (d *entryDecoder) wallSeconds(raw []byte) (int64, error) {
	return parseWall(bytes.TrimSpace(raw))
}

// parseWall parses "YYYY/MM/DD HH:MM:SS" into seconds of a UTC clock
// showing those digits.
func parseWall(raw []byte) (int64, error) {
	if len(raw) != 19 || raw[4] != '/' || raw[7] != '/' || raw[10] != ' ' || raw[13] != ':' || raw[16] != ':' {
		return 0, fmt.Errorf("log time %q is not YYYY/MM/DD HH:MM:SS", raw)
	}
	y, ok1 := digits4(raw[0:4])
	mo, ok2 := digits2(raw[5:7])
	dd, ok3 := digits2(raw[8:10])
	hh, ok4 := digits2(raw[11:13])
	mm, ok5 := digits2(raw[14:16])
	ss, ok6 := digits2(raw[17:19])
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || !ok6 || mo < 1 || mo > 12 || dd < 1 || dd > daysIn(y, mo) || hh > 23 || mm > 59 || ss > 59 {
		return 0, fmt.Errorf("log time %q is not a valid date and time", raw)
	}
	return civilSeconds(y, mo, dd, hh, mm, ss), nil
}

func daysIn(y, m int) int {
	return time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// civilSeconds counts seconds since 1970-01-01 00:00:00 of a proleptic
// Gregorian calendar date (no zone), without allocating a time.Time.
func civilSeconds(y, m, d, hh, mm, ss int) int64 {
	// days from civil, Howard Hinnant's algorithm
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	days := int64(era)*146097 + int64(doe) - 719468
	return days*86400 + int64(hh)*3600 + int64(mm)*60 + int64(ss)
}

// parseHiRes parses high_res_timestamp, ISO 8601 with milliseconds and an
// offset as PAN-OS 10.x writes it ("2022-07-28T15:09:22.393+01:00"); a
// "Z", a "+0100" offset or no fraction are accepted too. It returns the
// instant (UTC) and the offset.
func parseHiRes(raw []byte) (time.Time, time.Duration, error) {
	raw = bytes.TrimSpace(raw)
	bad := func() (time.Time, time.Duration, error) {
		return time.Time{}, 0, fmt.Errorf("high_res_timestamp %q is not ISO 8601 with an offset", raw)
	}
	if len(raw) < 20 || raw[4] != '-' || raw[7] != '-' || (raw[10] != 'T' && raw[10] != ' ') || raw[13] != ':' || raw[16] != ':' {
		return bad()
	}
	y, ok1 := digits4(raw[0:4])
	mo, ok2 := digits2(raw[5:7])
	dd, ok3 := digits2(raw[8:10])
	hh, ok4 := digits2(raw[11:13])
	mi, ok5 := digits2(raw[14:16])
	ss, ok6 := digits2(raw[17:19])
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || !ok6 || mo < 1 || mo > 12 || dd < 1 || dd > daysIn(y, mo) || hh > 23 || mi > 59 || ss > 59 {
		return bad()
	}
	rest := raw[19:]
	var nanos int64
	if len(rest) > 0 && rest[0] == '.' {
		i := 1
		scale := int64(100_000_000)
		for ; i < len(rest) && rest[i] >= '0' && rest[i] <= '9'; i++ {
			nanos += int64(rest[i]-'0') * scale
			scale /= 10
		}
		if i == 1 {
			return bad()
		}
		rest = rest[i:]
	}
	var off time.Duration
	switch {
	case len(rest) == 1 && rest[0] == 'Z':
	case (len(rest) == 6 && rest[3] == ':') || len(rest) == 5:
		if rest[0] != '+' && rest[0] != '-' {
			return bad()
		}
		oh, okh := digits2(rest[1:3])
		om, okm := digits2(rest[len(rest)-2:])
		if !okh || !okm || oh > 14 || om > 59 {
			return bad()
		}
		off = time.Duration(oh)*time.Hour + time.Duration(om)*time.Minute
		if rest[0] == '-' {
			off = -off
		}
	default:
		return bad()
	}
	sec := civilSeconds(y, mo, dd, hh, mi, ss) - int64(off/time.Second)
	return time.Unix(sec, nanos).UTC(), off, nil
}

// receiveUTC places an entry's receive_time in UTC. With a
// high_res_timestamp (the generation time, with the device's offset at
// that instant) the receive wall clock takes that offset, or, when a
// daylight-saving change fell between generation and receipt, the zone's
// other offset; that also tells the two occurrences of a repeated
// fall-back hour apart. Without one, or when its offset is not the zone's
// (the collector refuses such an entry on a firewall; on Panorama the
// timestamp may be the sending firewall's), the decoder's zone decides.
func (d *entryDecoder) receiveUTC(m *entryMeta) time.Time {
	if !m.hiRes {
		return d.wallIn(m.wall)
	}
	m.zoneOff = offsetAt(d.loc, m.gen)
	if m.zoneOff != m.genOff {
		return d.wallIn(m.wall)
	}
	// The receipt follows the generation by seconds: of the instants the
	// receive wall clock can mean (the zone's offsets around it), take the
	// closest one not before the generation.
	var best time.Time
	bestGap := time.Duration(1<<63 - 1)
	for _, o := range []time.Duration{m.genOff, offsetAt(d.loc, m.gen.Add(-2*time.Hour)), offsetAt(d.loc, m.gen.Add(2*time.Hour))} {
		c := time.Unix(m.wall-int64(o/time.Second), 0).UTC()
		if o != m.genOff && offsetAt(d.loc, c) != o {
			continue // not a reading of this zone's clock
		}
		gap := c.Sub(m.gen)
		if gap < -time.Second {
			gap = -gap + 24*time.Hour // before it was generated: last resort
		}
		if gap < bestGap {
			best, bestGap = c, gap
		}
	}
	return best
}

// wallIn places wall clock seconds in the decoder's zone, caching the
// hour.
func (d *entryDecoder) wallIn(wall int64) time.Time {
	hour := wall - wall%3600
	if !d.wallOK || d.wallHour != hour {
		t := time.Unix(hour, 0).UTC()
		d.wallBase = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), 0, 0, 0, d.loc).UTC()
		d.wallHour, d.wallOK = hour, true
	}
	return d.wallBase.Add(time.Duration(wall-hour) * time.Second)
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}
