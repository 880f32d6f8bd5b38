package collect

import "hash/maphash"

// dedupe remembers the records an import kept, so that the copies another
// input brings (two exports of the same week, a forwarder that resent)
// are dropped. A record is known by its device, log type and sequence
// number, a counter each device keeps per log type; without one (older
// releases, some exports) by its whole content.
//
// Sequence numbers are kept as bits, 64 consecutive numbers to a map
// entry: a device numbers its records one after another, so a file of its
// logs fills its blocks densely, and a file read in order asks for the
// block of the record before, which is kept at hand. Memory grows with
// the blocks touched: a fraction of a byte per record read in order, at
// worst one entry per record when the records kept are far apart. The
// check is exact: two records with different numbers never collide.
type dedupe struct {
	devs   map[devKey]uint32 // (device, log type) -> its number here
	last   devKey            // the device of the record before
	lastNo uint32
	blocks map[seqBlock]uint64
	cur    seqBlock // the block at hand, written back when another is asked for
	bits   uint64
	held   bool
	whole  map[uint64]struct{} // hashes of records without a sequence number
	seed   maphash.Seed
}

type devKey struct {
	id  string
	typ byte
}

// seqBlock is the block of 64 sequence numbers seq>>6 of a device.
type seqBlock struct {
	dev uint32
	hi  uint64
}

func newDedupe() *dedupe {
	return &dedupe{devs: map[devKey]uint32{}, blocks: map[seqBlock]uint64{}, whole: map[uint64]struct{}{}, seed: maphash.MakeSeed()}
}

// seen reports whether device id kept a record of type typ with sequence
// number seq (not 0) before, and remembers it.
func (d *dedupe) seen(id string, typ byte, seq uint64) bool {
	k := devKey{id, typ}
	if len(d.devs) == 0 || k != d.last {
		n, ok := d.devs[k]
		if !ok {
			n = uint32(len(d.devs))
			d.devs[k] = n
		}
		d.last, d.lastNo = k, n
	}
	b := seqBlock{d.lastNo, seq >> 6}
	if !d.held || b != d.cur {
		if d.held {
			d.blocks[d.cur] = d.bits
		}
		d.cur, d.bits, d.held = b, d.blocks[b], true
	}
	bit := uint64(1) << (seq & 63)
	if d.bits&bit != 0 {
		return true
	}
	d.bits |= bit
	return false
}

// seenWhole reports whether a record without a sequence number, of device
// id and type typ, whose content whole writes, was kept before, and
// remembers it. Records are told apart by a 64-bit hash of their content.
func (d *dedupe) seenWhole(id string, typ byte, whole func(*maphash.Hash)) bool {
	var h maphash.Hash
	h.SetSeed(d.seed)
	h.WriteString(id)
	h.WriteByte(0)
	h.WriteByte(typ)
	whole(&h)
	k := h.Sum64()
	if _, dup := d.whole[k]; dup {
		return true
	}
	d.whole[k] = struct{}{}
	return false
}
