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
	e.scoreSample(smp, cands)
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

// scoreSample gives each sampled pair its match probability under a
// Fellegi–Sunter model fitted without truth, in two stages. m comes from
// expectation maximisation (u re-estimated) over the pairs of the tight
// candidates only, those with few pairs per record: like the candidates
// of a sensible blocking, most of their pairs that agree much are one
// person, whereas among the pairs of loose rules EM would as happily find
// households (same surname and address) as people. Then, with that m and
// u from random pairs held, λ is estimated over the whole weighted sample
// and each pair's probability follows.
func (e *engine) scoreSample(smp *autoSample, cands []autoCand) {
	vecs := make([]Vector, len(smp.pairs))
	parallelFor((len(vecs)+4095)/4096, e.workers, func(c int) {
		for k := c * 4096; k < min(len(vecs), (c+1)*4096); k++ {
			vecs[k] = e.vector(int(smp.pairs[k][0]), int(smp.pairs[k][1]))
		}
	})
	tight := make([]uint64, len(smp.cover[0]))
	limit := int64(tightPerRecord * e.t.len())
	for i, c := range cands {
		if c.n <= limit {
			orWords(tight, smp.cover[i])
		}
	}
	all := map[Vector]float64{}
	inTight := map[Vector]float64{}
	for k, v := range vecs {
		all[v] += smp.w[k]
	}
	forBits(tight, nil, func(k int) { inTight[vecs[k]] += smp.w[k] })
	u, _ := e.estimateU()
	m := e.emM(sortedPatterns(inTight), u)
	post := e.emLambda(sortedPatterns(all), m, u)
	smp.p = make([]float64, len(vecs))
	for k, v := range vecs {
		smp.p[k] = post[v]
	}
}

// tightPerRecord is how many pairs per record a candidate may propose to
// count as tight.
const tightPerRecord = 5

func sortedPatterns(counts map[Vector]float64) []pattern {
	ps := make([]pattern, 0, len(counts))
	for v, n := range counts {
		ps = append(ps, pattern{v, n})
	}
	slices.SortFunc(ps, func(a, b pattern) int { return cmp.Compare(a.v, b.v) })
	return ps
}

// posterior returns a pattern's match probability given m, u and λ.
func posterior(v Vector, m, u [][]float64, lambda float64) float64 {
	lm, lu := math.Log(lambda), math.Log1p(-lambda)
	for k := range m {
		if l := v.Level(k); l > 0 {
			lm += math.Log(m[k][l])
			lu += math.Log(u[k][l])
		}
	}
	return 1 / (1 + math.Exp(lu-lm))
}

// emM estimates m by expectation maximisation over weighted patterns, u
// and λ re-estimated alongside, starting from u0.
func (e *engine) emM(ps []pattern, u0 [][]float64) [][]float64 {
	m, _, _, _ := e.em(ps, u0)
	return m
}

// emLambda estimates λ and u over weighted patterns with m held, and
// returns each pattern's match probability.
func (e *engine) emLambda(ps []pattern, m, u [][]float64) map[Vector]float64 {
	lambda := 0.01
	var total float64
	for _, p := range ps {
		total += p.n
	}
	for range 500 {
		var matches float64
		cu := e.newCounts()
		for _, p := range ps {
			g := posterior(p.v, m, u, lambda)
			matches += g * p.n
			for k := range cu {
				cu[k][p.v.Level(k)] += (1 - g) * p.n
			}
		}
		next := min(max(matches/total, 1e-12), 1-1e-9)
		nu := cu.normalised(probFloor)
		delta := math.Abs(next-lambda) / lambda
		for k := range u {
			for l := range u[k] {
				delta = max(delta, math.Abs(nu[k][l]-u[k][l]))
			}
		}
		lambda, u = next, nu
		if delta < 1e-7 {
			break
		}
	}
	out := make(map[Vector]float64, len(ps))
	for _, p := range ps {
		out[p.v] = posterior(p.v, m, u, lambda)
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
