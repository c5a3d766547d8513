package link

import (
	"strings"

	"github.com/civiclink/civiclink/internal/fault"
)

// Explainer explains pairs of records under a fitted model, without
// re-running the linkage: from a run's saved config and model, any two
// records can be explained, whether or not blocking paired them.
type Explainer struct {
	e     *engine
	s     *scorer
	md    *Model
	index map[RecordRef]int32
	byID  map[string][]int32
}

// NewExplainer prepares to explain pairs of the datasets under cfg's
// comparisons and a model fitted to them (an earlier run's).
func NewExplainer(datasets []Dataset, cfg Config, md *Model) (*Explainer, error) {
	e, err := newEngine(datasets, cfg, Options{})
	if err != nil {
		return nil, err
	}
	if _, err := e.reuse(md); err != nil {
		return nil, err
	}
	x := &Explainer{e: e, s: e.newScorer(md), md: md, index: map[RecordRef]int32{}, byID: map[string][]int32{}}
	for i := range e.t.len() {
		d, id := e.t.id(i)
		x.index[RecordRef{d, id}] = int32(i)
		x.byID[id] = append(x.byID[id], int32(i))
	}
	return x, nil
}

// Explain breaks the match weight of records a and b into the prior and
// each comparison's term. A ref without a dataset matches the id in any
// dataset, if only one holds it. Unknown ids are named in the error.
func (x *Explainer) Explain(a, b RecordRef) (Explanation, error) {
	ia, errA := x.find(a)
	ib, errB := x.find(b)
	var missing []string
	for _, err := range []error{errA, errB} {
		if err != nil {
			missing = append(missing, fault.Message(err))
		}
	}
	if len(missing) > 0 {
		return Explanation{}, fault.Errorf(fault.NotFound, "%s", strings.Join(missing, "; "))
	}
	if ia == ib {
		return Explanation{}, fault.Errorf(fault.Invalid, "%s is the same record twice: give two records", refText(a))
	}
	p := Pair{A: min(ia, ib), B: max(ia, ib), Vector: x.e.vector(int(min(ia, ib)), int(max(ia, ib)))}
	out := x.e.explain(x.s, x.md, p)
	if ia > ib {
		out.Left, out.Right = out.Right, out.Left
	}
	return out, nil
}

func (x *Explainer) find(r RecordRef) (int32, error) {
	if r.Dataset != "" {
		if i, ok := x.index[r]; ok {
			return i, nil
		}
		return 0, fault.Errorf(fault.NotFound, "no record %s in this run", refText(r))
	}
	switch is := x.byID[r.ID]; len(is) {
	case 0:
		return 0, fault.Errorf(fault.NotFound, "no record %q in this run", r.ID)
	case 1:
		return is[0], nil
	}
	return 0, fault.Errorf(fault.Invalid, "record id %q is in several datasets: write it as DATASET/%s", r.ID, r.ID)
}

func refText(r RecordRef) string {
	if r.Dataset == "" {
		return r.ID
	}
	return r.Dataset + "/" + r.ID
}

// Detail returns pair k's level label and weight (with any
// term-frequency adjustment) for each comparison, in model order.
func (r *Result) Detail(k int) []Term {
	return r.e.explain(r.s, r.Model, r.Pairs.At(k)).Terms
}

// ClusterSizes counts the run's clusters by their number of records.
func (r *Result) ClusterSizes() map[int]int {
	size := map[RecordRef]int{}
	for i := range r.Records() {
		size[r.ClusterOf(i)]++
	}
	out := map[int]int{}
	for _, n := range size {
		out[n]++
	}
	return out
}
