package collect

import (
	"bytes"
	"slices"
)

// A PAN-OS log forwarded by syslog is a CSV payload behind a header. The
// headers seen in practice, all accepted:
//
//	<14>Nov 30 16:44:36 PA-220 1,2018/11/30 ...           BSD, "Send Hostname" on
//	<190>Oct 30 09:46:17 1,2012/10/30 ...                 BSD without the host
//	<12> Jul 14 11:22:29 host 1,...   Mar 9 14:47:44 host 1,...   (space, no PRI)
//	<14>1 2020-10-09T18:39:02-04:00 host - - - - 1,...    RFC 5424 (IETF)
//	1273 <14>1 2024-05-08T01:10:31-07:00 host - - - - ... RFC 6587 octet count
//	2024-05-08T01:10:31.123-07:00 host 1,...              RFC 3339, as rsyslog files it
//	1,2020/12/04 11:09:37,...                             no header (a relay stripped it)
//
// Rather than parse every header, the reader finds where the payload
// starts: the first field (FUTURE_USE, written "1") followed by the receive
// time YYYY/MM/DD HH:MM:SS, or for Strata Logging Service an ISO 8601
// receive time followed by the serial and the log type. What precedes it is
// the header, whatever its form; its own clock is not used (it is the
// sender's, which may be a Panorama or a relay in another zone).

// payloadKind is the form of a line's payload.
type payloadKind int

const (
	payNone payloadKind = iota
	payPANOS
	payCDL
	payCEF
	payLEEF
)

// headerSearch is how far into a line the payload may start.
const headerSearch = 512

// locatePayload returns where the payload of a syslog line starts and its
// form, or payNone.
func locatePayload(line []byte) (int, payloadKind) {
	limit := min(len(line), headerSearch)
	firstComma := bytes.IndexByte(line[:limit], ',')
	if firstComma < 0 {
		firstComma = limit
	}
	if i, k := customFormat(line[:firstComma]); k != payNone {
		return i, k
	}
	for i := firstComma; i < limit; {
		if isPANTime(line[i+1:]) && (i+20 == len(line) || i+20 < len(line) && line[i+20] == ',') {
			return tokenStart(line, i), payPANOS
		}
		start := tokenStart(line, i)
		if isISOTime(line[start:i]) {
			return start, payCDL
		}
		j := bytes.IndexByte(line[i+1:limit], ',')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return 0, payNone
}

// customFormat returns where the first "CEF:" of a header starts, else
// the first "LEEF:". Their F is looked for, many bytes at a time: most
// headers have none.
func customFormat(h []byte) (int, payloadKind) {
	leef := -1
	for i := 0; ; {
		j := bytes.IndexByte(h[i:], 'F')
		if j < 0 {
			break
		}
		i += j
		if i+1 < len(h) && h[i+1] == ':' {
			if i >= 2 && string(h[i-2:i]) == "CE" {
				return i - 2, payCEF
			}
			if leef < 0 && i >= 3 && string(h[i-3:i]) == "LEE" {
				leef = i - 3
			}
		}
		i++
	}
	if leef >= 0 {
		return leef, payLEEF
	}
	return 0, payNone
}

// tokenStart returns where the token that ends at line[end] begins: after
// the last space before it, or at the start of the line.
func tokenStart(line []byte, end int) int {
	return bytes.LastIndexByte(line[:end], ' ') + 1
}

// panosLayout maps the fields mine reads to their positions in a CSV
// payload (noField when absent). min is the fewest fields a record must
// have.
type panosLayout struct {
	min int
	// spansAll and spansNoHiRes are the runs of positions read,
	// ascending: spansAll reads every field named, spansNoHiRes all but
	// the high_res_timestamp (not needed when the device zone is given),
	// so the rest of the line is not split. atAll and atNoHiRes are
	// their fields' positions.
	spansAll, spansNoHiRes []fieldSpan
	atAll, atNoHiRes       fieldPos
	// groups are the runs of fields a record keeps as the last values
	// (see fieldGroup).
	groups []fieldGroup
}

// fieldSpan is a run of fields split in one go, positions at to to.
type fieldSpan struct{ at, to int }

// fieldAt is a field and its position.
type fieldAt struct {
	id fieldID
	at int
}

// skipGap is the gap, in fields, from which the fields between are
// skipped rather than split.
const skipGap = 6

// spansOf cuts fields fs, ascending, into runs: fields close together
// (less than skipGap apart) are split in one go, the gaps between runs
// skipped.
func spansOf(fs []fieldAt) []fieldSpan {
	var sp []fieldSpan
	for _, f := range fs {
		if n := len(sp); n > 0 && f.at-sp[n-1].to < skipGap {
			sp[n-1].to = f.at
			continue
		}
		sp = append(sp, fieldSpan{at: f.at, to: f.at})
	}
	return sp
}

func layout(min int, pairs ...int) panosLayout {
	l := panosLayout{min: min, atAll: noFields(), atNoHiRes: noFields()}
	var all, noHiRes []fieldAt
	for i := 0; i+1 < len(pairs); i += 2 {
		all = append(all, fieldAt{id: fieldID(pairs[i]), at: pairs[i+1]})
	}
	slices.SortFunc(all, func(a, b fieldAt) int { return a.at - b.at })
	for _, f := range all {
		l.atAll[f.id] = uint8(f.at)
		if f.id != fHiRes {
			noHiRes = append(noHiRes, f)
			l.atNoHiRes[f.id] = uint8(f.at)
		}
	}
	l.spansAll, l.spansNoHiRes = spansOf(all), spansOf(noHiRes)
	l.groups = groupsOf(all)
	return l
}

// The PAN-OS syslog layouts, 0-based, from Palo Alto Networks' syslog
// field descriptions (7.1 through 11.x; releases only ever append fields,
// so one table serves them all and a short line simply lacks the tail).
// The minimum is what the analysis cannot do without: through the threat
// ID for threats (4.x logs end at the direction, without a sequence
// number), through the bytes for traffic.
var (
	syslogThreat = layout(33,
		int(fReceive), 1, int(fSerial), 2, int(fType), 3, int(fSubtype), 4, int(fSrc), 7, int(fDst), 8,
		int(fRule), 11, int(fSrcUser), 12, int(fApp), 14, int(fVsys), 15, int(fFrom), 16, int(fTo), 17,
		int(fSession), 22, int(fRepeat), 23, int(fSport), 24, int(fDport), 25, int(fProto), 29, int(fAction), 30,
		int(fMisc), 31, int(fThreat), 32, int(fSeverity), 34, int(fDirection), 35, int(fSeqno), 36,
		int(fDevice), 59, int(fRuleUUID), 76, int(fHiRes), 107)
	syslogTraffic = layout(32,
		int(fReceive), 1, int(fSerial), 2, int(fType), 3, int(fSubtype), 4, int(fSrc), 7, int(fDst), 8,
		int(fRule), 11, int(fSrcUser), 12, int(fApp), 14, int(fVsys), 15, int(fFrom), 16, int(fTo), 17,
		int(fSession), 22, int(fRepeat), 23, int(fSport), 24, int(fDport), 25, int(fProto), 29, int(fAction), 30,
		int(fBytes), 31, int(fBytesSent), 32, int(fBytesRecv), 33, int(fPackets), 34, int(fStart), 35,
		int(fElapsed), 36, int(fSeqno), 39, int(fEndReason), 46, int(fDevice), 52, int(fRuleUUID), 65, int(fHiRes), 102)

	// Strata Logging Service (Cortex Data Lake) forwards the same logs
	// with ISO 8601 times and without the FUTURE_USE, time logged and flags
	// fields, so the positions shift; its times carry their zone. The
	// positions past the sequence number differ between threat subtypes
	// (url logs drop fields); the device name is where vulnerability,
	// spyware and wildfire logs put it.
	cdlThreat = layout(30,
		int(fReceive), 0, int(fSerial), 1, int(fType), 2, int(fSubtype), 3, int(fSrc), 6, int(fDst), 7,
		int(fRule), 10, int(fSrcUser), 11, int(fApp), 13, int(fVsys), 14, int(fFrom), 15, int(fTo), 16,
		int(fSession), 20, int(fRepeat), 21, int(fSport), 22, int(fDport), 23, int(fProto), 26, int(fAction), 27,
		int(fMisc), 28, int(fThreat), 29, int(fSeverity), 30, int(fDirection), 31, int(fSeqno), 32,
		int(fDevice), 49, int(fRuleUUID), 60)
	cdlTraffic = layout(29,
		int(fReceive), 0, int(fSerial), 1, int(fType), 2, int(fSubtype), 3, int(fSrc), 6, int(fDst), 7,
		int(fRule), 10, int(fSrcUser), 11, int(fApp), 13, int(fVsys), 14, int(fFrom), 15, int(fTo), 16,
		int(fSession), 20, int(fRepeat), 21, int(fSport), 22, int(fDport), 23, int(fProto), 26, int(fAction), 27,
		int(fBytes), 28, int(fBytesSent), 29, int(fBytesRecv), 30, int(fPackets), 31, int(fStart), 32,
		int(fElapsed), 33, int(fSeqno), 35, int(fEndReason), 40, int(fDevice), 46, int(fRuleUUID), 59)
)

// readPANOS reads a PAN-OS CSV payload into r, splitting only as far as
// the fields mine reads (and past the ones between quickly). The log type
// sits at position 3 in syslog, 2 in Strata Logging Service CSV. hiRes
// says whether the high_res_timestamp is wanted. ahead, when not nil, is
// the layout the line before was read by: lines of a file mostly share
// one, so its first run of fields is split in one go with the type.
func readPANOS(c *csvFields, payload []byte, cdl, hiRes bool, ahead *panosLayout, r *rawRecord) *lineError {
	typeAt := 3
	if cdl {
		typeAt = 2
	}
	upto := typeAt
	if ahead != nil {
		upto = max(upto, ahead.spansAll[0].to)
	}
	c.begin(payload)
	err := c.scan(upto)
	if err != nil && upto > typeAt {
		// The quoting error may lie past the type, in a line of another
		// type that is skipped whatever it holds: as far as the type only.
		c.begin(payload)
		err = c.scan(typeAt)
	}
	if err != nil {
		return &lineError{reason: BadQuoting, detail: err.Error()}
	}
	typ := trimBlank(c.get(typeAt))
	var l *panosLayout
	switch {
	case string(typ) == "THREAT" && cdl:
		l = &cdlThreat
	case string(typ) == "THREAT":
		l = &syslogThreat
	case string(typ) == "TRAFFIC" && cdl:
		l = &cdlTraffic
	case string(typ) == "TRAFFIC":
		l = &syslogTraffic
	default:
		r.v[fType] = typ
		return nil
	}
	spans, at := l.spansNoHiRes, &l.atNoHiRes
	if hiRes {
		spans, at = l.spansAll, &l.atAll
	}
	for _, sp := range spans {
		if sp.to < c.n {
			continue // read already, with the type
		}
		var err error
		if sp.at-c.n >= skipGap {
			err = c.skip(sp.at - c.n)
		}
		if err == nil {
			err = c.scan(sp.to)
		}
		if err != nil {
			return &lineError{reason: BadQuoting, detail: err.Error()}
		}
		if c.done {
			break // the line is shorter: its last fields are absent
		}
	}
	r.fromCSV(c, at, l)
	if c.n < l.min {
		c.scan(maxFields) // count what the line has, for the message
		return badf(BadTooFew, "%s log with %d fields, at least %d needed", typ, c.n, l.min)
	}
	return nil
}
