package link

import "cmp"

// ClusterReport says how matched pairs became clusters and what the
// guards refused.
type ClusterReport struct {
	Clusters   int `json:"clusters"`
	Singletons int `json:"singletons"`
	Largest    int `json:"largest"`
	// Matches is the number of pairs at or above the threshold; Joins how
	// many of them joined two clusters.
	Matches int `json:"matches"`
	Joins   int `json:"joins"`
	// Refused counts joins the guards stopped: a dataset twice in one
	// cluster under one-to-one, too few links between two groups, or a
	// cluster past the size cap.
	RefusedOneToOne int `json:"refused_one_to_one"`
	RefusedDensity  int `json:"refused_density"`
	RefusedSize     int `json:"refused_size"`
	// RefusedApart counts joins refused because a reviewer labelled a pair
	// across them a non-match, or, in an incremental run, because they
	// would merge two existing entities.
	RefusedApart int `json:"refused_apart,omitempty"`
}

// clusterer is union-find with each cluster's members, size and datasets.
type clusterer struct {
	parent []int32
	size   []int32
	next   []int32  // circular list of members
	mask   []uint64 // datasets present (at roots; only for one_to_one)
	// The match graph, compressed, each pair once: record i's matched
	// partners after it are adj[adjStart[i]:adjStart[i+1]] (built only
	// for the density guard).
	adjStart []int32
	adj      []int32
}

func (c *clusterer) find(i int32) int32 {
	for c.parent[i] != i {
		c.parent[i] = c.parent[c.parent[i]]
		i = c.parent[i]
	}
	return i
}

// linksBetween counts matched pairs between the clusters rooted at ra
// and rb. Each pair is stored once, at its first record, so both
// clusters' members are read.
func (c *clusterer) linksBetween(ra, rb int32) int {
	n := 0
	for _, r := range [2]int32{ra, rb} {
		other := ra + rb - r
		for i := r; ; {
			for _, j := range c.adj[c.adjStart[i]:c.adjStart[i+1]] {
				if c.find(j) == other {
					n++
				}
			}
			if i = c.next[i]; i == r {
				break
			}
		}
	}
	return n
}

// cluster joins the matched pairs (indexes into pairs, strongest first)
// into clusters under the config's guards and returns, for each record,
// the record that names its cluster: its smallest member by (dataset, id).
func (e *engine) cluster(pairs *Pairs, weights []float64, matched []int32) ([]int32, ClusterReport) {
	n := e.t.len()
	c := &clusterer{parent: make([]int32, n), size: make([]int32, n), next: make([]int32, n)}
	for i := range n {
		c.parent[i], c.size[i], c.next[i] = int32(i), 1, int32(i)
	}
	if e.cfg.OneToOne {
		c.mask = make([]uint64, n)
		for i := range n {
			c.mask[i] = 1 << e.t.source[i]
		}
	}
	if e.cfg.Cluster.MinDensity > 0 {
		// Counted into adjStart[a+1], so that once summed adjStart[a] is
		// where a's partners start; filling moves each start on to the
		// next record's, and one shift puts the starts back.
		c.adjStart = make([]int32, n+1)
		for _, k := range matched {
			a, _ := pairs.records(int(k))
			c.adjStart[a+1]++
		}
		for i := range n {
			c.adjStart[i+1] += c.adjStart[i]
		}
		c.adj = make([]int32, len(matched))
		for _, k := range matched {
			a, b := pairs.records(int(k))
			c.adj[c.adjStart[a]] = b
			c.adjStart[a]++
		}
		copy(c.adjStart[1:], c.adjStart[:n])
		c.adjStart[0] = 0
	}
	// matched is reordered in place, strongest first, and put back after.
	set := orderByWeight(matched, weights, pairs, e.workers)
	defer ascending(matched, set)
	rep := ClusterReport{Matches: len(matched)}
	e.seed(c)
	for _, k := range matched {
		a, b := pairs.records(int(k))
		ra, rb := c.find(a), c.find(b)
		if ra == rb {
			continue
		}
		if c.size[ra] > c.size[rb] {
			ra, rb = rb, ra
		}
		switch {
		case e.apart(c, ra, rb):
			rep.RefusedApart++
			continue
		case e.cfg.OneToOne && c.mask[ra]&c.mask[rb] != 0:
			rep.RefusedOneToOne++
			continue
		case e.cfg.Cluster.MaxSize > 0 && int(c.size[ra]+c.size[rb]) > e.cfg.Cluster.MaxSize:
			rep.RefusedSize++
			continue
		case e.cfg.Cluster.MinDensity > 0 && float64(c.linksBetween(ra, rb)) < e.cfg.Cluster.MinDensity*float64(c.size[ra])*float64(c.size[rb]):
			rep.RefusedDensity++
			continue
		}
		c.parent[ra] = rb
		c.size[rb] += c.size[ra]
		if c.mask != nil {
			c.mask[rb] |= c.mask[ra]
		}
		c.next[ra], c.next[rb] = c.next[rb], c.next[ra]
		rep.Joins++
	}
	c.adj, c.adjStart = nil, nil // not needed to name the clusters
	return e.nameClusters(c, &rep), rep
}

// nameClusters gives each record its cluster's smallest member, so cluster
// ids stay stable when unrelated records come and go.
func (e *engine) nameClusters(c *clusterer, rep *ClusterReport) []int32 {
	n := e.t.len()
	rep_ := c.next // the member lists are not needed any more
	c.next = nil
	for i := range rep_ {
		rep_[i] = -1
	}
	less := func(a, b int32) bool {
		da, ia := e.t.id(int(a))
		db, ib := e.t.id(int(b))
		return cmp.Or(cmp.Compare(da, db), cmp.Compare(ia, ib)) < 0
	}
	out := make([]int32, n)
	for i := range n {
		r := c.find(int32(i))
		if rep_[r] < 0 || less(int32(i), rep_[r]) {
			rep_[r] = int32(i)
		}
	}
	for i := range n {
		r := c.find(int32(i))
		out[i] = rep_[r]
		if int32(i) == r {
			rep.Clusters++
			rep.Largest = max(rep.Largest, int(c.size[r]))
			if c.size[r] == 1 {
				rep.Singletons++
			}
		}
	}
	return out
}
