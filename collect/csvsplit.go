package collect

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/bits"
)

// maxFields bounds the fields kept of one CSV line. PAN-OS 11.x threat logs
// carry about 121; what lies beyond the bound is ignored, as new fields are
// only ever appended.
const maxFields = 192

// errBadQuoting is a quoted field without its closing quote.
var errBadQuoting = errors.New("a quoted field has no closing quote")

// csvFields reads a CSV line as PAN-OS writes it, field by field. A field
// that starts with a double quote runs to the next quote not doubled and
// loses its quotes (a doubled quote inside stands for one). A field that
// starts with '{' runs to its matching '}': the traffic log's Link
// Switches field is written that way, commas and all, without quotes.
// Anything after a closing quote and before the next comma is kept, as a
// lenient reader would.
//
// Fields read are field(0) to field(n-1); they alias the line, or the
// scratch buffer for a quoted field with a doubled quote, and are valid
// until the next line. Fields passed over by skip are counted in n but
// not kept. Fields are kept as offsets, not slices: storing no pointers
// per field spares the garbage collector's write barrier.
type csvFields struct {
	n    int
	f    [maxFields]span
	buf  []byte
	line []byte
	pos  int  // where the next field starts
	done bool // the line has no more fields
}

// span is a field's bytes: line[s:e], or buf[-s-1:e] when s is negative.
type span struct{ s, e int32 }

// field returns field i as read (i < n).
func (c *csvFields) field(i int) []byte {
	sp := c.f[i]
	if sp.s < 0 {
		return c.buf[-sp.s-1 : sp.e]
	}
	return c.line[sp.s:sp.e]
}

// get returns field i, or nil when the line has fewer fields.
func (c *csvFields) get(i int) []byte {
	if i < 0 || i >= c.n {
		return nil
	}
	return c.field(i)
}

// begin starts reading line.
func (c *csvFields) begin(line []byte) {
	c.n, c.line, c.pos, c.done = 0, line, 0, false
	if cap(c.buf) < len(line) {
		c.buf = make([]byte, 0, len(line)+64)
	}
	c.buf = c.buf[:0] // never grows past len(line): earlier fields stay valid
}

// split reads every field of line. It returns errBadQuoting when a quoted
// field never closes.
func (c *csvFields) split(line []byte) error {
	c.begin(line)
	for !c.done {
		if err := c.next(); err != nil {
			return err
		}
	}
	return nil
}

// next reads one field.
func (c *csvFields) next() error {
	if c.done {
		return nil
	}
	if c.n == maxFields {
		c.done = true
		return nil
	}
	line, i := c.line, c.pos
	var sp span
	switch {
	case i < len(line) && line[i] == '"':
		var err error
		sp, i, err = c.quoted(line, i)
		if err != nil {
			return err
		}
	case i < len(line) && line[i] == '{':
		end := braceEnd(line, i)
		if end < 0 { // not balanced: an ordinary field
			end = fieldEnd(line, i)
		}
		sp, i = span{int32(c.pos), int32(end)}, end
	default:
		end := fieldEnd(line, i)
		sp, i = span{int32(i), int32(end)}, end
	}
	c.f[c.n] = sp
	c.n++
	c.advance(i)
	return nil
}

// advance moves past the comma at i (or the end of the line).
func (c *csvFields) advance(i int) {
	if i >= len(c.line) {
		c.pos, c.done = len(c.line), true
		return
	}
	c.pos = i + 1 // a trailing comma leaves one empty field: pos == len(line)
}

// skip passes over n fields without keeping them. Runs of plain fields go
// eight bytes at a time, their commas counted at once; a field that starts
// with a quote or a brace is read as next would.
func (c *csvFields) skip(n int) error {
	const (
		ones   = 0x0101010101010101
		highs  = 0x8080808080808080
		commas = ones * ','
		quotes = ones * '"'
		braces = ones * '{'
	)
	zero := func(x uint64) uint64 { return (x - ones) &^ x & highs }
	line := c.line
	i, atStart := c.pos, true // atStart: i is where a field begins
	for n > 0 {
		if c.n == maxFields || c.done {
			c.done = true
			return nil
		}
		if atStart && i < len(line) && (line[i] == '"' || line[i] == '{') {
			c.pos = i
			if err := c.next(); err != nil {
				return err
			}
			i, n = c.pos, n-1
			continue
		}
		// A block with neither quote nor brace: its commas end plain
		// fields, and none of the fields it starts is special.
		if i+8 <= len(line) {
			x := binary.LittleEndian.Uint64(line[i:])
			if zero(x^quotes)|zero(x^braces) == 0 {
				m := zero(x ^ commas)
				if k := bits.OnesCount64(m); k < n {
					c.n, n = min(c.n+k, maxFields), n-k
					i += 8
					atStart = line[i-1] == ','
					continue
				}
				for range n - 1 {
					m &= m - 1
				}
				c.n = min(c.n+n, maxFields)
				c.pos = i + bits.TrailingZeros64(m)/8 + 1
				return nil
			}
		}
		// Otherwise to the end of this plain field.
		end := fieldEnd(line, i)
		c.n++
		n--
		c.advance(end)
		i, atStart = c.pos, true
	}
	c.pos = i
	return nil
}

// fieldEnd returns the index of the comma that ends the field starting at
// i, or len(line). PAN-OS fields are short, most a few bytes: eight bytes
// are tested at a time (a zero byte in x^commas marks a comma) rather than
// calling IndexByte per field.
func fieldEnd(line []byte, i int) int {
	const (
		commas = 0x2c2c2c2c2c2c2c2c
		lo     = 0x0101010101010101
		hi     = 0x8080808080808080
	)
	for ; i+8 <= len(line); i += 8 {
		x := binary.LittleEndian.Uint64(line[i:]) ^ commas
		if m := (x - lo) &^ x & hi; m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for ; i < len(line); i++ {
		if line[i] == ',' {
			return i
		}
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
// value's span and the index of the comma after it (or len(line)).
func (c *csvFields) quoted(line []byte, i int) (span, int, error) {
	j := i + 1
	k := bytes.IndexByte(line[j:], '"')
	if k < 0 {
		return span{}, 0, errBadQuoting
	}
	// The common case: no doubled quote, the value aliases the line.
	if j+k+1 >= len(line) || line[j+k+1] != '"' {
		end := j + k + 1
		if end < len(line) && line[end] != ',' {
			// text after the closing quote: keep it, unquoted
			e := fieldEnd(line, end)
			start := len(c.buf)
			c.buf = append(c.buf, line[j:j+k]...)
			c.buf = append(c.buf, line[end:e]...)
			return span{int32(-start - 1), int32(len(c.buf))}, e, nil
		}
		return span{int32(j), int32(j + k)}, end, nil
	}
	start := len(c.buf)
	for {
		k := bytes.IndexByte(line[j:], '"')
		if k < 0 {
			c.buf = c.buf[:start]
			return span{}, 0, errBadQuoting
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
		return span{int32(-start - 1), int32(len(c.buf))}, j, nil
	}
}
