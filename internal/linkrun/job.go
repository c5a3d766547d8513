package linkrun

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/link"
	"github.com/civiclink/civiclink/internal/link/eval"
	"github.com/civiclink/civiclink/internal/pseudo"
)

// job is one linkage run in the making: its inputs, read and authorised.
type job struct {
	st       Store
	u        *govern.User
	req      Request
	inputs   []input
	datasets []link.Dataset
	// fps are the records' fingerprints, in the run's record order.
	fps    []int64
	labels int
	incr   *IncrementalReport // set by an incremental run
	// decisions are the clerical decisions in force on the datasets.
	decisions []Label
	// kept are the records an incremental run carries over with their
	// entity, unchanged: the store copies their rows.
	kept map[RecordKey]string
}

// params is what a run stores of its model, for incremental runs to reuse.
type params struct {
	Config    link.Config `json:"config"`
	Model     *link.Model `json:"model"`
	Threshold float64     `json:"threshold"`
}

// runThreshold returns a stored run's match-probability threshold.
func runThreshold(run *LinkageRun) float64 {
	var p params
	json.Unmarshal(run.Params, &p)
	return p.Threshold
}

// full links every record, then names the clusters with the previous
// run's entity ids where they overlap.
func (j *job) full(ctx context.Context, opt link.Options) (*Result, error) {
	cfg := DefaultConfig(j.datasets)
	if j.req.Config != nil {
		cfg = *j.req.Config
	}
	if err := j.checkKeyIDs(cfg); err != nil {
		return nil, err
	}
	if err := link.CheckEstimable(j.datasets); err != nil {
		return nil, err
	}
	res, err := link.Link(ctx, j.datasets, cfg, opt)
	if err == nil {
		err = res.CheckCandidates()
	}
	if err != nil {
		return nil, err
	}
	prev, err := j.previous(ctx)
	if err != nil {
		return nil, err
	}
	var prevEnt map[RecordKey]EntityRow
	run := &LinkageRun{Mode: "full"}
	if prev != nil {
		run.ParentID = prev.ID
		if prevEnt, err = j.entityMap(ctx, prev.ID); err != nil {
			return nil, err
		}
	}
	names, carried := nameByOverlap(res, prevEnt)
	out, err := j.save(ctx, run, cfg, res, names, LinkageWrite{})
	if err != nil {
		return nil, err
	}
	out.Carried = carried
	return out, nil
}

// checkKeyIDs refuses to compare identifier columns of two datasets whose
// key ids (recorded in their schemas by pseudonymise) differ.
func (j *job) checkKeyIDs(cfg link.Config) error {
	var keyed []link.KeyedInput
	for _, in := range j.inputs {
		keyed = append(keyed, link.KeyedInput{Name: "dataset " + in.dataset.ID, KeyIDs: pseudo.SchemaKeyIDs(in.dataset.Schema),
			From: "its schema", Columns: in.fields})
	}
	return link.CheckKeyIDs(cfg, keyed)
}

// previous returns the run a full run takes its entity ids from: From, or
// the latest run sharing a dataset with this one (nil if none).
func (j *job) previous(ctx context.Context) (*LinkageRun, error) {
	if j.req.From != 0 {
		return j.st.LinkageRun(ctx, j.req.From)
	}
	runs, err := j.st.LinkageRuns(ctx)
	if err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, d := range j.req.Datasets {
		want[d] = true
	}
	for _, r := range runs {
		for _, d := range r.Datasets {
			if want[d.DatasetID] {
				return r, nil
			}
		}
	}
	return nil, nil
}

// entityMap reads a run's entity rows by record.
func (j *job) entityMap(ctx context.Context, runID int64) (map[RecordKey]EntityRow, error) {
	rows, err := j.st.EntityRows(ctx, runID)
	if err != nil {
		return nil, err
	}
	out := make(map[RecordKey]EntityRow, len(rows))
	for _, r := range rows {
		out[RecordKey{DatasetID: r.DatasetID, RecordID: r.RecordID}] = r
	}
	return out, nil
}

// save stores the run with every record's entity (names[i] for result
// record i), the matched pairs and the review list, and evaluates it.
func (j *job) save(ctx context.Context, run *LinkageRun, cfg link.Config, res *link.Result, names []string, w LinkageWrite) (*Result, error) {
	n := res.Records()
	fps := j.fps
	w.Entities = make([]EntityRow, 0, n-len(j.kept))
	clusters := make(map[eval.Ref]string, n)
	ids := map[string]bool{}
	for i := 0; i < n; i++ {
		r := res.Ref(i)
		if _, ok := j.kept[RecordKey{DatasetID: r.Dataset, RecordID: r.ID}]; !ok {
			w.Entities = append(w.Entities, EntityRow{DatasetID: r.Dataset, RecordID: r.ID, EntityID: names[i], Fingerprint: fps[i]})
		}
		clusters[r] = names[i]
		ids[names[i]] = true
	}
	for k, ab := range res.MatchedRefs() {
		a, b := ab[0], ab[1]
		w.Pairs = append(w.Pairs, PairRow{DatasetL: a.Dataset, RecordL: a.ID, DatasetR: b.Dataset, RecordR: b.ID, Probability: res.Probability(k), Weight: res.Weights[k]})
	}
	w.Review = reviewRows(res)
	out := &Result{Link: res, Config: cfg, Records: n, Entities: len(ids), Labels: j.labels, Incremental: j.incr}
	if j.req.Truth != nil {
		out.Evaluation = evaluate(j.req.Truth, res, clusters, len(j.datasets) == 1 || cfg.Dedupe)
		if j.incr != nil {
			out.Evaluation.Pairs = out.Evaluation.Implied // its matched pairs are only the re-linked records'
		}
	}
	return out, j.store(ctx, run, cfg, res, out, w)
}

func (j *job) store(ctx context.Context, run *LinkageRun, cfg link.Config, res *link.Result, out *Result, w LinkageWrite) error {
	if a := res.AutoBlocking; a != nil { // later runs reuse the rules chosen, not the choice
		cfg.Blocking, cfg.AutoBlocking = a.Blocking(), nil
	}
	p, _ := json.Marshal(params{Config: cfg, Model: res.Model, Threshold: res.Threshold})
	quality := map[string]any{"blocking": redactKeys(res.Blocking), "clusters": res.Clusters, "records": out.Records, "entities": out.Entities, "evaluation": out.Evaluation, "labels": out.Labels,
		"cluster_sizes": res.ClusterSizes(), "summary": Summarize(res)}
	if res.AutoBlocking != nil {
		quality["auto_blocking"] = res.AutoBlocking
	}
	if out.Incremental != nil {
		quality["incremental"] = out.Incremental
	}
	q, _ := json.Marshal(quality)
	run.CreatedBy, run.Purpose, run.Params, run.Quality = j.u.ID, j.req.Purpose, p, q
	for _, in := range j.inputs {
		run.Datasets = append(run.Datasets, LinkedVersion{DatasetID: in.dataset.ID, Version: in.version.Number})
	}
	if err := j.st.WriteLinkageRun(ctx, run, w); err != nil {
		return fmt.Errorf("save linkage run: %w", err)
	}
	out.Run = run
	return nil
}

// redactKeys returns the blocking report without its largest blocks' key
// texts: in the store they are tokens, which a stored run must not show in
// clear. The sizes stay.
func redactKeys(b link.BlockingReport) link.BlockingReport {
	rules := make([]link.RuleReport, len(b.Rules))
	for i, r := range b.Rules {
		r.Largest = append([]link.BlockSize(nil), r.Largest...)
		for j := range r.Largest {
			r.Largest[j].Key = ""
		}
		rules[i] = r
	}
	b.Rules = rules
	return b
}

// fingerprintBase starts a record's fingerprint: the field names are
// hashed first, so a change of fields changes every fingerprint.
func fingerprintBase(fields []string) uint64 {
	var base uint64 = 14695981039346656037
	for _, f := range fields {
		base = fnvString(base, f, 0x1e)
	}
	return base
}

// fingerprint hashes a record's identifier values with FNV-1a, never 0.
func fingerprint(base uint64, values []string) int64 {
	h := base
	for _, v := range values {
		h = fnvString(h, v, 0x1f)
	}
	return int64(h | 1)
}

// fnvString continues an FNV-1a hash over s and a separator byte.
func fnvString(h uint64, s string, sep byte) uint64 {
	const prime = 1099511628211
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * prime
	}
	return (h ^ uint64(sep)) * prime
}

// linkLabels turns stored decisions into engine labels; unsure ones are
// left out.
func linkLabels(ls []Label) []link.Label {
	var out []link.Label
	for _, l := range ls {
		if l.Decision != string(Match) && l.Decision != string(NonMatch) {
			continue
		}
		out = append(out, link.Label{Left: link.RecordRef{Dataset: l.DatasetL, ID: l.RecordL}, Right: link.RecordRef{Dataset: l.DatasetR, ID: l.RecordR}, Match: l.Decision == string(Match)})
	}
	return out
}
