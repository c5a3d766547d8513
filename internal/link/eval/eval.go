// Package eval measures a linkage against the truth: pairwise precision,
// recall and F1 (overall and per pair of datasets) and cluster quality
// (pairwise over clusters and B-cubed). Truth comes from record ids (as
// FEBRL writes them), a column of entity ids, or a truth file of
// (dataset, record_id, person_id).
package eval

import (
	"cmp"
	"io"
	"regexp"
	"slices"

	"github.com/civiclink/civiclink/internal/csvhead"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/link"
)

// Ref names a record by dataset and id.
type Ref = link.RecordRef

// Truth maps each labelled record to its true entity.
type Truth map[Ref]string

// FEBRL is the pattern of FEBRL record ids, rec-<entity>-org or
// rec-<entity>-dup-<k>.
var FEBRL = regexp.MustCompile(`^rec-(\d+)-`)

// FromIDs labels records by the first submatch of re on their id; records
// it does not match stay unlabelled.
func FromIDs(re *regexp.Regexp, refs []Ref) (Truth, error) {
	if re.NumSubexp() < 1 {
		return nil, fault.Errorf(fault.Invalid, "truth pattern %s needs a group, e.g. ^rec-(\\d+)-, whose text is the entity", re)
	}
	t := Truth{}
	for _, r := range refs {
		if m := re.FindStringSubmatch(r.ID); m != nil {
			t[r] = m[1]
		}
	}
	return t, nil
}

// ReadTruth reads a truth CSV with columns dataset, record_id, person_id
// (a header row naming them, in any order; dataset may be left out).
func ReadTruth(r io.Reader) (Truth, error) {
	cr, err := csvhead.New(r, csvhead.Options{})
	if err != nil {
		return nil, fault.Errorf(fault.Invalid, "truth file: %v", err)
	}
	if len(cr.Missing("record_id", "person_id")) > 0 {
		return nil, fault.Errorf(fault.Invalid, "truth file header %v needs columns dataset, record_id, person_id", cr.Header())
	}
	t := Truth{}
	for cr.Next() {
		t[Ref{Dataset: cr.Get("dataset"), ID: cr.Get("record_id")}] = cr.Get("person_id")
	}
	if err := cr.Err(); err != nil {
		return nil, fault.Errorf(fault.Invalid, "truth file line %d: %v", cr.Line(), err)
	}
	return t, nil
}

// Of returns ref's entity, "" when unlabelled. A truth file without
// datasets (dataset "") labels ids in every dataset.
func (t Truth) Of(ref Ref) string {
	if e, ok := t[ref]; ok {
		return e
	}
	return t[Ref{ID: ref.ID}]
}

// Metrics are counts of true positives, false positives and false
// negatives, and the precision, recall and F1 they give.
type Metrics struct {
	TP        int     `json:"tp"`
	FP        int     `json:"fp"`
	FN        int     `json:"fn"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
}

func (m *Metrics) finish() {
	if m.TP+m.FP > 0 {
		m.Precision = float64(m.TP) / float64(m.TP+m.FP)
	}
	if m.TP+m.FN > 0 {
		m.Recall = float64(m.TP) / float64(m.TP+m.FN)
	}
	if m.Precision+m.Recall > 0 {
		m.F1 = 2 * m.Precision * m.Recall / (m.Precision + m.Recall)
	}
}

// DatasetPair is pairwise quality for the pairs between two datasets (the
// same name twice for pairs within one).
type DatasetPair struct {
	Left  string `json:"left"`
	Right string `json:"right"`
	Metrics
}

// PairReport is pairwise quality overall and per pair of datasets.
type PairReport struct {
	Metrics
	ByDatasets []DatasetPair `json:"by_datasets"`
}

// Pairs scores predicted matching pairs against the truth over the
// records the truth labels. The pair space is pairs across datasets, plus
// pairs within a dataset when within is true (always for one dataset).
// Predicted pairs with an unlabelled record, or outside the pair space,
// are ignored.
func Pairs(t Truth, refs []Ref, predicted [][2]Ref, within bool) PairReport {
	key := func(a, b string) [2]string {
		if b < a {
			a, b = b, a
		}
		return [2]string{a, b}
	}
	datasets := map[string]bool{}
	for _, r := range refs {
		datasets[r.Dataset] = true
	}
	within = within || len(datasets) <= 1
	by := map[[2]string]*Metrics{}
	get := func(k [2]string) *Metrics {
		if by[k] == nil {
			by[k] = &Metrics{}
		}
		return by[k]
	}
	seen := map[[2]Ref]bool{}
	for _, p := range predicted {
		a, b := p[0], p[1]
		if cmp.Or(cmp.Compare(a.Dataset, b.Dataset), cmp.Compare(a.ID, b.ID)) > 0 {
			a, b = b, a
		}
		ea, eb := t.Of(a), t.Of(b)
		if ea == "" || eb == "" || seen[[2]Ref{a, b}] || a == b || (a.Dataset == b.Dataset && !within) {
			continue
		}
		seen[[2]Ref{a, b}] = true
		m := get(key(a.Dataset, b.Dataset))
		if ea == eb {
			m.TP++
		} else {
			m.FP++
		}
	}
	groups := map[string][]Ref{}
	for _, r := range refs {
		if e := t.Of(r); e != "" {
			groups[e] = append(groups[e], r)
		}
	}
	for _, g := range groups {
		for i, a := range g {
			for _, b := range g[i+1:] {
				if a.Dataset == b.Dataset && !within {
					continue
				}
				get(key(a.Dataset, b.Dataset)).FN++
			}
		}
	}
	var rep PairReport
	keys := make([][2]string, 0, len(by))
	for k := range by {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(x, y [2]string) int { return cmp.Or(cmp.Compare(x[0], y[0]), cmp.Compare(x[1], y[1])) })
	for _, k := range keys {
		m := by[k]
		m.FN = max(m.FN-m.TP, 0) // FN held all true pairs until now
		m.finish()
		rep.TP, rep.FP, rep.FN = rep.TP+m.TP, rep.FP+m.FP, rep.FN+m.FN
		rep.ByDatasets = append(rep.ByDatasets, DatasetPair{Left: k[0], Right: k[1], Metrics: *m})
	}
	rep.finish()
	return rep
}

// ClusterReport is the quality of a clustering: the pairs it implies,
// scored as [Pairs] does over all pairs, and B-cubed precision and recall
// (per record, the share of its cluster that is truly its entity, and of
// its entity that is in its cluster, averaged over records).
type ClusterReport struct {
	Pairwise        Metrics `json:"pairwise"`
	BCubedPrecision float64 `json:"bcubed_precision"`
	BCubedRecall    float64 `json:"bcubed_recall"`
	BCubedF1        float64 `json:"bcubed_f1"`
	Records         int     `json:"records"`
	Clusters        int     `json:"clusters"`
	Entities        int     `json:"entities"`
}

// Clusters scores a clustering (record → cluster id) over the labelled
// records it covers.
func Clusters(t Truth, clusters map[Ref]string) ClusterReport {
	cell := map[[2]string]int{}
	csize, esize := map[string]int{}, map[string]int{}
	type rc struct{ c, e string }
	var recs []rc
	for r, c := range clusters {
		e := t.Of(r)
		if e == "" {
			continue
		}
		cell[[2]string{c, e}]++
		csize[c]++
		esize[e]++
		recs = append(recs, rc{c, e})
	}
	rep := ClusterReport{Records: len(recs), Clusters: len(csize), Entities: len(esize)}
	if len(recs) == 0 {
		return rep
	}
	c2 := func(n int) int { return n * (n - 1) / 2 }
	tp, pred, truth := 0, 0, 0
	for _, n := range cell {
		tp += c2(n)
	}
	for _, n := range csize {
		pred += c2(n)
	}
	for _, n := range esize {
		truth += c2(n)
	}
	rep.Pairwise = Metrics{TP: tp, FP: pred - tp, FN: truth - tp}
	rep.Pairwise.finish()
	var p, r float64
	for _, x := range recs {
		n := float64(cell[[2]string{x.c, x.e}])
		p += n / float64(csize[x.c])
		r += n / float64(esize[x.e])
	}
	rep.BCubedPrecision, rep.BCubedRecall = p/float64(len(recs)), r/float64(len(recs))
	if s := rep.BCubedPrecision + rep.BCubedRecall; s > 0 {
		rep.BCubedF1 = 2 * rep.BCubedPrecision * rep.BCubedRecall / s
	}
	return rep
}
