// Package linkrun links datasets held in the store: it reads the
// pseudonymous identifier columns (tokens and Bloom-filter encodings) of
// each dataset's latest version, after governance allows it, runs the
// linkage engine, and stores the result as an immutable linkage run whose
// entities cohorts are built on.
package linkrun

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/link"
	"github.com/civiclink/civiclink/internal/link/eval"
	"github.com/civiclink/civiclink/internal/store"
)

// OpRun is the read operation of a linkage run.
const OpRun = "link.run"

func init() { RegisterOperations(govern.DefaultGate) }

// Request says what to link.
type Request struct {
	Datasets []string
	Purpose  string
	// Config overrides the model built from the identifiers present.
	Config *link.Config
	// Truth, when set, is used to evaluate the run (never to match).
	Truth eval.Truth
}

// Result is a stored run with the engine's result and its evaluation.
type Result struct {
	Run        *store.LinkageRun
	Link       *link.Result
	Config     link.Config
	Records    int
	Entities   int
	Evaluation *Evaluation
}

// Evaluation is a run measured against the truth.
type Evaluation struct {
	Pairs    eval.PairReport    `json:"pairs"`
	Clusters eval.ClusterReport `json:"clusters"`
}

// Run links req.Datasets for user u.
func Run(ctx context.Context, st *store.Store, az govern.Authorizer, u *govern.User, req Request, opt link.Options) (*Result, error) {
	if len(req.Datasets) == 0 {
		return nil, fault.Errorf(fault.Invalid, "name the datasets to link (--datasets a,b,c)")
	}
	inputs, err := loadInputs(ctx, st, req.Datasets)
	if err != nil {
		return nil, err
	}
	var reads []govern.Read
	for _, in := range inputs {
		reads = append(reads, govern.Read{Dataset: in.dataset.ID, Columns: append([]string{in.idColumn}, in.fields...)})
	}
	if _, err := az.Authorize(ctx, u, govern.Request{Operation: OpRun, Purpose: req.Purpose, Output: govern.Aggregate, Reads: reads}); err != nil {
		return nil, err
	}
	datasets, err := readRecords(ctx, st, inputs)
	if err != nil {
		return nil, err
	}
	cfg := DefaultConfig(datasets)
	if req.Config != nil {
		cfg = *req.Config
	}
	if opt.Truth == nil && req.Truth != nil {
		t := req.Truth
		opt.Truth = func(ds string, r *link.Record) string { return t[link.RecordRef{Dataset: ds, ID: r.ID}] }
	}
	res, err := link.Link(ctx, datasets, cfg, opt)
	if err != nil {
		return nil, err
	}
	return save(ctx, st, u, inputs, datasets, cfg, res, req.Truth)
}

// input is one dataset to link: its latest version and identifier columns.
type input struct {
	dataset  *catalog.Dataset
	version  *catalog.Version
	idColumn string
	fields   []string
}

func loadInputs(ctx context.Context, st *store.Store, ids []string) ([]input, error) {
	var out []input
	for _, id := range ids {
		d, err := st.Dataset(ctx, id)
		if err != nil {
			return nil, err
		}
		v, err := st.Version(ctx, id, 0)
		if err != nil {
			return nil, err
		}
		rid, ok := d.Schema.RecordID()
		if !ok {
			return nil, fault.Errorf(fault.Invalid, "dataset %s has no record-id column, so its records cannot be linked", id)
		}
		in := input{dataset: d, version: v, idColumn: rid.Name}
		for _, c := range d.Schema.Columns {
			if c.Role == catalog.RoleIdentifier {
				in.fields = append(in.fields, c.Name)
			}
		}
		if len(in.fields) == 0 {
			return nil, fault.Errorf(fault.Invalid, "dataset %s has no identifier columns (tokens or encodings): pseudonymise it at source first", id)
		}
		out = append(out, in)
	}
	return out, nil
}

// readRecords reads every record's identifiers into engine datasets that
// share one field list (a field a dataset lacks is empty).
func readRecords(ctx context.Context, st *store.Store, inputs []input) ([]link.Dataset, error) {
	var fields []string
	seen := map[string]bool{}
	for _, in := range inputs {
		for _, f := range in.fields {
			if !seen[f] {
				seen[f] = true
				fields = append(fields, f)
			}
		}
	}
	sort.Strings(fields)
	var out []link.Dataset
	for _, in := range inputs {
		recs, err := st.IdentifierRows(ctx, in.version, in.idColumn, fields)
		if err != nil {
			return nil, err
		}
		ds := link.Dataset{Name: in.dataset.ID, Fields: fields}
		for _, r := range recs {
			ds.Records = append(ds.Records, link.Record{ID: r[0], Values: r[1:]})
		}
		out = append(out, ds)
	}
	return out, nil
}

// DefaultConfig is the model for the identifiers present: Dice similarity
// bands on each per-field Bloom filter, exact agreement on the NHS-number
// token, and blocking on every token.
func DefaultConfig(datasets []link.Dataset) link.Config {
	cfg := link.Config{MaxBlockSize: 2000, TargetPrecision: 0.99, Cluster: link.ClusterSpec{MinDensity: 0.3}, Seed: 1}
	if len(datasets) > 1 {
		cfg.Dedupe = true
	}
	bands := map[string][]float64{
		"bf_forename": {0.9, 0.7, 0.5},
		"bf_surname":  {0.9, 0.7, 0.5},
		"bf_dob":      {0.95, 0.75},
		"bf_postcode": {0.9, 0.6},
	}
	for _, f := range datasets[0].Fields {
		switch {
		case strings.HasPrefix(f, "bf_"):
			th, ok := bands[f]
			if !ok {
				th = []float64{0.9, 0.7}
			}
			cfg.Comparisons = append(cfg.Comparisons, link.ComparisonSpec{Name: strings.TrimPrefix(f, "bf_"), Field: f, Kind: "dice", Raw: true, Bits: filterBits(datasets, f), Thresholds: th})
		case f == "tok_nhs":
			cfg.Comparisons = append(cfg.Comparisons, link.ComparisonSpec{Name: "nhs_number", Field: f, Kind: "exact", Raw: true})
		}
		if strings.HasPrefix(f, "tok_") {
			cfg.Blocking = append(cfg.Blocking, link.BlockingRule{Name: f, Keys: []link.KeyPart{{Field: f}}})
		}
	}
	return cfg
}

// filterBits finds a Bloom-filter field's length from its first value.
func filterBits(datasets []link.Dataset, field string) int {
	for _, d := range datasets {
		i := sort.SearchStrings(d.Fields, field)
		for _, r := range d.Records {
			if v := r.Values[i]; v != "" {
				if b, err := base64.StdEncoding.DecodeString(v); err == nil {
					return 8 * len(b)
				}
			}
		}
	}
	return 0
}

func save(ctx context.Context, st *store.Store, u *govern.User, inputs []input, datasets []link.Dataset, cfg link.Config, res *link.Result, truth eval.Truth) (*Result, error) {
	n := res.Records()
	entities := make([]store.EntityRow, n)
	clusters := map[eval.Ref]string{}
	ids := map[string]bool{}
	for i := 0; i < n; i++ {
		r, c := res.Ref(i), res.ClusterOf(i)
		ent := c.Dataset + ":" + c.ID
		entities[i] = store.EntityRow{DatasetID: r.Dataset, RecordID: r.ID, EntityID: ent}
		clusters[r] = ent
		ids[ent] = true
	}
	var pairs []store.PairRow
	for _, k := range res.Matched {
		a, b := res.Ref(int(res.Pairs[k].A)), res.Ref(int(res.Pairs[k].B))
		pairs = append(pairs, store.PairRow{DatasetL: a.Dataset, RecordL: a.ID, DatasetR: b.Dataset, RecordR: b.ID, Probability: res.Probability(k), Weight: res.Weights[k]})
	}
	out := &Result{Link: res, Config: cfg, Records: n, Entities: len(ids)}
	if truth != nil {
		out.Evaluation = evaluate(truth, res, clusters, len(datasets) == 1 || cfg.Dedupe)
	}
	params, _ := json.Marshal(map[string]any{"config": cfg, "model": res.Model, "threshold": res.Threshold})
	quality, _ := json.Marshal(map[string]any{"blocking": res.Blocking, "clusters": res.Clusters, "records": n, "entities": len(ids), "evaluation": out.Evaluation})
	run := &store.LinkageRun{CreatedBy: u.ID, Params: params, Quality: quality}
	for _, in := range inputs {
		run.Datasets = append(run.Datasets, store.LinkedVersion{DatasetID: in.dataset.ID, Version: in.version.Number})
	}
	if err := st.SaveLinkageRun(ctx, run, entities, pairs); err != nil {
		return nil, fmt.Errorf("save linkage run: %w", err)
	}
	out.Run = run
	return out, nil
}

func evaluate(truth eval.Truth, res *link.Result, clusters map[eval.Ref]string, within bool) *Evaluation {
	refs := make([]eval.Ref, res.Records())
	for i := range refs {
		refs[i] = res.Ref(i)
	}
	var predicted [][2]eval.Ref
	for _, k := range res.Matched {
		predicted = append(predicted, [2]eval.Ref{res.Ref(int(res.Pairs[k].A)), res.Ref(int(res.Pairs[k].B))})
	}
	return &Evaluation{Pairs: eval.Pairs(truth, refs, predicted, within), Clusters: eval.Clusters(truth, clusters)}
}
