package web

import (
	"cmp"
	"context"
	"encoding/json"
	"math"
	"slices"

	"github.com/civiclink/civiclink/internal/link"
	"github.com/civiclink/civiclink/internal/linkrun"
)

// runSummary is what the web keeps of a run it started, beyond the stored
// run (which holds entities and matched pairs only): computed from every
// candidate pair while the engine's result is in memory, and kept as a
// store fact beside the run.
type runSummary struct {
	Histogram    []WeightBin        `json:"histogram"`
	Estimate     *Estimate          `json:"estimate"`
	DatasetPairs []DatasetPairLinks `json:"dataset_pairs"`
}

// keepSummary computes a run's summary and stores it beside the run.
func (lk *linker) keepSummary(ctx context.Context, res *linkrun.Result) error {
	r := res.Link
	sum := runSummary{Histogram: histogram(r), Estimate: estimate(r), DatasetPairs: datasetPairs(r)}
	b, err := json.Marshal(sum)
	if err != nil {
		return err
	}
	return lk.st.SetMeta(ctx, summaryKey(res.Run.ID), string(b))
}

// histogram bins every candidate pair's match weight, from the lowest
// weight to the highest.
func histogram(r *link.Result) []WeightBin {
	if len(r.Weights) == 0 {
		return []WeightBin{}
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, w := range r.Weights {
		lo, hi = min(lo, w), max(hi, w)
	}
	bins, bin := weightBins(lo, hi)
	for _, w := range r.Weights {
		bins[bin(w)].Pairs++
	}
	for _, k := range r.Matched {
		bins[bin(r.Weights[k])].Matched++
	}
	return bins
}

// weightBins makes at most 40 bars one or more whole weight units wide
// covering [lo, hi], and the function placing a weight in one.
func weightBins(lo, hi float64) ([]WeightBin, func(float64) int) {
	lo, hi = math.Floor(lo), math.Floor(hi)+1
	width := math.Max(1, math.Ceil((hi-lo)/40))
	n := int(math.Ceil((hi - lo) / width))
	bins := make([]WeightBin, n)
	for i := range bins {
		bins[i].From, bins[i].To = lo+float64(i)*width, lo+float64(i+1)*width
	}
	return bins, func(w float64) int { return max(0, min(n-1, int((w-lo)/width))) }
}

// storedStats fills a quality page for a run the web did not start from
// the pairs stored with it, which are its matched pairs only.
func (lk *linker) storedStats(ctx context.Context, runID int64, q *LinkageQuality) error {
	byPair, byWeight, err := lk.st.LinkagePairStats(ctx, runID)
	if err != nil {
		return err
	}
	q.DatasetPairs = []DatasetPairLinks{}
	for _, p := range byPair {
		q.DatasetPairs = append(q.DatasetPairs, DatasetPairLinks{Left: p.DatasetL, Right: p.DatasetR, Links: p.Pairs})
	}
	q.Histogram = []WeightBin{}
	if len(byWeight) > 0 {
		bins, bin := weightBins(byWeight[0].From, byWeight[len(byWeight)-1].From)
		for _, c := range byWeight {
			b := &bins[bin(c.From)]
			b.Pairs, b.Matched = b.Pairs+c.Pairs, b.Matched+c.Pairs
		}
		q.Histogram = bins
	}
	q.HistogramScope = "matched pairs kept with the run"
	return nil
}

// estimate is precision and recall expected under the model: of the
// matched pairs, the mean match probability; of all the candidate pairs'
// expected matches, the share that were matched.
func estimate(r *link.Result) *Estimate {
	var all, matched float64
	for k := range r.Weights {
		all += r.Probability(k)
	}
	for _, k := range r.Matched {
		matched += r.Probability(int(k))
	}
	e := &Estimate{Scope: "the candidate pairs blocking compared, by the model's match probabilities"}
	if len(r.Matched) > 0 {
		e.Precision = matched / float64(len(r.Matched))
	}
	if all > 0 {
		e.Recall = matched / all
	}
	return e
}

// datasetPairs counts candidate pairs and links between each pair of
// datasets, in order.
func datasetPairs(r *link.Result) []DatasetPairLinks {
	type key struct{ a, b string }
	counts := map[key]*DatasetPairLinks{}
	get := func(k int) *DatasetPairLinks {
		a, b := r.Ref(int(r.Pairs[k].A)).Dataset, r.Ref(int(r.Pairs[k].B)).Dataset
		if b < a {
			a, b = b, a
		}
		c := counts[key{a, b}]
		if c == nil {
			c = &DatasetPairLinks{Left: a, Right: b}
			counts[key{a, b}] = c
		}
		return c
	}
	for k := range r.Pairs {
		get(k).Candidates++
	}
	for _, k := range r.Matched {
		get(int(k)).Links++
	}
	out := make([]DatasetPairLinks, 0, len(counts))
	for _, c := range counts {
		out = append(out, *c)
	}
	slices.SortFunc(out, func(x, y DatasetPairLinks) int {
		return cmp.Or(cmp.Compare(x.Left, y.Left), cmp.Compare(x.Right, y.Right))
	})
	return out
}
