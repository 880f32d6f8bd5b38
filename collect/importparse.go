package collect

import "github.com/panos-mine/mine"

// kindBad is a line that could not be read (see lineResult.reason).
const kindBad kind = -1

// lineResult is what one line turned out to be.
type lineResult struct {
	lineNo  int64
	blank   bool // an empty line: not counted
	kind    kind // 0 for a header row
	reason  string
	detail  string // bad lines: what was wrong
	text    string // bad lines: the start of the line
	threat  mine.ThreatLog
	traffic mine.TrafficLog
}

// lineParser turns lines into records. Each worker has its own: it holds
// the split fields, the interned strings and the zone cache.
type lineParser struct {
	o       *ImportOptions
	b       *recordBuilder
	csv     csvFields
	raw     rawRecord
	pairs   []kv
	scratch []byte
	n       int64        // lines parsed, to sample high_res_timestamp under --device-tz
	ahead   *panosLayout // the last PAN-OS payload's layout (see readPANOS)
}

func newLineParser(o *ImportOptions) *lineParser {
	return &lineParser{o: o, b: newRecordBuilder(o.DeviceTZ, o.MinThreatID, o.MaxThreatID, o.ThreatName)}
}

// parseBatch parses every line of b into b.res.
func (p *lineParser) parseBatch(b *batch) {
	if cap(b.res) < len(b.ents) {
		b.res = make([]lineResult, len(b.ents))
	}
	b.res = b.res[:len(b.ents)]
	for i, e := range b.ents {
		f := frame{line: b.buf[e.off:e.end], lineNo: e.lineNo, flag: e.flag, msg: e.msg}
		p.parseFrame(&f, b.header, &b.res[i])
	}
}

// parseFrame parses one line, read under header h, into res.
func (p *lineParser) parseFrame(f *frame, h *exportHeader, res *lineResult) {
	// Only what a line sets is reset: the record is written whole when
	// there is one.
	res.lineNo, res.blank, res.kind, res.reason, res.detail, res.text = f.lineNo, false, 0, "", "", ""
	switch f.flag {
	case entryHeader:
	case entryTooLong:
		res.fail(badf(BadTooLong, "a line longer than %d bytes", maxLine), nil)
	case entryBadJSON:
		res.fail(badf(BadJSON, "%s", f.msg), nil)
	default:
		p.parse(f.line, h, res)
	}
}

func (r *lineResult) fail(e *lineError, text []byte) {
	r.kind, r.reason, r.detail, r.text = kindBad, e.reason, e.detail, excerpt(text)
}

// trimLine drops the line end and surrounding blanks.
func trimLine(line []byte) []byte {
	for n := len(line); n > 0 && (line[n-1] == '\n' || line[n-1] == '\r' || line[n-1] == ' ' || line[n-1] == '\t'); n = len(line) {
		line = line[:n-1]
	}
	return trimSpace(line)
}

// parse reads one line into res.
func (p *lineParser) parse(line []byte, h *exportHeader, res *lineResult) {
	line = trimLine(line)
	if len(line) == 0 {
		res.blank = true
		return
	}
	p.n++
	orig := line
	if line[0] == '{' {
		s, lerr := rawFromJSON(line, p.o.JSONFields)
		if lerr != nil {
			res.fail(lerr, orig)
			return
		}
		p.scratch = append(p.scratch[:0], s...)
		line = trimSpace(p.scratch)
		if len(line) == 0 {
			res.fail(badf(BadUnknownType, "an empty raw line in the JSON object"), orig)
			return
		}
	}
	p.raw.reset()
	if lerr := p.read(line, h); lerr != nil {
		res.fail(lerr, orig)
		return
	}
	k, reason, lerr := p.b.build(&p.raw, &res.threat, &res.traffic)
	switch {
	case lerr != nil:
		res.fail(lerr, orig)
	case k == kindThreat || k == kindTraffic:
		res.kind = k
	default:
		res.kind, res.reason = k, reason
	}
}

// read fills p.raw from a line: a row of the CSV export whose header is
// in effect, or a syslog, Strata, CEF or LEEF payload.
func (p *lineParser) read(line []byte, h *exportHeader) *lineError {
	f := p.o.Format
	if f == FormatCSV || f == FormatAuto && h != nil {
		if h == nil {
			return badf(BadUnknownType, "a CSV row before any header row naming Receive Time and Type")
		}
		return readExportRow(&p.csv, h, line, &p.raw)
	}
	start, kind := locatePayload(line)
	if f != FormatAuto && kind != f.payload() {
		return badf(BadUnknownType, "not a %s line", f)
	}
	pl := line[start:]
	switch kind {
	case payPANOS, payCDL:
		// With --device-tz the high_res_timestamp is only read now and
		// then, to check the zone against the offsets the device wrote.
		hiRes := p.o.DeviceTZ == nil || p.n <= 256 || p.n&0xff == 0
		err := readPANOS(&p.csv, pl, kind == payCDL, hiRes, p.ahead, &p.raw)
		p.ahead = p.raw.layout
		return err
	case payCEF:
		var err *lineError
		p.pairs, err = readCEF(pl, p.pairs, &p.raw)
		return err
	case payLEEF:
		return readLEEF(pl, &p.raw)
	}
	return badf(BadUnknownType, "no PAN-OS log in the line")
}
