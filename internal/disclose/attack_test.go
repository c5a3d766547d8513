package disclose_test

import (
	"math/big"
	"strings"

	"github.com/civiclink/civiclink/internal/disclose"
)

// published is what an attacker sees of a table: the levels of each
// dimension and, per cell (margins included), its value or nothing.
type published struct {
	dims  [][]string          // levels per dimension, subtotals and Total appended
	tmpls [][][]string        // per dimension: each additivity pattern, total last
	value map[string]int64    // known cells
	all   []string            // every cell key
	truth map[string]int64    // true values, to check what the attacker claims
	hide  map[string]struct{} // withheld cells
}

func key(levels []string) string { return strings.Join(levels, "\x1f") }

// fromResult reads a controlled table as an attacker would; truth holds the
// true values by key for checking recoveries.
func fromResult(r *disclose.Result, truth map[string]int64) *published {
	p := &published{value: map[string]int64{}, truth: truth, hide: map[string]struct{}{}}
	for _, d := range r.Dims {
		var groups []string
		members := map[string][]string{}
		for i, g := range d.Groups {
			if _, ok := members[g]; !ok {
				groups = append(groups, g)
			}
			members[g] = append(members[g], d.Levels[i])
		}
		all := append(append(append([]string(nil), d.Levels...), groups...), disclose.TotalLevel)
		p.dims = append(p.dims, all)
		var tm [][]string
		if len(groups) == 0 {
			tm = append(tm, append(append([]string(nil), d.Levels...), disclose.TotalLevel))
		}
		for _, g := range groups {
			tm = append(tm, append(append([]string(nil), members[g]...), g))
		}
		if len(groups) > 0 {
			tm = append(tm, append(append([]string(nil), groups...), disclose.TotalLevel))
		}
		p.tmpls = append(p.tmpls, tm)
	}
	for _, c := range r.Cells {
		k := key(c.Levels)
		p.all = append(p.all, k)
		if c.Status.Suppressed() {
			p.hide[k] = struct{}{}
		} else {
			p.value[k] = c.Count
		}
	}
	return p
}

// lines returns every additivity constraint as cell keys, total last.
func (p *published) lines() [][]string {
	var out [][]string
	for d := range p.dims {
		var rec func(i int, levels []string)
		rec = func(i int, levels []string) {
			if i == len(p.dims) {
				for _, tm := range p.tmpls[d] {
					var l []string
					for _, lv := range tm {
						levels[d] = lv
						l = append(l, key(levels))
					}
					out = append(out, l)
				}
				return
			}
			if i == d {
				rec(i+1, levels)
				return
			}
			for _, lv := range p.dims[i] {
				levels[i] = lv
				rec(i+1, levels)
			}
		}
		rec(0, make([]string, len(p.dims)))
	}
	return out
}

// attack tries every LP-free way to recover withheld cells exactly and
// returns what it recovered (key → value):
//  1. any line with one unknown reveals it, repeated to a fixpoint;
//  2. Gaussian elimination over the rationals on the remaining system;
//  3. interval bounds from non-negativity, propagated through the lines,
//     that close to a single value.
func (p *published) attack() map[string]int64 {
	known := map[string]int64{}
	for k, v := range p.value {
		known[k] = v
	}
	got := map[string]int64{}
	lines := p.lines()
	p.singleUnknowns(lines, known, got)
	p.eliminate(lines, known, got)
	p.intervals(lines, known, got)
	return got
}

func (p *published) singleUnknowns(lines [][]string, known, got map[string]int64) {
	for changed := true; changed; {
		changed = false
		for _, l := range lines {
			var unk []int
			var s int64
			for i, k := range l {
				v, ok := known[k]
				switch {
				case !ok:
					unk = append(unk, i)
				case i == len(l)-1:
					s -= v
				default:
					s += v
				}
			}
			if len(unk) != 1 {
				continue
			}
			i := unk[0]
			v := -s // interior unknown: v = total − others
			if i == len(l)-1 {
				v = s
			}
			known[l[i]], got[l[i]] = v, v
			changed = true
		}
	}
}

// eliminate reduces the system over the unknowns to reduced row echelon
// form with exact rationals; a row with one non-zero entry fixes a value.
func (p *published) eliminate(lines [][]string, known, got map[string]int64) {
	col := map[string]int{}
	var names []string
	for _, k := range p.all {
		if _, ok := known[k]; !ok {
			col[k] = len(names)
			names = append(names, k)
		}
	}
	n := len(names)
	var rows [][]*big.Rat
	for _, l := range lines {
		row := make([]*big.Rat, n+1)
		for j := range row {
			row[j] = new(big.Rat)
		}
		any := false
		for i, k := range l {
			sign := int64(1)
			if i == len(l)-1 {
				sign = -1
			}
			if j, ok := col[k]; ok {
				row[j].SetInt64(sign)
				any = true
			} else {
				row[n].Sub(row[n], big.NewRat(sign*known[k], 1))
			}
		}
		if any {
			rows = append(rows, row)
		}
	}
	r := 0
	for j := 0; j < n && r < len(rows); j++ {
		piv := -1
		for i := r; i < len(rows); i++ {
			if rows[i][j].Sign() != 0 {
				piv = i
				break
			}
		}
		if piv < 0 {
			continue
		}
		rows[r], rows[piv] = rows[piv], rows[r]
		inv := new(big.Rat).Inv(rows[r][j])
		for k := range rows[r] {
			rows[r][k].Mul(rows[r][k], inv)
		}
		for i := range rows {
			if i == r || rows[i][j].Sign() == 0 {
				continue
			}
			f := new(big.Rat).Set(rows[i][j])
			for k := range rows[i] {
				rows[i][k].Sub(rows[i][k], new(big.Rat).Mul(f, rows[r][k]))
			}
		}
		r++
	}
	for _, row := range rows[:r] {
		nz := -1
		count := 0
		for j := 0; j < n; j++ {
			if row[j].Sign() != 0 {
				nz, count = j, count+1
			}
		}
		if count == 1 && row[n].IsInt() {
			v := row[n].Num().Int64()
			known[names[nz]], got[names[nz]] = v, v
		}
	}
}

// intervals bounds each unknown in [0, ∞) and tightens through the lines.
func (p *published) intervals(lines [][]string, known, got map[string]int64) {
	const inf = int64(1) << 50
	lo, hi := map[string]int64{}, map[string]int64{}
	for _, k := range p.all {
		if v, ok := known[k]; ok {
			lo[k], hi[k] = v, v
		} else {
			lo[k], hi[k] = 0, inf
		}
	}
	for pass := 0; pass < 100; pass++ {
		changed := false
		for _, l := range lines {
			tot := l[len(l)-1]
			var sLo, finHi int64
			open := 0
			for _, k := range l[:len(l)-1] {
				sLo += lo[k]
				if hi[k] >= inf {
					open++
				} else {
					finHi += hi[k]
				}
			}
			if sLo > lo[tot] {
				lo[tot], changed = sLo, true
			}
			if open == 0 && finHi < hi[tot] {
				hi[tot], changed = finHi, true
			}
			for _, k := range l[:len(l)-1] {
				oLo := sLo - lo[k]
				oOpen, oHi := open, finHi
				if hi[k] >= inf {
					oOpen--
				} else {
					oHi -= hi[k]
				}
				if hi[tot] < inf && hi[tot]-oLo < hi[k] {
					hi[k], changed = hi[tot]-oLo, true
				}
				if oOpen == 0 && lo[tot]-oHi > lo[k] {
					lo[k], changed = lo[tot]-oHi, true
				}
			}
		}
		if !changed {
			break
		}
	}
	for k := range p.hide {
		if _, done := got[k]; !done && lo[k] == hi[k] {
			got[k] = lo[k]
		}
	}
}
