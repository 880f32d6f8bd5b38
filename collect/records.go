package collect

import (
	"bufio"
	"io"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/panos-mine/mine"
)

// RecordWriter writes imported records as JSON, one object per line, for
// jq and other tools. Every record has the keys type ("THREAT" or
// "TRAFFIC"), receive_time (RFC 3339, UTC), serial, seqno, session_id,
// src, dst, sport, dport, rule, app, from, to, repeat_count and action;
// threat records add threat_id (a number), threat_name and misc (the URL
// or file name as logged, without the quotes); traffic records add bytes.
// These keys are a public interface: they never change.
type RecordWriter struct {
	w   *bufio.Writer
	buf []byte
	err error
}

// NewRecordWriter returns a writer to w. Call Flush at the end.
func NewRecordWriter(w io.Writer) *RecordWriter {
	return &RecordWriter{w: bufio.NewWriterSize(w, 64<<10)}
}

// Threat writes a threat record. It returns the first write error.
func (rw *RecordWriter) Threat(l *mine.ThreatLog) error {
	b := rw.common(rw.buf[:0], "THREAT", l.ReceiveTime, l.Serial, l.SeqNo, l.SessionID, l.Src, l.Dst, l.SrcPort, l.DstPort,
		l.Rule, l.App, l.FromZone, l.ToZone, l.RepeatCount, l.Action)
	b = append(b, `,"threat_id":`...)
	b = strconv.AppendInt(b, int64(l.ThreatID), 10)
	b = appendKey(b, "threat_name")
	b = appendJSONString(b, l.ThreatName)
	b = appendKey(b, "misc")
	b = appendJSONString(b, l.URL)
	b = append(b, "}\n"...)
	return rw.write(b)
}

// Traffic writes a traffic record. It returns the first write error.
func (rw *RecordWriter) Traffic(l *mine.TrafficLog) error {
	b := rw.common(rw.buf[:0], "TRAFFIC", l.ReceiveTime, l.Serial, l.SeqNo, l.SessionID, l.Src, l.Dst, l.SrcPort, l.DstPort,
		l.Rule, l.App, l.FromZone, l.ToZone, l.RepeatCount, l.Action)
	b = append(b, `,"bytes":`...)
	b = strconv.AppendInt(b, l.Bytes, 10)
	b = append(b, "}\n"...)
	return rw.write(b)
}

// Flush writes what is buffered and returns the first error.
func (rw *RecordWriter) Flush() error {
	if rw.err != nil {
		return rw.err
	}
	rw.err = rw.w.Flush()
	return rw.err
}

func (rw *RecordWriter) write(b []byte) error {
	rw.buf = b
	if rw.err != nil {
		return rw.err
	}
	_, rw.err = rw.w.Write(b)
	return rw.err
}

func (rw *RecordWriter) common(b []byte, typ string, recv time.Time, serial string, seq, session uint64, src, dst string,
	sport, dport int, rule, app, from, to string, repeat int, action string) []byte {
	b = append(b, `{"type":`...)
	b = appendJSONString(b, typ)
	b = appendKey(b, "receive_time")
	b = append(b, '"')
	b = recv.UTC().AppendFormat(b, time.RFC3339)
	b = append(b, '"')
	b = appendKey(b, "serial")
	b = appendJSONString(b, serial)
	b = append(b, `,"seqno":`...)
	b = strconv.AppendUint(b, seq, 10)
	b = append(b, `,"session_id":`...)
	b = strconv.AppendUint(b, session, 10)
	b = appendKey(b, "src")
	b = appendJSONString(b, src)
	b = appendKey(b, "dst")
	b = appendJSONString(b, dst)
	b = append(b, `,"sport":`...)
	b = strconv.AppendInt(b, int64(sport), 10)
	b = append(b, `,"dport":`...)
	b = strconv.AppendInt(b, int64(dport), 10)
	b = appendKey(b, "rule")
	b = appendJSONString(b, rule)
	b = appendKey(b, "app")
	b = appendJSONString(b, app)
	b = appendKey(b, "from")
	b = appendJSONString(b, from)
	b = appendKey(b, "to")
	b = appendJSONString(b, to)
	b = append(b, `,"repeat_count":`...)
	b = strconv.AppendInt(b, int64(repeat), 10)
	b = appendKey(b, "action")
	b = appendJSONString(b, action)
	return b
}

func appendKey(b []byte, k string) []byte {
	b = append(b, ',', '"')
	b = append(b, k...)
	return append(b, '"', ':')
}

// appendJSONString appends s as a JSON string. Invalid UTF-8 becomes
// U+FFFD, as encoding/json does; <, > and & are kept (the output is not
// HTML).
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
