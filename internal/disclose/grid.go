package disclose

import (
	"slices"
	"sort"
)

// grid is a table extended with its margins: each dimension gains, after
// its levels, one subtotal per group (for a dimension with groups, such as
// LSOAs within districts) and a last level, Total. The extended cells hold
// the interior, every marginal and subtotal table and the grand total. The
// additivity constraints are its lines: along dimension d, the members of
// one template (the levels of a group, the subtotals, or all levels) sum
// to the template's total.
type grid struct {
	size    []int // interior levels per dimension
	ext     []int // extended levels: levels, group subtotals, Total
	stride  []int // strides of the extended layout
	n       int   // extended cells
	tmpl    [][]template
	inTmpl  [][][]int // per dimension and extended level: templates holding it
	grouped bool      // some dimension has groups
	count   []int64
	sum     []float64
	top     [][]float64
	hasSum  bool
}

// template is one additivity pattern along a dimension: the extended
// levels members sum to the extended level total.
type template struct {
	members []int
	total   int
}

// topKeep is how many largest contributions a margin keeps for dominance.
const topKeep = 2

func newGrid(t *Table) *grid {
	nd := len(t.Dims)
	g := &grid{size: make([]int, nd), ext: make([]int, nd), stride: make([]int, nd),
		tmpl: make([][]template, nd), inTmpl: make([][][]int, nd), hasSum: t.SumName != ""}
	g.n = 1
	for d := nd - 1; d >= 0; d-- {
		g.size[d] = len(t.Dims[d].Levels)
		g.tmpl[d] = templates(t.Dims[d])
		g.ext[d] = g.tmpl[d][len(g.tmpl[d])-1].total + 1
		g.grouped = g.grouped || len(g.tmpl[d]) > 1
		g.inTmpl[d] = make([][]int, g.ext[d])
		for ti, tm := range g.tmpl[d] {
			for _, m := range append(slices.Clone(tm.members), tm.total) {
				g.inTmpl[d][m] = append(g.inTmpl[d][m], ti)
			}
		}
		g.stride[d] = g.n
		g.n *= g.ext[d]
	}
	g.count = make([]int64, g.n)
	if g.hasSum {
		g.sum = make([]float64, g.n)
		g.top = make([][]float64, g.n)
	}
	for i, c := range t.Cells {
		e := g.extOf(i)
		g.count[e] = c.Count
		if g.hasSum {
			g.sum[e] = c.Sum
			g.top[e] = c.Top
		}
	}
	g.fillMargins()
	return g
}

// templates returns a dimension's additivity patterns: all levels to Total,
// or, with groups, each group's levels to its subtotal and the subtotals
// to Total (the last template always ends at Total).
func templates(d Dim) []template {
	n := len(d.Levels)
	names := d.groupNames()
	if len(names) == 0 {
		all := make([]int, n)
		for i := range all {
			all[i] = i
		}
		return []template{{members: all, total: n}}
	}
	out := make([]template, len(names)+1)
	for gi := range names {
		out[gi].total = n + gi
	}
	for i, g := range d.Groups {
		gi := slices.Index(names, g)
		out[gi].members = append(out[gi].members, i)
	}
	top := &out[len(names)]
	top.total = n + len(names)
	for gi := range names {
		top.members = append(top.members, n+gi)
	}
	return out
}

// extOf maps an interior row-major position to its extended index.
func (g *grid) extOf(i int) int {
	e := 0
	for d := len(g.size) - 1; d >= 0; d-- {
		e += (i % g.size[d]) * g.stride[d]
		i /= g.size[d]
	}
	return e
}

// coord returns the extended level of cell e along dimension d.
func (g *grid) coord(e, d int) int { return (e / g.stride[d]) % g.ext[d] }

// isMargin reports whether e is a subtotal or total along some dimension.
func (g *grid) isMargin(e int) bool {
	for d := range g.size {
		if g.coord(e, d) >= g.size[d] {
			return true
		}
	}
	return false
}

// eachSum calls add(total, member) for every cell and every margin it adds
// into, in an order that fills margins of margins after their parts.
func (g *grid) eachSum(add func(total, member int)) {
	for d := range g.size {
		for _, tm := range g.tmpl[d] {
			for base := 0; base < g.n; base++ {
				if g.coord(base, d) != 0 {
					continue
				}
				tot := base + tm.total*g.stride[d]
				for _, m := range tm.members {
					add(tot, base+m*g.stride[d])
				}
			}
		}
	}
}

// fillMargins sums the interior into every margin.
func (g *grid) fillMargins() {
	g.eachSum(func(tot, e int) {
		g.count[tot] += g.count[e]
		if g.hasSum {
			g.sum[tot] += g.sum[e]
			g.top[tot] = mergeTop(g.top[tot], g.top[e])
		}
	})
}

// mergeTop returns the topKeep largest values of a and b, largest first.
func mergeTop(a, b []float64) []float64 {
	out := append(slices.Clone(a), b...)
	sort.Sort(sort.Reverse(sort.Float64Slice(out)))
	if len(out) > topKeep {
		out = out[:topKeep]
	}
	return out
}

// line is one additivity constraint: template tmpl of dimension dim,
// at the cell start (whose level along dim is 0).
type line struct {
	dim, tmpl, start int
}

// members appends the extended indices of l's cells to buf, total last.
func (g *grid) members(l line, buf []int) []int {
	buf = buf[:0]
	tm := g.tmpl[l.dim][l.tmpl]
	for _, m := range tm.members {
		buf = append(buf, l.start+m*g.stride[l.dim])
	}
	return append(buf, l.start+tm.total*g.stride[l.dim])
}

// lines returns every additivity constraint of the grid.
func (g *grid) lines() []line {
	var out []line
	for d := range g.size {
		for ti := range g.tmpl[d] {
			for e := 0; e < g.n; e++ {
				if g.coord(e, d) == 0 {
					out = append(out, line{dim: d, tmpl: ti, start: e})
				}
			}
		}
	}
	return out
}

// linesOf returns the constraints extended cell e belongs to.
func (g *grid) linesOf(e int) []line {
	var out []line
	for d := range g.size {
		c := g.coord(e, d)
		for _, ti := range g.inTmpl[d][c] {
			out = append(out, line{dim: d, tmpl: ti, start: e - c*g.stride[d]})
		}
	}
	return out
}
