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
	// quote and brace are the next '"' and '{' found at or after some
	// position (len(line) for none), -1 before the first search: they
	// are found with IndexByte, many bytes at a time, so that scan and
	// skip need only look for commas.
	quote, brace int
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
	c.quote, c.brace = -1, -1
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

// Eight bytes at a time: a zero byte in x^commas marks a comma.
const (
	ones   = 0x0101010101010101
	commas = ones * ','
	quotes = ones * '"'
	braces = ones * '{'
)

// special returns where the next quote or brace at or after from is, or
// len(line).
func (c *csvFields) special(from int) int {
	if c.quote < from {
		c.quote = indexFrom(c.line, from, '"')
	}
	if c.brace < from {
		c.brace = indexFrom(c.line, from, '{')
	}
	return min(c.quote, c.brace)
}

func indexFrom(line []byte, from int, b byte) int {
	if from >= len(line) {
		return len(line)
	}
	if j := bytes.IndexByte(line[from:], b); j >= 0 {
		return from + j
	}
	return len(line)
}

// countSpan is the run of bytes below which skip counts commas eight
// bytes at a time rather than with bytes.Count.
const countSpan = 48

var comma = []byte{','}

// below keeps the bits of m for the bytes of a block at i that come
// before position sp.
func below(m uint64, i, sp int) uint64 {
	if sp < i+8 {
		m &= 1<<(8*(sp-i)) - 1
	}
	return m
}

// scan reads fields until field upto is read or the line ends, as next
// would one by one. Up to the next quote or brace (found by special),
// every comma ends a plain field: eight bytes at a time, each comma
// found is a field. A field that starts with a quote or a brace is read
// by next; one inside a field is an ordinary byte.
func (c *csvFields) scan(upto int) error {
	line := c.line
	upto = min(upto, maxFields-1)
outer:
	for c.n <= upto && !c.done {
		i := c.pos
		sp := c.special(i)
		if sp == i && i < len(line) {
			if err := c.next(); err != nil {
				return err
			}
			continue
		}
		// The count is kept in a register, not in c, while it runs.
		n, start := c.n, i
		for i+8 <= len(line) {
			m := below(zeroBytes(binary.LittleEndian.Uint64(line[i:])^commas), i, sp)
			for ; m != 0; m &= m - 1 {
				end := i + bits.TrailingZeros64(m)/8
				c.f[n] = span{int32(start), int32(end)}
				n++
				start = end + 1
				if n > upto {
					c.n, c.pos = n, start
					return nil
				}
			}
			if sp >= i+8 {
				i += 8
				continue
			}
			if sp == start { // a field starts with it: next reads it
				c.n, c.pos = n, start
				continue outer
			}
			i = sp + 1 // inside a field
			sp = c.special(i)
		}
		// The last few bytes, as next reads them.
		c.n, c.pos = n, start
		if err := c.next(); err != nil {
			return err
		}
	}
	return nil
}

// skip passes over k fields as next would k times, without keeping them:
// c.n grows by k (less when the line ends first) and c.pos is where the
// next field starts. The fields passed over cannot be read. As in scan,
// commas are counted eight bytes at a time up to the next quote or
// brace.
func (c *csvFields) skip(k int) error {
	line := c.line
	target := min(c.n+k, maxFields)
outer:
	for c.n < target && !c.done {
		i := c.pos
		sp := c.special(i)
		if sp == i && i < len(line) {
			if err := c.next(); err != nil {
				return err
			}
			continue
		}
		n, fs := c.n, i // fs: where the current field starts
		if sp-i > 2*countSpan {
			// A long run of plain fields: count its commas many bytes at
			// a time, and halve it until the comma sought is within a
			// few blocks.
			cnt := bytes.Count(line[i:sp], comma)
			if n+cnt < target {
				n += cnt
				if cnt > 0 {
					fs = -1 // before sp, or at it
					if line[sp-1] == ',' {
						fs = sp
					}
				}
				if sp == len(line) {
					c.n, c.pos, c.done = n+1, len(line), true
					continue
				}
				if sp == fs {
					c.n, c.pos = n, fs
					continue
				}
				i = sp + 1 // inside a field
				sp = c.special(i)
			} else {
				for hi := sp; hi-i > countSpan; {
					mid := i + (hi-i)/2
					if k := bytes.Count(line[i:mid], comma); n+k >= target {
						hi = mid
					} else {
						n, i = n+k, mid
					}
				}
			}
		}
		for i+8 <= len(line) {
			m := below(zeroBytes(binary.LittleEndian.Uint64(line[i:])^commas), i, sp)
			cnt := bits.OnesCount64(m)
			if n+cnt >= target {
				for range target - n - 1 {
					m &= m - 1
				}
				c.n, c.pos = target, i+bits.TrailingZeros64(m)/8+1
				return nil
			}
			if cnt > 0 {
				n += cnt
				fs = i + (63-bits.LeadingZeros64(m))/8 + 1
			}
			if sp >= i+8 {
				i += 8
				continue
			}
			if sp == fs { // a field starts with it: next reads it
				c.n, c.pos = n, fs
				continue outer
			}
			i = sp + 1 // inside a field
			sp = c.special(i)
		}
		for ; i < len(line); i++ {
			switch b := line[i]; {
			case b == ',':
				n++
				fs = i + 1
				if n == target {
					c.n, c.pos = n, fs
					return nil
				}
			case i == fs && (b == '"' || b == '{'):
				c.n, c.pos = n, fs
				continue outer
			}
		}
		// The line ends the current field.
		c.n, c.pos, c.done = n+1, len(line), true
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
