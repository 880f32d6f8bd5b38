package collect

// classifyBlocks is classifyGeneric in SSE2, sixteen bytes an instruction
// (csvsplit_amd64.s).
//
//go:noescape
func classifyBlocks(p *byte, nblocks int, out *uint64)

// classify sets out[2k] and out[2k+1] for each whole 64-byte block k of b,
// as classifyGeneric does.
func classify(b []byte, out []uint64) {
	if n := len(b) / 64; n > 0 {
		_ = out[2*n-1]
		classifyBlocks(&b[0], n, &out[0])
	}
}
