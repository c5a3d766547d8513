package link

import (
	"math"
	"strings"

	"github.com/civiclink/civiclink/internal/fault"
)

// Label is a clerical decision that two records do or do not belong to
// the same person.
type Label struct {
	Left, Right RecordRef
	Match       bool
}

// labelPrior is how many pairs' worth of weight the model's own m carries
// when labels re-estimate it: a few labels nudge m, many labels decide it.
const labelPrior = 20

// constraints are an incremental run's existing entities and the
// labelled pairs, by record number.
type constraints struct {
	// group is each record's existing entity (a number), -1 for a record
	// to link; nil when the run is not incremental.
	group []int32
	// must are labelled matches; cannot the labelled non-matches of each
	// record.
	must   [][2]int32
	cannot map[int32][]int32
}

// prepare resolves the options' existing entities and labels to record
// numbers. Labels naming records not in the run are ignored.
func (e *engine) prepare(opt Options) {
	n := e.t.len()
	if opt.Existing != nil {
		e.con.group = make([]int32, n)
		ids := map[string]int32{}
		var scratch Record
		for i := range n {
			ent := opt.Existing(e.t.datasets[e.t.source[i]].Name, e.t.record(i, &scratch))
			if ent == "" {
				e.con.group[i] = -1
				continue
			}
			g, ok := ids[ent]
			if !ok {
				g = int32(len(ids))
				ids[ent] = g
			}
			e.con.group[i] = g
		}
	}
	if len(opt.Labels) == 0 {
		return
	}
	index := make(map[RecordRef]int32, n)
	for i := range n {
		d, id := e.t.id(i)
		index[RecordRef{d, id}] = int32(i)
	}
	e.con.cannot = map[int32][]int32{}
	for _, l := range opt.Labels {
		a, okA := index[l.Left]
		b, okB := index[l.Right]
		if !okA || !okB || a == b {
			continue
		}
		if l.Match {
			e.con.must = append(e.con.must, [2]int32{a, b})
		} else {
			e.con.cannot[a] = append(e.con.cannot[a], b)
			e.con.cannot[b] = append(e.con.cannot[b], a)
		}
	}
}

// focused reports whether a pair is to be compared: in an incremental
// run, only pairs with at least one record to link.
func (e *engine) focused(a, b int32) bool {
	g := e.con.group
	return g == nil || g[a] < 0 || g[b] < 0
}

// focusKeys clears, in an incremental run, the keys that no record to
// link holds, so that blocking sorts and enumerates only the blocks new
// records fall in.
func (e *engine) focusKeys(keys []uint64) {
	g := e.con.group
	if g == nil {
		return
	}
	want := map[uint64]bool{}
	for i, k := range keys {
		if k != 0 && g[i] < 0 {
			want[k] = true
		}
	}
	for i, k := range keys {
		if k != 0 && !want[k] {
			keys[i] = 0
		}
	}
}

// reuse checks that a model from an earlier run fits this run's
// comparisons and returns a copy to score with.
func (e *engine) reuse(md *Model) (*Model, error) {
	if len(md.Comparisons) != len(e.comps) {
		return nil, fault.Errorf(fault.Invalid, "the earlier model has %d comparisons and this config %d: run a full linkage instead", len(md.Comparisons), len(e.comps))
	}
	out := *md
	out.Comparisons = make([]ComparisonModel, len(md.Comparisons))
	for k, cm := range md.Comparisons {
		if len(cm.Levels) != len(e.comps[k].Levels()) || cm.Name != e.cfg.Comparisons[k].Label() {
			return nil, fault.Errorf(fault.Invalid, "comparison %s of the earlier model does not fit this config: run a full linkage instead", cm.Name)
		}
		out.Comparisons[k] = cm
		out.Comparisons[k].Levels = append([]LevelModel(nil), cm.Levels...)
	}
	return &out, nil
}

// applyLabels re-estimates m from the labelled matches, each comparison's
// level counts added to the model's m before any labels (MPrior) weighted
// as labelPrior pairs, and rebuilds the level weights. It leaves u and λ
// as they are.
func (e *engine) applyLabels(md *Model) {
	if len(e.con.must) == 0 {
		return
	}
	counts := e.newCounts()
	for _, p := range e.con.must {
		v := e.vector(int(p[0]), int(p[1]))
		for k := range counts {
			counts[k][v.Level(k)]++
		}
	}
	for k := range md.Comparisons {
		lv := md.Comparisons[k].Levels
		for l := 1; l < len(lv); l++ {
			if lv[l].MPrior == 0 {
				lv[l].MPrior = lv[l].M
			}
			counts[k][l] += labelPrior * lv[l].MPrior
		}
	}
	m := counts.normalised(probFloor)
	for k := range md.Comparisons {
		lv := md.Comparisons[k].Levels
		for l := 1; l < len(lv); l++ {
			lv[l].M = m[k][l]
			lv[l].Weight = math.Log2(lv[l].M / lv[l].U)
		}
	}
	if !strings.HasSuffix(md.MFrom, "+labels") {
		md.MFrom += "+labels"
	}
}

// seed starts clustering from the existing entities and the labelled
// matches. Labelled matches are joined whatever the guards say.
func (e *engine) seed(c *clusterer) {
	if g := e.con.group; g != nil {
		first := map[int32]int32{}
		for i, x := range g {
			if x < 0 {
				continue
			}
			if f, ok := first[x]; ok {
				c.join(c.find(f), c.find(int32(i)))
			} else {
				first[x] = int32(i)
			}
		}
	}
	for _, p := range e.con.must {
		if ra, rb := c.find(p[0]), c.find(p[1]); ra != rb && !e.apart(c, ra, rb) {
			c.join(ra, rb)
		}
	}
}

// apart reports whether joining the clusters rooted at ra and rb would
// put a labelled non-match together or, in an incremental run, merge two
// existing entities.
func (e *engine) apart(c *clusterer, ra, rb int32) bool {
	if g := e.con.group; g != nil && c.existing(ra, g) && c.existing(rb, g) {
		return true
	}
	if len(e.con.cannot) == 0 {
		return false
	}
	if c.size[ra] > c.size[rb] {
		ra, rb = rb, ra
	}
	for i := ra; ; {
		for _, j := range e.con.cannot[i] {
			if c.find(j) == rb {
				return true
			}
		}
		if i = c.next[i]; i == ra {
			return false
		}
	}
}

// existing reports whether the cluster rooted at r holds a record of an
// existing entity.
func (c *clusterer) existing(r int32, group []int32) bool {
	for i := r; ; {
		if group[i] >= 0 {
			return true
		}
		if i = c.next[i]; i == r {
			return false
		}
	}
}

// join merges the cluster rooted at ra into the one rooted at rb.
func (c *clusterer) join(ra, rb int32) {
	if c.size[ra] > c.size[rb] {
		ra, rb = rb, ra
	}
	c.parent[ra] = rb
	c.size[rb] += c.size[ra]
	if c.mask != nil {
		c.mask[rb] |= c.mask[ra]
	}
	c.next[ra], c.next[rb] = c.next[rb], c.next[ra]
}
