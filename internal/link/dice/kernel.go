package dice

import (
	"math/bits"
	"slices"
	"sync/atomic"

	"github.com/civiclink/civiclink/internal/fault"
)

// Names of the kernels that count |A∩B|. [Kernels] lists those this CPU can
// run, fastest first.
const (
	KernelAVX512 = "avx512-vpopcntdq" // VPANDQ + VPOPCNTQ on 512-bit vectors
	KernelAVX2   = "avx2"             // VPSHUFB nibble-table popcount on 256-bit vectors
	KernelScalar = "scalar"           // math/bits.OnesCount64 loop (POPCNT on amd64)
)

// kernel counts the common set bits of one query against consecutive
// records of an arena.
type kernel struct {
	name string
	// counts sets out[j] = |q ∩ r_j| for the len(out) records r_j stored
	// stride words apart at the start of refs. q has stride words; only the
	// first words of each record can hold set bits.
	counts func(q, refs []uint64, stride, words int, out []uint32)
	// filter, when not nil, is counts fused with a pre-filter for a Dice
	// threshold, for a prefix of the records: it sets out[j] for the first
	// n records (the returned n, a multiple of 8) and sets bit j%8 of
	// masks[j/8] when 2*out[j] >= tlow*(qc+rc[j]) in float32; tlow is set
	// low enough that every pair at or above the threshold passes.
	filter func(q []uint64, qc uint32, refs []uint64, rc []uint32, stride int, tlow float32, out []uint32, masks []uint8) int
}

// kernels lists the kernels this CPU can run, fastest first; it is set up by
// the architecture's init and always ends with the scalar kernel.
var kernels []kernel

// active is the kernel in use.
var active atomic.Pointer[kernel]

func init() {
	kernels = append(archKernels(), kernel{name: KernelScalar, counts: countsScalar})
	active.Store(&kernels[0])
}

// Kernel returns the name of the kernel in use.
func Kernel() string { return active.Load().name }

// Kernels returns the names of the kernels this CPU can run, fastest first.
// The first is the one chosen at start-up.
func Kernels() []string {
	names := make([]string, len(kernels))
	for i, k := range kernels {
		names[i] = k.name
	}
	return names
}

// UseKernel switches every later comparison to the named kernel and returns
// the name of the one it replaces. It exists so tests and benchmarks can pin
// a kernel; all kernels give identical results, so production code has no
// reason to call it.
func UseKernel(name string) (previous string, err error) {
	i := slices.IndexFunc(kernels, func(k kernel) bool { return k.name == name })
	if i < 0 {
		return "", fault.Errorf(fault.Invalid, "kernel %q is not available on this CPU: choose one of %v", name, Kernels())
	}
	return active.Swap(&kernels[i]).name, nil
}

// countsScalar is the reference kernel: a plain loop over 64-bit words.
func countsScalar(q, refs []uint64, stride, words int, out []uint32) {
	q = q[:words]
	for j := range out {
		r := refs[j*stride:]
		r = r[:len(q)]
		c := 0
		for k, w := range q {
			c += bits.OnesCount64(w & r[k])
		}
		out[j] = uint32(c)
	}
}
