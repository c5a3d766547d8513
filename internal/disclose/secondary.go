package disclose

import (
	"fmt"
)

// secondary adds complementary suppressions until no withheld cell can be
// worked out exactly from the published cells and totals. It first runs
// the classic heuristic to a fixpoint (no line with exactly one withheld
// cell) and then an exact check: for 1-D tables without groups the
// fixpoint suffices; for 2-D tables without groups a withheld cell is
// determined exactly when it is a bridge of the bipartite graph of
// withheld cells (rows and columns as nodes); otherwise the linear system
// is solved modulo a large prime. Each determined cell gets a further
// complement and the loop repeats; so do cells that non-negativity pins.
// It returns false when the table was too large for the exact check.
func (c *control) secondary() (checked bool) {
	checked = true
	stuck := map[int]bool{}
	defer func() { c.stuck = stuck }()
	for first := true; ; first = false {
		c.lineFixpoint(first)
		det, ok := c.exactlyDetermined()
		if !ok {
			checked = false
		}
		if c.breakFirst(det, stuck) {
			continue
		}
		if !c.breakPinned(stuck) {
			return checked
		}
	}
}

// exactlyDetermined returns withheld cells the linear system fixes (for
// 2-D, one bridge at a time); ok is false if the check was skipped.
func (c *control) exactlyDetermined() (cells []int, ok bool) {
	switch {
	case len(c.g.size) == 1 && !c.g.grouped:
		return nil, true
	case c.usesBridges():
		return c.bridges(), true
	default:
		return c.determined()
	}
}

// breakFirst adds a complement for the first of det not in stuck that has
// one, marking those without as stuck, and reports whether it added one.
func (c *control) breakFirst(det []int, stuck map[int]bool) bool {
	for _, e := range det {
		if stuck[e] {
			continue
		}
		if c.usesBridges() && c.breakBridge(e) || !c.usesBridges() && c.breakDetermined(e) {
			return true
		}
		stuck[e] = true
	}
	return false
}

// usesBridges reports whether the 2-D graph check applies: two dimensions
// without groups.
func (c *control) usesBridges() bool { return len(c.g.size) == 2 && !c.g.grouped }

// breakPinned finds withheld cells that non-negativity pins to one value
// (e.g. withheld cells of a line whose withheld total is 0) and adds a
// complement for each; it reports whether it added any. A cell with no
// complement left to add is remembered in stuck and reported as residual
// risk instead.
func (c *control) breakPinned(stuck map[int]bool) bool {
	known := make([]bool, c.g.n)
	for e := range known {
		known[e] = !c.suppressed(e)
	}
	lo, hi := c.g.bounds(known, c.g.count, 0, 0)
	added := false
	for e := 0; e < c.g.n; e++ {
		if known[e] || lo[e] != hi[e] || stuck[e] {
			continue
		}
		if !c.breakDetermined(e) {
			stuck[e] = true
			continue
		}
		added = true
	}
	return added
}

// lineFixpoint suppresses, in every line with exactly one withheld cell,
// the best complement, until no such line remains. It starts from every
// line, or only from the lines of cells suppressed since the last call.
func (c *control) lineFixpoint(all bool) {
	var queue []line
	if all {
		queue = c.g.lines()
	} else {
		for _, e := range c.dirty {
			queue = append(queue, c.g.linesOf(e)...)
		}
	}
	c.dirty = c.dirty[:0]
	queued := make(map[line]bool, len(queue))
	for _, l := range queue {
		queued[l] = true
	}
	var buf []int
	for len(queue) > 0 {
		l := queue[0]
		queue = queue[1:]
		queued[l] = false
		buf = c.g.members(l, buf)
		if c.countSuppressed(buf) != 1 {
			continue
		}
		e := c.bestComplement(buf)
		c.suppress(e, SuppressedSecondary, RuleSecondary, fmt.Sprintf("complement: stops a withheld cell being worked out from the %s totals", c.dimName(l.dim)))
		for _, l2 := range c.g.linesOf(e) {
			if !queued[l2] {
				queued[l2] = true
				queue = append(queue, l2)
			}
		}
	}
}

func (c *control) countSuppressed(mem []int) int {
	n := 0
	for _, e := range mem {
		if c.suppressed(e) {
			n++
		}
	}
	return n
}

// better reports whether a is a better complement than b: a non-zero cell
// before a zero (a suppressed zero protects little), an interior cell
// before a margin, then the smaller count, then the earlier cell.
func (c *control) better(a, b int) bool {
	ka := [3]int64{zeroRank(c.g.count[a]), boolRank(c.g.isMargin(a)), c.g.count[a]}
	kb := [3]int64{zeroRank(c.g.count[b]), boolRank(c.g.isMargin(b)), c.g.count[b]}
	for i := range ka {
		if ka[i] != kb[i] {
			return ka[i] < kb[i]
		}
	}
	return a < b
}

func zeroRank(n int64) int64 {
	if n == 0 {
		return 1
	}
	return 0
}

func boolRank(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// bestComplement returns the best unsuppressed cell among mem, or -1.
func (c *control) bestComplement(mem []int) int {
	best := -1
	for _, e := range mem {
		if !c.suppressed(e) && (best < 0 || c.better(e, best)) {
			best = e
		}
	}
	return best
}

// dimName names the dimension a line runs along.
func (c *control) dimName(d int) string {
	if c.names == nil {
		return fmt.Sprintf("dimension %d", d+1)
	}
	return c.names[d]
}

// breakDetermined suppresses a complement for e, a cell the exact checks
// found determined: the best unsuppressed cell in e's lines or, when those
// are all withheld, in the lines of their withheld cells, and so on
// outwards. It reports whether any cell was left to suppress.
func (c *control) breakDetermined(e int) bool {
	seenLine := map[line]bool{}
	seenCell := map[int]bool{e: true}
	frontier := []int{e}
	var buf []int
	for len(frontier) > 0 {
		best := -1
		var next []int
		for _, f := range frontier {
			for _, l := range c.g.linesOf(f) {
				if seenLine[l] {
					continue
				}
				seenLine[l] = true
				buf = c.g.members(l, buf)
				for _, m := range buf {
					switch {
					case !c.suppressed(m):
						if best < 0 || c.better(m, best) {
							best = m
						}
					case !seenCell[m]:
						seenCell[m] = true
						next = append(next, m)
					}
				}
			}
		}
		if best >= 0 {
			c.suppress(best, SuppressedSecondary, RuleSecondary, "complement: stops a withheld cell being solved for from several totals at once")
			return true
		}
		frontier = next
	}
	return false
}
