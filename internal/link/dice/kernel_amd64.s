//go:build amd64 && !purego

#include "textflag.h"

// Intersection-count kernels: out[j] = popcount(q AND ref_j).
// Records are strideBytes apart and zero-padded to whole vectors, so the
// loops never load a partial vector. Go operand order: sources first,
// destination last.

// func countsAVX512(q, refs *uint64, strideBytes, chunks, n int, out *uint32, refCounts *uint32, qcount uint32, tlow float32, masks *uint8)
// Eight records per group: eight ZMM accumulators of per-qword counts, then
// one transpose-and-add tree turns them into eight totals. When masks is not
// nil, bit r of masks[group] is set when 2c >= tlow*(qcount+refCounts[r])
// in float32: a cheap, conservative pre-filter for a Dice threshold.
TEXT ·countsAVX512(SB), NOSPLIT, $0-72
	MOVQ q+0(FP), SI
	MOVQ refs+8(FP), BX
	MOVQ strideBytes+16(FP), DX
	MOVQ chunks+24(FP), CX
	MOVQ n+32(FP), R9
	MOVQ out+40(FP), DI
	MOVQ refCounts+48(FP), R14
	MOVL qcount+56(FP), AX
	VPBROADCASTD AX, Z30
	MOVSS tlow+60(FP), X0
	VBROADCASTSS X0, Z31
	MOVQ masks+64(FP), R15
	LEAQ (DX)(DX*2), R8            // R8 = 3*stride

group512:
	MOVQ SI, R11                   // query chunk
	MOVQ BX, R10                   // records 0-3 of the group
	LEAQ (BX)(DX*4), R12           // records 4-7
	MOVQ CX, R13                   // chunks left

	// The first chunk initialises the accumulators Z0-Z7.
	VMOVDQU64 (R11), Z8
	VPANDQ (R10), Z8, Z0
	VPANDQ (R10)(DX*1), Z8, Z1
	VPANDQ (R10)(DX*2), Z8, Z2
	VPANDQ (R10)(R8*1), Z8, Z3
	VPANDQ (R12), Z8, Z4
	VPANDQ (R12)(DX*1), Z8, Z5
	VPANDQ (R12)(DX*2), Z8, Z6
	VPANDQ (R12)(R8*1), Z8, Z7
	VPOPCNTQ Z0, Z0
	VPOPCNTQ Z1, Z1
	VPOPCNTQ Z2, Z2
	VPOPCNTQ Z3, Z3
	VPOPCNTQ Z4, Z4
	VPOPCNTQ Z5, Z5
	VPOPCNTQ Z6, Z6
	VPOPCNTQ Z7, Z7
	JMP next_chunk512

chunk512:
	VMOVDQU64 (R11), Z8
	VPANDQ (R10), Z8, Z9
	VPANDQ (R10)(DX*1), Z8, Z10
	VPANDQ (R10)(DX*2), Z8, Z11
	VPANDQ (R10)(R8*1), Z8, Z12
	VPANDQ (R12), Z8, Z13
	VPANDQ (R12)(DX*1), Z8, Z14
	VPANDQ (R12)(DX*2), Z8, Z15
	VPANDQ (R12)(R8*1), Z8, Z16
	VPOPCNTQ Z9, Z9
	VPOPCNTQ Z10, Z10
	VPOPCNTQ Z11, Z11
	VPOPCNTQ Z12, Z12
	VPOPCNTQ Z13, Z13
	VPOPCNTQ Z14, Z14
	VPOPCNTQ Z15, Z15
	VPOPCNTQ Z16, Z16
	VPADDQ Z9, Z0, Z0
	VPADDQ Z10, Z1, Z1
	VPADDQ Z11, Z2, Z2
	VPADDQ Z12, Z3, Z3
	VPADDQ Z13, Z4, Z4
	VPADDQ Z14, Z5, Z5
	VPADDQ Z15, Z6, Z6
	VPADDQ Z16, Z7, Z7

next_chunk512:
	ADDQ $64, R11
	ADDQ $64, R10
	ADDQ $64, R12
	DECQ R13
	JNZ chunk512

	// Level 1: pair records within each 128-bit lane.
	// Zab = [a.q0+a.q1, b.q0+b.q1] in every lane.
	VPUNPCKLQDQ Z1, Z0, Z16
	VPUNPCKHQDQ Z1, Z0, Z17
	VPADDQ Z17, Z16, Z16           // records 0,1
	VPUNPCKLQDQ Z3, Z2, Z18
	VPUNPCKHQDQ Z3, Z2, Z19
	VPADDQ Z19, Z18, Z18           // records 2,3
	VPUNPCKLQDQ Z5, Z4, Z20
	VPUNPCKHQDQ Z5, Z4, Z21
	VPADDQ Z21, Z20, Z20           // records 4,5
	VPUNPCKLQDQ Z7, Z6, Z22
	VPUNPCKHQDQ Z7, Z6, Z23
	VPADDQ Z23, Z22, Z22           // records 6,7

	// Level 2: add lanes 0+1 and 2+3; 0x88 picks lanes 0,2 of each
	// source, 0xDD lanes 1,3.
	VSHUFI64X2 $0x88, Z18, Z16, Z24
	VSHUFI64X2 $0xDD, Z18, Z16, Z25
	VPADDQ Z25, Z24, Z24           // [0,1 | 0,1 | 2,3 | 2,3] halves
	VSHUFI64X2 $0x88, Z22, Z20, Z26
	VSHUFI64X2 $0xDD, Z22, Z20, Z27
	VPADDQ Z27, Z26, Z26           // [4,5 | 4,5 | 6,7 | 6,7] halves

	// Level 3: add the halves; qword r is now the total of record r.
	VSHUFI64X2 $0x88, Z26, Z24, Z28
	VSHUFI64X2 $0xDD, Z26, Z24, Z29
	VPADDQ Z29, Z28, Z28
	VPMOVQD Z28, (DI)              // eight uint32 totals

	TESTQ R15, R15
	JZ next512
	VPMOVQD Z28, Y9                // c; lanes 8-15 are zero
	VPADDD Z9, Z9, Z9
	VCVTDQ2PS Z9, Z9               // 2c
	VMOVDQU (R14), Y10             // reference counts
	VPADDD Z30, Z10, Z10
	VCVTDQ2PS Z10, Z10             // s = qcount + refCount
	VMULPS Z31, Z10, Z10           // tlow*s
	VCMPPS $13, Z10, Z9, K1        // 2c >= tlow*s (predicate GE_OS)
	KMOVW K1, AX
	MOVB AX, (R15)                 // low 8 lanes are this group
	ADDQ $32, R14
	INCQ R15

next512:
	ADDQ $32, DI
	LEAQ (BX)(DX*8), BX
	SUBQ $8, R9
	JNZ group512
	VZEROUPPER
	RET

// popcount of each nibble value, for VPSHUFB (both 128-bit lanes).
DATA nibbleCount<>+0(SB)/8, $0x0302020102010100
DATA nibbleCount<>+8(SB)/8, $0x0403030203020201
GLOBL nibbleCount<>(SB), RODATA|NOPTR, $16

// func countsAVX2(q, refs *uint64, strideBytes, chunks, n int, out *uint32)
// Four records per group. Each 32-byte chunk is counted by nibble lookup
// (VPSHUFB) and summed to qwords with VPSADBW, so no byte counter can
// overflow whatever the length.
TEXT ·countsAVX2(SB), NOSPLIT, $0-48
	MOVQ q+0(FP), SI
	MOVQ refs+8(FP), BX
	MOVQ strideBytes+16(FP), DX
	MOVQ chunks+24(FP), CX
	MOVQ n+32(FP), R9
	MOVQ out+40(FP), DI
	LEAQ (DX)(DX*2), R8            // R8 = 3*stride
	VBROADCASTI128 nibbleCount<>(SB), Y6
	MOVL $0x0f, AX
	MOVD AX, X5
	VPBROADCASTB X5, Y5            // low-nibble mask
	VPXOR Y7, Y7, Y7               // zero, for VPSADBW

group256:
	VPXOR Y0, Y0, Y0
	VPXOR Y1, Y1, Y1
	VPXOR Y2, Y2, Y2
	VPXOR Y3, Y3, Y3
	MOVQ SI, R11
	MOVQ BX, R10
	MOVQ CX, R13

chunk256:
	VMOVDQU (R11), Y4
	VPAND (R10), Y4, Y8
	VPAND (R10)(DX*1), Y4, Y9
	VPAND (R10)(DX*2), Y4, Y10
	VPAND (R10)(R8*1), Y4, Y11
	VPSRLW $4, Y8, Y12
	VPSRLW $4, Y9, Y13
	VPSRLW $4, Y10, Y14
	VPSRLW $4, Y11, Y15
	VPAND Y5, Y8, Y8
	VPAND Y5, Y9, Y9
	VPAND Y5, Y10, Y10
	VPAND Y5, Y11, Y11
	VPAND Y5, Y12, Y12
	VPAND Y5, Y13, Y13
	VPAND Y5, Y14, Y14
	VPAND Y5, Y15, Y15
	VPSHUFB Y8, Y6, Y8
	VPSHUFB Y9, Y6, Y9
	VPSHUFB Y10, Y6, Y10
	VPSHUFB Y11, Y6, Y11
	VPSHUFB Y12, Y6, Y12
	VPSHUFB Y13, Y6, Y13
	VPSHUFB Y14, Y6, Y14
	VPSHUFB Y15, Y6, Y15
	VPADDB Y12, Y8, Y8
	VPADDB Y13, Y9, Y9
	VPADDB Y14, Y10, Y10
	VPADDB Y15, Y11, Y11
	VPSADBW Y7, Y8, Y8
	VPSADBW Y7, Y9, Y9
	VPSADBW Y7, Y10, Y10
	VPSADBW Y7, Y11, Y11
	VPADDQ Y8, Y0, Y0
	VPADDQ Y9, Y1, Y1
	VPADDQ Y10, Y2, Y2
	VPADDQ Y11, Y3, Y3
	ADDQ $32, R11
	ADDQ $32, R10
	DECQ R13
	JNZ chunk256

	// Pair records within 128-bit lanes, then add the lanes:
	// 0x20 takes both low lanes, 0x31 both high lanes.
	VPUNPCKLQDQ Y1, Y0, Y8
	VPUNPCKHQDQ Y1, Y0, Y9
	VPADDQ Y9, Y8, Y8              // records 0,1 per lane
	VPUNPCKLQDQ Y3, Y2, Y10
	VPUNPCKHQDQ Y3, Y2, Y11
	VPADDQ Y11, Y10, Y10           // records 2,3 per lane
	VPERM2I128 $0x20, Y10, Y8, Y12
	VPERM2I128 $0x31, Y10, Y8, Y13
	VPADDQ Y13, Y12, Y12           // qword r = total of record r
	// Narrow four qwords to four dwords: 0x88 takes dwords 0 and 2.
	VEXTRACTI128 $1, Y12, X13
	VSHUFPS $0x88, X13, X12, X12
	VMOVDQU X12, (DI)

	ADDQ $16, DI
	LEAQ (BX)(DX*4), BX
	SUBQ $4, R9
	JNZ group256
	VZEROUPPER
	RET
