package collect

import (
	"bytes"
	"errors"
	"time"
)

// errBadTime is a log time in none of the forms PAN-OS writes.
var errBadTime = errors.New("not a log time")

// logTime is a time as an imported log field carries it: either a wall
// clock of the device's zone without an offset (wall, UTC digits), or an
// instant (abs).
type logTime struct {
	wall time.Time // the digits read as UTC; zero unless the field had no offset
	abs  time.Time // the instant; zero unless the field said its zone
}

func (t logTime) isZero() bool { return t.wall.IsZero() && t.abs.IsZero() }

// parseLogTime reads the forms of log times seen in PAN-OS exports:
//
//	2024/05/08 01:10:31          syslog, CSV export, LEEF ReceiveTime (device zone)
//	2024-05-08 01:10:31          the same after a spreadsheet saved it
//	2021-10-27T19:20:59.000000Z  Strata Logging Service, high_res_timestamp
//	2022-07-25T09:40:03.909-04:00
//	May 08 2024 08:10:31 GMT     CEF rt and LEEF devTime ($cef-formatted-*)
//	1715155831000                epoch milliseconds (CEF rt from the cloud)
//
// An empty field is the zero logTime.
func parseLogTime(raw []byte) (logTime, error) {
	raw = trimBlank(raw)
	if len(raw) == 0 {
		return logTime{}, nil
	}
	if len(raw) == 19 && (raw[4] == '/' || raw[4] == '-') && raw[7] == raw[4] && (raw[10] == ' ') && raw[13] == ':' && raw[16] == ':' {
		w, ok := wallDigits(raw)
		if !ok {
			return logTime{}, errBadTime
		}
		return logTime{wall: w}, nil
	}
	if len(raw) >= 20 && raw[4] == '-' && raw[10] == 'T' {
		t, err := time.Parse(time.RFC3339Nano, string(raw))
		if err != nil {
			return logTime{}, errBadTime
		}
		return logTime{abs: t.UTC()}, nil
	}
	if len(raw) >= 20 && raw[3] == ' ' && isLetter(raw[0]) {
		s := string(raw)
		for _, z := range []string{" GMT", " UTC", " Z"} {
			if len(s) > len(z) && s[len(s)-len(z):] == z {
				t, err := time.ParseInLocation("Jan 02 2006 15:04:05", s[:len(s)-len(z)], time.UTC)
				if err != nil {
					t, err = time.ParseInLocation("Jan _2 2006 15:04:05", s[:len(s)-len(z)], time.UTC)
				}
				if err != nil {
					return logTime{}, errBadTime
				}
				return logTime{abs: t}, nil
			}
		}
		return logTime{}, errBadTime
	}
	if len(raw) == 13 && allDigits(raw) {
		var ms int64
		for _, c := range raw {
			ms = ms*10 + int64(c-'0')
		}
		return logTime{abs: time.UnixMilli(ms).UTC()}, nil
	}
	return logTime{}, errBadTime
}

// wallDigits reads YYYY?MM?DD HH:MM:SS as a UTC time.
func wallDigits(raw []byte) (time.Time, bool) {
	y, ok1 := digits4(raw[0:4])
	mo, ok2 := digits2(raw[5:7])
	d, ok3 := digits2(raw[8:10])
	h, ok4 := digits2(raw[11:13])
	mi, ok5 := digits2(raw[14:16])
	s, ok6 := digits2(raw[17:19])
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || !ok6 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(mo), d, h, mi, s, 0, time.UTC)
	if t.Day() != d { // February 30th and the like
		return time.Time{}, false
	}
	return t, true
}

// isPANTime reports whether b starts with YYYY/MM/DD HH:MM:SS.
func isPANTime(b []byte) bool {
	if len(b) < 19 {
		return false
	}
	b = b[:19]
	return b[4] == '/' && b[7] == '/' && b[10] == ' ' && b[13] == ':' && b[16] == ':' &&
		isDigit(b[0]) && isDigit(b[1]) && isDigit(b[2]) && isDigit(b[3]) && isDigit(b[5]) && isDigit(b[6]) &&
		isDigit(b[8]) && isDigit(b[9]) && isDigit(b[11]) && isDigit(b[12]) && isDigit(b[14]) && isDigit(b[15]) &&
		isDigit(b[17]) && isDigit(b[18])
}

func isDigit(c byte) bool { return c-'0' < 10 }

// isISOTime reports whether b is an ISO 8601 time with a zone, as Strata
// Logging Service writes them (2021-10-27T19:20:59.000000Z).
func isISOTime(b []byte) bool {
	if len(b) < 20 || b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' || b[16] != ':' {
		return false
	}
	last := b[len(b)-1]
	return last == 'Z' || (len(b) >= 25 && (b[len(b)-6] == '+' || b[len(b)-6] == '-') && b[len(b)-3] == ':')
}

func isLetter(c byte) bool { return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' }

func allDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(b) > 0
}

// zoneClock turns device wall clocks into instants in one zone, caching
// the zone's offset per hour: a log file walks through time in order, so
// most lookups hit the cache.
type zoneClock struct {
	loc      *time.Location
	hourWall time.Time // the wall hour cached
	hourAbs  time.Time // its instant
	ok       bool
}

func (z *zoneClock) instant(wall time.Time) time.Time {
	h := wall.Truncate(time.Hour)
	if !z.ok || !h.Equal(z.hourWall) {
		y, mo, d := h.Date()
		z.hourAbs = time.Date(y, mo, d, h.Hour(), 0, 0, 0, z.loc).UTC()
		z.hourWall, z.ok = h, true
	}
	return z.hourAbs.Add(wall.Sub(h))
}

// offsetOf returns the UTC offset, in seconds, an ISO 8601 time with a
// zone carries (high_res_timestamp: 2022-07-25T09:40:03.909-04:00), and
// false when it has none or is the 1970 placeholder PAN-OS writes for an
// unset time.
func offsetOf(raw []byte) (int, bool) {
	raw = trimBlank(raw)
	if !isISOTime(raw) || bytes.HasPrefix(raw, []byte("1970-")) {
		return 0, false
	}
	if raw[len(raw)-1] == 'Z' {
		return 0, true
	}
	z := raw[len(raw)-6:]
	hh, ok1 := digits2(z[1:3])
	mm, ok2 := digits2(z[4:6])
	if !ok1 || !ok2 || hh > 14 || mm > 59 {
		return 0, false
	}
	off := hh*3600 + mm*60
	if z[0] == '-' {
		off = -off
	}
	return off, true
}
