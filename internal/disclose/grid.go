package disclose

import (
	"slices"
	"sort"
)

// grid is a table extended with its margins: each dimension gains a last
// level, Total, so the (L1+1)×…×(Ln+1) cells hold the interior, every
// marginal table and the grand total. The additivity constraints are its
// lines: along dimension d, the cells with levels 0…Ld−1 sum to the cell
// at level Ld.
type grid struct {
	size   []int // interior levels per dimension
	stride []int // strides of the extended layout
	n      int   // extended cells
	count  []int64
	sum    []float64
	top    [][]float64
	hasSum bool
}

// topKeep is how many largest contributions a margin keeps for dominance.
const topKeep = 2

func newGrid(t *Table) *grid {
	g := &grid{size: make([]int, len(t.Dims)), stride: make([]int, len(t.Dims)), hasSum: t.SumName != ""}
	g.n = 1
	for d := len(t.Dims) - 1; d >= 0; d-- {
		g.size[d] = len(t.Dims[d].Levels)
		g.stride[d] = g.n
		g.n *= g.size[d] + 1
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

// extOf maps an interior row-major position to its extended index.
func (g *grid) extOf(i int) int {
	e := 0
	for d := len(g.size) - 1; d >= 0; d-- {
		e += (i % g.size[d]) * g.stride[d]
		i /= g.size[d]
	}
	return e
}

// coord returns the level of extended cell e along dimension d.
func (g *grid) coord(e, d int) int { return (e / g.stride[d]) % (g.size[d] + 1) }

// isMargin reports whether e is a total along some dimension.
func (g *grid) isMargin(e int) bool {
	for d := range g.size {
		if g.coord(e, d) == g.size[d] {
			return true
		}
	}
	return false
}

// fillMargins sums the interior into every margin, one dimension at a time.
func (g *grid) fillMargins() {
	for d := range g.size {
		for e := 0; e < g.n; e++ {
			c := g.coord(e, d)
			if c == g.size[d] {
				continue
			}
			tot := e + (g.size[d]-c)*g.stride[d]
			g.count[tot] += g.count[e]
			if g.hasSum {
				g.sum[tot] += g.sum[e]
				g.top[tot] = mergeTop(g.top[tot], g.top[e])
			}
		}
	}
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

// line is one additivity constraint: the cells along dimension dim from
// start; the last member is the total.
type line struct {
	dim, start int
}

// members appends the extended indices of l's cells to buf, total last.
func (g *grid) members(l line, buf []int) []int {
	buf = buf[:0]
	for k := 0; k <= g.size[l.dim]; k++ {
		buf = append(buf, l.start+k*g.stride[l.dim])
	}
	return buf
}

// lines returns every additivity constraint of the grid.
func (g *grid) lines() []line {
	var out []line
	for d := range g.size {
		for e := 0; e < g.n; e++ {
			if g.coord(e, d) == 0 {
				out = append(out, line{dim: d, start: e})
			}
		}
	}
	return out
}

// linesOf returns the constraints extended cell e belongs to, one per
// dimension.
func (g *grid) linesOf(e int) []line {
	out := make([]line, len(g.size))
	for d := range g.size {
		out[d] = line{dim: d, start: e - g.coord(e, d)*g.stride[d]}
	}
	return out
}
