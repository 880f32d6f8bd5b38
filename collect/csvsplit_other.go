//go:build !amd64

package collect

// classify sets out[2k] and out[2k+1] for each whole 64-byte block k of b
// (see classifyGeneric).
func classify(b []byte, out []uint64) { classifyGeneric(b, out) }
