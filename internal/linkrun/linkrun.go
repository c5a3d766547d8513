// Package linkrun links datasets held in the store: it reads the
// pseudonymous identifier columns (tokens and Bloom-filter encodings) of
// each dataset's latest version, after governance allows it, runs the
// linkage engine, and stores the result as an immutable linkage run whose
// entities cohorts are built on.
package linkrun

import (
	"context"
	"encoding/base64"
	"sort"
	"strings"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/link"
	"github.com/civiclink/civiclink/internal/link/eval"
)

// OpRun is the read operation of a linkage run.
const OpRun = "link.run"

// Request says what to link.
type Request struct {
	Datasets []string
	Purpose  string
	// Config overrides the model built from the identifiers present.
	Config *link.Config
	// Truth, when set, is used to evaluate the run (never to match).
	Truth eval.Truth
	// Incremental links only the records added or changed since the parent
	// run (From, or the latest run), against that run's entities and with
	// its model, instead of re-linking everything. Datasets may be left
	// empty to take the parent's.
	Incremental bool
	// From names the parent run (0: the latest). A full run takes its
	// entity ids from it (or from the latest run) by largest overlap.
	From int64
}

// Result is a stored run with the engine's result and its evaluation.
type Result struct {
	Run        *LinkageRun
	Link       *link.Result
	Config     link.Config
	Records    int
	Entities   int
	Evaluation *Evaluation
	// Incremental says what an incremental run re-linked (nil for a full
	// run).
	Incremental *IncrementalReport
	// Labels is the number of clerical decisions (match or non-match) the
	// run used; Carried how many entity ids it took from the parent run.
	Labels, Carried int
}

// Evaluation is a run measured against the truth.
type Evaluation struct {
	// Pairs scores the matched pairs (in an incremental run, the pairs
	// its entities imply).
	Pairs    eval.PairReport    `json:"pairs"`
	Clusters eval.ClusterReport `json:"clusters"`
	// Implied scores every pair of records that share an entity, so full
	// and incremental runs compare like with like.
	Implied eval.PairReport `json:"implied_pairs"`
}

// Run links req.Datasets for user u: fully, or incrementally (see
// [Request.Incremental]). Clerical decisions on the datasets' records are
// used as labels. The caller records the run in the audit log
// ([Service.Run] does).
func Run(ctx context.Context, st Store, az govern.Authorizer, u *govern.User, req Request, opt link.Options) (*Result, error) {
	var parent *LinkageRun
	if req.Incremental {
		var err error
		if parent, err = st.LinkageRun(ctx, req.From); err != nil {
			return nil, err
		}
		if len(req.Datasets) == 0 {
			for _, d := range parent.Datasets {
				req.Datasets = append(req.Datasets, d.DatasetID)
			}
		}
		if req.Config != nil {
			return nil, fault.FieldErrorf(fault.Invalid, "config", "an incremental run reuses its parent run's config and model: give no config, or run a full linkage")
		}
	}
	if len(req.Datasets) == 0 {
		return nil, fault.FieldErrorf(fault.Invalid, "datasets", "name the datasets to link, e.g. a,b,c")
	}
	inputs, err := loadInputs(ctx, st, req.Datasets)
	if err != nil {
		return nil, err
	}
	if _, err := az.Authorize(ctx, u, govern.Request{Operation: OpRun, Purpose: req.Purpose, Output: govern.Aggregate, Reads: reads(inputs), Linkage: true}); err != nil {
		return nil, err
	}
	datasets, fps, err := readRecords(ctx, st, inputs)
	if err != nil {
		return nil, err
	}
	labels, err := st.Labels(ctx, req.Datasets)
	if err != nil {
		return nil, err
	}
	opt.Labels = append(opt.Labels, linkLabels(labels)...)
	if opt.Truth == nil && req.Truth != nil {
		t := req.Truth
		opt.Truth = func(ds string, r *link.Record) string { return t[link.RecordRef{Dataset: ds, ID: r.ID}] }
	}
	// The records are held column by column, fingerprinted as they were
	// read, so the engine may drop their values once it has its own.
	opt.ReleaseValues = true
	j := &job{st: st, u: u, req: req, inputs: inputs, datasets: datasets, fps: fps, labels: len(opt.Labels), decisions: labels}
	if parent != nil {
		return j.incremental(ctx, parent, opt)
	}
	return j.full(ctx, opt)
}

// reads are the governance reads of linking inputs: each dataset's record
// id and identifier columns.
func reads(inputs []input) []govern.Read {
	var out []govern.Read
	for _, in := range inputs {
		out = append(out, govern.Read{Dataset: in.dataset.ID, Columns: append([]string{in.idColumn}, in.fields...)})
	}
	return out
}

// input is one dataset to link: its latest version and identifier columns.
type input struct {
	dataset  *catalog.Dataset
	version  *catalog.Version
	idColumn string
	fields   []string
}

func loadInputs(ctx context.Context, st Store, ids []string) ([]input, error) {
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
// share one field list (a field a dataset lacks is empty), column by
// column ([link.Columns]: 4 bytes a value, each distinct value once), as
// the rows stream from the store, and returns each record's fingerprint
// (see [fingerprints]) in the same order.
func readRecords(ctx context.Context, st Store, inputs []input) ([]link.Dataset, []int64, error) {
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
	var fps []int64
	base := fingerprintBase(fields)
	for _, in := range inputs {
		cols := link.NewColumns(len(fields))
		err := st.IdentifierRows(ctx, in.version, in.idColumn, fields, func(r []string) error {
			fps = append(fps, fingerprint(base, r[1:]))
			return cols.Append(r[0], r[1:])
		})
		if err != nil {
			return nil, nil, err
		}
		cols.Done()
		out = append(out, link.Dataset{Name: in.dataset.ID, Fields: fields, Columns: cols})
	}
	return out, fps, nil
}

// DefaultConfig is the model for the identifiers present: Dice similarity
// bands on each per-field Bloom filter, exact agreement on the NHS-number
// token, and [DefaultBlocking].
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
			cfg.Comparisons = append(cfg.Comparisons, link.ComparisonSpec{Name: strings.TrimPrefix(f, "bf_"), Field: f, Kind: "dice", Raw: true, Bits: filterBits(datasets, f), Thresholds: th,
				TF: f == "bf_forename" || f == "bf_surname"}) // an exact level, worth less on a common name
		case f == "tok_nhs":
			cfg.Comparisons = append(cfg.Comparisons, link.ComparisonSpec{Name: "nhs_number", Field: f, Kind: "exact", Raw: true})
		}
	}
	cfg.Blocking = DefaultBlocking(datasets[0].Fields)
	return cfg
}

// filterBits finds a Bloom-filter field's length from its first value.
func filterBits(datasets []link.Dataset, field string) int {
	for _, d := range datasets {
		i := sort.SearchStrings(d.Fields, field)
		for r := range d.Len() {
			if v := d.Value(r, i); v != "" {
				if b, err := base64.StdEncoding.DecodeString(v); err == nil {
					return 8 * len(b)
				}
			}
		}
	}
	return 0
}

func evaluate(truth eval.Truth, res *link.Result, clusters map[eval.Ref]string, within bool) *Evaluation {
	refs := make([]eval.Ref, 0, len(clusters))
	for r := range clusters {
		refs = append(refs, r)
	}
	sort.Slice(refs, func(i, j int) bool {
		return refs[i].Dataset < refs[j].Dataset || refs[i].Dataset == refs[j].Dataset && refs[i].ID < refs[j].ID
	})
	implied := eval.Pairs(truth, refs, impliedPairs(refs, clusters, within), within)
	return &Evaluation{Pairs: eval.Pairs(truth, refs, res.MatchedPairs(), within), Clusters: eval.Clusters(truth, clusters), Implied: implied}
}

// impliedPairs lists every pair of records that share an entity (across
// datasets only unless within).
func impliedPairs(refs []eval.Ref, clusters map[eval.Ref]string, within bool) [][2]eval.Ref {
	members := map[string][]eval.Ref{}
	for _, r := range refs {
		members[clusters[r]] = append(members[clusters[r]], r)
	}
	var out [][2]eval.Ref
	for _, ms := range members {
		for i, a := range ms {
			for _, b := range ms[i+1:] {
				if within || a.Dataset != b.Dataset {
					out = append(out, [2]eval.Ref{a, b})
				}
			}
		}
	}
	return out
}
