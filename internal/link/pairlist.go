package link

import (
	"iter"
	"unsafe"
)

// Pairs holds a run's candidate pairs compactly: a pair's two records
// packed in one uint64 (A in the high half, so the packed values order
// pairs by (A, B)) and its comparison vector as a mixed-radix code of its
// levels in two bytes, 10 bytes a pair instead of 16. A model whose
// levels have more than 65,536 combinations keeps whole vectors instead
// (16 bytes a pair). At Essex scale (81 million candidates) that is half
// a gigabyte less.
type Pairs struct {
	ab   []uint64 // A<<32 | B
	code []uint16 // each pair's vector's code, when vc is set
	wide []Vector // each pair's vector, when vc is nil
	vc   *vectorCode
}

// Len returns the number of pairs.
func (p *Pairs) Len() int { return len(p.ab) }

// At returns pair k.
func (p *Pairs) At(k int) Pair {
	a, b := p.records(k)
	return Pair{A: a, B: b, Vector: p.vector(k)}
}

// records returns pair k's two records.
func (p *Pairs) records(k int) (int32, int32) {
	ab := p.ab[k]
	return int32(ab >> 32), int32(uint32(ab))
}

// vector returns pair k's comparison vector.
func (p *Pairs) vector(k int) Vector {
	if p.vc != nil {
		return p.vc.vecs[p.code[k]]
	}
	return p.wide[k]
}

// add appends a pair.
func (p *Pairs) add(a, b int32, v Vector) {
	p.ab = append(p.ab, uint64(uint32(a))<<32|uint64(uint32(b)))
	if p.vc != nil {
		p.code = append(p.code, p.vc.encode(v))
	} else {
		p.wide = append(p.wide, v)
	}
}

// bytesPer is the memory one pair takes.
func (p *Pairs) bytesPer() int {
	if p.vc != nil {
		return 8 + 2
	}
	return 8 + int(unsafe.Sizeof(Vector(0)))
}

// alloc returns n zero pairs in the same coding.
func (p *Pairs) alloc(n int) Pairs {
	out := Pairs{ab: make([]uint64, n), vc: p.vc}
	if p.vc != nil {
		out.code = make([]uint16, n)
	} else {
		out.wide = make([]Vector, n)
	}
	return out
}

// slice returns pairs [from, to), sharing memory.
func (p *Pairs) slice(from, to int) Pairs {
	out := Pairs{ab: p.ab[from:to], vc: p.vc}
	if p.vc != nil {
		out.code = p.code[from:to]
	} else {
		out.wide = p.wide[from:to]
	}
	return out
}

// copyFrom copies src into p (of the same length and coding).
func (p *Pairs) copyFrom(src Pairs) {
	copy(p.ab, src.ab)
	copy(p.code, src.code)
	copy(p.wide, src.wide)
}

// parts views the pairs' arrays as bytes, for spilling to disk (none
// holds pointers).
func (p *Pairs) parts() [2][]byte {
	out := [2][]byte{asBytes(p.ab), nil}
	if p.vc != nil {
		out[1] = asBytes(p.code)
	} else {
		out[1] = asBytes(p.wide)
	}
	return out
}

// asBytes views a slice of plain values as its bytes.
func asBytes[T uint16 | uint64 | Vector](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), len(s)*int(unsafe.Sizeof(s[0])))
}

// vectorCode numbers the comparison vectors a model's levels allow: the
// level of comparison k times the product of the numbers of levels of
// the comparisons before it, summed.
type vectorCode struct {
	mult []int    // per comparison, its place value
	vecs []Vector // code → vector
}

// newVectorCode returns the coding of vectors over comparisons with these
// numbers of levels, nil when their combinations do not fit two bytes.
func newVectorCode(levels []int) *vectorCode {
	total := 1
	vc := &vectorCode{}
	for _, n := range levels {
		vc.mult = append(vc.mult, total)
		if total *= max(n, 1); total > 1<<16 {
			return nil
		}
	}
	vc.vecs = make([]Vector, total)
	for c := range total {
		var v Vector
		for k := len(levels) - 1; k >= 0; k-- {
			v |= Vector(c/vc.mult[k]%max(levels[k], 1)) << (4 * k)
		}
		vc.vecs[c] = v
	}
	return vc
}

// encode returns v's code.
func (vc *vectorCode) encode(v Vector) uint16 {
	c := 0
	for k, m := range vc.mult {
		c += v.Level(k) * m
	}
	return uint16(c)
}

// All yields each pair with its index.
func (p *Pairs) All() iter.Seq2[int, Pair] {
	return func(yield func(int, Pair) bool) {
		for k := range p.ab {
			if !yield(k, p.At(k)) {
				return
			}
		}
	}
}
