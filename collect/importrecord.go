package collect

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/panos-mine/mine"
)

// fieldID names a log field mine reads, whatever the format calls it.
type fieldID int

const (
	fReceive fieldID = iota
	fSerial
	fType
	fSubtype
	fSrc
	fDst
	fRule
	fSrcUser
	fApp
	fVsys
	fFrom
	fTo
	fSession
	fRepeat
	fSport
	fDport
	fProto
	fAction
	fMisc
	fThreat   // Name(ID), (ID), a bare name or a bare ID
	fThreatID // a separate numeric threat ID (CEF, some exports)
	fSeverity
	fDirection
	fSeqno
	fDevice
	fRuleUUID
	fHiRes
	fBytes
	fBytesSent
	fBytesRecv
	fPackets
	fStart
	fElapsed
	fEndReason
	numFieldIDs
)

// fieldNames are the names bad-line messages use, as PAN-OS's own field
// names (the ones its custom log formats and the XML API know).
var fieldNames = [numFieldIDs]string{
	fReceive: "receive_time", fSerial: "serial", fType: "type", fSubtype: "subtype",
	fSrc: "src", fDst: "dst", fRule: "rule", fSrcUser: "srcuser", fApp: "app", fVsys: "vsys",
	fFrom: "from", fTo: "to", fSession: "sessionid", fRepeat: "repeatcnt", fSport: "sport",
	fDport: "dport", fProto: "proto", fAction: "action", fMisc: "misc", fThreat: "threatid",
	fThreatID: "tid", fSeverity: "severity", fDirection: "direction", fSeqno: "seqno",
	fDevice: "device_name", fRuleUUID: "rule_uuid", fHiRes: "high_res_timestamp",
	fBytes: "bytes", fBytesSent: "bytes_sent", fBytesRecv: "bytes_received", fPackets: "packets",
	fStart: "start", fElapsed: "elapsed", fEndReason: "session_end_reason",
}

// rawRecord is one log record's fields as the line carried them, before
// conversion; a nil field is absent. Readers of key=value formats set v;
// readers of CSV leave the fields where the splitter found them and say
// where each one is (c, at): a field is then made a slice only when
// it is asked for, most never are.
type rawRecord struct {
	v  [numFieldIDs][]byte
	c  *csvFields
	at *fieldPos // the position of each field in c
	// layout is the PAN-OS layout a syslog payload was read by, nil for
	// other formats: its groups let a record be compared with the last
	// a run at a time.
	layout *panosLayout
}

// fromCSV makes r read field f at position at[f] of c (absent when c
// has fewer fields); l is the PAN-OS layout of a syslog payload, nil for
// an export's row.
func (r *rawRecord) fromCSV(c *csvFields, at *fieldPos, l *panosLayout) {
	r.c, r.at, r.layout = c, at, l
}

// fieldPos holds the position of each field in a CSV line, noField for
// a field the line is not read for. Positions are bytes, and csvFields
// has room for 256 fields, so that reading one needs no bounds check.
type fieldPos [numFieldIDs]uint8

// noField is the position of a field not read: past maxFields, so never
// below the number of fields of a line.
const noField = 255

// noFields returns positions with every field absent.
func noFields() fieldPos {
	var p fieldPos
	for i := range p {
		p[i] = noField
	}
	return p
}

// run returns the bytes of group g as the line has them, from the first
// field's start to the last field's end, and false when the line lacks a
// field of it or one was unquoted into the scratch buffer.
func (r *rawRecord) run(g *fieldGroup) ([]byte, bool) {
	c := r.c
	if c == nil || int(g.last) >= c.n {
		return nil, false
	}
	s, e := c.f[g.first].s, c.f[g.last].e
	if s < 0 || c.f[g.last].s < 0 || e < s {
		return nil, false
	}
	return c.line[s:e], true
}

// get returns field f, nil when absent.
func (r *rawRecord) get(f fieldID) []byte {
	c := r.c
	if c == nil {
		return r.v[f]
	}
	i := r.at[f]
	if int(i) >= c.n {
		return nil
	}
	return c.field(int(i))
}

// reset empties r. Fields read from CSV are forgotten with c; v is
// cleared only when a reader set it.
func (r *rawRecord) reset() {
	r.layout = nil
	if r.c != nil {
		r.c = nil
		return
	}
	clear(r.v[:])
}

// lastFields are the fields a record built in full sets the last value
// of (recordBuilder.field reads them): those of a threat and of a
// traffic record, as each layout holds the fields of its own kind.
const lastFields = 1<<fSerial | 1<<fSubtype | 1<<fVsys | 1<<fRule | 1<<fRuleUUID | 1<<fFrom | 1<<fTo |
	1<<fProto | 1<<fApp | 1<<fAction | 1<<fDevice | 1<<fSeverity | 1<<fDirection | 1<<fEndReason

// fieldGroup is a run of fields at consecutive positions of a layout, of
// which two or more are lastFields (the others the log type, read
// anyway): when the run's bytes are those of the last record built, so
// are the values of its fields, and they are not read again. Log lines
// repeat such runs (serial, type and subtype; application, vsys and
// zones; protocol and action; severity and direction) from line to line.
type fieldGroup struct {
	first, last uint8  // positions (as fieldPos)
	fields      uint64 // its lastFields, as bits
}

// groupsOf finds the groups of fields fs, in ascending position.
func groupsOf(fs []fieldAt) []fieldGroup {
	var gs []fieldGroup
	for i := 0; i < len(fs); {
		j, bits, n := i, uint64(0), 0
		for ; j < len(fs) && (j == i || fs[j].at == fs[j-1].at+1) && (lastFields>>fs[j].id&1 == 1 || fs[j].id == fType); j++ {
			if lastFields>>fs[j].id&1 == 1 {
				bits |= 1 << fs[j].id
				n++
			}
		}
		if n >= 2 {
			gs = append(gs, fieldGroup{first: uint8(fs[i].at), last: uint8(fs[j-1].at), fields: bits})
		}
		i = max(j, i+1)
	}
	return gs
}

// Reasons a line is counted as bad or skipped. They are keys of the JSON
// document's import object and never change once published.
const (
	BadUnknownType = "unknown_type"
	BadTooFew      = "too_few_fields"
	BadTime        = "bad_time"
	BadNumber      = "bad_number"
	BadQuoting     = "bad_quoting"
	BadJSON        = "bad_json"
	BadNoRawField  = "no_raw_field"
	BadTooLong     = "line_too_long"

	// Lines of other log types (system, config, globalprotect...) are
	// skipped under their type, lower-cased.
	SkipOtherThreat = "other_threat"
	SkipURL         = "url"
	SkipOutside     = "outside_window"
	SkipOtherRule   = "traffic_other_rule"
)

// lineError is why a line could not be read: a reason key and a detail
// that names the field and value.
type lineError struct {
	reason string
	detail string
}

func (e *lineError) Error() string { return e.reason + ": " + e.detail }

func badf(reason, format string, args ...any) *lineError {
	return &lineError{reason: reason, detail: fmt.Sprintf(format, args...)}
}

// logTypes are the log types PAN-OS writes in the type field. Lines of the
// other ones are skipped, not bad.
var logTypes = map[string]bool{
	"TRAFFIC": true, "THREAT": true, "CONFIG": true, "SYSTEM": true, "HIPMATCH": true,
	"CORRELATION": true, "GLOBALPROTECT": true, "USERID": true, "AUTH": true, "AUTHENTICATION": true,
	"IPTAG": true, "DECRYPTION": true, "TUNNEL": true, "START": true, "SCTP": true, "GTP": true,
	"AUDIT": true, "URL": true, "DATA": true, "WILDFIRE": true, "VPN": true,
}

// recordBuilder converts raw records into mine's log types. It holds what
// conversion needs across lines: interned strings, the device zone and the
// counts of how times were placed.
type recordBuilder struct {
	intern map[string]string
	// last holds each field's previous value: consecutive lines repeat
	// the serial, rule, zones and application, and a comparison is
	// cheaper than a map lookup.
	last [numFieldIDs]string
	tz   *time.Location
	zc   zoneClock
	// threat IDs mine keeps, and the names of bare IDs
	minID, maxID int
	idName       func(int) string

	// days caches wall-clock dates read (the YYYY/MM/DD of a receive
	// time) and their midnights, by day of the month: a file walks
	// through few days, and one merged from several sources goes back
	// and forth between them.
	days [32]cachedDay
	// threats caches threat fields read (see threatField), addrs
	// addresses by a hash of their bytes: both repeat, and a comparison
	// with the one cached spares reading them again and a string.
	threats [64]cachedThreat
	addrs   [2][addrSlots]addrSlot
	// groupBytes holds the bytes of the groups of the last record built
	// in full (see fieldGroup), read by layout groupLayout (nil when
	// none: the last line was not one, or was given up, and left last
	// with values of no one record); same is the fields of the record
	// being built known to be as the last one's.
	groupLayout *panosLayout
	groupBytes  [][]byte
	same        uint64
	// the values of the record being built that need a new string
	pending  []pendingString
	freshBuf []byte

	withOffset, withZone, assumedUTC, zoneMismatch int64
	// keepAll keeps every threat record, whatever its subtype and ID (the
	// tests read real URL and spyware logs field by field with it).
	keepAll bool
}

func newRecordBuilder(tz *time.Location, minID, maxID int, names func(int) string) *recordBuilder {
	b := &recordBuilder{intern: make(map[string]string, 1024), tz: tz, minID: minID, maxID: maxID, idName: names}
	if tz != nil {
		b.zc.loc = tz
	}
	return b
}

// kind says what a line turned out to be.
type kind int

const (
	kindThreat kind = iota + 1
	kindTraffic
	kindSkip
)

// build converts r. It returns the record's kind and, for a skipped
// record, the reason; the record itself is written to th or tr, whole.
func (b *recordBuilder) build(r *rawRecord, th *mine.ThreatLog, tr *mine.TrafficLog) (kind, string, *lineError) {
	b.same = b.sameGroups(r)
	k, reason, err := b.buildRecord(r, th, tr)
	if err == nil && (k == kindThreat || k == kindTraffic) {
		b.keepGroups(r)
	} else {
		b.groupLayout = nil
	}
	b.same = 0
	return k, reason, err
}

// sameGroups returns the fields of r's groups whose bytes are the last
// record's, when that one was read by the same layout.
func (b *recordBuilder) sameGroups(r *rawRecord) uint64 {
	l := r.layout
	if l == nil || l != b.groupLayout {
		return 0
	}
	var same uint64
	for i := range l.groups {
		g := &l.groups[i]
		if raw, ok := r.run(g); ok && len(b.groupBytes[i]) > 0 && string(raw) == string(b.groupBytes[i]) {
			same |= g.fields
		}
	}
	return same
}

// keepGroups keeps the bytes of r's groups, r being built in full. A
// group with a quote or a brace is not kept: its bytes alone do not say
// where its fields are.
func (b *recordBuilder) keepGroups(r *rawRecord) {
	l := r.layout
	if l == nil {
		b.groupLayout = nil
		return
	}
	if len(b.groupBytes) < len(l.groups) {
		b.groupBytes = append(b.groupBytes, make([][]byte, len(l.groups)-len(b.groupBytes))...)
	}
	for i := range l.groups {
		g := &l.groups[i]
		if l == b.groupLayout && b.same&g.fields == g.fields {
			continue // as kept
		}
		raw, ok := r.run(g)
		if !ok || bytes.IndexByte(raw, '"') >= 0 || bytes.IndexByte(raw, '{') >= 0 {
			raw = nil
		}
		b.groupBytes[i] = append(b.groupBytes[i][:0], raw...)
	}
	b.groupLayout = l
}

// buildRecord is build, but for the groups.
func (b *recordBuilder) buildRecord(r *rawRecord, th *mine.ThreatLog, tr *mine.TrafficLog) (kind, string, *lineError) {
	b.pending, b.freshBuf = b.pending[:0], b.freshBuf[:0]
	typ := trimBlank(r.get(fType))
	switch string(typ) {
	case "THREAT":
	case "TRAFFIC":
		return b.buildTraffic(r, tr)
	case "":
		return 0, "", badf(BadUnknownType, "no log type")
	default:
		if logTypes[strings.ToUpper(string(typ))] {
			return kindSkip, strings.ToLower(string(typ)), nil
		}
		return 0, "", badf(BadUnknownType, "log type %q", clipValue(string(typ)))
	}
	l := th
	*l = mine.ThreatLog{}
	l.Subtype = b.field(r, fSubtype)
	if l.Subtype == "url" && !b.keepAll {
		return kindSkip, SkipURL, nil
	}
	name, id, err := b.threatID(r)
	if err != nil {
		return 0, "", err
	}
	if !b.keepAll {
		if id != 0 && (id < b.minID || id > b.maxID) {
			return kindSkip, SkipOtherThreat, nil
		}
		if id == 0 {
			if _, ok := mine.StatusFromThreatName(name); !ok {
				return kindSkip, SkipOtherThreat, nil
			}
		}
	}
	if name == "" && b.idName != nil {
		name = b.idName(id)
	}
	l.ThreatID, l.ThreatName = id, name
	if err := b.common(r, &l.ReceiveTime, &l.Serial, &l.DeviceName, &l.Vsys, &l.SeqNo, &l.SessionID, &l.RepeatCount,
		&l.Rule, &l.RuleUUID, &l.FromZone, &l.ToZone, &l.Src, &l.Dst, &l.SrcUser, &l.SrcPort, &l.DstPort, &l.Proto, &l.App, &l.Action); err != nil {
		return 0, "", err
	}
	l.Severity = b.field(r, fSeverity)
	l.Direction = b.field(r, fDirection)
	if len(r.get(fMisc)) > 0 {
		b.fresh(r.get(fMisc), &l.URL, nil) // as logged; quotes were removed by the reader
	}
	b.freshStrings()
	return kindThreat, "", nil
}

func (b *recordBuilder) buildTraffic(r *rawRecord, l *mine.TrafficLog) (kind, string, *lineError) {
	*l = mine.TrafficLog{}
	if err := b.common(r, &l.ReceiveTime, &l.Serial, &l.DeviceName, &l.Vsys, &l.SeqNo, &l.SessionID, &l.RepeatCount,
		&l.Rule, &l.RuleUUID, &l.FromZone, &l.ToZone, &l.Src, &l.Dst, &l.SrcUser, &l.SrcPort, &l.DstPort, &l.Proto, &l.App, &l.Action); err != nil {
		return 0, "", err
	}
	l.Subtype = b.field(r, fSubtype)
	var err *lineError
	if l.Bytes, err = num64(r, fBytes); err != nil {
		return 0, "", err
	}
	if l.BytesSent, err = num64(r, fBytesSent); err != nil {
		return 0, "", err
	}
	if l.BytesReceived, err = num64(r, fBytesRecv); err != nil {
		return 0, "", err
	}
	if l.Packets, err = num64(r, fPackets); err != nil {
		return 0, "", err
	}
	if l.ElapsedSeconds, err = num64(r, fElapsed); err != nil {
		return 0, "", err
	}
	if len(trimBlank(r.get(fStart))) > 0 {
		// The analysis does not use the start time, so a start that is
		// not a time (a custom format's typo such as
		// "$cefformatted-time_generated") leaves it unset rather than
		// losing the record.
		if t, err := b.instant(r, fStart); err == nil {
			l.Start = t
		}
	}
	l.SessionEndReason = b.field(r, fEndReason)
	b.freshStrings()
	return kindTraffic, "", nil
}

// common reads the fields threat and traffic logs share.
func (b *recordBuilder) common(r *rawRecord, recv *time.Time, serial, device, vsys *string, seq, session *uint64, repeat *int,
	rule, ruleUUID, from, to, src, dst, srcUser *string, sport, dport *int, proto, app, action *string) *lineError {
	var err *lineError
	if len(trimBlank(r.get(fReceive))) == 0 {
		return badf(BadTime, "no receive_time")
	}
	if *recv, err = b.instant(r, fReceive); err != nil {
		return err
	}
	*serial = b.field(r, fSerial)
	*device = b.field(r, fDevice)
	*vsys = b.field(r, fVsys)
	if *seq, err = num(r, fSeqno, 1<<64-1); err != nil {
		return err
	}
	if *session, err = num(r, fSession, 1<<64-1); err != nil {
		return err
	}
	var n uint64
	if n, err = num(r, fRepeat, 1<<31-1); err != nil {
		return err
	}
	*repeat = int(n)
	*rule = b.field(r, fRule)
	*ruleUUID = b.field(r, fRuleUUID)
	*from = b.field(r, fFrom)
	*to = b.field(r, fTo)
	b.addr(r, fSrc, src)
	b.addr(r, fDst, dst)
	if raw := trimSpace(r.get(fSrcUser)); len(raw) > 0 {
		b.fresh(raw, srcUser, nil)
	}
	if n, err = num(r, fSport, 65535); err != nil {
		return err
	}
	*sport = int(n)
	if n, err = num(r, fDport, 65535); err != nil {
		return err
	}
	*dport = int(n)
	*proto = b.field(r, fProto)
	*app = b.field(r, fApp)
	*action = b.field(r, fAction)
	return nil
}

// instant reads a time field. A wall clock without an offset is in the
// device zone: --device-tz when given, else the offset of the record's
// high_res_timestamp, else UTC (counted, so the import can say so).
func (b *recordBuilder) instant(r *rawRecord, f fieldID) (time.Time, *lineError) {
	t, err := b.logTime(r.get(f))
	if err != nil {
		return time.Time{}, badf(BadTime, "%s %q", fieldNames[f], clipValue(string(r.get(f))))
	}
	if !t.abs.IsZero() {
		return t.abs, nil
	}
	off, hasOff := 0, false
	if hi := r.get(fHiRes); len(hi) > 0 {
		off, hasOff = offsetOf(hi)
	}
	if b.tz != nil {
		at := b.zc.instant(t.wall)
		if f == fReceive {
			b.withZone++
			if hasOff {
				if _, zoff := at.In(b.tz).Zone(); zoff != off {
					b.zoneMismatch++
				}
			}
		}
		return at, nil
	}
	if hasOff {
		if f == fReceive {
			b.withOffset++
		}
		return time.Unix(t.wall.Unix()-int64(off), 0).UTC(), nil
	}
	if f == fReceive {
		b.assumedUTC++
	}
	return t.wall, nil
}

// logTime is parseLogTime, quicker for a wall clock of a day seen before.
func (b *recordBuilder) logTime(raw []byte) (logTime, error) {
	raw = trimSpace(raw)
	if len(raw) != 19 || raw[10] != ' ' || raw[13] != ':' || raw[16] != ':' {
		return parseLogTime(raw)
	}
	// the slot is the day of the month (plus 16, from the digits' ASCII
	// values: 10*'0'+'0' is 528), one slot for each day
	day := &b.days[(int(raw[8])*10+int(raw[9]))&(len(b.days)-1)]
	if !day.ok || string(raw[:10]) != string(day.raw[:]) {
		t, err := parseLogTime(raw)
		if err == nil && !t.wall.IsZero() {
			copy(day.raw[:], raw)
			y, m, d := t.wall.Date()
			day.unix, day.ok = time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix(), true
		}
		return t, err
	}
	h, ok1 := digits2(raw[11:13])
	mi, ok2 := digits2(raw[14:16])
	sec, ok3 := digits2(raw[17:19])
	if !ok1 || !ok2 || !ok3 || h > 23 || mi > 59 || sec > 59 {
		return logTime{}, errBadTime
	}
	return logTime{wall: time.Unix(day.unix+int64(h*3600+mi*60+sec), 0).UTC()}, nil
}

// cachedDay is a date as a log wrote it and its midnight, UTC.
type cachedDay struct {
	raw  [10]byte
	unix int64
	ok   bool
}

// threatID reads the threat name and numeric ID: "HTTP-200(41003)",
// "(9999)", "9999(9999)", a bare name, or a bare number; a separate ID
// field wins when it holds one.
func (b *recordBuilder) threatID(r *rawRecord) (string, int, *lineError) {
	name, id, err := b.threatField(trimBlank(r.get(fThreat)))
	if err != nil {
		return "", 0, err
	}
	if t := r.get(fThreatID); len(t) > 0 {
		if t = trimBlank(t); len(t) > 0 {
			v, err := strconv.Atoi(string(t))
			if err != nil || v < 0 {
				return "", 0, badf(BadNumber, "tid %q", clipValue(string(t)))
			}
			if v != 0 {
				id = v
			}
		}
	}
	return name, id, nil
}

// threatField reads a threat field s as threatID does. A field read
// before is mostly found in a small cache of them, slotted by its last
// two digits: those of mine's signatures, 41000 to 41059, each have a
// slot of their own.
func (b *recordBuilder) threatField(s []byte) (string, int, *lineError) {
	n := len(s)
	if n == 0 {
		return "", 0, nil
	}
	k := int(s[n-1])
	if n >= 3 {
		k = 10*int(s[n-3]) + int(s[n-2])
	}
	c := &b.threats[k&(len(b.threats)-1)]
	if c.raw == string(s) {
		return c.name, c.id, nil
	}
	name, id := s, 0
	if n > 2 && s[n-1] == ')' {
		if i := bytes.LastIndexByte(s, '('); i >= 0 {
			if v, ok := smallInt(s[i+1 : n-1]); ok {
				name, id = s[:i], v
				for len(name) > 0 && name[len(name)-1] == ' ' {
					name = name[:len(name)-1]
				}
			}
		}
	} else if allDigits(s) {
		v, ok := smallInt(s)
		if !ok {
			return "", 0, badf(BadNumber, "threatid %q", clipValue(string(s)))
		}
		name, id = nil, v
	}
	c.raw, c.name, c.id = b.str(s), b.str(name), id
	return c.name, id, nil
}

// cachedThreat is a threat field as the line had it, and its name and ID.
type cachedThreat struct {
	raw, name string
	id        int
}

// smallInt reads a decimal of at most nine digits.
func smallInt(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// field returns field f of r as a string, the previous line's when it is
// the same. Fields of few values (rules, zones, applications) are
// interned; addresses, of many, are not: a lookup that mostly misses
// costs more than the string.
func (b *recordBuilder) field(r *rawRecord, f fieldID) string {
	if b.same&(1<<f) != 0 {
		return b.last[f] // small enough to inline: no call for these
	}
	return b.readField(r, f)
}

// readField is field for a field not known to be the last record's.
func (b *recordBuilder) readField(r *rawRecord, f fieldID) string {
	raw := trimSpace(r.get(f))
	if string(raw) == b.last[f] {
		return b.last[f]
	}
	s := b.str(raw)
	b.last[f] = s
	return s
}

// addrSlots is the size of each address cache.
const addrSlots = 1024

// addrSlot is an address cached with its hash: a slot of another address
// is told apart by the hash, without reading the string's bytes, which
// have long left the processor's cache.
type addrSlot struct {
	h uint64
	s string
}

// addr sets *dst to address field f (fSrc or fDst): the previous line's
// or the one cached when it is the same, else a new string (see fresh).
// The cache is direct-mapped on a hash of the first and last eight
// bytes: a lookup is a few operations and a comparison, cheap even when
// it misses, where a map lookup would cost more than the string. Servers
// repeat from line to line, clients often.
func (b *recordBuilder) addr(r *rawRecord, f fieldID, dst *string) {
	raw := trimSpace(r.get(f))
	if string(raw) == b.last[f] {
		*dst = b.last[f]
		return
	}
	if len(raw) == 0 {
		*dst, b.last[f] = "", ""
		return
	}
	var h uint64
	if n := len(raw); n >= 8 {
		h = binary.LittleEndian.Uint64(raw) ^ binary.LittleEndian.Uint64(raw[n-8:])*0x9e3779b97f4a7c15 ^ uint64(n)
	} else {
		for _, c := range raw {
			h = h<<8 | uint64(c)
		}
	}
	which := 0
	if f == fDst {
		which = 1
	}
	slot := &b.addrs[which][(h*0xff51afd7ed558ccd)>>(64-10)]
	if slot.h == h && slot.s == string(raw) {
		*dst, b.last[f] = slot.s, slot.s
		return
	}
	// The hash is set now, the string with the record's others (a
	// record given up leaves a hash without its string: the comparison
	// above still decides).
	slot.h = h
	b.fresh(raw, dst, &slot.s)
	b.pending[len(b.pending)-1].last = &b.last[f]
}

// fresh holds back a value that needs a new string: the new values of a
// record (its URL, new addresses, a user) share one string, one
// allocation rather than one each, made by freshStrings. slot, when not
// nil, is a cache to put the value in.
func (b *recordBuilder) fresh(raw []byte, dst, slot *string) {
	off := len(b.freshBuf)
	b.freshBuf = append(b.freshBuf, raw...)
	b.pending = append(b.pending, pendingString{dst: dst, slot: slot, off: off, end: len(b.freshBuf)})
}

// pendingString is a value held back by fresh, to be set in *dst (and
// *slot and *last when not nil).
type pendingString struct {
	dst, slot, last *string
	off, end        int
}

// freshStrings makes the one string of the values fresh held back and
// sets them.
func (b *recordBuilder) freshStrings() {
	if len(b.pending) == 0 {
		return
	}
	all := string(b.freshBuf)
	for _, p := range b.pending {
		v := all[p.off:p.end]
		*p.dst = v
		if p.slot != nil {
			*p.slot = v
		}
		if p.last != nil {
			*p.last = v
		}
	}
	b.pending, b.freshBuf = b.pending[:0], b.freshBuf[:0]
}

// trimBlank is bytes.TrimSpace, quick when the ends are printable ASCII
// (every white space character, ASCII or not, has a byte that is not).
func trimBlank(b []byte) []byte {
	if len(b) == 0 || b[0] > ' ' && b[0] < 0x80 && b[len(b)-1] > ' ' && b[len(b)-1] < 0x80 {
		return b
	}
	return bytes.TrimSpace(b)
}

// trimSpace is bytes.TrimSpace for ASCII blanks, quick when there are
// none (nearly always).
func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// str returns a field as a string, interned: rules, zones, applications
// and addresses repeat from line to line.
func (b *recordBuilder) str(raw []byte) string {
	raw = trimSpace(raw)
	if len(raw) == 0 {
		return ""
	}
	if s, ok := b.intern[string(raw)]; ok {
		return s
	}
	s := string(raw)
	if len(b.intern) < maxInterned && len(s) <= 64 {
		b.intern[s] = s
	}
	return s
}

// num reads a decimal field no larger than max; an empty field is 0.
// A field of up to eight digits, without blanks, is read at once; the
// others by numField.
func num(r *rawRecord, f fieldID, max uint64) (uint64, *lineError) {
	if n, ok := digits8(r.get(f)); ok && n <= max {
		return n, nil
	}
	return numField(r, f, max)
}

// numField is num for any field.
func numField(r *rawRecord, f fieldID, max uint64) (uint64, *lineError) {
	raw := trimSpace(r.get(f))
	if len(raw) == 0 {
		return 0, nil
	}
	n, ok := digits8(raw)
	if !ok {
		var err *lineError
		if n, err = numSlow(f, raw); err != nil {
			return 0, err
		}
	}
	if n > max {
		return 0, badf(BadNumber, "%s %d is out of range", fieldNames[f], n)
	}
	return n, nil
}

// digits8 reads a decimal of up to eight digits eight bytes at a time
// (none is 0): the digits are put in the high bytes of a word, checked at
// once and joined pairwise. It returns false for anything else, or when
// the bytes after raw are not there to load (numSlow then reads it).
func digits8(raw []byte) (uint64, bool) {
	if len(raw) > 8 || cap(raw) < 8 {
		return 0, false
	}
	shift := 64 - 8*uint(len(raw))
	x := (binary.LittleEndian.Uint64(raw[:8]) ^ 0x3030303030303030) << shift
	if ((x&0x7f7f7f7f7f7f7f7f)+0x7676767676767676|x)&0x8080808080808080 != 0 {
		return 0, false // a byte that is not a digit
	}
	x = (x*10 + x>>8) & 0x00ff00ff00ff00ff
	x = (x*100 + x>>16) & 0x0000ffff0000ffff
	return uint64(uint32(x*10000 + x>>32)), true
}

// numSlow reads a decimal digit by digit, for num.
func numSlow(f fieldID, raw []byte) (uint64, *lineError) {
	var n uint64
	for _, c := range raw {
		if c < '0' || c > '9' {
			return 0, badf(BadNumber, "%s %q", fieldNames[f], clipValue(string(raw)))
		}
		d := uint64(c - '0')
		if n > (1<<64-1-d)/10 {
			return 0, badf(BadNumber, "%s %q overflows", fieldNames[f], clipValue(string(raw)))
		}
		n = n*10 + d
	}
	return n, nil
}

func num64(r *rawRecord, f fieldID) (int64, *lineError) {
	n, err := num(r, f, 1<<63-1)
	return int64(n), err
}

// clip shortens a value quoted in a message.
func clipValue(s string) string {
	const max = 60
	if len(s) > max {
		return s[:max] + "..."
	}
	return s
}
