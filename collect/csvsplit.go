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
	f    [256]span // maxFields are used; a byte indexes it unchecked (see fieldPos)
	buf  []byte
	line []byte
	pos  int  // where the next field starts
	done bool // the line has no more fields
	// masks holds, for each 64-byte block of the line, a bit per comma
	// and a bit per quote or brace (two words a block), made by the first
	// scan or skip (nmask is then the number of blocks): found sixteen
	// bytes at a time (see classify), they let scan and skip go from
	// comma to comma. tail is the line's last, partial block, padded with
	// zeros.
	masks []uint64
	nmask int
	tail  [64]byte
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
	c.nmask = 0
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

// classifyGeneric sets, for each whole 64-byte block k of b, bit i of
// out[2k] when byte 64k+i is a comma and bit i of out[2k+1] when it is a
// quote or an opening brace. Eight bytes at a time, each byte's mark
// gathered into a bit by a multiplication; classify does the same with
// the processor's vector instructions where there are some.
func classifyGeneric(b []byte, out []uint64) {
	for k := 0; (k+1)*64 <= len(b); k++ {
		var cm, sm uint64
		for j := 0; j < 8; j++ {
			x := binary.LittleEndian.Uint64(b[k*64+j*8:])
			cm |= gather(zeroBytes(x^commas)) << (8 * j)
			sm |= gather(zeroBytes(x^quotes)|zeroBytes(x^braces)) << (8 * j)
		}
		out[2*k], out[2*k+1] = cm, sm
	}
}

// gather packs the high bit of each byte of z (and no other bit may be
// set) into the low byte, byte j's into bit j.
func gather(z uint64) uint64 { return (z >> 7) * 0x0102040810204080 >> 56 }

// block returns the masks of 64-byte block k of the line (k within it),
// classifying the line on the first call.
func (c *csvFields) block(k int) (commas, specials uint64) {
	if c.nmask == 0 {
		c.classifyLine()
	}
	return c.masks[2*k], c.masks[2*k+1]
}

// classifyLine fills c.masks for the whole line.
func (c *csvFields) classifyLine() {
	line := c.line
	nb, full := (len(line)+63)>>6, len(line)>>6
	if cap(c.masks) < 2*nb {
		c.masks = make([]uint64, 2*nb, 2*nb+32)
	}
	c.masks = c.masks[:2*nb]
	switch {
	case nb == full:
		classify(line, c.masks)
	case cap(line) >= nb<<6:
		// The last block is partial but the bytes after the line are
		// there to read (the next lines of the buffer): they are
		// classified with it and their marks dropped.
		classify(line[:nb<<6], c.masks)
		keep := uint64(1)<<(len(line)&63) - 1
		c.masks[2*full] &= keep
		c.masks[2*full+1] &= keep
	default: // the last block is partial and ends the buffer
		classify(line, c.masks)
		n := copy(c.tail[:], line[full<<6:])
		clear(c.tail[n:])
		classify(c.tail[:], c.masks[2*full:])
	}
	c.nmask = nb
}

// selectBit returns the position of set bit j (from 0, the lowest) of m,
// which has more than j.
func selectBit(m uint64, j int) int {
	pos := 0
	if n := bits.OnesCount32(uint32(m)); j >= n {
		j, m, pos = j-n, m>>32, 32
	}
	if n := bits.OnesCount16(uint16(m)); j >= n {
		j, m, pos = j-n, m>>16, pos+16
	}
	if n := bits.OnesCount8(uint8(m)); j >= n {
		j, m, pos = j-n, m>>8, pos+8
	}
	for ; j > 0; j-- {
		m &= m - 1
	}
	return pos + bits.TrailingZeros64(m)
}

// scan reads fields until field upto is read or the line ends, as next
// would one by one, but from comma to comma with the block masks: up to
// a quote or a brace every comma ends a plain field. A field that starts
// with a quote or a brace is read by next; one inside a field is an
// ordinary byte.
func (c *csvFields) scan(upto int) error {
	line := c.line
	upto = min(upto, maxFields-1)
	nb := (len(line) + 63) >> 6
outer:
	for c.n <= upto && !c.done {
		i := c.pos
		if i < len(line) && (line[i] == '"' || line[i] == '{') {
			if err := c.next(); err != nil {
				return err
			}
			continue
		}
		// The count is kept in a register, not in c, while it runs.
		n, start := c.n, i
		for k := i >> 6; k < nb; k++ {
			cm, sm := c.block(k)
			if k == i>>6 { // from i on
				from := ^(uint64(1)<<(i&63) - 1)
				cm, sm = cm&from, sm&from
			}
			base := k << 6
			for {
				m := cm
				if sm != 0 {
					m &= sm&-sm - 1 // the commas before the quote or brace
				}
				for ; m != 0; m &= m - 1 {
					end := base + bits.TrailingZeros64(m)
					c.f[uint8(n)] = span{int32(start), int32(end)} // n <= upto < maxFields: no check
					n++
					start = end + 1
					if n > upto {
						c.n, c.pos = n, start
						return nil
					}
				}
				if sm == 0 {
					break
				}
				if sp := base + bits.TrailingZeros64(sm); sp == start {
					c.n, c.pos = n, start // a field starts with it: next reads it
					continue outer
				}
				low := sm & -sm // inside a field: on after it
				cm &^= low<<1 - 1
				sm &^= low
			}
		}
		// The line ends the current field.
		c.f[n] = span{int32(start), int32(len(line))}
		c.n, c.pos, c.done = n+1, len(line), true
	}
	return nil
}

// skip passes over k fields as next would k times, without keeping them:
// c.n grows by k (less when the line ends first) and c.pos is where the
// next field starts. The fields passed over cannot be read. As scan, it
// goes by the block masks: the commas of a block up to a quote or a
// brace are counted at once.
func (c *csvFields) skip(k int) error {
	line := c.line
	target := min(c.n+k, maxFields)
	nb := (len(line) + 63) >> 6
outer:
	for c.n < target && !c.done {
		i := c.pos
		if i < len(line) && (line[i] == '"' || line[i] == '{') {
			if err := c.next(); err != nil {
				return err
			}
			continue
		}
		n, fs := c.n, i // fs: where the current field starts
		for b := i >> 6; b < nb; b++ {
			cm, sm := c.block(b)
			if b == i>>6 {
				from := ^(uint64(1)<<(i&63) - 1)
				cm, sm = cm&from, sm&from
			}
			base := b << 6
			for {
				m := cm
				if sm != 0 {
					m &= sm&-sm - 1
				}
				if cnt := bits.OnesCount64(m); n+cnt >= target {
					c.n, c.pos = target, base+selectBit(m, target-n-1)+1
					return nil
				} else if cnt > 0 {
					n += cnt
					fs = base + 63 - bits.LeadingZeros64(m) + 1
				}
				if sm == 0 {
					break
				}
				if sp := base + bits.TrailingZeros64(sm); sp == fs {
					c.n, c.pos = n, fs // a field starts with it: next reads it
					continue outer
				}
				low := sm & -sm // inside a field: on after it
				cm &^= low<<1 - 1
				sm &^= low
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
		if m := zeroBytes(binary.LittleEndian.Uint64(line[i:i+8]) ^ commas); m != 0 {
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
