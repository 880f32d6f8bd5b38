package collect

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/panos-mine/mine"
)

// Format is the form of the lines an import reads. FormatAuto tells them
// apart line by line; the others insist on one form and count any other
// line as bad.
type Format int

const (
	FormatAuto   Format = iota
	FormatSyslog        // PAN-OS syslog CSV behind any header, or none
	FormatStrata        // Strata Logging Service (Cortex Data Lake) CSV, ISO 8601 times
	FormatCSV           // a web interface CSV export, with its header row
	FormatCEF           // PAN-OS CEF custom format
	FormatLEEF          // PAN-OS LEEF custom format
)

var formatNames = []string{"auto", "syslog", "strata", "csv", "cef", "leef"}

// FormatNames lists the names ParseFormat accepts.
func FormatNames() []string { return slices.Clone(formatNames) }

// ParseFormat returns the format of a name ("auto", "syslog", "strata",
// "csv", "cef", "leef"), or an error naming the accepted ones.
func ParseFormat(s string) (Format, error) {
	for i, n := range formatNames {
		if s == n {
			return Format(i), nil
		}
	}
	return 0, fmt.Errorf("unknown log format %q: want %s", s, strings.Join(formatNames, ", "))
}

func (f Format) String() string {
	if f >= 0 && int(f) < len(formatNames) {
		return formatNames[f]
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// payload is the payload form a format insists on.
func (f Format) payload() payloadKind {
	switch f {
	case FormatSyslog:
		return payPANOS
	case FormatStrata:
		return payCDL
	case FormatCEF:
		return payCEF
	case FormatLEEF:
		return payLEEF
	}
	return payNone
}

// ImportOptions say how an import reads and what it keeps.
type ImportOptions struct {
	Format Format
	// JSONFields name the fields of JSON exports that hold the raw line,
	// tried before event.original, _raw, message and log.original. A
	// dotted name reaches into nested objects.
	JSONFields []string
	// DeviceTZ is the zone of device-local times. When nil, a record's
	// high_res_timestamp offset places it, and without one it is read as
	// UTC (counted in ImportStats.AssumedUTC).
	DeviceTZ *time.Location
	// Window, when set, keeps only records received in it (closed).
	Window mine.Window
	// MinThreatID and MaxThreatID bound the threat IDs kept (mine's HTTP
	// status signatures); ThreatName names a bare numeric ID.
	MinThreatID, MaxThreatID int
	ThreatName               func(id int) string
	// KeepTraffic, when set, keeps only the traffic logs of the rules it
	// accepts (the catch-all).
	KeepTraffic func(rule string) bool
	// Strict makes the first bad line an error (*BadLineError).
	Strict bool
	// BadSamples is how many bad lines Stats keeps for display; default 5.
	BadSamples int
	// Threat and Traffic receive each record kept, once (duplicates are
	// dropped). The argument is reused: copy what you keep. An error
	// stops the import and is returned. Either may be nil.
	Threat  func(*mine.ThreatLog) error
	Traffic func(*mine.TrafficLog) error
	// Progress, when set, is called every few thousand lines.
	Progress func(ImportProgress)
}

// ImportProgress is where an import is in its current input.
type ImportProgress struct {
	File  string
	Read  int64 // bytes read of the input (compressed bytes for gzip)
	Size  int64 // the input's size, or -1 when unknown (a pipe)
	Lines int64 // lines read of all inputs
}

// BadLine is a line that could not be read.
type BadLine struct {
	File   string
	Line   int64
	Reason string // a Bad* constant
	Detail string
	Text   string // the start of the line, control characters replaced
}

func (b BadLine) String() string {
	return fmt.Sprintf("%s:%d: %s (%s): %s", b.File, b.Line, b.Detail, b.Reason, b.Text)
}

// BadLineError is returned by a strict import at its first bad line.
type BadLineError struct{ BadLine }

func (e *BadLineError) Error() string { return "bad line " + e.BadLine.String() }

// ImportStats counts what an import read.
type ImportStats struct {
	Files      int
	Lines      int64 // non-empty lines (or JSON array elements) read
	Threat     int64 // threat records kept
	Traffic    int64 // traffic records kept
	Duplicates int64 // records dropped because an input already had them
	Skipped    map[string]int64
	Bad        map[string]int64
	BadLines   []BadLine // the first few
	// First and Last are the receive times of the earliest and latest
	// record kept.
	First, Last time.Time
	// TrafficRules and ThreatRules count the sessions and responses of the
	// records kept, per rule.
	TrafficRules, ThreatRules map[string]int64
	// Devices maps each firewall serial to its device name ("" unknown).
	Devices map[string]string
	// How device-local receive times were placed: by --device-tz, by the
	// record's own offset, or as UTC for want of either; ZoneMismatch counts
	// records whose offset disagrees with --device-tz.
	WithZone, WithOffset, AssumedUTC, ZoneMismatch int64
	DeviceTZ                                       *time.Location
}

// maxLine bounds one input line; PAN-OS syslog messages are at most 8 KB,
// SIEM wrappers add to that.
const maxLine = 1 << 20

// Importer reads exported PAN-OS logs: syslog files, web interface CSV
// exports, Strata Logging Service CSV, CEF, LEEF, and SIEM JSON exports of
// any of them; plain or gzip, one input after another. Memory does not
// grow with the lines read, only with the distinct records kept (eight
// bytes each, for deduplication). It is not safe for concurrent use.
type Importer struct {
	o     ImportOptions
	stats ImportStats
	b     *recordBuilder
	csv   csvFields
	raw   rawRecord
	pairs []kv
	seen  map[uint64]struct{}
	seed  maphash.Seed

	// per input
	file    string
	lineNo  int64
	header  *exportHeader
	scratch []byte
}

// NewImporter returns an importer. It returns an error when the threat ID
// range is empty.
func NewImporter(o ImportOptions) (*Importer, error) {
	if o.MinThreatID <= 0 || o.MaxThreatID < o.MinThreatID {
		return nil, fmt.Errorf("import: bad threat ID range %d-%d", o.MinThreatID, o.MaxThreatID)
	}
	if o.BadSamples <= 0 {
		o.BadSamples = 5
	}
	im := &Importer{
		o:    o,
		b:    newRecordBuilder(o.DeviceTZ, o.MinThreatID, o.MaxThreatID, o.ThreatName),
		seen: map[uint64]struct{}{},
		seed: maphash.MakeSeed(),
	}
	im.stats.Skipped = map[string]int64{}
	im.stats.Bad = map[string]int64{}
	im.stats.TrafficRules = map[string]int64{}
	im.stats.ThreatRules = map[string]int64{}
	im.stats.Devices = map[string]string{}
	im.stats.DeviceTZ = o.DeviceTZ
	return im, nil
}

// Stats returns the counts so far.
func (im *Importer) Stats() *ImportStats {
	s := &im.stats
	s.WithZone, s.WithOffset, s.AssumedUTC, s.ZoneMismatch = im.b.withZone, im.b.withOffset, im.b.assumedUTC, im.b.zoneMismatch
	return s
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// Read imports one input named name (for messages) of size bytes (-1 when
// unknown). It detects gzip by its magic number and a JSON array by its
// opening bracket. It returns the first error of the input, of ctx, of a
// callback, or, when strict, a *BadLineError.
func (im *Importer) Read(ctx context.Context, name string, r io.Reader, size int64) error {
	im.stats.Files++
	im.file, im.lineNo, im.header = name, 0, nil
	cr := &countingReader{r: r}
	br := bufio.NewReaderSize(cr, 256<<10)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		defer zr.Close()
		br = bufio.NewReaderSize(zr, 256<<10)
	}
	progress := func() {
		if im.o.Progress != nil {
			im.o.Progress(ImportProgress{File: name, Read: cr.n, Size: size, Lines: im.stats.Lines})
		}
	}
	if isJSONArray(br) {
		if err := im.readArray(ctx, br, progress); err != nil {
			return err
		}
		progress()
		return nil
	}
	var long []byte // a line longer than the reader's buffer, so far
	tooLong := false
	for {
		chunk, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			if len(long)+len(chunk) > maxLine {
				tooLong, long = true, long[:0]
			} else if !tooLong {
				long = append(long, chunk...)
			}
			continue
		}
		line := chunk
		if len(long) > 0 || tooLong {
			line = append(long, chunk...)
			long = long[:0]
		}
		if tooLong {
			tooLong = false
			im.lineNo++
			im.stats.Lines++
			if e := im.bad(badf(BadTooLong, "a line longer than %d bytes", maxLine), nil); e != nil {
				return e
			}
		} else if len(line) > 0 {
			im.lineNo++
			if e := im.line(line); e != nil {
				return e
			}
			if im.lineNo&0xfff == 0 {
				if e := ctx.Err(); e != nil {
					return e
				}
				if im.lineNo&0xffff == 0 {
					progress()
				}
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	progress()
	return nil
}

// isJSONArray reports whether the input starts, after blanks, with '['.
func isJSONArray(br *bufio.Reader) bool {
	for n := 1; n <= 4096; n++ {
		b, _ := br.Peek(n)
		if len(b) < n {
			return false
		}
		switch c := b[n-1]; c {
		case ' ', '\t', '\r', '\n':
			continue
		case '[':
			return true
		default:
			return false
		}
	}
	return false
}

// readArray imports a JSON array of SIEM events, element by element.
func (im *Importer) readArray(ctx context.Context, br *bufio.Reader, progress func()) error {
	dec := json.NewDecoder(br)
	if _, err := dec.Token(); err != nil { // '['
		return fmt.Errorf("%s: %w", im.file, err)
	}
	for dec.More() {
		var el json.RawMessage
		if err := dec.Decode(&el); err != nil {
			im.lineNo++
			im.stats.Lines++
			if e := im.bad(badf(BadJSON, "%v", err), nil); e != nil {
				return e
			}
			return nil // the rest of the array cannot be found
		}
		im.lineNo++
		if e := im.line(el); e != nil {
			return e
		}
		if im.lineNo&0xfff == 0 {
			if e := ctx.Err(); e != nil {
				return e
			}
			progress()
		}
	}
	return nil
}

// line imports one line. It returns only errors that stop the import.
func (im *Importer) line(line []byte) error {
	line = bytes.TrimRight(line, "\r\n \t")
	line = bytes.TrimLeft(line, " \t")
	if len(line) == 0 {
		return nil
	}
	im.stats.Lines++
	orig := line
	if line[0] == '{' {
		s, lerr := rawFromJSON(line, im.o.JSONFields)
		if lerr != nil {
			return im.bad(lerr, orig)
		}
		im.scratch = append(im.scratch[:0], s...)
		line = bytes.TrimSpace(im.scratch)
		if len(line) == 0 {
			return im.bad(badf(BadUnknownType, "an empty raw line in the JSON object"), orig)
		}
	}
	im.raw.reset()
	header, lerr := im.read(line)
	if lerr != nil {
		return im.bad(lerr, orig)
	}
	if header {
		return nil
	}
	k, reason, lerr := im.b.build(&im.raw)
	if lerr != nil {
		return im.bad(lerr, orig)
	}
	switch k {
	case kindSkip:
		im.stats.Skipped[reason]++
		return nil
	case kindThreat:
		return im.keepThreat(&im.b.threat)
	case kindTraffic:
		return im.keepTraffic(&im.b.traffic)
	}
	return nil
}

// read fills im.raw from a line. It reports whether the line was a CSV
// export's header row.
func (im *Importer) read(line []byte) (bool, *lineError) {
	f := im.o.Format
	// A header row starts an export, or a later export concatenated to it.
	maybeHeader := f == FormatCSV || f == FormatAuto && (im.lineNo == 1 || im.header != nil)
	if maybeHeader && looksLikeHeader(line) {
		if h, ok := parseExportHeader(&im.csv, line); ok {
			im.header = &h
			return true, nil
		}
	}
	if f == FormatCSV || f == FormatAuto && im.header != nil {
		if im.header == nil {
			return false, badf(BadUnknownType, "a CSV row before any header row naming Receive Time and Type")
		}
		return false, readExportRow(&im.csv, im.header, line, &im.raw)
	}
	start, kind := locatePayload(line)
	if f != FormatAuto && kind != f.payload() {
		return false, badf(BadUnknownType, "not a %s line", f)
	}
	p := line[start:]
	switch kind {
	case payPANOS, payCDL:
		return false, readPANOS(&im.csv, p, kind == payCDL, &im.raw)
	case payCEF:
		var err *lineError
		im.pairs, err = readCEF(p, im.pairs, &im.raw)
		return false, err
	case payLEEF:
		return false, readLEEF(p, &im.raw)
	}
	return false, badf(BadUnknownType, "no PAN-OS log in the line")
}

// bad counts a bad line; strict, it returns it as an error.
func (im *Importer) bad(e *lineError, text []byte) error {
	im.stats.Bad[e.reason]++
	bl := BadLine{File: im.file, Line: im.lineNo, Reason: e.reason, Detail: e.detail, Text: excerpt(text)}
	if len(im.stats.BadLines) < im.o.BadSamples {
		im.stats.BadLines = append(im.stats.BadLines, bl)
	}
	if im.o.Strict {
		return &BadLineError{bl}
	}
	return nil
}

// excerpt is the start of a line, safe to print on a terminal.
func excerpt(b []byte) string {
	const max = 100
	var sb strings.Builder
	for i, r := range string(b) {
		if i >= max {
			sb.WriteString("...")
			break
		}
		if r < 0x20 || r == 0x7f || r == utf8.RuneError {
			r = '?'
		}
		sb.WriteRune(r)
	}
	return sb.String()
}

func (im *Importer) keepThreat(l *mine.ThreatLog) error {
	if !im.inWindow(l.ReceiveTime) {
		im.stats.Skipped[SkipOutside]++
		return nil
	}
	if im.duplicate('t', l.Serial, l.DeviceName, l.SeqNo, func(h *maphash.Hash) {
		writeRecord(h, l.ReceiveTime, l.SessionID, l.Src, l.Dst, l.SrcPort, l.DstPort, l.Rule, l.App, l.Action, l.RepeatCount)
		h.WriteString(l.URL)
		h.WriteString(l.ThreatName)
		writeInt(h, int64(l.ThreatID))
	}) {
		return nil
	}
	im.stats.Threat++
	im.seenRecord(l.ReceiveTime, l.Serial, l.DeviceName)
	im.stats.ThreatRules[l.Rule] += int64(l.Hits())
	if im.o.Threat != nil {
		return im.o.Threat(l)
	}
	return nil
}

func (im *Importer) keepTraffic(l *mine.TrafficLog) error {
	if !im.inWindow(l.ReceiveTime) {
		im.stats.Skipped[SkipOutside]++
		return nil
	}
	if im.o.KeepTraffic != nil && !im.o.KeepTraffic(l.Rule) {
		im.stats.Skipped[SkipOtherRule]++
		return nil
	}
	if im.duplicate('f', l.Serial, l.DeviceName, l.SeqNo, func(h *maphash.Hash) {
		writeRecord(h, l.ReceiveTime, l.SessionID, l.Src, l.Dst, l.SrcPort, l.DstPort, l.Rule, l.App, l.Action, l.RepeatCount)
		h.WriteString(l.Subtype)
		writeInt(h, l.Bytes)
		writeInt(h, l.ElapsedSeconds)
	}) {
		return nil
	}
	im.stats.Traffic++
	im.seenRecord(l.ReceiveTime, l.Serial, l.DeviceName)
	im.stats.TrafficRules[l.Rule] += int64(l.Sessions())
	if im.o.Traffic != nil {
		return im.o.Traffic(l)
	}
	return nil
}

func (im *Importer) inWindow(t time.Time) bool {
	w := im.o.Window
	return w.From.IsZero() && w.To.IsZero() || w.Contains(t)
}

func (im *Importer) seenRecord(t time.Time, serial, device string) {
	s := &im.stats
	if s.First.IsZero() || t.Before(s.First) {
		s.First = t
	}
	if t.After(s.Last) {
		s.Last = t
	}
	if name, ok := s.Devices[serial]; !ok || name == "" && device != "" {
		s.Devices[serial] = device
	}
}

// duplicate reports whether a record was kept before, remembering it. The
// key is (device, log type, sequence number), the sequence number being a
// per-device, per-log-type counter; without one (older releases, some
// exports) it is the whole record. Strata Logging Service writes
// "no-serial", so its device name stands in for the serial.
func (im *Importer) duplicate(typ byte, serial, device string, seq uint64, whole func(*maphash.Hash)) bool {
	var h maphash.Hash
	h.SetSeed(im.seed)
	if serial == "" || serial == "no-serial" {
		h.WriteString(device)
	} else {
		h.WriteString(serial)
	}
	h.WriteByte(0)
	h.WriteByte(typ)
	if seq != 0 {
		writeInt(&h, int64(seq))
	} else {
		h.WriteByte(1)
		whole(&h)
	}
	k := h.Sum64()
	if _, dup := im.seen[k]; dup {
		im.stats.Duplicates++
		return true
	}
	im.seen[k] = struct{}{}
	return false
}

func writeRecord(h *maphash.Hash, t time.Time, session uint64, src, dst string, sport, dport int, rule, app, action string, repeat int) {
	writeInt(h, t.Unix())
	writeInt(h, int64(session))
	for _, s := range []string{src, dst, rule, app, action} {
		h.WriteString(s)
		h.WriteByte(0)
	}
	writeInt(h, int64(sport))
	writeInt(h, int64(dport))
	writeInt(h, int64(repeat))
}

func writeInt(h *maphash.Hash, v int64) {
	var b [8]byte
	for i := range b {
		b[i] = byte(v >> (8 * i))
	}
	h.Write(b[:])
}
