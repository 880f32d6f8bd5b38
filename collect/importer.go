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
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
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
	// records kept, per rule; OtherRules the sessions of the traffic logs
	// skipped for their rule (at most maxOtherRules rules).
	TrafficRules, ThreatRules, OtherRules map[string]int64
	// Devices maps each firewall serial to its device name ("" unknown).
	Devices map[string]string
	// How device-local receive times were placed: by --device-tz, by the
	// record's own offset, or as UTC for want of either; ZoneMismatch counts
	// records whose offset disagrees with --device-tz.
	WithZone, WithOffset, AssumedUTC, ZoneMismatch int64
	DeviceTZ                                       *time.Location
}

// maxOtherRules bounds the rules ImportStats.OtherRules counts.
const maxOtherRules = 10000

// maxLine bounds one input line; PAN-OS syslog messages are at most 8 KB,
// SIEM wrappers add to that.
const maxLine = 1 << 20

// Importer reads exported PAN-OS logs: syslog files, web interface CSV
// exports, Strata Logging Service CSV, CEF, LEEF, and SIEM JSON exports of
// any of them; plain or gzip, one input after another. With cores to
// spare, lines are parsed on several and handed to the callbacks in input
// order. Memory does not grow with the lines read, only with the records
// kept, for deduplication: a fraction of a byte each for a device's
// records read in order, a few dozen bytes at worst (see dedupe). It is
// not safe for concurrent use.
type Importer struct {
	o       ImportOptions
	stats   ImportStats
	workers int
	parsers []*lineParser // one per worker; parsers[0] serves the sequential path
	seen    *dedupe
	// counts held back from the maps of stats until Stats
	threatRules, trafficRules heldCount
	// the device of the record before, already in stats.Devices
	lastSerial, lastDevice string
	deviceSeen             bool
	file                   string
	chunk                  int // the framer's chunk size; 0 is chunkBytes (tests set it)
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
		seen: newDedupe(),
	}
	// One core frames and consumes; the others parse. On two cores two
	// parsers still gain (measured: 590k-640k PAN-OS 10.0 lines/s against
	// 430k-460k in place, and 560k with three); on one, one goroutine does
	// it all.
	im.setWorkers(importWorkers(runtime.GOMAXPROCS(0)))
	im.stats.Skipped = map[string]int64{}
	im.stats.Bad = map[string]int64{}
	im.stats.TrafficRules = map[string]int64{}
	im.stats.ThreatRules = map[string]int64{}
	im.stats.OtherRules = map[string]int64{}
	im.stats.Devices = map[string]string{}
	im.stats.DeviceTZ = o.DeviceTZ
	return im, nil
}

// importWorkers is how many goroutines parse on procs cores: none besides
// the caller's on one core, two on two, one fewer than the cores (up to
// 8) on more.
func importWorkers(procs int) int {
	switch {
	case procs <= 1:
		return 1
	case procs == 2:
		return 2
	}
	return min(procs-1, 8)
}

// setWorkers sets how many goroutines parse (below 2: none, the caller's
// goroutine does it all).
func (im *Importer) setWorkers(n int) {
	im.workers = max(n, 1)
	im.parsers = im.parsers[:0]
	for range im.workers {
		im.parsers = append(im.parsers, newLineParser(&im.o))
	}
}

// Stats returns the counts so far.
func (im *Importer) Stats() *ImportStats {
	s := &im.stats
	im.threatRules.flush(s.ThreatRules)
	im.trafficRules.flush(s.TrafficRules)
	s.WithZone, s.WithOffset, s.AssumedUTC, s.ZoneMismatch = 0, 0, 0, 0
	for _, p := range im.parsers {
		s.WithZone += p.b.withZone
		s.WithOffset += p.b.withOffset
		s.AssumedUTC += p.b.assumedUTC
		s.ZoneMismatch += p.b.zoneMismatch
	}
	return s
}

// countingReader counts the bytes read through it, for progress reports
// made on another goroutine.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// An input is cut into batches of lines (the framer), parsed by workers,
// and consumed in order. The framer also finds a CSV export's header rows,
// since they decide how the lines after them are read.

// batchLines is how many lines a batch holds, maxBatchLines how many
// at most when its lines are cut from a chunk of the input.
const (
	batchLines    = 512
	maxBatchLines = 4 * batchLines
)

type entryFlag uint8

const (
	entryLine    entryFlag = iota
	entryHeader            // a CSV export's header row: counted, not parsed
	entryTooLong           // a line over maxLine, dropped
	entryBadJSON           // a JSON array element that did not decode
)

type entry struct {
	off, end int // the line in batch.buf
	lineNo   int64
	flag     entryFlag
	msg      string
}

type batch struct {
	buf    []byte
	ents   []entry
	header *exportHeader // in effect for the batch's rows
	res    []lineResult
	done   chan struct{}
}

// batchPool keeps batches, their buffers grown to the lines they held,
// from one input to the next: an import of many files, or of many
// importers, would otherwise grow them again for each.
var batchPool = sync.Pool{New: func() any { return &batch{done: make(chan struct{}, 1)} }}

func getBatch() *batch { return batchPool.Get().(*batch) }

func (b *batch) reset(h *exportHeader) {
	b.buf, b.ents, b.res, b.header = b.buf[:0], b.ents[:0], b.res[:0], h
}

// framer cuts one input into batches.
type framer struct {
	o       *ImportOptions
	br      *bufio.Reader
	lineNo  int64
	header  *exportHeader
	csv     csvFields
	long    []byte        // a line longer than the reader's buffer, so far
	tooLong bool          // the line in long passed maxLine
	array   *json.Decoder // a JSON array input, element by element
	eof     bool
	err     error // the read error that ended the input
	// Lines cut from whole chunks of the input (see fillChunk): the
	// chunk size, the start of a line the last chunk ended in, and
	// whether the rest of a line too long is being dropped.
	chunk    int
	carry    []byte
	dropping bool
	read     int64 // bytes cut into lines so far
}

// chunkBytes is how much of the input a batch takes in one read when
// its lines are cut in place.
const chunkBytes = 256 << 10

// frame is one line of an input, as the framer cut it: the bytes are
// valid until the framer's next call.
type frame struct {
	line   []byte
	lineNo int64
	flag   entryFlag
	msg    string
}

// next returns the input's next line, or false at its end. A read error
// is returned after the lines read before it.
func (fr *framer) next() (frame, bool, error) {
	for !fr.eof {
		if fr.array != nil {
			if !fr.array.More() {
				fr.eof = true
				break
			}
			var el json.RawMessage
			fr.lineNo++
			if err := fr.array.Decode(&el); err != nil {
				fr.eof = true // the rest of the array cannot be found
				return frame{lineNo: fr.lineNo, flag: entryBadJSON, msg: err.Error()}, true, nil
			}
			return frame{line: el, lineNo: fr.lineNo}, true, nil
		}
		chunk, err := fr.br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			if fr.tooLong || len(fr.long)+len(chunk) > maxLine {
				fr.tooLong, fr.long = true, fr.long[:0]
			} else {
				fr.long = append(fr.long, chunk...)
			}
			continue
		}
		if err != nil {
			fr.eof = true
			if err != io.EOF {
				fr.err = err
			}
		}
		line := chunk
		tooLong := fr.tooLong || len(fr.long)+len(chunk) > maxLine
		if len(fr.long) > 0 && !tooLong {
			line = append(fr.long, chunk...)
			fr.long = line
		}
		fr.long, fr.tooLong = fr.long[:0], false
		if len(line) == 0 && !tooLong {
			continue
		}
		fr.lineNo++
		switch {
		case tooLong:
			return frame{lineNo: fr.lineNo, flag: entryTooLong}, true, nil
		case fr.isHeader(line):
			return frame{line: line, lineNo: fr.lineNo, flag: entryHeader}, true, nil
		}
		return frame{line: line, lineNo: fr.lineNo}, true, nil
	}
	return frame{}, false, fr.err
}

// fill adds lines to b until it is full, the input ends or a header row
// changes how the rows after it are read (they go in a new batch). It
// returns the input's read error, if any, after the lines before it.
func (fr *framer) fill(b *batch) error {
	if fr.inPlace() {
		return fr.fillChunk(b)
	}
	for len(b.ents) < batchLines {
		f, ok, err := fr.next()
		if !ok {
			return err
		}
		off := len(b.buf)
		b.buf = append(b.buf, f.line...)
		b.ents = append(b.ents, entry{off: off, end: len(b.buf), lineNo: f.lineNo, flag: f.flag, msg: f.msg})
		if f.flag == entryHeader {
			return nil
		}
	}
	return nil
}

// inPlace reports whether the lines from here on can be cut from whole
// chunks of the input, where they were read, rather than one by one and
// copied: none can be a header row (the input is not an export, and the
// first line was not a header), and it is not a JSON array.
func (fr *framer) inPlace() bool {
	return fr.lineNo > 0 && fr.header == nil && fr.array == nil && fr.o.Format != FormatCSV &&
		len(fr.long) == 0 && !fr.tooLong
}

// fillChunk reads the next chunk of the input into b, with the start of
// a line the chunk before ended in, and cuts it into lines where it lies:
// the bytes are read once and copied once. A line that ends past the
// chunk is carried into the next batch; one longer than maxLine is a
// too-long entry, and the rest of it is dropped as it is read.
func (fr *framer) fillChunk(b *batch) error {
	// A chunk holds about batchLines lines of the length seen so far.
	size := fr.chunk
	if size <= 0 {
		size = chunkBytes
		if fr.lineNo > 0 && fr.read > 0 {
			size = int(min(max(fr.read/fr.lineNo*batchLines, 16<<10), chunkBytes))
		}
	}
	buf := append(b.buf[:0], fr.carry...)
	fr.carry = fr.carry[:0]
	plain := len(buf) // buf[:plain] has no line end: the carry has none
	for {
		if cap(buf)-len(buf) < size {
			buf = slices.Grow(buf, size)
		}
		at := len(buf)
		n, err := fr.br.Read(buf[at : at+size])
		buf = buf[:at+n]
		if err != nil {
			fr.eof = true
			if err != io.EOF {
				fr.err = err
			}
		}
		if fr.dropping {
			i := bytes.IndexByte(buf[at:], '\n')
			if i < 0 {
				buf = buf[:at]
			} else {
				buf = append(buf[:at], buf[at+i+1:]...)
				fr.dropping = false
			}
		}
		// Lines are cut at the end of the input, or once a whole chunk
		// is read and has a line end.
		end := len(buf)
		if !fr.eof {
			if len(buf) < size {
				continue
			}
			end = bytes.LastIndexByte(buf[plain:], '\n') + 1
			if end > 0 {
				end += plain
			}
			plain = len(buf)
			if end == 0 && len(buf) <= maxLine {
				continue // one line so far, not too long yet
			}
			if end == 0 {
				fr.lineNo++
				b.ents = append(b.ents, entry{lineNo: fr.lineNo, flag: entryTooLong})
				b.buf, fr.dropping = buf[:0], true
				return nil
			}
		}
		for off := 0; off < end; {
			if len(b.ents) == maxBatchLines {
				end = off // the rest goes in the next batch
				break
			}
			i := bytes.IndexByte(buf[off:end], '\n')
			next := off + i + 1
			if i < 0 {
				next = end
			}
			fr.lineNo++
			if next-off > maxLine {
				b.ents = append(b.ents, entry{lineNo: fr.lineNo, flag: entryTooLong})
			} else {
				b.ents = append(b.ents, entry{off: off, end: next, lineNo: fr.lineNo})
			}
			off = next
		}
		fr.read += int64(end)
		fr.carry = append(fr.carry, buf[end:]...)
		b.buf = buf[:end]
		return nil
	}
}

// isHeader reports whether line is a CSV export's header row (the first
// line of an input, or a later one when the input is an export, as when
// exports are concatenated), and makes it the header in effect.
func (fr *framer) isHeader(line []byte) bool {
	f := fr.o.Format
	if !(f == FormatCSV || f == FormatAuto && (fr.lineNo == 1 || fr.header != nil)) || !looksLikeHeader(line) {
		return false
	}
	h, ok := parseExportHeader(&fr.csv, trimLine(line))
	if ok {
		fr.header = &h
	}
	return ok
}

// Read imports one input named name (for messages) of size bytes (-1 when
// unknown). It detects gzip by its magic number and a JSON array by its
// opening bracket. It returns the first error of the input, of ctx, of a
// callback, or, when strict, a *BadLineError.
func (im *Importer) Read(ctx context.Context, name string, r io.Reader, size int64) error {
	im.stats.Files++
	im.file = name
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
	fr := &framer{o: &im.o, br: br, chunk: im.chunk}
	if isJSONArray(br) {
		fr.array = json.NewDecoder(br)
		if _, err := fr.array.Token(); err != nil { // '['
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	progress := func() {
		if im.o.Progress != nil {
			im.o.Progress(ImportProgress{File: name, Read: cr.n.Load(), Size: size, Lines: im.stats.Lines})
		}
	}
	var err error
	if im.workers < 2 {
		err = im.readSequential(ctx, fr, progress)
	} else {
		err = im.readParallel(ctx, fr, progress)
	}
	if err != nil {
		return err
	}
	progress()
	return nil
}

// readSequential frames, parses and consumes on one goroutine, each line
// where the reader's buffer holds it: never copied.
func (im *Importer) readSequential(ctx context.Context, fr *framer, progress func()) error {
	p := im.parsers[0]
	var res lineResult
	for n := 1; ; n++ {
		f, ok, err := fr.next()
		if !ok {
			if err != nil {
				return fmt.Errorf("%s: %w", im.file, err)
			}
			return nil
		}
		p.parseFrame(&f, fr.header, &res)
		if err := im.consume(&res); err != nil {
			return err
		}
		if n%batchLines == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			progress()
		}
	}
}

// readParallel frames on one goroutine, parses on the workers and consumes
// on the caller's, in input order.
func (im *Importer) readParallel(ctx context.Context, fr *framer, progress func()) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	inFlight := 2 * im.workers
	free := make(chan *batch, inFlight)
	for range inFlight {
		free <- getBatch()
	}
	work := make(chan *batch, inFlight)
	order := make(chan *batch, inFlight)
	var frameErr error
	var wg sync.WaitGroup
	wg.Add(1 + im.workers)
	go func() { // the framer
		defer wg.Done()
		defer close(work)
		defer close(order)
		for !fr.eof {
			var b *batch
			select {
			case b = <-free:
			case <-ctx.Done():
				return
			}
			b.reset(fr.header)
			if err := fr.fill(b); err != nil {
				frameErr = err
				fr.eof = true
			}
			work <- b
			order <- b
		}
	}()
	for _, p := range im.parsers {
		go func() {
			defer wg.Done()
			for b := range work {
				if ctx.Err() == nil {
					p.parseBatch(b)
				}
				b.done <- struct{}{}
			}
		}()
	}
	var err error
	for b := range order {
		<-b.done
		if err == nil {
			err = im.consumeBatch(b)
			if err == nil {
				err = ctx.Err()
			}
			if err != nil {
				cancel()
			} else {
				progress()
			}
		}
		select {
		case free <- b:
		default:
			batchPool.Put(b)
		}
	}
	wg.Wait()
	for len(free) > 0 {
		batchPool.Put(<-free)
	}
	if err == nil && frameErr != nil {
		err = fmt.Errorf("%s: %w", im.file, frameErr)
	}
	return err
}

// isJSONArray reports whether the input starts, after blanks, with '['.
func isJSONArray(br *bufio.Reader) bool {
	for n := 1; n <= 4096; n++ {
		b, _ := br.Peek(n)
		if len(b) < n {
			return false
		}
		switch b[n-1] {
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

// consumeBatch counts a parsed batch and keeps its records, in order.
func (im *Importer) consumeBatch(b *batch) error {
	for i := range b.res {
		if err := im.consume(&b.res[i]); err != nil {
			return err
		}
	}
	return nil
}

// consume counts a parsed line and keeps its record.
func (im *Importer) consume(res *lineResult) error {
	if res.blank {
		return nil
	}
	im.stats.Lines++
	switch res.kind {
	case kindBad:
		return im.bad(res)
	case kindSkip:
		im.stats.Skipped[res.reason]++
	case kindThreat:
		return im.keepThreat(&res.threat)
	case kindTraffic:
		return im.keepTraffic(&res.traffic)
	}
	return nil
}

// bad counts a bad line; strict, it returns it as an error.
func (im *Importer) bad(res *lineResult) error {
	im.stats.Bad[res.reason]++
	bl := BadLine{File: im.file, Line: res.lineNo, Reason: res.reason, Detail: res.detail, Text: res.text}
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
	im.threatRules.add(im.stats.ThreatRules, l.Rule, int64(l.Hits()))
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
		if _, ok := im.stats.OtherRules[l.Rule]; ok || len(im.stats.OtherRules) < maxOtherRules {
			im.stats.OtherRules[l.Rule] += int64(l.Sessions())
		}
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
	im.trafficRules.add(im.stats.TrafficRules, l.Rule, int64(l.Sessions()))
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
	if serial == im.lastSerial && device == im.lastDevice && im.deviceSeen {
		return // as the record before
	}
	if name, ok := s.Devices[serial]; !ok || name == "" && device != "" {
		s.Devices[serial] = device
	}
	im.lastSerial, im.lastDevice, im.deviceSeen = serial, device, true
}

// heldCount adds to a count per rule, holding the count of the last rule
// back until another comes: consecutive records mostly name the same
// rule, and an addition costs less than a map update.
type heldCount struct {
	rule string
	n    int64
	held bool
}

func (c *heldCount) add(m map[string]int64, rule string, n int64) {
	if c.held && rule == c.rule {
		c.n += n
		return
	}
	c.flush(m)
	c.rule, c.n, c.held = rule, n, true
}

func (c *heldCount) flush(m map[string]int64) {
	if c.held {
		m[c.rule] += c.n
		c.held = false
	}
}

// duplicate reports whether a record was kept before, remembering it. The
// key is (device, log type, sequence number); without a sequence number
// it is the whole record. Strata Logging Service writes "no-serial", so
// its device name stands in for the serial.
func (im *Importer) duplicate(typ byte, serial, device string, seq uint64, whole func(*maphash.Hash)) bool {
	id := serial
	if serial == "" || serial == "no-serial" {
		id = device
	}
	var dup bool
	if seq != 0 {
		dup = im.seen.seen(id, typ, seq)
	} else {
		dup = im.seen.seenWhole(id, typ, whole)
	}
	if dup {
		im.stats.Duplicates++
	}
	return dup
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
