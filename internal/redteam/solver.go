package redteam

// solver bounds every cell of an attack's tables by interval propagation
// through its links, the way an attacker without a solver for integer
// programs would. Bounds are sound: each interval holds the true count.
type solver struct {
	refs     []Ref
	id       map[Ref]int
	withheld []bool
	lo, hi   []int64
	links    [][]int // each: parts…, total last
	inLinks  [][]int
}

const unbounded = int64(1) << 60

func newSolver(tabs []*Table, links []Link, likely bool) *solver {
	s := &solver{id: map[Ref]int{}}
	whole := make([]bool, len(tabs))
	for i, t := range tabs {
		whole[i] = WithheldWhole(t)
	}
	add := func(r Ref) int {
		if i, ok := s.id[r]; ok {
			return i
		}
		t := tabs[r.Table]
		f, ok := t.Figures[r.Key]
		i := len(s.refs)
		s.id[r] = i
		s.refs = append(s.refs, r)
		s.inLinks = append(s.inLinks, nil)
		var lo, hi int64
		switch {
		case !ok: // a cell the table does not publish
			lo, hi = 0, unbounded
		case f.Withheld && whole[r.Table]:
			// A table withheld whole says nothing of its cells' sizes.
			lo, hi = 0, unbounded
		case f.Withheld:
			// Published under the threshold (zero included: whether
			// zeros are withheld is left open, see [Table.ZerosShown]).
			lo, hi = reach(t, likely, zeroShown(t), t.Threshold-1)
		default:
			lo, hi = reach(t, likely, max(0, f.Value-t.RoundTo/2), f.Value+t.RoundTo/2)
		}
		s.withheld = append(s.withheld, f.Withheld)
		s.lo, s.hi = append(s.lo, lo), append(s.hi, hi)
		return i
	}
	for _, l := range links {
		ids := make([]int, 0, len(l.Parts)+1)
		for _, p := range l.Parts {
			ids = append(ids, add(p))
		}
		ids = append(ids, add(l.Total))
		for _, i := range ids {
			s.inLinks[i] = append(s.inLinks[i], len(s.links))
		}
		s.links = append(s.links, ids)
	}
	return s
}

// zeroShown is the least count a withheld cell of t can be published as:
// 1 when the attacker reads t's zeros as shown (a zero is never withheld),
// else 0.
func zeroShown(t *Table) int64 {
	if !t.ZerosShown {
		return 0
	}
	for _, f := range t.Figures {
		if !f.Withheld && f.Value == 0 {
			return 1
		}
	}
	return 0
}

// reach bounds the true count of a cell published as a count in
// [lo, hi] (before rounding) under t's protection: surely, or (likely)
// leaving out the table's rare perturbations.
func reach(t *Table, likely bool, lo, hi int64) (int64, int64) {
	pre := t.Preimage
	if likely && t.Likely != nil {
		pre = t.Likely
	}
	if pre != nil {
		if a, b, ok := pre(lo, hi); ok {
			return a, b
		}
	}
	return max(0, lo-t.MaxShift), hi + t.MaxShift
}

// derivable reports whether withheld cell i has a link in which every
// other member is published: a direct derivation.
func (s *solver) derivable(i int) bool {
	for _, li := range s.inLinks[i] {
		ok := true
		for _, j := range s.links[li] {
			if j != i && s.withheld[j] {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// solve tightens the bounds to a fixpoint (or a bounded number of passes).
func (s *solver) solve() {
	for pass := 0; pass < 100; pass++ {
		changed := false
		for _, l := range s.links {
			if s.tighten(l) {
				changed = true
			}
		}
		if !changed {
			return
		}
	}
}

// tighten applies parts = total to the bounds.
func (s *solver) tighten(l []int) bool {
	tot, parts := l[len(l)-1], l[:len(l)-1]
	var sumLo, sumHi int64
	for _, p := range parts {
		sumLo += s.lo[p]
		sumHi = min(unbounded, sumHi+s.hi[p])
	}
	changed := s.narrow(tot, sumLo, sumHi)
	for _, p := range parts {
		othersLo, othersHi := sumLo-s.lo[p], sumHi-s.hi[p]
		newHi := unbounded
		if s.hi[tot] < unbounded {
			newHi = s.hi[tot] - othersLo
		}
		newLo := int64(0)
		if sumHi < unbounded {
			newLo = s.lo[tot] - othersHi
		}
		if s.narrow(p, newLo, newHi) {
			changed = true
		}
	}
	return changed
}

func (s *solver) narrow(i int, lo, hi int64) bool {
	changed := false
	if lo > s.lo[i] && lo <= s.hi[i] {
		s.lo[i], changed = lo, true
	}
	if hi < s.hi[i] && hi >= s.lo[i] {
		s.hi[i], changed = hi, true
	}
	return changed
}

// WithheldWhole reports whether every figure of t is withheld, margins
// included: a table withheld whole (the differencing check's answer), whose
// cells may be of any size. A table of only small counts looks the same,
// so the attacker cannot bound either kind's cells by the threshold.
func WithheldWhole(t *Table) bool {
	if len(t.Figures) == 0 {
		return false
	}
	for _, f := range t.Figures {
		if !f.Withheld {
			return false
		}
	}
	return true
}

// sameCells groups the cells that count the same records (joined by a
// one-part link: the same query again, another threshold or rounding, a
// month two versions share), each group in the order its cells were
// met, the groups in the order of their first cell.
func (s *solver) sameCells() [][]int {
	root := make([]int, len(s.refs))
	for i := range root {
		root[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		if root[i] != i {
			root[i] = find(root[i])
		}
		return root[i]
	}
	for _, l := range s.links {
		if len(l) == 2 {
			a, b := find(l[0]), find(l[1])
			root[max(a, b)] = min(a, b)
		}
	}
	var out [][]int
	at := map[int]int{}
	for i := range s.refs {
		r := find(i)
		k, ok := at[r]
		if !ok {
			k = len(out)
			at[r] = k
			out = append(out, nil)
		}
		out[k] = append(out[k], i)
	}
	return out
}
