package correlate

import (
	"strings"
)

// splitURL splits a URL as threat logs carry it (the misc field:
// host[:port]/path?query, sometimes with a scheme) into its host, lower-cased
// and without a default port, its path ("/" when empty) and its query
// string, kept apart. A fragment is dropped.
func splitURL(raw string) (host, path, query string) {
	s := raw
	if i := strings.Index(s, "://"); i >= 0 && i <= 5 {
		s = s[i+3:]
	}
	if i := strings.IndexByte(s, '#'); i >= 0 {
		s = s[:i]
	}
	end := strings.IndexAny(s, "/?")
	if end < 0 {
		end = len(s)
	}
	host, rest := s[:end], s[end:]
	host = normHost(host)
	path, query, _ = strings.Cut(rest, "?")
	if path == "" {
		path = "/"
	}
	return host, path, query
}

// normHost lower-cases a host and drops the default ports 80 and 443.
func normHost(h string) string {
	if hasUpper(h) {
		h = strings.ToLower(h)
	}
	if i := strings.LastIndexByte(h, ':'); i >= 0 && !strings.Contains(h[i:], "]") {
		if p := h[i+1:]; p == "80" || p == "443" {
			h = h[:i]
		}
	}
	return h
}

func hasUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			return true
		}
	}
	return false
}

// Placeholders of URL templates.
const (
	phID   = "{id}"
	phUUID = "{uuid}"
	phHash = "{hash}"
	phDate = "{date}"
)

// templatePath replaces the variable parts of a URL path by placeholders:
// whole segments that are numbers ({id}), UUIDs ({uuid}), hex hashes
// ({hash}) or dates ({date}); inside a segment, number tokens between
// separators ("OPS-123" -> "OPS-{id}", "12.jpg" -> "{id}.jpg") and dates
// ("report-2026-11-20.pdf" -> "report-{date}.pdf"). Words, versions like
// "v2" and short codes stay.
func templatePath(p string) string {
	if !strings.ContainsAny(p, "0123456789") {
		return p
	}
	var b strings.Builder
	b.Grow(len(p))
	for i, seg := range strings.Split(p, "/") {
		if i > 0 {
			b.WriteByte('/')
		}
		b.WriteString(templateSegment(seg))
	}
	return b.String()
}

func templateSegment(seg string) string {
	switch {
	case seg == "" || !strings.ContainsAny(seg, "0123456789"):
		return seg
	case isDate(seg):
		return phDate
	case allDigits(seg):
		return phID
	case isUUID(seg):
		return phUUID
	case isHash(seg):
		return phHash
	}
	// Token level: separators are kept, number tokens and dates replaced.
	var b strings.Builder
	toks := tokens(seg)
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if t.sep {
			b.WriteString(t.s)
			continue
		}
		// year sep month sep day, with - or _ as separators
		if i+4 < len(toks) && toks[i+1].sep && toks[i+3].sep && (toks[i+1].s == "-" || toks[i+1].s == "_") &&
			toks[i+1].s == toks[i+3].s && isYMD(t.s, toks[i+2].s, toks[i+4].s) {
			b.WriteString(phDate)
			i += 4
			continue
		}
		switch {
		case isDate(t.s):
			b.WriteString(phDate)
		case allDigits(t.s):
			b.WriteString(phID)
		case isUUID(t.s):
			b.WriteString(phUUID)
		case isHash(t.s):
			b.WriteString(phHash)
		default:
			b.WriteString(t.s)
		}
	}
	return b.String()
}

type token struct {
	s   string
	sep bool
}

// tokens splits a segment into words and the separators - _ . , ; between
// them.
func tokens(seg string) []token {
	var out []token
	start := 0
	for i := 0; i < len(seg); i++ {
		switch seg[i] {
		case '-', '_', '.', ',', ';', '~':
			if i > start {
				out = append(out, token{s: seg[start:i]})
			}
			out = append(out, token{s: seg[i : i+1], sep: true})
			start = i + 1
		}
	}
	if start < len(seg) {
		out = append(out, token{s: seg[start:]})
	}
	return out
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// isUUID matches the 8-4-4-4-12 hex form.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		switch i {
		case 8, 13, 18, 23:
			if s[i] != '-' {
				return false
			}
		default:
			if !isHex(s[i]) {
				return false
			}
		}
	}
	return true
}

// isHash matches hex strings that look generated: at least 16 hex digits,
// or at least 8 mixing digits and letters (a short build hash like
// e3b0c442). Plain words made of a-f ("facade") and numbers are not hashes.
func isHash(s string) bool {
	if len(s) < 8 {
		return false
	}
	digits, letters := 0, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
		case isHex(c):
			letters++
		default:
			return false
		}
	}
	return digits > 0 && (letters > 0 || len(s) >= 16)
}

// isDate matches YYYY-MM-DD, YYYY_MM_DD and YYYYMMDD with a plausible year,
// month and day.
func isDate(s string) bool {
	switch len(s) {
	case 8:
		return allDigits(s) && isYMD(s[:4], s[4:6], s[6:])
	case 10:
		if (s[4] == '-' || s[4] == '_') && s[7] == s[4] {
			return isYMD(s[:4], s[5:7], s[8:])
		}
	}
	return false
}

func isYMD(y, m, d string) bool {
	if len(y) != 4 || len(m) != 2 || len(d) != 2 || !allDigits(y) || !allDigits(m) || !allDigits(d) {
		return false
	}
	if y[:2] != "19" && y[:2] != "20" {
		return false
	}
	mo := int(m[0]-'0')*10 + int(m[1]-'0')
	da := int(d[0]-'0')*10 + int(d[1]-'0')
	return mo >= 1 && mo <= 12 && da >= 1 && da <= 31
}

// templater templates URLs once per distinct raw URL.
type templater struct {
	cache map[string]tmplURL
}

// tmplURL is a raw URL normalised and templated.
type tmplURL struct {
	host, path, query string
	tmpl              string // templated path
}

func newTemplater() *templater { return &templater{cache: map[string]tmplURL{}} }

func (t *templater) get(raw string) tmplURL {
	if u, ok := t.cache[raw]; ok {
		return u
	}
	var u tmplURL
	u.host, u.path, u.query = splitURL(raw)
	u.tmpl = templatePath(u.path)
	t.cache[raw] = u
	return u
}
