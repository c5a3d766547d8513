package link

import (
	"cmp"
	"context"
	"iter"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/civiclink/civiclink/internal/fault"
)

// Options are a run's settings that are not part of the linkage config.
type Options struct {
	// Workers is the number of goroutines; 0 means GOMAXPROCS.
	Workers int
	// Progress, when set, hears how far each stage is ("columns",
	// "block", "compare", "score", "cluster"); it may be called from several
	// goroutines at once.
	Progress func(stage string, done, total int)
	// Truth, when set, returns the true entity of a record ("" unknown).
	// It is used for blocking recall and, with TrainFromLabels, for m.
	Truth func(dataset string, r *Record) string
	// TrainFromLabels estimates m and λ from the candidate pairs that Truth
	// labels, instead of by EM.
	TrainFromLabels bool
	// Model, when set, scores with this fitted model (from an earlier run
	// with the same comparisons) instead of estimating u and m.
	Model *Model
	// Existing, when set, makes the run incremental: it returns the entity
	// a record already belongs to ("" for a record to link). Only pairs
	// with a record to link are compared; each existing entity's records
	// start as one cluster; and no join merges two existing entities.
	Existing func(dataset string, r *Record) string
	// Memory is the run's memory budget in bytes, for the whole process
	// (the records the caller holds included); 0 means [DefaultMemory].
	// Blocking's sort and the candidate pairs spill to files in TempDir
	// to stay within it, and a budget too small to run at all is refused
	// with a [*MemoryError] naming the minimum.
	Memory int64
	// TempDir is where spills go (default: the system's temporary folder).
	TempDir string
	// ReleaseValues lets Link drop the values of datasets given as
	// [Columns] once it has coded its own columns (their ids
	// stay), and drop its own columns' text once candidates are compared
	// where no comparer reads text (exact, date, postcode, dice): at
	// millions of records the codes are not held twice, nor the tokens'
	// and filters' text at all. Afterwards such a dataset's Value is "".
	ReleaseValues bool
	// Labels are clerical decisions on pairs of records: labelled matches
	// re-estimate m (with the model's m as a prior) and are joined in
	// clustering; labelled non-matches are never put in one cluster.
	Labels []Label
}

// StageTime is the wall time of one stage of a run.
type StageTime struct {
	Stage   string  `json:"stage"`
	Seconds float64 `json:"seconds"`
}

// stopwatch records stage times.
type stopwatch struct {
	last  time.Time
	times []StageTime
}

func (s *stopwatch) lap(stage string) {
	now := time.Now()
	s.times = append(s.times, StageTime{stage, now.Sub(s.last).Seconds()})
	s.last = now
}

// engine is one run's state.
type engine struct {
	cfg     Config
	t       *table
	dedupe  bool
	comps   []Comparer
	cols    []*Column
	rules   []BlockingRule // the config's rules, an LSH rule once per band
	workers int
	prog    func(stage string, done, total int)
	con     constraints // existing entities and labels (see incremental.go)
	// The memory budget (see memory.go): the budget, what the run holds
	// besides candidate pairs, entries per in-memory sort run, and bytes
	// of candidate pairs held in memory while comparing.
	mem, base int64
	budgeted  int64 // the process's budget (mem is the heap's share of it)
	held      int64 // the live heap when the run started
	// releaseValues drops the caller's column values once blocking has
	// built its columns (see Options.ReleaseValues).
	releaseValues bool
	sortEntries   int
	pairMem       int64
	tempDir       string
}

// workerCount is the number of goroutines parallel stages use.
func (e *engine) workerCount() int {
	if e.workers > 0 {
		return e.workers
	}
	return runtime.GOMAXPROCS(0)
}

func (e *engine) progress(stage string, done, total int) {
	if e.prog != nil {
		e.prog(stage, done, total)
	}
}

// Result is a finished linkage run.
type Result struct {
	Model    *Model         `json:"model"`
	Blocking BlockingReport `json:"blocking"`
	Clusters ClusterReport  `json:"clusters"`
	// Threshold is the match probability from which pairs matched.
	Threshold float64 `json:"threshold"`
	// Pairs are all candidate pairs and Weights their match weights.
	Pairs   Pairs     `json:"-"`
	Weights []float64 `json:"-"`
	// Matched indexes the pairs at or above the threshold (4 bytes each:
	// tens of millions of matches at county scale).
	Matched []int32 `json:"-"`
	// Timings is how long each stage took, in order.
	Timings []StageTime `json:"timings"`
	// AutoBlocking is how the blocking rules were chosen, when the config
	// asked for "blocking": "auto".
	AutoBlocking *BlockingSuggestion `json:"auto_blocking,omitempty"`
	// Warnings are what to know before trusting the weights (EM that did
	// not converge).
	Warnings []string `json:"warnings,omitempty"`

	cluster []int32
	e       *engine
	s       *scorer
}

// Link links the datasets under cfg: one dataset is deduplicated; with
// several, cross-dataset pairs are linked (and within-dataset pairs too
// when cfg.Dedupe is set).
func Link(ctx context.Context, datasets []Dataset, cfg Config, opt Options) (*Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	sw := &stopwatch{last: time.Now()}
	e, err := newEngine(datasets, cfg, opt)
	if err != nil {
		return nil, err
	}
	sw.lap("prepare")
	var auto *BlockingSuggestion
	if e.cfg.AutoBlocking != nil {
		if auto, err = e.suggest(ctx, *e.cfg.AutoBlocking, opt.Truth); err != nil {
			return nil, err
		}
		e.cfg.Blocking = auto.Blocking()
		cols, rules := e.columnCount()
		if err := e.budget(opt, cols, rules); err != nil {
			return nil, err
		}
		sw.lap("auto_blocking")
	}
	var truth []int32
	if opt.Truth != nil {
		truth = e.truth(opt.Truth)
	}
	e.releaseValues = opt.ReleaseValues
	b, err := e.block()
	if err != nil {
		return nil, err
	}
	if truth != nil {
		e.recall(b, truth)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sw.lap("block")
	pairs, err := e.candidates(b)
	if err != nil {
		return nil, err
	}
	if err := e.checkPairs(&pairs, 0); err != nil {
		return nil, err
	}
	if opt.ReleaseValues {
		e.dropColumnValues()
	}
	r := &Result{Pairs: pairs, e: e, AutoBlocking: auto}
	r.Blocking = b.report
	sw.lap("compare")
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var md *Model
	if opt.Model != nil {
		if md, err = e.reuse(opt.Model); err != nil {
			return nil, err
		}
	} else {
		u, samples := e.estimateU()
		sw.lap("u")
		if md, err = e.fit(&r.Pairs, u, truth, opt.TrainFromLabels); err != nil {
			return nil, err
		}
		md.USamples = samples
		r.Warnings = md.warnings(e.cfg.EMIterations)
	}
	e.applyLabels(md)
	sw.lap("m")
	r.Model, r.s = md, e.newScorer(md)
	r.Weights = make([]float64, r.Pairs.Len())
	const chunk = 1 << 16
	nChunks := (r.Pairs.Len() + chunk - 1) / chunk
	parallelFor(nChunks, e.workers, func(c int) {
		for k := c * chunk; k < min(r.Pairs.Len(), (c+1)*chunk); k++ {
			r.Weights[k] = r.s.weight(r.Pairs.At(k))
		}
		e.progress("score", c+1, nChunks)
	})
	r.Threshold = e.cfg.Threshold
	if r.Threshold == 0 {
		r.Threshold = 0.5
		if e.cfg.TargetPrecision > 0 {
			r.Threshold = chooseThreshold(r.Weights, e.cfg.TargetPrecision)
		}
	}
	minW := weightOf(r.Threshold)
	matches := 0
	for _, w := range r.Weights {
		if w >= minW {
			matches++
		}
	}
	r.Matched = make([]int32, 0, matches)
	for k, w := range r.Weights {
		if w >= minW {
			r.Matched = append(r.Matched, int32(k))
		}
	}
	sw.lap("score")
	if err := e.checkPairs(&r.Pairs, len(r.Matched)); err != nil {
		return nil, err
	}
	e.progress("cluster", 0, 1)
	r.cluster, r.Clusters = e.cluster(&r.Pairs, r.Weights, r.Matched)
	e.progress("cluster", 1, 1)
	sw.lap("cluster")
	r.Timings = sw.times
	return r, nil
}

// newEngine sets up a run: the table of records, the memory budget, the
// options' existing entities and labels, and the comparisons' columns and
// comparers.
func newEngine(datasets []Dataset, cfg Config, opt Options) (*engine, error) {
	t, err := newTable(datasets)
	if err != nil {
		return nil, err
	}
	e := &engine{cfg: cfg.withDefaults(), t: t, dedupe: cfg.Dedupe || len(datasets) == 1, workers: opt.Workers, prog: opt.Progress}
	var fields [][]string
	var raws []bool
	for _, spec := range e.cfg.Comparisons {
		fields, raws = append(fields, spec.FieldList()), append(raws, spec.Raw || spec.Kind == "dice")
		if spec.SwapWith != "" {
			fields, raws = append(fields, []string{spec.SwapWith}), append(raws, spec.Raw || spec.Kind == "dice")
		}
	}
	cols, rules := e.columnCount()
	if err := e.budget(opt, cols, rules); err != nil {
		return nil, err
	}
	e.prepare(opt)
	if err := e.buildColumns(fields, raws); err != nil {
		return nil, err
	}
	for _, spec := range e.cfg.Comparisons {
		c, col, err := buildComparer(t, spec)
		if err != nil {
			return nil, err
		}
		e.comps, e.cols = append(e.comps, c), append(e.cols, col)
	}
	return e, nil
}

// columnCount returns how many columns the comparisons and the blocking
// rules read, and how many rules blocking runs (an LSH rule once per
// band), for the memory budget.
func (e *engine) columnCount() (columns, rules int) {
	seen := map[string]bool{}
	add := func(fields []string, raw bool) {
		seen[columnKey(fields, raw)] = true
	}
	for _, spec := range e.cfg.Comparisons {
		add(spec.FieldList(), spec.Raw || spec.Kind == "dice")
		if spec.SwapWith != "" {
			add([]string{spec.SwapWith}, spec.Raw || spec.Kind == "dice")
		}
	}
	for _, r := range e.cfg.Blocking {
		for _, k := range r.Keys {
			add(k.FieldList(), k.Raw)
		}
		rules++
		if r.LSH != nil {
			for _, f := range r.LSH.FieldList() {
				add([]string{f}, true)
			}
			rules += r.LSH.Bands - 1
		}
	}
	return len(seen), rules
}

// fit estimates m and λ among candidates, by labels or EM, and builds the
// model.
func (e *engine) fit(pairs *Pairs, u [][]float64, truth []int32, labels bool) (*Model, error) {
	if labels {
		if truth == nil {
			return nil, fault.Errorf(fault.Invalid, "training from labels needs truth: give a truth source")
		}
		m, lc := e.labelledM(pairs, func(a, b int32) bool { return truth[a] >= 0 && truth[a] == truth[b] })
		md := e.buildModel(m, u, lc, pairs.Len())
		md.MFrom = "labels"
		return md, nil
	}
	m, lc, iters, conv := e.em(patterns(pairs), u)
	md := e.buildModel(m, u, lc, pairs.Len())
	md.MFrom, md.Iterations, md.Converged = "em", iters, conv
	return md, nil
}

// truth returns each record's entity as a number, -1 when unknown.
func (e *engine) truth(f func(string, *Record) string) []int32 {
	out := make([]int32, e.t.len())
	ids := map[string]int32{}
	var scratch Record
	for i := range out {
		ent := f(e.t.datasets[e.t.source[i]].Name, e.t.record(i, &scratch))
		if ent == "" {
			out[i] = -1
			continue
		}
		g, ok := ids[ent]
		if !ok {
			g = int32(len(ids))
			ids[strings.Clone(ent)] = g
		}
		out[i] = g
	}
	return out
}

// recall counts the true pairs of the pair space and the share that
// blocking (and each rule alone) proposes.
func (e *engine) recall(b *blocking, truth []int32) {
	// Records grouped by entity: a counting sort by entity number, each
	// group's records in record order.
	var entities int32
	for _, ent := range truth {
		entities = max(entities, ent+1)
	}
	start := make([]int32, entities+1)
	for _, ent := range truth {
		if ent >= 0 {
			start[ent+1]++
		}
	}
	for g := range entities {
		start[g+1] += start[g]
	}
	members := make([]int32, start[entities])
	fill := slices.Clone(start[:entities])
	for i, ent := range truth {
		if ent >= 0 {
			members[fill[ent]] = int32(i)
			fill[ent]++
		}
	}
	fill = nil
	var gs [][]int32
	for g := range entities {
		if start[g+1]-start[g] > 1 {
			gs = append(gs, members[start[g]:start[g+1]])
		}
	}
	// Groups are counted in parallel chunks; each group's keys are fetched
	// once per record (not once per pair), since at millions of records
	// the random reads of keys dominated.
	type counts struct {
		found, total int
		perRule      []int
	}
	const chunk = 4096
	parts := make([]counts, (len(gs)+chunk-1)/chunk)
	parallelFor(len(parts), e.workers, func(c int) {
		cnt := counts{perRule: make([]int, len(b.ids))}
		var local []uint32
		for _, g := range gs[c*chunk : min(len(gs), (c+1)*chunk)] {
			n := len(g)
			local = local[:0]
			for _, ids := range b.ids {
				for _, x := range g {
					local = append(local, ids[x])
				}
			}
			for i := range n {
				for j := i + 1; j < n; j++ {
					if !e.wanted(g[i], g[j]) {
						continue
					}
					cnt.total++
					any := false
					for r := range b.ids {
						if k := local[r*n+i]; k != 0 && k == local[r*n+j] {
							cnt.perRule[r]++
							any = true
						}
					}
					if any {
						cnt.found++
					}
				}
			}
		}
		parts[c] = cnt
	})
	found, perRule, total := 0, make([]int, len(b.ids)), 0
	for _, p := range parts {
		found, total = found+p.found, total+p.total
		for r, k := range p.perRule {
			perRule[r] += k
		}
	}
	b.report.TruePairs = total
	if total > 0 {
		b.report.Recall = float64(found) / float64(total)
		for r := range perRule {
			b.report.Rules[r].Recall = float64(perRule[r]) / float64(total)
		}
	}
}

// Records returns the number of records linked.
func (r *Result) Records() int { return r.e.t.len() }

// Ref returns record i's dataset and id.
func (r *Result) Ref(i int) RecordRef {
	d, id := r.e.t.id(i)
	return RecordRef{Dataset: d, ID: id}
}

// MatchedRefs yields each matched pair's index k (into Pairs and Weights)
// with its two records, in the order of Matched.
func (r *Result) MatchedRefs() iter.Seq2[int, [2]RecordRef] {
	return func(yield func(int, [2]RecordRef) bool) {
		for _, k := range r.Matched {
			if !yield(int(k), r.PairRefs(int(k))) {
				return
			}
		}
	}
}

// MatchedPairs returns every matched pair's two records, in the order of
// Matched.
func (r *Result) MatchedPairs() [][2]RecordRef {
	out := make([][2]RecordRef, 0, len(r.Matched))
	for _, ab := range r.MatchedRefs() {
		out = append(out, ab)
	}
	return out
}

// Refs returns every record's dataset and id, in record order.
func (r *Result) Refs() []RecordRef {
	refs := make([]RecordRef, r.Records())
	for i := range refs {
		refs[i] = r.Ref(i)
	}
	return refs
}

// PairRefs returns candidate pair k's two records.
func (r *Result) PairRefs(k int) [2]RecordRef {
	a, b := r.Pairs.records(k)
	return [2]RecordRef{r.Ref(int(a)), r.Ref(int(b))}
}

// ClusterOf returns the record naming record i's cluster.
func (r *Result) ClusterOf(i int) RecordRef { return r.Ref(int(r.cluster[i])) }

// Probability returns the match probability of pair k.
func (r *Result) Probability(k int) float64 { return Probability(r.Weights[k]) }

// Explain breaks pair k's weight into its terms.
func (r *Result) Explain(k int) Explanation {
	return r.e.explain(r.s, r.Model, r.Pairs.At(k))
}

// ExplainRefs explains any two records, whether or not blocking paired
// them.
func (r *Result) ExplainRefs(a, b RecordRef) (Explanation, error) {
	ia, ib := r.index(a), r.index(b)
	if ia < 0 || ib < 0 {
		return Explanation{}, fault.Errorf(fault.NotFound, "no record %s/%s or %s/%s in this run", a.Dataset, a.ID, b.Dataset, b.ID)
	}
	p := Pair{A: int32(min(ia, ib)), B: int32(max(ia, ib)), Vector: r.e.vector(ia, ib)}
	x := r.e.explain(r.s, r.Model, p)
	if ia > ib {
		x.Left, x.Right = x.Right, x.Left
	}
	return x, nil
}

func (r *Result) index(ref RecordRef) int {
	for i := range r.e.t.len() {
		if d, id := r.e.t.id(i); id == ref.ID && (ref.Dataset == "" || d == ref.Dataset) {
			return i
		}
	}
	return -1
}

// ReviewRow is one pair for clerical review: who (by record id only), the
// score, and each comparison's agreement level, never the values.
type ReviewRow struct {
	Left        RecordRef `json:"left"`
	Right       RecordRef `json:"right"`
	Probability float64   `json:"probability"`
	Weight      float64   `json:"weight"`
	Levels      []string  `json:"levels"`
	// Index is the pair's index in [Result.Pairs], for [Result.Explain].
	Index int `json:"-"`
}

// Review lists up to limit pairs whose match probability lies in
// [low, high], those nearest the threshold first.
func (r *Result) Review(low, high float64, limit int) []ReviewRow {
	var ks []int
	for k, w := range r.Weights {
		if p := Probability(w); p >= low && p <= high {
			ks = append(ks, k)
		}
	}
	tw := weightOf(r.Threshold)
	slices.SortFunc(ks, func(x, y int) int {
		return cmp.Or(cmp.Compare(abs(r.Weights[x]-tw), abs(r.Weights[y]-tw)), cmp.Compare(x, y))
	})
	var out []ReviewRow
	for _, k := range ks[:min(limit, len(ks))] {
		p, ab := r.Pairs.At(k), r.PairRefs(k)
		row := ReviewRow{Left: ab[0], Right: ab[1], Probability: r.Probability(k), Weight: r.Weights[k], Index: k}
		for c, cm := range r.Model.Comparisons {
			row.Levels = append(row.Levels, cm.Levels[p.Vector.Level(c)].Label)
		}
		out = append(out, row)
	}
	return out
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
