package collect

import (
	"hash/maphash"
	"math/rand/v2"
	"testing"
)

// The sequence number set against a map of every key put in: the same
// answers for numbers in order, shuffled, at block edges and at the ends
// of the range, for two devices and two log types.
func TestDedupeMatchesMap(t *testing.T) {
	d := newDedupe()
	type key struct {
		id  string
		typ byte
		seq uint64
	}
	want := map[key]bool{}
	check := func(k key) {
		t.Helper()
		got := d.seen(k.id, k.typ, k.seq)
		if got != want[k] {
			t.Fatalf("seen(%q, %c, %d) = %v; want %v", k.id, k.typ, k.seq, got, want[k])
		}
		want[k] = true
	}
	r := rand.New(rand.NewPCG(1, 2))
	var keys []key
	for _, id := range []string{"012801204178", "007200001056"} {
		for _, typ := range []byte{'t', 'f'} {
			for seq := uint64(1); seq <= 3000; seq++ {
				keys = append(keys, key{id, typ, seq})
			}
			for _, seq := range []uint64{63, 64, 65, 127, 128, 1<<63 - 1, 1 << 63, 1<<64 - 1, 1<<64 - 64} {
				keys = append(keys, key{id, typ, seq})
			}
			for range 3000 {
				keys = append(keys, key{id, typ, r.Uint64()})
			}
		}
	}
	for _, k := range keys { // in order: each new
		check(k)
	}
	r.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
	for _, k := range keys { // again, shuffled: each a duplicate
		check(k)
	}
	for range 20000 { // others: new, then duplicates
		k := keys[r.IntN(len(keys))]
		k.seq += uint64(r.IntN(200)) - 100
		check(k)
	}
}

// Records without a sequence number are told apart by their content, and
// the device and log type are part of it.
func TestDedupeWhole(t *testing.T) {
	d := newDedupe()
	rec := func(s string) func(*maphash.Hash) { return func(h *maphash.Hash) { h.WriteString(s) } }
	for _, c := range []struct {
		id   string
		typ  byte
		rec  string
		want bool
	}{
		{"fw1", 't', "a", false},
		{"fw1", 't', "a", true},
		{"fw1", 't', "b", false},
		{"fw1", 'f', "a", false},
		{"fw2", 't', "a", false},
		{"fw2", 't', "a", true},
	} {
		if got := d.seenWhole(c.id, c.typ, rec(c.rec)); got != c.want {
			t.Errorf("seenWhole(%s, %c, %s) = %v; want %v", c.id, c.typ, c.rec, got, c.want)
		}
	}
}
