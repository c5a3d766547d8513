package linkrun

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"

	"github.com/civiclink/civiclink/internal/link"
)

// Summary is what a run's quality page shows beyond the stored counts:
// the match-weight histogram, the model's own precision and recall
// estimate, and the links between each pair of datasets. It is computed
// from every candidate pair while the engine's result is in memory and
// stored with the run (its quality's "summary"); a run stored before that
// (issue #16) has one derived from its matched pairs only.
type Summary struct {
	// Histogram is the match-weight distribution over HistogramScope.
	Histogram      []WeightBin `json:"histogram"`
	HistogramScope string      `json:"histogram_scope,omitempty"`
	// Estimate is nil for a summary derived from the matched pairs.
	Estimate *Estimate `json:"estimate"`
	// DatasetPairs counts links (matched pairs) between each pair of
	// datasets (a dataset with itself: duplicates within it).
	DatasetPairs []DatasetPairLinks `json:"dataset_pairs"`
}

// The scopes of a summary's histogram.
const (
	ScopeCandidates = "candidate pairs"
	ScopeMatched    = "matched pairs kept with the run"
)

// WeightBin is one bar of the match-weight histogram: pairs with weight in
// [From, To), and how many of them were matched.
type WeightBin struct {
	From    float64 `json:"from"`
	To      float64 `json:"to"`
	Pairs   int64   `json:"pairs"`
	Matched int64   `json:"matched"`
}

// Estimate is precision and recall expected from the model's own match
// probabilities: no truth needed, but blind to pairs blocking never
// compared and to a mis-specified model.
type Estimate struct {
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	// Scope says which pairs the estimate is over.
	Scope string `json:"scope"`
}

// DatasetPairLinks counts the candidate pairs and links between two
// datasets.
type DatasetPairLinks struct {
	Left       string `json:"left"`
	Right      string `json:"right"`
	Candidates int64  `json:"candidates,omitempty"`
	Links      int64  `json:"links"`
}

// Summarize computes a run's summary from the engine's result.
func Summarize(r *link.Result) *Summary {
	return &Summary{Histogram: histogram(r), HistogramScope: ScopeCandidates, Estimate: estimate(r), DatasetPairs: datasetPairs(r)}
}

// StoredSummary is run's summary as stored with it, or, for a run stored
// without one, derived from the pairs kept with it (its matched pairs).
func StoredSummary(ctx context.Context, st Store, run *LinkageRun) (*Summary, error) {
	var q struct {
		Summary *Summary `json:"summary"`
	}
	if len(run.Quality) > 0 {
		if err := json.Unmarshal(run.Quality, &q); err != nil {
			return nil, fmt.Errorf("linkage run %d quality: %w", run.ID, err)
		}
	}
	if s := q.Summary; s != nil {
		if s.HistogramScope == "" {
			s.HistogramScope = ScopeCandidates
		}
		return s, nil
	}
	return keptSummary(ctx, st, run.ID)
}

// keptSummary derives a summary from the pairs kept with a run.
func keptSummary(ctx context.Context, st Store, runID int64) (*Summary, error) {
	byPair, byWeight, err := st.LinkagePairStats(ctx, runID)
	if err != nil {
		return nil, err
	}
	out := &Summary{HistogramScope: ScopeMatched, DatasetPairs: []DatasetPairLinks{}, Histogram: []WeightBin{}}
	for _, p := range byPair {
		out.DatasetPairs = append(out.DatasetPairs, DatasetPairLinks{Left: p.DatasetL, Right: p.DatasetR, Links: p.Pairs})
	}
	if len(byWeight) > 0 {
		bins, bin := weightBins(byWeight[0].From, byWeight[len(byWeight)-1].From)
		for _, c := range byWeight {
			b := &bins[bin(c.From)]
			b.Pairs, b.Matched = b.Pairs+c.Pairs, b.Matched+c.Pairs
		}
		out.Histogram = bins
	}
	return out, nil
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
		ab := r.PairRefs(k)
		a, b := ab[0].Dataset, ab[1].Dataset
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
	for k := range r.Pairs.Len() {
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
