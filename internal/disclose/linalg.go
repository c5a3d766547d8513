package disclose

import (
	"math/bits"
)

// prime is the Mersenne prime 2^61 − 1. The constraint matrix has entries
// 0 and ±1, so its rank modulo this prime equals its rank over the
// rationals unless the prime divides a minor, which for tables of this size
// is not a practical concern.
const prime = 1<<61 - 1

// maxSystem bounds unknowns × constraints for the n-D exact check.
const maxSystem = 4_000_000

// determined returns the withheld cells whose values the published cells
// and totals fix exactly, by reducing the constraint system (one row per
// line holding a withheld cell, one column per withheld cell) to reduced
// row echelon form: a cell is determined when some reduced row is its unit
// vector. ok is false when the system is too large to check.
func (c *control) determined() (cells []int, ok bool) {
	col := map[int]int{}
	var unknown []int
	for e := 0; e < c.g.n; e++ {
		if c.suppressed(e) {
			col[e] = len(unknown)
			unknown = append(unknown, e)
		}
	}
	var buf []int
	var used []line
	for _, l := range c.g.lines() {
		buf = c.g.members(l, buf)
		if c.countSuppressed(buf) > 0 {
			used = append(used, l)
		}
	}
	if len(used)*len(unknown) > maxSystem {
		return nil, false
	}
	rows := make([][]uint64, 0, len(used))
	for _, l := range used {
		buf = c.g.members(l, buf)
		var row []uint64
		for i, e := range buf {
			j, ok := col[e]
			if !ok {
				continue
			}
			if row == nil {
				row = make([]uint64, len(unknown))
			}
			row[j] = 1
			if i == len(buf)-1 {
				row[j] = prime - 1
			}
		}
		if row != nil {
			rows = append(rows, row)
		}
	}
	for _, j := range unitColumns(rows, len(unknown)) {
		cells = append(cells, unknown[j])
	}
	return cells, true
}

// unitColumns reduces rows (mod prime) in place and returns the columns j
// for which a reduced row equals the unit vector e_j.
func unitColumns(rows [][]uint64, ncols int) []int {
	r := 0
	var pivots []int
	for j := 0; j < ncols && r < len(rows); j++ {
		p := -1
		for i := r; i < len(rows); i++ {
			if rows[i][j] != 0 {
				p = i
				break
			}
		}
		if p < 0 {
			continue
		}
		rows[r], rows[p] = rows[p], rows[r]
		scale(rows[r], inverse(rows[r][j]))
		for i := range rows {
			if i != r && rows[i][j] != 0 {
				subMul(rows[i], rows[r], rows[i][j])
			}
		}
		pivots = append(pivots, j)
		r++
	}
	var out []int
	for i, j := range pivots {
		if nonzeros(rows[i]) == 1 {
			out = append(out, j)
		}
	}
	return out
}

func mulMod(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	_, rem := bits.Div64(hi, lo, prime)
	return rem
}

func inverse(a uint64) uint64 { // a^(p−2) mod p
	result, base, e := uint64(1), a, uint64(prime-2)
	for e > 0 {
		if e&1 == 1 {
			result = mulMod(result, base)
		}
		base = mulMod(base, base)
		e >>= 1
	}
	return result
}

func scale(row []uint64, f uint64) {
	for k, v := range row {
		if v != 0 {
			row[k] = mulMod(v, f)
		}
	}
}

// subMul sets row -= f·piv (mod prime).
func subMul(row, piv []uint64, f uint64) {
	for k, v := range piv {
		if v != 0 {
			row[k] = (row[k] + prime - mulMod(v, f)) % prime
		}
	}
}

func nonzeros(row []uint64) int {
	n := 0
	for _, v := range row {
		if v != 0 {
			n++
		}
	}
	return n
}
