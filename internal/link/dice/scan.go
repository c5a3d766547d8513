package dice

import "math/bits"

// scanner finds, for one query at a time, the references of a tile that
// reach the threshold. Each worker has its own.
type scanner struct {
	kernel    *kernel
	refs      *Encodings
	minCommon []uint32
	threshold float64
	tlow      float32  // pre-filter threshold for kernel.filter
	counts    []uint32 // common bits with each reference of the tile
	masks     []uint8  // pre-filter bits, one per reference
	hits      []uint32 // tile indices of references that pass
}

func newScanner(k *kernel, refs *Encodings, minCommon []uint32, threshold float64, tile int) *scanner {
	return &scanner{
		kernel:    k,
		refs:      refs,
		minCommon: minCommon,
		threshold: threshold,
		tlow:      lowered(threshold),
		counts:    make([]uint32, tile),
		masks:     make([]uint8, tile/8+1),
	}
}

// lowered returns a float32 threshold 2^-20 below t: more than float32
// rounding of it and of its product with a count can take back, so the
// pre-filter drops no pair that reaches t.
func lowered(t float64) float32 { return float32(t * (1 - 1.0/(1<<20))) }

// scan compares query q (with qc set bits) with references [r0, r1) and
// returns the indices, relative to r0, of those that reach the threshold
// and score at least bound, and the common-bit counts indexed the same way.
// Both are reused by the next call.
func (s *scanner) scan(q []uint64, qc uint32, r0, r1 int, bound float64) (hits, counts []uint32) {
	refs := s.refs
	data, rc := refs.data[r0*refs.stride:], refs.counts[r0:r1]
	counts, minc := s.counts[:len(rc)], s.minCommon[qc:]
	tlow, raised := s.tlow, bound > s.threshold
	if raised {
		tlow = lowered(bound)
	}
	hits = s.hits[:0]
	done := 0
	if s.kernel.filter != nil {
		done = s.kernel.filter(q, qc, data, rc, refs.stride, tlow, counts, s.masks)
		for g, m := range s.masks[:done/8] {
			for ; m != 0; m &= m - 1 {
				j := g*8 + bits.TrailingZeros8(m)
				if counts[j] >= minc[rc[j]] && (!raised || dice(counts[j], qc+rc[j]) >= bound) {
					hits = append(hits, uint32(j))
				}
			}
		}
	}
	if done < len(rc) {
		s.kernel.counts(q, data[done*refs.stride:], refs.stride, refs.words, counts[done:])
		for j := done; j < len(rc); j++ {
			if counts[j] >= minc[rc[j]] && (!raised || dice(counts[j], qc+rc[j]) >= bound) {
				hits = append(hits, uint32(j))
			}
		}
	}
	s.hits = hits
	return hits, counts
}
