package collect

import (
	"bytes"
	"strings"
)

// PAN-OS writes CEF and LEEF through custom log formats: Palo Alto
// Networks publishes the CEF ones (the "CEF Configuration Guide"), IBM the
// LEEF ones (the QRadar DSM guide). Both are key=value extensions behind a
// pipe-separated header:
//
//	CEF:0|Palo Alto Networks|PAN-OS|10.1.11|end|TRAFFIC|1|rt=May 08 2024 08:10:31 GMT deviceExternalId=013201027985 src=... cs1Label=Rule cs1=... externalId=...
//	LEEF:1.0|Palo Alto Networks|PAN-OS Syslog Integration|8.1.8|allow|cat=TRAFFIC|ReceiveTime=2020/09/03 09:54:59|SerialNumber=...|Type=TRAFFIC|...
//
// The formats are editable on the firewall, so the reader maps keys, and
// for CEF's custom fields (cs1, cn1, flexString2...) their labels, rather
// than positions.

// cefKeys maps CEF extension keys to fields, for the keys whose meaning
// does not depend on a label.
var cefKeys = map[string]fieldID{
	"rt": fReceive, "deviceExternalId": fSerial, "src": fSrc, "dst": fDst, "suser": fSrcUser,
	"app": fApp, "cnt": fRepeat, "spt": fSport, "dpt": fDport, "proto": fProto, "act": fAction,
	"request": fMisc, "externalId": fSeqno, "dvchost": fDevice, "PanOSRuleUUID": fRuleUUID,
	"in": fBytesSent, "out": fBytesRecv, "start": fStart, "reason": fEndReason,
}

// cefLabels maps the labels of CEF's custom fields, as PAN-OS's predefined
// formats write them, to fields.
var cefLabels = map[string]fieldID{
	"rule": fRule, "virtual system": fVsys, "source zone": fFrom, "destination zone": fTo,
	"sessionid": fSession, "session id": fSession, "direction": fDirection, "total bytes": fBytes,
	"packets": fPackets, "elapsed time in seconds": fElapsed,
}

// cefDefaults are the custom fields' meanings in the predefined formats,
// used when a line carries no labels.
var cefDefaults = map[string]fieldID{
	"cs1": fRule, "cs3": fVsys, "cs4": fFrom, "cs5": fTo, "cn1": fSession,
	"flexString2": fDirection, "flexNumber1": fBytes, "cn2": fPackets, "cn3": fElapsed,
}

// kv is one key=value pair of an extension.
type kv struct{ k, v []byte }

// splitHeader cuts n pipe-separated header fields off s (a backslash
// escapes a pipe) and returns them and the rest.
func splitHeader(s []byte, n int) ([][]byte, []byte, bool) {
	out := make([][]byte, 0, n)
	start := 0
	for i := 0; i < len(s) && len(out) < n; i++ {
		switch s[i] {
		case '\\':
			i++
		case '|':
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	if len(out) < n {
		return out, nil, false
	}
	return out, s[start:], true
}

// cefPairs splits a CEF extension into key=value pairs. A key is a word
// followed by '=' at the start or after a space; the value runs to the
// space before the next key, so values may hold spaces ("cs3Label=Virtual
// System"). A value in double quotes keeps its spaces and '=' signs.
// Escapes \= \\ \n \r are undone.
func cefPairs(ext []byte, pairs []kv) []kv {
	i := 0
	for i < len(ext) {
		for i < len(ext) && ext[i] == ' ' {
			i++
		}
		ks := i
		for i < len(ext) && isKeyByte(ext[i]) {
			i++
		}
		if i >= len(ext) || ext[i] != '=' || i == ks {
			// not a key: skip to the next space
			j := bytes.IndexByte(ext[i:], ' ')
			if j < 0 {
				break
			}
			i += j
			continue
		}
		key := ext[ks:i]
		i++ // '='
		vs := i
		if i < len(ext) && ext[i] == '"' {
			if j := bytes.IndexByte(ext[i+1:], '"'); j >= 0 && (i+2+j == len(ext) || ext[i+2+j] == ' ') {
				pairs = append(pairs, kv{key, ext[i+1 : i+1+j]})
				i += j + 2
				continue
			}
		}
		end := nextKey(ext, i)
		v := bytes.TrimRight(ext[vs:end], " ")
		pairs = append(pairs, kv{key, cefUnescape(v)})
		i = end
	}
	return pairs
}

// nextKey returns where the next " key=" after i starts (its space), or
// len(ext). An escaped '=' is not a separator.
func nextKey(ext []byte, i int) int {
	for {
		j := bytes.IndexByte(ext[i:], ' ')
		if j < 0 {
			return len(ext)
		}
		sp := i + j
		k := sp + 1
		for k < len(ext) && isKeyByte(ext[k]) {
			k++
		}
		if k > sp+1 && k < len(ext) && ext[k] == '=' {
			return sp
		}
		i = sp + 1
	}
}

func isKeyByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-'
}

func cefUnescape(v []byte) []byte {
	if bytes.IndexByte(v, '\\') < 0 {
		return v
	}
	out := make([]byte, 0, len(v))
	for i := 0; i < len(v); i++ {
		if v[i] == '\\' && i+1 < len(v) {
			switch v[i+1] {
			case '=', '\\', '|':
				out = append(out, v[i+1])
				i++
				continue
			case 'n':
				out = append(out, '\n')
				i++
				continue
			case 'r':
				out = append(out, '\r')
				i++
				continue
			}
		}
		out = append(out, v[i])
	}
	return out
}

// readCEF reads a CEF payload into r.
func readCEF(payload []byte, pairs []kv, r *rawRecord) ([]kv, *lineError) {
	hdr, ext, ok := splitHeader(payload, 7)
	if !ok {
		return pairs, badf(BadTooFew, "CEF header with %d of its 7 fields", len(hdr))
	}
	name, sig := bytes.TrimSpace(hdr[5]), bytes.TrimSpace(hdr[4])
	switch {
	case logTypes[string(name)]:
		r.v[fType] = name
		if bytes.HasSuffix(sig, []byte(")")) {
			r.v[fThreat] = sig // "$threatid|$type" formats
		} else {
			r.v[fSubtype] = sig
		}
	case logTypes[string(sig)]:
		r.v[fType], r.v[fSubtype] = sig, name
	default:
		r.v[fType] = name
	}
	pairs = cefPairs(ext, pairs[:0])
	labels := map[string]string{}
	for _, p := range pairs {
		if k := string(p.k); strings.HasSuffix(k, "Label") {
			labels[strings.TrimSuffix(k, "Label")] = strings.ToLower(strings.TrimSpace(string(p.v)))
		}
	}
	for _, p := range pairs {
		k := string(p.k)
		if id, ok := cefKeys[k]; ok {
			r.v[id] = p.v
			continue
		}
		if k == "cat" {
			// the threat ID on threat logs, the action source on traffic logs
			if string(r.v[fType]) == "THREAT" {
				r.v[fThreat] = p.v
			}
			continue
		}
		if l, ok := labels[k]; ok {
			if id, ok := cefLabels[l]; ok {
				r.v[id] = p.v
			}
			continue
		}
		if id, ok := cefDefaults[k]; ok {
			r.v[id] = p.v
		}
	}
	return pairs, nil
}

// leefKeys maps the attributes of the LEEF formats IBM publishes for
// PAN-OS to fields.
var leefKeys = map[string]fieldID{
	"ReceiveTime": fReceive, "SerialNumber": fSerial, "Type": fType, "Subtype": fSubtype,
	"src": fSrc, "dst": fDst, "RuleName": fRule, "SourceUser": fSrcUser, "Application": fApp,
	"VirtualSystem": fVsys, "SourceZone": fFrom, "DestinationZone": fTo, "SessionID": fSession,
	"RepeatCount": fRepeat, "srcPort": fSport, "dstPort": fDport, "proto": fProto, "action": fAction,
	"Miscellaneous": fMisc, "ThreatID": fThreat, "Severity": fSeverity, "Direction": fDirection,
	"sequence": fSeqno, "DeviceName": fDevice, "RuleUUID": fRuleUUID, "totalBytes": fBytes,
	"srcBytes": fBytesSent, "dstBytes": fBytesRecv, "totalPackets": fPackets, "StartTime": fStart,
	"ElapsedTime": fElapsed, "SessionEndReason": fEndReason, "HighResolutionTimestamp": fHiRes,
}

// readLEEF reads a LEEF 1.0 or 2.0 payload into r. LEEF 1.0 separates
// attributes by tabs, but PAN-OS formats use the pipe, which a tab-free
// line is taken to mean; LEEF 2.0 names its delimiter in the header (a
// character, or its hex code as x7C or 0x7C).
func readLEEF(payload []byte, r *rawRecord) *lineError {
	n := 5
	v2 := bytes.HasPrefix(payload, []byte("LEEF:2"))
	if v2 {
		n = 6
	}
	hdr, attrs, ok := splitHeader(payload, n)
	if !ok {
		return badf(BadTooFew, "LEEF header with %d of its %d fields", len(hdr), n)
	}
	delim := byte('|')
	switch {
	case v2:
		delim = leefDelimiter(hdr[5])
	case bytes.IndexByte(attrs, '\t') >= 0:
		delim = '\t'
	}
	var devTime []byte
	for len(attrs) > 0 {
		var a []byte
		if i := bytes.IndexByte(attrs, delim); i >= 0 {
			a, attrs = attrs[:i], attrs[i+1:]
		} else {
			a, attrs = attrs, nil
		}
		k, v, ok := bytes.Cut(a, []byte("="))
		if !ok {
			continue
		}
		key := string(bytes.TrimSpace(k))
		switch key {
		case "cat":
			if r.v[fType] == nil {
				r.v[fType] = v
			}
			continue
		case "devTime":
			devTime = v
			continue
		case "Type":
			r.v[fType] = v
			continue
		}
		if id, ok := leefKeys[key]; ok {
			if id == fMisc {
				v = trimQuotesBytes(v)
			}
			r.v[id] = v
		}
	}
	// devTime is the receive time written in UTC ($cef-formatted-receive_time):
	// prefer it to ReceiveTime, which is device-local.
	if t, err := parseLogTime(devTime); err == nil && !t.abs.IsZero() {
		r.v[fReceive] = devTime
	}
	return nil
}

func leefDelimiter(h []byte) byte {
	h = bytes.TrimSpace(h)
	s := string(h)
	switch {
	case len(h) == 1:
		return h[0]
	case strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "x") || strings.HasPrefix(s, "X"):
		s = strings.TrimLeft(s, "0xX")
		var c byte
		for _, d := range []byte(s) {
			switch {
			case d >= '0' && d <= '9':
				c = c*16 + d - '0'
			case d >= 'a' && d <= 'f':
				c = c*16 + d - 'a' + 10
			case d >= 'A' && d <= 'F':
				c = c*16 + d - 'A' + 10
			default:
				return '|'
			}
		}
		if c != 0 {
			return c
		}
	}
	return '|'
}

func trimQuotesBytes(v []byte) []byte {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		return v[1 : len(v)-1]
	}
	return v
}
