package collect

import (
	"bytes"
	"errors"
)

// maxFields bounds the fields kept of one CSV line. PAN-OS 11.x threat logs
// carry about 121; what lies beyond the bound is ignored, as new fields are
// only ever appended.
const maxFields = 192

// errBadQuoting is a quoted field without its closing quote.
var errBadQuoting = errors.New("a quoted field has no closing quote")

// csvFields is one line split into fields. The fields alias the line, or
// the scratch buffer for a quoted field with a doubled quote, and are valid
// until the next split.
type csvFields struct {
	n   int
	f   [maxFields][]byte
	buf []byte
}

// get returns field i, or nil when the line has fewer fields.
func (c *csvFields) get(i int) []byte {
	if i < 0 || i >= c.n {
		return nil
	}
	return c.f[i]
}

// split splits a CSV line as PAN-OS writes it. A field that starts with a
// double quote runs to the next quote not doubled and loses its quotes
// (a doubled quote inside stands for one). A field that starts with '{'
// runs to its matching '}': the traffic log's Link Switches field is
// written that way, commas and all, without quotes. Anything after a
// closing quote and before the next comma is kept, as a lenient reader
// would. It returns errBadQuoting when a quoted field never closes.
func (c *csvFields) split(line []byte) error {
	c.n = 0
	if cap(c.buf) < len(line) {
		c.buf = make([]byte, 0, len(line)+64)
	}
	c.buf = c.buf[:0] // never grows past len(line): earlier fields stay valid
	i := 0
	for {
		if c.n == maxFields {
			return nil
		}
		switch {
		case i < len(line) && line[i] == '"':
			v, next, err := c.quoted(line, i)
			if err != nil {
				return err
			}
			c.f[c.n] = v
			c.n++
			i = next
		case i < len(line) && line[i] == '{':
			end := braceEnd(line, i)
			if end < 0 { // not balanced: an ordinary field
				end = fieldEnd(line, i)
			}
			c.f[c.n] = line[i:end]
			c.n++
			i = end
		default:
			end := fieldEnd(line, i)
			c.f[c.n] = line[i:end]
			c.n++
			i = end
		}
		if i >= len(line) {
			return nil
		}
		i++ // the comma
		if i == len(line) {
			// a trailing comma ends an empty last field
			if c.n < maxFields {
				c.f[c.n] = line[i:i]
				c.n++
			}
			return nil
		}
	}
}

// fieldEnd returns the index of the comma that ends the field starting at
// i, or len(line).
func fieldEnd(line []byte, i int) int {
	if j := bytes.IndexByte(line[i:], ','); j >= 0 {
		return i + j
	}
	return len(line)
}

// braceEnd returns the index just past the '}' matching the '{' at i when
// a comma or the end of the line follows it, or -1.
func braceEnd(line []byte, i int) int {
	depth := 0
	for j := i; j < len(line); j++ {
		switch line[j] {
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				if j+1 == len(line) || line[j+1] == ',' {
					return j + 1
				}
				return -1
			}
		}
	}
	return -1
}

// quoted reads the quoted field starting at line[i] == '"'. It returns the
// value and the index of the comma after it (or len(line)).
func (c *csvFields) quoted(line []byte, i int) ([]byte, int, error) {
	j := i + 1
	k := bytes.IndexByte(line[j:], '"')
	if k < 0 {
		return nil, 0, errBadQuoting
	}
	// The common case: no doubled quote, the value aliases the line.
	if j+k+1 >= len(line) || line[j+k+1] != '"' {
		v := line[j : j+k]
		end := j + k + 1
		if end < len(line) && line[end] != ',' {
			// text after the closing quote: keep it, unquoted
			e := fieldEnd(line, end)
			start := len(c.buf)
			c.buf = append(c.buf, v...)
			c.buf = append(c.buf, line[end:e]...)
			return c.buf[start:], e, nil
		}
		return v, end, nil
	}
	start := len(c.buf)
	for {
		k := bytes.IndexByte(line[j:], '"')
		if k < 0 {
			c.buf = c.buf[:start]
			return nil, 0, errBadQuoting
		}
		c.buf = append(c.buf, line[j:j+k]...)
		j += k + 1
		if j < len(line) && line[j] == '"' { // a doubled quote
			c.buf = append(c.buf, '"')
			j++
			continue
		}
		if j < len(line) && line[j] != ',' {
			e := fieldEnd(line, j)
			c.buf = append(c.buf, line[j:e]...)
			j = e
		}
		return c.buf[start:], j, nil
	}
}
