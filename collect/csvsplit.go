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

// scan reads fields until field upto is read or the line ends, as next
// would one by one, eight bytes at a time: in a block with neither quote
// nor brace every comma ends a plain field, so its fields are found with
// a few operations each; a field that starts with a quote or a brace is
// read by next.
func (c *csvFields) scan(upto int) error {
	const (
		ones   = 0x0101010101010101
		commas = ones * ','
		quotes = ones * '"'
		braces = ones * '{'
	)
	line := c.line
	upto = min(upto, maxFields-1)
	for c.n <= upto && !c.done {
		i := c.pos
		if i < len(line) && (line[i] == '"' || line[i] == '{') {
			if err := c.next(); err != nil {
				return err
			}
			continue
		}
		// Plain fields from i: walk blocks until a field ends in one that
		// holds a quote or a brace (the next field may start with it).
		start := i
		for c.n <= upto && i+8 <= len(line) {
			x := binary.LittleEndian.Uint64(line[i:])
			if zeroBytes(x^quotes)|zeroBytes(x^braces) != 0 {
				break
			}
			for m := zeroBytes(x ^ commas); m != 0 && c.n <= upto; m &= m - 1 {
				end := i + bits.TrailingZeros64(m)/8
				c.f[c.n] = span{int32(start), int32(end)}
				c.n++
				start = end + 1
			}
			i += 8
		}
		if c.n > upto {
			c.pos = start
			return nil
		}
		// The rest of the current field, byte by byte.
		c.pos = start
		if err := c.next(); err != nil {
			return err
		}
	}
	return nil
}

// zeroBytes returns the high bit of each byte of x that is zero, and no
// other bit. (The shorter (x-0x01..)&^x&0x80.. marks the first zero byte
// right but may mark a 0x01 byte after it too, which would count a comma
// where there is none.)
func zeroBytes(x uint64) uint64 {
	const low7 = 0x7f7f7f7f7f7f7f7f
	y := (x & low7) + low7
	return ^(y | x | low7)
}

// fieldEnd returns the index of the comma that ends the field starting at
// i, or len(line). PAN-OS fields are short, most a few bytes: eight bytes
// are tested at a time (a zero byte in x^commas marks a comma) rather than
// calling IndexByte per field.
func fieldEnd(line []byte, i int) int {
	const commas = 0x2c2c2c2c2c2c2c2c
	for ; i+8 <= len(line); i += 8 {
		if m := zeroBytes(binary.LittleEndian.Uint64(line[i:]) ^ commas); m != 0 {
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
