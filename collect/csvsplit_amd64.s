#include "textflag.h"

// func classifyBlocks(p *byte, nblocks int, out *uint64)
//
// For each 64-byte block k of p, out[2k] gets a bit per comma and
// out[2k+1] a bit per quote or opening brace (bit i for byte 64k+i).
// SSE2 only: every amd64 processor has it.
TEXT ·classifyBlocks(SB), NOSPLIT, $0-24
	MOVQ p+0(FP), SI
	MOVQ nblocks+8(FP), CX
	MOVQ out+16(FP), DI
	MOVQ $0x2c2c2c2c2c2c2c2c, AX // ','
	MOVQ AX, X8
	PUNPCKLQDQ X8, X8
	MOVQ $0x2222222222222222, AX // '"'
	MOVQ AX, X9
	PUNPCKLQDQ X9, X9
	MOVQ $0x7b7b7b7b7b7b7b7b, AX // '{'
	MOVQ AX, X10
	PUNPCKLQDQ X10, X10
	TESTQ CX, CX
	JEQ done

loop:
	MOVOU 0(SI), X0
	MOVOU 16(SI), X1
	MOVOU 32(SI), X2
	MOVOU 48(SI), X3

	// commas
	MOVO X0, X4
	PCMPEQB X8, X4
	PMOVMSKB X4, AX
	MOVO X1, X5
	PCMPEQB X8, X5
	PMOVMSKB X5, BX
	MOVO X2, X6
	PCMPEQB X8, X6
	PMOVMSKB X6, DX
	MOVO X3, X7
	PCMPEQB X8, X7
	PMOVMSKB X7, R8
	SHLQ $16, BX
	ORQ BX, AX
	SHLQ $32, DX
	ORQ DX, AX
	SHLQ $48, R8
	ORQ R8, AX
	MOVQ AX, 0(DI)

	// quotes and braces
	MOVO X0, X4
	PCMPEQB X9, X4
	PCMPEQB X10, X0
	POR X4, X0
	PMOVMSKB X0, AX
	MOVO X1, X5
	PCMPEQB X9, X5
	PCMPEQB X10, X1
	POR X5, X1
	PMOVMSKB X1, BX
	MOVO X2, X6
	PCMPEQB X9, X6
	PCMPEQB X10, X2
	POR X6, X2
	PMOVMSKB X2, DX
	MOVO X3, X7
	PCMPEQB X9, X7
	PCMPEQB X10, X3
	POR X7, X3
	PMOVMSKB X3, R8
	SHLQ $16, BX
	ORQ BX, AX
	SHLQ $32, DX
	ORQ DX, AX
	SHLQ $48, R8
	ORQ R8, AX
	MOVQ AX, 8(DI)

	ADDQ $64, SI
	ADDQ $16, DI
	DECQ CX
	JNZ loop

done:
	RET

// func classifyBlocks512(p *byte, nblocks int, out *uint64)
//
// classifyBlocks with AVX-512 (BW): a block is one 64-byte register, and
// each comparison gives its 64 bits at once.
TEXT ·classifyBlocks512(SB), NOSPLIT, $0-24
	MOVQ p+0(FP), SI
	MOVQ nblocks+8(FP), CX
	MOVQ out+16(FP), DI
	TESTQ CX, CX
	JEQ done512
	MOVL $0x2c, AX // ','
	VPBROADCASTB AX, Z8
	MOVL $0x22, AX // '"'
	VPBROADCASTB AX, Z9
	MOVL $0x7b, AX // '{'
	VPBROADCASTB AX, Z10

loop512:
	VMOVDQU64 0(SI), Z0
	VPCMPEQB Z8, Z0, K1
	VPCMPEQB Z9, Z0, K2
	VPCMPEQB Z10, Z0, K3
	KORQ K2, K3, K2
	KMOVQ K1, 0(DI)
	KMOVQ K2, 8(DI)
	ADDQ $64, SI
	ADDQ $16, DI
	DECQ CX
	JNZ loop512
	VZEROUPPER

done512:
	RET
