package link

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// scorer turns comparison vectors into match weights.
type scorer struct {
	prior   float64
	weights [][]float64 // per comparison, per level
	exact   []int       // per comparison, the exact level (-1 none)
	tf      [][]float64 // per comparison with TF, per value code
	cols    []*Column
}

func (e *engine) newScorer(md *Model) *scorer {
	s := &scorer{prior: md.PriorWeight(), cols: e.cols}
	for k, cm := range md.Comparisons {
		w := make([]float64, len(cm.Levels))
		for l, lv := range cm.Levels {
			w[l] = lv.Weight
		}
		s.weights = append(s.weights, w)
		ex := -1
		for l, lv := range e.comps[k].Levels() {
			if lv.Exact {
				ex = l
			}
		}
		s.exact = append(s.exact, ex)
		var adj []float64
		if cm.TF && ex > 0 {
			col := e.cols[k]
			uExact := cm.Levels[ex].U
			adj = make([]float64, len(col.Counts))
			for c := 1; c < len(adj); c++ {
				adj[c] = math.Log2(uExact / col.Freq(int32(c)))
			}
		}
		s.tf = append(s.tf, adj)
	}
	return s
}

// tfAdjust returns the term-frequency adjustment of comparison k for the
// pair, 0 unless it agrees exactly on a TF comparison.
func (s *scorer) tfAdjust(k int, p Pair) float64 {
	if s.tf[k] == nil || p.Vector.Level(k) != s.exact[k] {
		return 0
	}
	return s.tf[k][s.cols[k].Codes[p.A]]
}

// weight returns the pair's match weight.
func (s *scorer) weight(p Pair) float64 {
	w := s.prior
	for k, ws := range s.weights {
		w += ws[p.Vector.Level(k)]
		if s.tf[k] != nil {
			w += s.tfAdjust(k, p)
		}
	}
	return w
}

// Probability converts a match weight to a match probability.
func Probability(weight float64) float64 {
	return 1 / (1 + math.Exp2(-weight))
}

// weightOf converts a match probability to a weight.
func weightOf(p float64) float64 {
	return math.Log2(p / (1 - p))
}

// chooseThreshold returns the lowest probability threshold at which the
// estimated precision of the pairs above it (their mean match
// probability) is at least target, scanning pairs from the best down.
// Weights are bucketed (count and probability sum per bucket) rather
// than sorted: the mean of the best k pairs only falls as k grows, so
// whole buckets are taken while the mean holds, and only the bucket
// where it crosses the target is sorted.
func chooseThreshold(weights []float64, target float64) float64 {
	count := make([]int, 1<<weightBits)
	sum := make([]float64, 1<<weightBits)
	for _, w := range weights {
		b := weightBucket(w)
		count[b]++
		sum[b] += Probability(w)
	}
	var total float64
	n := 0
	best := 0.5
	for b := 1<<weightBits - 1; b >= 0; b-- {
		if count[b] == 0 {
			continue
		}
		if (total+sum[b])/float64(n+count[b]) >= target {
			total, n = total+sum[b], n+count[b]
			continue
		}
		// The mean crosses the target in this bucket: scan its weights
		// from the best down.
		ws := make([]float64, 0, count[b])
		for _, w := range weights {
			if weightBucket(w) == b {
				ws = append(ws, w)
			}
		}
		slices.Sort(ws)
		for i := len(ws) - 1; i >= 0; i-- {
			p := Probability(ws[i])
			if (total+p)/float64(n+1) < target {
				break
			}
			total, n = total+p, n+1
		}
		break
	}
	if n == 0 {
		return best
	}
	// The threshold is the probability of the n-th best pair: the lowest
	// bucket taken holds it.
	return nthBestProbability(weights, n)
}

// nthBestProbability returns the match probability of the n-th highest
// weight (1-based), finding its bucket by counts and sorting only that
// bucket.
func nthBestProbability(weights []float64, n int) float64 {
	count := make([]int, 1<<weightBits)
	for _, w := range weights {
		count[weightBucket(w)]++
	}
	for b := 1<<weightBits - 1; b >= 0; b-- {
		if n > count[b] {
			n -= count[b]
			continue
		}
		ws := make([]float64, 0, count[b])
		for _, w := range weights {
			if weightBucket(w) == b {
				ws = append(ws, w)
			}
		}
		slices.Sort(ws)
		return Probability(ws[len(ws)-n])
	}
	return 0.5
}

// Term is one comparison's contribution to a pair's match weight.
type Term struct {
	Comparison string  `json:"comparison"`
	Level      int     `json:"level"`
	Label      string  `json:"label"`
	M          float64 `json:"m,omitempty"`
	U          float64 `json:"u,omitempty"`
	Weight     float64 `json:"weight"`
	// TFAdjustment is added to Weight when an exact agreement's value is
	// rarer (positive) or commoner (negative) than usual.
	TFAdjustment float64 `json:"tf_adjustment,omitempty"`
}

// Explanation is a pair's match weight broken into the prior and each
// comparison's term: the data behind a waterfall chart.
type Explanation struct {
	Left        RecordRef `json:"left"`
	Right       RecordRef `json:"right"`
	PriorWeight float64   `json:"prior_weight"`
	Terms       []Term    `json:"terms"`
	Weight      float64   `json:"weight"`
	Probability float64   `json:"probability"`
}

// RecordRef names a record by dataset and id.
type RecordRef struct {
	Dataset string `json:"dataset"`
	ID      string `json:"id"`
}

func (e *engine) explain(s *scorer, md *Model, p Pair) Explanation {
	x := Explanation{PriorWeight: s.prior, Weight: s.weight(p)}
	x.Probability = Probability(x.Weight)
	x.Left.Dataset, x.Left.ID = e.t.id(int(p.A))
	x.Right.Dataset, x.Right.ID = e.t.id(int(p.B))
	for k, cm := range md.Comparisons {
		l := p.Vector.Level(k)
		lv := cm.Levels[l]
		x.Terms = append(x.Terms, Term{Comparison: cm.Name, Level: l, Label: lv.Label, M: lv.M, U: lv.U,
			Weight: lv.Weight, TFAdjustment: s.tfAdjust(k, p)})
	}
	return x
}

// String renders the explanation as a text waterfall: the running weight
// after each term, with a bar for each term's size.
func (x Explanation) String() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s/%s ~ %s/%s: weight %.2f, probability %.4f\n", x.Left.Dataset, x.Left.ID, x.Right.Dataset, x.Right.ID, x.Weight, x.Probability)
	run := x.PriorWeight
	fmt.Fprintf(&sb, "  %-22s %-24s %+7.2f  %7.2f  %s\n", "prior", "", x.PriorWeight, run, bar(x.PriorWeight))
	for _, t := range x.Terms {
		w := t.Weight + t.TFAdjustment
		run += w
		label := t.Label
		if t.TFAdjustment != 0 {
			label += fmt.Sprintf(" (tf %+.2f)", t.TFAdjustment)
		}
		fmt.Fprintf(&sb, "  %-22s %-24s %+7.2f  %7.2f  %s\n", t.Comparison, label, w, run, bar(w))
	}
	return sb.String()
}

// bar draws a weight as up to 20 characters, + for evidence for a match
// and - against.
func bar(w float64) string {
	n := min(int(math.Abs(w)+0.5), 20)
	if w < 0 {
		return strings.Repeat("-", n)
	}
	return strings.Repeat("+", n)
}
