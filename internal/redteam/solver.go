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

func newSolver(tabs []*Table, links []Link) *solver {
	s := &solver{id: map[Ref]int{}}
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
		shift := t.MaxShift + t.RoundTo/2
		switch {
		case !ok: // a cell the table does not publish
			s.withheld = append(s.withheld, false)
			s.lo, s.hi = append(s.lo, 0), append(s.hi, unbounded)
		case f.Withheld:
			s.withheld = append(s.withheld, true)
			s.lo, s.hi = append(s.lo, 0), append(s.hi, max(0, t.Threshold-1+t.MaxShift))
		default:
			s.withheld = append(s.withheld, false)
			s.lo, s.hi = append(s.lo, max(0, f.Value-shift)), append(s.hi, f.Value+shift)
		}
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
