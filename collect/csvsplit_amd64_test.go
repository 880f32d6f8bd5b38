package collect

import (
	"math/rand/v2"
	"testing"
)

// Both vector forms of classify, whichever this processor runs, mark
// every byte as classifyGeneric does: each byte value at each position,
// and random lines of PAN-OS's specials over many blocks.
func TestClassifyBlocksBothForms(t *testing.T) {
	type form struct {
		name string
		fn   func(*byte, int, *uint64)
	}
	forms := []form{{"sse2", classifyBlocks}}
	if useAVX512 {
		forms = append(forms, form{"avx512", classifyBlocks512})
	} else {
		t.Log("no AVX-512 F and BW here: only the SSE2 form is tested")
	}
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte(`,"{}ab 1\` + "\x00\xff")
	for _, f := range forms {
		call := func(b []byte, out []uint64) {
			if n := len(b) / 64; n > 0 {
				f.fn(&b[0], n, &out[0])
			}
		}
		marksEachByte(t, f.name, call)
		for n := range 40 {
			b := make([]byte, 64*n+r.IntN(64))
			for i := range b {
				b[i] = alphabet[r.IntN(len(alphabet))]
			}
			got, want := make([]uint64, 2*n), make([]uint64, 2*n)
			call(b, got)
			classifyGeneric(b, want)
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("%s: %d blocks: word %d = %#x; generic %#x", f.name, n, i, got[i], want[i])
				}
			}
		}
	}
}
