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
// then end. Nested children of an entry (none in PAN-OS 10.x/11.x) are
// skipped.
func parseLogPage(body []byte, begin func() error, field fieldFunc, end func() error) (logPage, error) {
	var pg logPage
	s := scanner{b: body}
	var stack [8][]byte
	depth := 0
	for {
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
			if err := begin(); err != nil {
				return pg, err
			}
			if k == tagOpen {
				if err := parseEntry(&s, field); err != nil {
					return pg, err
				}
			}
			if err := end(); err != nil {
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
// tag.
func parseEntry(s *scanner, field fieldFunc) error {
	for {
		k, name, _, err := s.nextTag()
		if err != nil {
			return err
		}
		switch k {
		case tagEOF:
			return s.errorf("answer ends inside a log entry")
		case tagClose:
			if string(name) != "entry" {
				return s.errorf("unexpected </%s> in log entry", name)
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
}

func newEntryDecoder(loc *time.Location) *entryDecoder {
	if loc == nil {
		loc = time.UTC
	}
	return &entryDecoder{loc: loc, intern: make(map[string]string, 1024)}
}

const maxInterned = 1 << 16

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
		l.Serial, err = d.str(raw, escaped)
	case "device_name":
		l.DeviceName, err = d.str(raw, escaped)
	case "vsys":
		l.Vsys, err = d.str(raw, escaped)
	case "seqno":
		l.SeqNo, err = parseUint(name, raw)
	case "sessionid":
		l.SessionID, err = parseUint(name, raw)
	case "repeatcnt":
		var n uint64
		n, err = parseUint(name, raw)
		l.RepeatCount = int(min(n, 1<<31-1))
	case "rule":
		l.Rule, err = d.str(raw, escaped)
	case "rule_uuid":
		l.RuleUUID, err = d.str(raw, escaped)
	case "from":
		l.FromZone, err = d.str(raw, escaped)
	case "to":
		l.ToZone, err = d.str(raw, escaped)
	case "src":
		l.Src, err = d.str(raw, escaped)
	case "dst":
		l.Dst, err = d.str(raw, escaped)
	case "srcuser":
		l.SrcUser, err = d.str(raw, escaped)
	case "sport":
		var n uint64
		n, err = parseUint(name, raw)
		l.SrcPort = int(min(n, 65535))
	case "dport":
		var n uint64
		n, err = parseUint(name, raw)
		l.DstPort = int(min(n, 65535))
	case "proto":
		l.Proto, err = d.str(raw, escaped)
	case "app":
		l.App, err = d.str(raw, escaped)
	case "subtype":
		l.Subtype, err = d.str(raw, escaped)
	case "threatid":
		var s string
		s, err = d.str(raw, escaped)
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
		l.Severity, err = d.str(raw, escaped)
	case "direction":
		l.Direction, err = d.str(raw, escaped)
	case "action":
		l.Action, err = d.str(raw, escaped)
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
		l.Serial, err = d.str(raw, escaped)
	case "device_name":
		l.DeviceName, err = d.str(raw, escaped)
	case "vsys":
		l.Vsys, err = d.str(raw, escaped)
	case "seqno":
		l.SeqNo, err = parseUint(name, raw)
	case "sessionid":
		l.SessionID, err = parseUint(name, raw)
	case "repeatcnt":
		n, err = parseUint(name, raw)
		l.RepeatCount = int(min(n, 1<<31-1))
	case "rule":
		l.Rule, err = d.str(raw, escaped)
	case "rule_uuid":
		l.RuleUUID, err = d.str(raw, escaped)
	case "from":
		l.FromZone, err = d.str(raw, escaped)
	case "to":
		l.ToZone, err = d.str(raw, escaped)
	case "src":
		l.Src, err = d.str(raw, escaped)
	case "dst":
		l.Dst, err = d.str(raw, escaped)
	case "srcuser":
		l.SrcUser, err = d.str(raw, escaped)
	case "sport":
		n, err = parseUint(name, raw)
		l.SrcPort = int(min(n, 65535))
	case "dport":
		n, err = parseUint(name, raw)
		l.DstPort = int(min(n, 65535))
	case "proto":
		l.Proto, err = d.str(raw, escaped)
	case "app":
		l.App, err = d.str(raw, escaped)
	case "action":
		l.Action, err = d.str(raw, escaped)
	case "subtype":
		l.Subtype, err = d.str(raw, escaped)
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
		l.SessionEndReason, err = d.str(raw, escaped)
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
// fn for every entry. loc is the device's time zone; times come out in UTC.
// fn's argument is reused between calls: copy it to keep it.
func ParseThreatPage(body []byte, loc *time.Location, fn func(*mine.ThreatLog) error) (count int, finished bool, err error) {
	return newEntryDecoder(loc).threatPage(body, fn)
}

func (d *entryDecoder) threatPage(body []byte, fn func(*mine.ThreatLog) error) (int, bool, error) {
	return decodePage(body, "threat", d.threatField, func(l *mine.ThreatLog) (time.Time, string, uint64) {
		return l.ReceiveTime, l.Serial, l.SeqNo
	}, fn)
}

// ParseTrafficPage is ParseThreatPage for log-type traffic.
func ParseTrafficPage(body []byte, loc *time.Location, fn func(*mine.TrafficLog) error) (count int, finished bool, err error) {
	return newEntryDecoder(loc).trafficPage(body, fn)
}

func (d *entryDecoder) trafficPage(body []byte, fn func(*mine.TrafficLog) error) (int, bool, error) {
	return decodePage(body, "traffic", d.trafficField, func(l *mine.TrafficLog) (time.Time, string, uint64) {
		return l.ReceiveTime, l.Serial, l.SeqNo
	}, fn)
}

// decodePage parses a page into records of type T, one at a time: field
// fills a record from one field, ident tells a finished record's receive
// time and identity, fn receives it. A record without a receive time is an
// error: it could be placed in no window.
func decodePage[T any](body []byte, kind string, field func(*T, []byte, []byte, bool) error,
	ident func(*T) (time.Time, string, uint64), fn func(*T) error) (int, bool, error) {
	var l, zero T
	n := 0
	pg, err := parseLogPage(body,
		func() error { l = zero; return nil },
		func(name, raw []byte, esc bool) error {
			if err := field(&l, name, raw, esc); err != nil {
				return fmt.Errorf("%s log entry %d: %w", kind, n+1, err)
			}
			return nil
		},
		func() error {
			n++
			if t, serial, seq := ident(&l); t.IsZero() {
				return fmt.Errorf("%s log entry %d (serial %q seqno %d) has no receive_time", kind, n, serial, seq)
			}
			return fn(&l)
		})
	return n, pg.finished(), err
}

// finished reports whether the job is done and its entries are final.
func (pg logPage) finished() bool { return pg.JobStatus == "FIN" }
