package link

import (
	"cmp"
	"context"
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
)

// autoSample is the sample of pairs the recall estimate is made on: pairs
// drawn from every candidate rule and from the whole pair space, each
// with its weight (the inverse of the rate at which the sampling draws
// it, so weighted sums estimate sums over the pair space), its match
// probability under a model fitted to the sample, and which candidates
// propose it.
type autoSample struct {
	pairs [][2]int32
	w, p  []float64
	cover [][]uint64 // per candidate, a bit per pair
}

// suggest chooses blocking rules from the data (see [SuggestBlocking]).
func (e *engine) suggest(ctx context.Context, spec AutoBlocking, truthFn func(string, *Record) string) (*BlockingSuggestion, error) {
	spec = spec.withDefaults(e.t.len())
	parts, err := e.autoParts()
	if err != nil {
		return nil, err
	}
	cands := autoCandidates(parts)
	smp := e.drawSample(cands, parts, spec.Samples)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	e.scoreSample(smp)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := &BlockingSuggestion{TargetRecall: spec.TargetRecall, MaxComparisons: spec.MaxComparisons, Candidates: len(cands), SampledPairs: len(smp.pairs)}
	for k := range smp.pairs {
		out.ExpectedMatches += smp.w[k] * smp.p[k]
	}
	g := &greedy{e: e, cands: cands, parts: parts, smp: smp, spec: spec, total: out.ExpectedMatches, blocks: map[int]candBlocks{}}
	chosen := g.run()
	e.describe(out, g, chosen)
	if truthFn != nil {
		e.trueRecall(out, g, chosen, e.truth(truthFn))
	}
	return out, nil
}

// drawSample counts every candidate's pairs and draws pairs from each
// (the same number from each, so tight rules, where the matches are, are
// well represented) and from the whole pair space, then marks which
// candidates propose each pair and weighs it by the inverse of its total
// rate of being drawn (the balance heuristic of multiple importance
// sampling).
func (e *engine) drawSample(cands []autoCand, parts []autoPart, size int) *autoSample {
	limit := e.cfg.MaxBlockSize
	quota := max(100, size/(len(cands)+1))
	drawn := make([][][2]int32, len(cands))
	parallelFor(len(cands), e.workers, func(i int) {
		c := &cands[i]
		order, blocks, total, skipped := e.group(c.keys(parts), limit)
		c.n, c.skipped = total, skipped
		rng := rand.New(rand.NewPCG(e.cfg.Seed, uint64(i)+1))
		drawn[i] = e.samplePairs(order, blocks, total, quota, rng)
		c.s = len(drawn[i])
		e.progress("auto_blocking", i+1, len(cands))
	})
	smp := &autoSample{}
	for _, d := range drawn {
		smp.pairs = append(smp.pairs, d...)
	}
	words := (len(smp.pairs) + 63) / 64
	smp.cover = make([][]uint64, len(cands))
	parallelFor(len(cands), e.workers, func(i int) {
		c := &cands[i]
		keys := c.keys(parts)
		bs := make([]uint64, words)
		for k, pr := range smp.pairs {
			if c.agree(keys, pr[0], pr[1]) {
				bs[k/64] |= 1 << (k % 64)
			}
		}
		smp.cover[i] = bs
	})
	smp.w = make([]float64, len(smp.pairs))
	for k := range smp.pairs {
		var rate float64
		for i, c := range cands {
			if c.n > 0 && smp.cover[i][k/64]&(1<<(k%64)) != 0 {
				rate += float64(c.s) / float64(c.n)
			}
		}
		smp.w[k] = 1 / rate
	}
	return smp
}

// scoreSample fits a Fellegi–Sunter model to the weighted sample, u from
// random pairs and m and λ by expectation maximisation with u held, and
// gives each sampled pair its match probability.
func (e *engine) scoreSample(smp *autoSample) {
	vecs := make([]Vector, len(smp.pairs))
	parallelFor((len(vecs)+4095)/4096, e.workers, func(c int) {
		for k := c * 4096; k < min(len(vecs), (c+1)*4096); k++ {
			vecs[k] = e.vector(int(smp.pairs[k][0]), int(smp.pairs[k][1]))
		}
	})
	weight := map[Vector]float64{}
	for k, v := range vecs {
		weight[v] += smp.w[k]
	}
	ps := make([]pattern, 0, len(weight))
	for v, n := range weight {
		ps = append(ps, pattern{v, n})
	}
	slices.SortFunc(ps, func(a, b pattern) int { return cmp.Compare(a.v, b.v) })
	u, _ := e.estimateU()
	post := e.emFixedU(ps, u)
	smp.p = make([]float64, len(vecs))
	for k, v := range vecs {
		smp.p[k] = post[v]
	}
}

// emFixedU estimates m and λ over weighted patterns with u held, and
// returns each pattern's match probability.
func (e *engine) emFixedU(ps []pattern, u [][]float64) map[Vector]float64 {
	m, lambda := e.initialM(), 1e-3
	g := make([]float64, len(ps))
	var total float64
	for _, p := range ps {
		total += p.n
	}
	for range max(e.cfg.EMIterations, 200) {
		cm, cu := e.newCounts(), e.newCounts()
		var matches float64
		for i, p := range ps {
			lm, lu := math.Log(lambda), math.Log1p(-lambda)
			for k := range m {
				if l := p.v.Level(k); l > 0 {
					lm += math.Log(m[k][l])
					lu += math.Log(u[k][l])
				}
			}
			g[i] = 1 / (1 + math.Exp(lu-lm))
			matches += g[i] * p.n
			for k := range m {
				cm[k][p.v.Level(k)] += g[i] * p.n
				cu[k][p.v.Level(k)] += (1 - g[i]) * p.n
			}
		}
		nm := cm.normalised(probFloor)
		next := min(max(matches/total, 1e-12), 1-1e-9)
		delta := math.Abs(next-lambda) / lambda
		for k := range m {
			for l := range m[k] {
				delta = max(delta, math.Abs(nm[k][l]-m[k][l]))
			}
		}
		m, lambda = nm, next
		u = cu.normalised(probFloor)
		if delta < 1e-7 {
			break
		}
	}
	out := make(map[Vector]float64, len(ps))
	for i, p := range ps {
		out[p.v] = g[i]
	}
	return out
}

// candBlocks are a candidate's records by key and its blocks, kept for
// counting its new pairs exactly.
type candBlocks struct {
	order  []int32
	blocks []autoBlock
}

// greedy chooses rules one at a time: the candidate that adds the most
// estimated recall per new comparison, counted exactly, within the budget.
type greedy struct {
	e      *engine
	cands  []autoCand
	parts  []autoPart
	smp    *autoSample
	spec   AutoBlocking
	total  float64 // expected matches
	blocks map[int]candBlocks
	keys   map[int][]uint64 // chosen candidates' keys, blocks over the cap cleared
}

// shortlist is how many candidates, best by estimated cost, have their
// new pairs counted exactly at each step.
const shortlist = 6

func (g *greedy) run() []int {
	g.keys = map[int][]uint64{}
	var chosen []int
	covered := make([]uint64, len(g.smp.cover[0]))
	var spent int64
	// Each rule is charged an overhead on top of its new pairs, so that
	// the rule cap is not spent on many tiny rules.
	overhead := float64(g.spec.MaxComparisons) / float64(4*g.spec.MaxRules)
	for len(chosen) < g.spec.MaxRules && g.recall(covered) < g.spec.TargetRecall {
		type option struct {
			c          int
			gain, cost float64
		}
		var opts []option
		for i, c := range g.cands {
			if c.n == 0 || c.n > g.spec.MaxComparisons || slices.Contains(chosen, i) {
				continue
			}
			gain, cost := g.marginal(i, covered)
			if gain*1e4 > g.total { // at least 0.0001 of recall
				opts = append(opts, option{i, gain, max(cost, 1)})
			}
		}
		slices.SortFunc(opts, func(a, b option) int { return cmp.Compare(b.gain/(b.cost+overhead), a.gain/(a.cost+overhead)) })
		best, bestRatio, bestCost := -1, 0.0, int64(0)
		for k, o := range opts {
			if k >= shortlist && best >= 0 {
				break
			}
			n := g.newPairs(o.c, chosen, g.spec.MaxComparisons-spent)
			if n < 0 || n == 0 {
				continue
			}
			if r := o.gain / (float64(n) + overhead); r > bestRatio {
				best, bestRatio, bestCost = o.c, r, n
			}
		}
		if best < 0 {
			break
		}
		chosen = append(chosen, best)
		spent += bestCost
		g.keys[best] = g.clearedKeys(best)
		orWords(covered, g.smp.cover[best])
	}
	return g.prune(chosen)
}

// prune drops chosen rules, last first, whose pairs the others cover
// well enough that the target is still reached without them.
func (g *greedy) prune(chosen []int) []int {
	if g.recall(g.union(chosen)) < g.spec.TargetRecall {
		return chosen
	}
	for i := len(chosen) - 1; i >= 0 && len(chosen) > 1; i-- {
		rest := slices.Delete(slices.Clone(chosen), i, i+1)
		if g.recall(g.union(rest)) >= g.spec.TargetRecall {
			chosen = rest
		}
	}
	return chosen
}

// union returns the sampled pairs the candidates propose together.
func (g *greedy) union(cs []int) []uint64 {
	out := make([]uint64, len(g.smp.cover[0]))
	for _, c := range cs {
		orWords(out, g.smp.cover[c])
	}
	return out
}

func orWords(dst, src []uint64) {
	for i := range dst {
		dst[i] |= src[i]
	}
}

// recall is the estimated share of the expected matches among the
// sampled pairs marked.
func (g *greedy) recall(marked []uint64) float64 {
	if g.total == 0 {
		return 1
	}
	var sum float64
	forBits(marked, nil, func(k int) { sum += g.smp.w[k] * g.smp.p[k] })
	return sum / g.total
}

// marginal estimates what candidate c adds to the covered pairs: expected
// matches, and pairs (both as weighted sums over the sample).
func (g *greedy) marginal(c int, covered []uint64) (gain, cost float64) {
	forBits(g.smp.cover[c], covered, func(k int) {
		gain += g.smp.w[k] * g.smp.p[k]
		cost += g.smp.w[k]
	})
	return gain, cost
}

// forBits calls f for every bit set in a and not in but (nil: none).
func forBits(a, but []uint64, f func(k int)) {
	for i, w := range a {
		if but != nil {
			w &^= but[i]
		}
		for w != 0 {
			b := bits.TrailingZeros64(w)
			f(i*64 + b)
			w &= w - 1
		}
	}
}

// clearedKeys returns candidate c's keys with those of blocks over the
// cap cleared, as blocking keeps them.
func (g *greedy) clearedKeys(c int) []uint64 {
	keys := slices.Clone(g.cands[c].keys(g.parts))
	for i, k := range keys {
		if g.cands[c].skipped[k] {
			keys[i] = 0
		}
	}
	return keys
}

// newPairs counts exactly the pairs candidate c proposes that none of the
// chosen rules does, or -1 once they pass limit.
func (g *greedy) newPairs(c int, chosen []int, limit int64) int64 {
	cb, ok := g.blocks[c]
	if !ok {
		order, blocks, _, _ := g.e.group(g.cands[c].keys(g.parts), g.e.cfg.MaxBlockSize)
		cb = candBlocks{order, blocks}
		g.blocks[c] = cb
	}
	var n int64
	for _, b := range cb.blocks {
		m := cb.order[b.from:b.to]
		for i, x := range m {
			for _, y := range m[i+1:] {
				if g.e.wanted(x, y) && !g.coveredBy(chosen, x, y) {
					n++
				}
			}
		}
		if n > limit {
			return -1
		}
	}
	return n
}

// coveredBy reports whether any of the chosen rules proposes x and y.
func (g *greedy) coveredBy(chosen []int, x, y int32) bool {
	for _, c := range chosen {
		keys := g.keys[c]
		if k := keys[x]; k != 0 && k == keys[y] {
			return true
		}
	}
	return false
}

// describe fills the suggestion with the chosen rules, their exact
// comparisons alone and new, and the estimated recall after each.
func (e *engine) describe(out *BlockingSuggestion, g *greedy, chosen []int) {
	covered := make([]uint64, len(g.smp.cover[0]))
	for i, c := range chosen {
		if _, ok := g.keys[c]; !ok {
			g.keys[c] = g.clearedKeys(c)
		}
		n := g.newPairs(c, chosen[:i], math.MaxInt64)
		orWords(covered, g.smp.cover[c])
		r := g.cands[c].rule
		out.Rules = append(out.Rules, SuggestedRule{Rule: r, Label: r.Label(), Comparisons: g.cands[c].n, NewComparisons: n, EstimatedRecall: g.recall(covered)})
		out.Comparisons += n
	}
	out.EstimatedRecall = g.recall(covered)
	out.Reached = out.EstimatedRecall >= out.TargetRecall && out.Comparisons <= out.MaxComparisons
}

// trueRecall measures the chosen rules against the truth: the share of
// true pairs of the pair space that the rules up to each one propose.
func (e *engine) trueRecall(out *BlockingSuggestion, g *greedy, chosen []int, truth []int32) {
	groups := map[int32][]int32{}
	for i, ent := range truth {
		if ent >= 0 {
			groups[ent] = append(groups[ent], int32(i))
		}
	}
	first := make([]int, len(chosen))
	total := 0
	for _, m := range groups {
		for i, x := range m {
			for _, y := range m[i+1:] {
				if !e.wanted(x, y) {
					continue
				}
				total++
				for r, c := range chosen {
					if g.coveredBy([]int{c}, x, y) {
						first[r]++
						break
					}
				}
			}
		}
	}
	out.TruePairs = total
	if total == 0 {
		return
	}
	found := 0
	for r := range chosen {
		found += first[r]
		out.Rules[r].TrueRecall = float64(found) / float64(total)
	}
	out.TrueRecall = float64(found) / float64(total)
}
