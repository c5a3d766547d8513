package link

import (
	"math"
	"math/rand/v2"
	"slices"
)

// Model is a fitted Fellegi–Sunter model: for each comparison and level,
// m (the chance of that level for a true match) and u (for a non-match),
// and the prior chance λ that two records of the pair space match.
type Model struct {
	Comparisons []ComparisonModel `json:"comparisons"`
	// Lambda is the prior match probability over all pairs of the pair
	// space; LambdaCandidates over the candidate pairs.
	Lambda           float64 `json:"lambda"`
	LambdaCandidates float64 `json:"lambda_candidates"`
	// MFrom says how m was estimated: "em" or "labels".
	MFrom string `json:"m_from"`
	// Iterations and Converged describe the EM run.
	Iterations int  `json:"iterations"`
	Converged  bool `json:"converged"`
	// USamples is the number of random pairs u was counted on.
	USamples int `json:"u_samples"`
}

// ComparisonModel is one comparison's m and u per level.
type ComparisonModel struct {
	Name   string       `json:"name"`
	TF     bool         `json:"tf,omitempty"`
	Levels []LevelModel `json:"levels"`
}

// LevelModel is one level's probabilities and the match weight
// log2(m/u) it adds. The null level has no probabilities and weight 0.
type LevelModel struct {
	Label  string  `json:"label"`
	M      float64 `json:"m"`
	U      float64 `json:"u"`
	Weight float64 `json:"weight"`
	// MPrior is m before clerical labels re-estimated it (0 when they did
	// not), so a later run re-estimates from it rather than counting the
	// same labels twice.
	MPrior float64 `json:"m_prior,omitempty"`
}

// PriorWeight is the weight every pair starts from, log2(λ/(1-λ)).
func (m *Model) PriorWeight() float64 {
	return math.Log2(m.Lambda / (1 - m.Lambda))
}

// probFloor keeps every probability off zero so weights stay finite.
const probFloor = 1e-6

// levelCounts is, per comparison, a count per level.
type levelCounts [][]float64

func (e *engine) newCounts() levelCounts {
	c := make(levelCounts, len(e.comps))
	for k, cm := range e.comps {
		c[k] = make([]float64, len(cm.Levels()))
	}
	return c
}

// normalised returns counts as probabilities over the non-null levels,
// each at least floor.
func (c levelCounts) normalised(floor float64) [][]float64 {
	p := make([][]float64, len(c))
	for k, ls := range c {
		p[k] = make([]float64, len(ls))
		var tot float64
		for _, n := range ls[1:] {
			tot += n
		}
		for l := 1; l < len(ls); l++ {
			if tot > 0 {
				p[k][l] = ls[l] / tot
			}
			p[k][l] = max(p[k][l], floor)
		}
	}
	return p
}

// uShards fixes how the random sample is split, so u does not depend on
// the number of cores.
const uShards = 16

// estimateU counts levels over random pairs of the pair space (all pairs
// when there are fewer than the sample size).
func (e *engine) estimateU() ([][]float64, int) {
	n := e.t.len()
	want := e.cfg.USamples
	counts := make([]levelCounts, uShards)
	got := make([]int, uShards)
	exhaustive := e.allPairs() <= float64(want)
	parallelFor(uShards, e.workers, func(s int) {
		c := e.newCounts()
		add := func(a, b int) {
			v := e.vector(a, b)
			for k := range c {
				c[k][v.Level(k)]++
			}
			got[s]++
		}
		if exhaustive {
			for a := s; a < n; a += uShards {
				for b := a + 1; b < n; b++ {
					if e.wanted(int32(a), int32(b)) {
						add(a, b)
					}
				}
			}
		} else {
			rng := rand.New(rand.NewPCG(e.cfg.Seed, uint64(s)))
			quota := want / uShards
			for tries := 0; got[s] < quota && tries < 50*quota; tries++ {
				a, b := rng.IntN(n), rng.IntN(n)
				if e.wanted(int32(a), int32(b)) {
					add(a, b)
				}
			}
		}
		counts[s] = c
	})
	total := e.newCounts()
	sum := 0
	for s := range counts {
		sum += got[s]
		for k := range total {
			for l := range total[k] {
				total[k][l] += counts[s][k][l]
			}
		}
	}
	floor := probFloor
	if sum > 0 {
		floor = max(floor, 0.5/float64(sum))
	}
	u := total.normalised(floor)
	for k := range u {
		e.exactU(k, u[k])
	}
	return u, sum
}

// exactU replaces the sampled u of comparison k's exact level with the
// exact chance that two records with values agree, Σ c(c-1) / (n(n-1))
// over the value counts c of the n non-missing records, and rescales the
// other non-null levels to the rest. Sampling sees few exact agreements
// on fields such as dates of birth; the counts give them all.
func (e *engine) exactU(k int, u []float64) {
	ex := -1
	for l, lv := range e.comps[k].Levels() {
		if lv.Exact {
			ex = l
		}
	}
	col := e.cols[k]
	if ex < 0 || col == nil || col.NonNull < 2 {
		return
	}
	var agree float64
	for _, c := range col.Counts[1:] {
		agree += float64(c) * float64(c-1)
	}
	nn := float64(col.NonNull)
	exact := max(agree/(nn*(nn-1)), probFloor)
	var rest float64
	for l := 1; l < len(u); l++ {
		if l != ex {
			rest += u[l]
		}
	}
	if rest <= 0 || exact >= 1 {
		return
	}
	for l := 1; l < len(u); l++ {
		if l != ex {
			u[l] *= (1 - exact) / rest
		}
	}
	u[ex] = exact
}

// pattern is a distinct comparison vector and how many candidates have it.
type pattern struct {
	v Vector
	n float64
}

// patterns groups the candidates by comparison vector, so EM works on a
// few thousand distinct vectors however many pairs there are.
func patterns(pairs *Pairs) []pattern {
	counts := map[Vector]float64{}
	if pairs.vc != nil {
		byCode := make([]float64, len(pairs.vc.vecs))
		for _, c := range pairs.code {
			byCode[c]++
		}
		for c, n := range byCode {
			if n > 0 {
				counts[pairs.vc.vecs[c]] = n
			}
		}
	}
	for _, v := range pairs.wide {
		counts[v]++
	}
	out := make([]pattern, 0, len(counts))
	for v, n := range counts {
		out = append(out, pattern{v, n})
	}
	slices.SortFunc(out, func(a, b pattern) int {
		if a.v < b.v {
			return -1
		}
		if a.v > b.v {
			return 1
		}
		return 0
	})
	return out
}

// initialM is EM's starting m: most mass on the best level, halving down.
func (e *engine) initialM() [][]float64 {
	c := e.newCounts()
	for k := range c {
		w := 1.0
		for l := 1; l < len(c[k]); l++ {
			c[k][l] = w
			w /= 4
		}
	}
	return c.normalised(probFloor)
}

// em estimates m, the candidates' own u and λ among candidates by
// expectation maximisation over the patterns, starting from the random u.
func (e *engine) em(ps []pattern, u0 [][]float64) (m [][]float64, lambda float64, iters int, converged bool) {
	m, u := e.initialM(), cloneProbs(u0)
	lambda = 0.1
	var total float64
	for _, p := range ps {
		total += p.n
	}
	if total == 0 {
		return m, 0, 0, true
	}
	for iters = 1; iters <= e.cfg.EMIterations; iters++ {
		cm, cu := e.newCounts(), e.newCounts()
		var matches float64
		for _, p := range ps {
			pm, pu := lambda, 1-lambda
			for k := range m {
				if l := p.v.Level(k); l > 0 {
					pm *= m[k][l]
					pu *= u[k][l]
				}
			}
			g := pm / (pm + pu)
			if math.IsNaN(g) {
				g = 0
			}
			matches += g * p.n
			for k := range m {
				l := p.v.Level(k)
				cm[k][l] += g * p.n
				cu[k][l] += (1 - g) * p.n
			}
		}
		nm := cm.normalised(probFloor)
		u = cu.normalised(probFloor)
		delta := math.Abs(matches/total - lambda)
		for k := range m {
			for l := range m[k] {
				delta = max(delta, math.Abs(nm[k][l]-m[k][l]))
			}
		}
		m, lambda = nm, min(max(matches/total, 1e-9), 1-1e-9)
		if delta < 1e-6 {
			return m, lambda, iters, true
		}
	}
	return m, lambda, e.cfg.EMIterations, false
}

// labelledM estimates m from the candidates that truth says match, and λ
// among candidates from their share.
func (e *engine) labelledM(pairs *Pairs, match func(a, b int32) bool) ([][]float64, float64) {
	c := e.newCounts()
	n := 0
	for k := range pairs.Len() {
		if a, b := pairs.records(k); match(a, b) {
			n++
			v := pairs.vector(k)
			for k := range c {
				c[k][v.Level(k)]++
			}
		}
	}
	lambda := 1e-9
	if pairs.Len() > 0 {
		lambda = max(float64(n)/float64(pairs.Len()), lambda)
	}
	return c.normalised(probFloor), min(lambda, 1-1e-9)
}

func cloneProbs(p [][]float64) [][]float64 {
	out := make([][]float64, len(p))
	for k := range p {
		out[k] = slices.Clone(p[k])
	}
	return out
}

// buildModel assembles the model from m, u and λ among candidates.
func (e *engine) buildModel(m, u [][]float64, lambdaCand float64, candidates int) *Model {
	md := &Model{LambdaCandidates: lambdaCand}
	all := e.allPairs()
	md.Lambda = lambdaCand
	if all > 0 && candidates > 0 {
		md.Lambda = lambdaCand * float64(candidates) / all
	}
	md.Lambda = min(max(md.Lambda, 1e-12), 1-1e-9)
	for k, c := range e.comps {
		cm := ComparisonModel{Name: e.cfg.Comparisons[k].Label(), TF: e.cfg.Comparisons[k].TF}
		for l, lv := range c.Levels() {
			lm := LevelModel{Label: lv.Label}
			if l > 0 {
				lm.M, lm.U = m[k][l], u[k][l]
				lm.Weight = math.Log2(lm.M / lm.U)
			}
			cm.Levels = append(cm.Levels, lm)
		}
		md.Comparisons = append(md.Comparisons, cm)
	}
	return md
}
