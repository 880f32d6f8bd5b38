package collect

import "golang.org/x/sys/cpu"

// classifyBlocks is classifyGeneric in SSE2, sixteen bytes an instruction
// (csvsplit_amd64.s).
//
//go:noescape
func classifyBlocks(p *byte, nblocks int, out *uint64)

// classifyBlocks512 is classifyBlocks with AVX-512, a whole block an
// instruction.
//
//go:noescape
func classifyBlocks512(p *byte, nblocks int, out *uint64)

// useAVX512 says whether the processor and the OS offer AVX-512 F and BW
// (classifyBlocks512 loads with the one and compares bytes with the other).
var useAVX512 = cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW

// classify sets out[2k] and out[2k+1] for each whole 64-byte block k of b,
// as classifyGeneric does.
func classify(b []byte, out []uint64) {
	if n := len(b) / 64; n > 0 {
		_ = out[2*n-1]
		if useAVX512 {
			classifyBlocks512(&b[0], n, &out[0])
		} else {
			classifyBlocks(&b[0], n, &out[0])
		}
	}
}
