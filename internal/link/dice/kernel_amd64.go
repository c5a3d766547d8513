//go:build amd64 && !purego

package dice

import "golang.org/x/sys/cpu"

// archKernels returns the vector kernels this CPU supports, fastest first.
// x/sys/cpu reports AVX-512 and AVX2 only when the OS saves their registers.
func archKernels() []kernel {
	var ks []kernel
	if cpu.X86.HasAVX512F && cpu.X86.HasAVX512VPOPCNTDQ {
		ks = append(ks, kernel{KernelAVX512, countsAVX512Go, filterAVX512})
	}
	if cpu.X86.HasAVX2 {
		ks = append(ks, kernel{name: KernelAVX2, counts: countsAVX2Go})
	}
	return ks
}

// countsAVX512Go runs the assembly kernel over whole groups of 8 records
// and the scalar loop over the rest.
func countsAVX512Go(q, refs []uint64, stride, words int, out []uint32) {
	n := len(out) &^ 7
	if n > 0 {
		_ = refs[n*stride-1] // the assembly reads n whole records
		countsAVX512(&q[0], &refs[0], stride*8, stride/laneWords, n, &out[0], nil, 0, 0, nil)
	}
	if n < len(out) {
		countsScalar(q, refs[n*stride:], stride, words, out[n:])
	}
}

// filterAVX512 counts and pre-filters the whole groups of 8 records at the
// start of refs (see [kernel]) and returns how many records it handled.
func filterAVX512(q []uint64, qc uint32, refs []uint64, rc []uint32, stride int, tlow float32, out []uint32, masks []uint8) int {
	n := len(rc) &^ 7
	if n > 0 {
		_ = refs[n*stride-1]
		_ = out[n-1]
		_ = masks[n/8-1]
		countsAVX512(&q[0], &refs[0], stride*8, stride/laneWords, n, &out[0], &rc[0], qc, tlow, &masks[0])
	}
	return n
}

// countsAVX2Go runs the assembly kernel over whole groups of 4 records and
// the scalar loop over the rest.
func countsAVX2Go(q, refs []uint64, stride, words int, out []uint32) {
	n := len(out) &^ 3
	if n > 0 {
		_ = refs[n*stride-1]
		countsAVX2(&q[0], &refs[0], stride*8, stride/4, n, &out[0])
	}
	if n < len(out) {
		countsScalar(q, refs[n*stride:], stride, words, out[n:])
	}
}

// countsAVX512 sets out[j] = popcount(q AND ref_j) for n records (n a
// positive multiple of 8) that are strideBytes apart from refs, each chunks
// 64-byte vectors long. Unless masks is nil it also sets bit j%8 of
// masks[j/8] when 2*out[j] >= tlow*(qcount+refCounts[j]) in float32. It
// needs AVX512F and AVX512_VPOPCNTDQ.
//
//go:noescape
func countsAVX512(q, refs *uint64, strideBytes, chunks, n int, out *uint32, refCounts *uint32, qcount uint32, tlow float32, masks *uint8)

// countsAVX2 is countsAVX512 for AVX2: n a positive multiple of 4 and
// chunks counting 32-byte vectors.
//
//go:noescape
func countsAVX2(q, refs *uint64, strideBytes, chunks, n int, out *uint32)
