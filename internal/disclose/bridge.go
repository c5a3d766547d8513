package disclose

// In a 2-D table with margins, negate the row and column totals (not the
// grand total) and every line sums to zero with all coefficients +1: the
// constraints are the incidence matrix of a bipartite graph whose nodes are
// the extended rows and columns and whose edges are the withheld cells. The
// solutions of the homogeneous system are the graph's cycles, so a withheld
// cell's value is pinned down exactly when its edge lies on no cycle: when
// it is a bridge.

// bridges returns the withheld cells whose edges are bridges.
func (c *control) bridges() []int {
	adj := c.adjacency()
	nodes := len(adj)
	disc := make([]int, nodes)
	low := make([]int, nodes)
	for i := range disc {
		disc[i] = -1
	}
	timer := 0
	var found []int
	var dfs func(u, viaEdge int)
	dfs = func(u, viaEdge int) {
		disc[u], low[u] = timer, timer
		timer++
		for _, a := range adj[u] {
			if a.cell == viaEdge {
				continue
			}
			if disc[a.to] >= 0 {
				low[u] = min(low[u], disc[a.to])
				continue
			}
			dfs(a.to, a.cell)
			low[u] = min(low[u], low[a.to])
			if low[a.to] > disc[u] {
				found = append(found, a.cell)
			}
		}
	}
	for u := 0; u < nodes; u++ {
		if disc[u] < 0 {
			dfs(u, -1)
		}
	}
	return found
}

type arc struct{ to, cell int }

// adjacency builds the bipartite graph: node r for extended row r, node
// rows+k for extended column k.
func (c *control) adjacency() [][]arc {
	rows := c.g.ext[0]
	adj := make([][]arc, rows+c.g.ext[1])
	for e := 0; e < c.g.n; e++ {
		if !c.suppressed(e) {
			continue
		}
		r, k := c.g.coord(e, 0), rows+c.g.coord(e, 1)
		adj[r] = append(adj[r], arc{k, e})
		adj[k] = append(adj[k], arc{r, e})
	}
	return adj
}

// breakBridge suppresses the best cell joining the two sides of bridge b,
// which puts b on a cycle; without such a cell it falls back to any line of
// b. It reports whether it suppressed anything.
func (c *control) breakBridge(b int) bool {
	adj := c.adjacency()
	rows := c.g.ext[0]
	r, k := c.g.coord(b, 0), rows+c.g.coord(b, 1)
	sideA := reach(adj, r, b)
	sideB := reach(adj, k, b)
	best := -1
	for e := 0; e < c.g.n; e++ {
		if c.suppressed(e) {
			continue
		}
		er, ek := c.g.coord(e, 0), rows+c.g.coord(e, 1)
		if (sideA[er] && sideB[ek]) || (sideB[er] && sideA[ek]) {
			if best < 0 || c.better(e, best) {
				best = e
			}
		}
	}
	if best < 0 {
		return c.breakDetermined(b)
	}
	c.suppress(best, SuppressedSecondary, RuleSecondary, "complement: stops a withheld cell being solved for from row and column totals together")
	return true
}

// reach returns the nodes reachable from start without using edge skip.
func reach(adj [][]arc, start, skip int) []bool {
	seen := make([]bool, len(adj))
	seen[start] = true
	stack := []int{start}
	for len(stack) > 0 {
		u := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, a := range adj[u] {
			if a.cell != skip && !seen[a.to] {
				seen[a.to] = true
				stack = append(stack, a.to)
			}
		}
	}
	return seen
}
