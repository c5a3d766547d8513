package linkrun

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/civiclink/civiclink/internal/link"
)

// clusterName is the engine's name of record i's cluster: its smallest
// member, "dataset:id".
func clusterName(res *link.Result, i int) string {
	c := res.ClusterOf(i)
	return c.Dataset + ":" + c.ID
}

// nameByOverlap names each result record's entity. With no previous run
// an entity is named by its cluster; otherwise each cluster takes the
// previous entity id it shares most records with (each id once, the
// largest overlaps first), so ids stay stable where the people are the
// same. It returns the names and how many entities kept an earlier id.
func nameByOverlap(res *link.Result, prev map[RecordKey]EntityRow) ([]string, int) {
	n := res.Records()
	cluster := make([]string, n)
	overlap := map[[2]string]int{}
	for i := range n {
		cluster[i] = clusterName(res, i)
		r := res.Ref(i)
		if e, ok := prev[RecordKey{DatasetID: r.Dataset, RecordID: r.ID}]; ok {
			overlap[[2]string{cluster[i], e.EntityID}]++
		}
	}
	type cand struct {
		cluster, prev string
		n             int
	}
	cands := make([]cand, 0, len(overlap))
	for k, c := range overlap {
		cands = append(cands, cand{k[0], k[1], c})
	}
	slices.SortFunc(cands, func(a, b cand) int {
		return cmp.Or(cmp.Compare(b.n, a.n), cmp.Compare(a.cluster, b.cluster), cmp.Compare(a.prev, b.prev))
	})
	name := map[string]string{}
	taken := map[string]bool{}
	for _, c := range cands {
		if name[c.cluster] == "" && !taken[c.prev] {
			name[c.cluster], taken[c.prev] = c.prev, true
		}
	}
	carried := len(name)
	for _, e := range prev {
		taken[e.EntityID] = true
	}
	out := make([]string, n)
	for i := range n {
		c := cluster[i]
		if name[c] == "" {
			name[c] = freshName(c, taken)
		}
		out[i] = name[c]
	}
	return out, carried
}

// freshName returns base, or base with a numbered suffix, whichever is
// not taken, and takes it.
func freshName(base string, taken map[string]bool) string {
	name := base
	for k := 2; taken[name]; k++ {
		name = fmt.Sprintf("%s#%d", base, k)
	}
	taken[name] = true
	return name
}
