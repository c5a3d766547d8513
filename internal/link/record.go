// Package link finds the records that belong to the same person, within
// one dataset or across several, with the Fellegi–Sunter model.
//
// A run goes: blocking (several rules unioned, with a cap on block size)
// proposes candidate pairs; comparisons give each pair an integer-coded
// comparison vector (one level per comparison, packed in a uint64); u
// probabilities come from randomly sampled pairs, m probabilities and the
// prior λ from expectation maximisation over the candidate pairs (or from
// labels); each pair gets a match weight and probability, with
// term-frequency adjustments for common values; pairs above a threshold
// are clustered with guards against chaining. Every pair's weight can be
// explained comparison by comparison.
//
// The package never reads files or the store: callers hand it [Dataset]
// values. Plain values and encoded identifiers (keyed tokens, per-field
// Bloom filters) are compared through the same [Comparer] interface.
package link

import (
	"strings"
	"sync/atomic"
	"unicode"

	"github.com/civiclink/civiclink/internal/fault"
)

// Record is one row to link: its id, unique within its dataset, and its
// values in the order of the dataset's Fields. An empty value is missing.
type Record struct {
	ID     string
	Values []string
}

// Dataset is a named set of records with the same fields, given row by
// row (Records) or, far more compactly for millions of records, column by
// column (Columns, built with [NewColumns]; Records is then unused).
type Dataset struct {
	Name    string
	Fields  []string
	Records []Record
	Columns *Columns
}

// Column holds one compared quantity (a field, or several fields joined)
// for every record of a run, dictionary-coded: Codes[i] is record i's
// value as an index into Values, 0 meaning missing, and Counts[c] is how
// many records hold value c. Comparers work on codes so equal values
// compare once and exact agreement is an integer test. (With
// [Options.ReleaseValues], Values of columns compared by codes are
// dropped once candidates are compared.)
type Column struct {
	Codes   []int32
	Values  []string
	Counts  []int32
	NonNull int
}

// Freq returns the share of non-missing records that hold value code c.
func (c *Column) Freq(code int32) float64 {
	if c.NonNull == 0 || code <= 0 {
		return 0
	}
	return float64(c.Counts[code]) / float64(c.NonNull)
}

// table is the records of a run, numbered 0..n-1 across datasets.
type table struct {
	datasets []Dataset
	source   []uint8 // dataset index of each record (at most 64)
	base     []int32 // first record of each dataset
	fieldIdx []map[string]int
	columns  map[string]*Column
}

func newTable(datasets []Dataset) (*table, error) {
	if len(datasets) == 0 {
		return nil, fault.Errorf(fault.Invalid, "nothing to link: give at least one dataset")
	}
	if len(datasets) > 64 {
		return nil, fault.Errorf(fault.Invalid, "%d datasets given: link at most 64 at once", len(datasets))
	}
	t := &table{datasets: datasets, columns: map[string]*Column{}}
	seen := map[string]bool{}
	n := 0
	for _, ds := range datasets {
		if seen[ds.Name] {
			return nil, fault.Errorf(fault.Invalid, "two datasets are named %q: give each a distinct name", ds.Name)
		}
		seen[ds.Name] = true
		idx := map[string]int{}
		for i, f := range ds.Fields {
			idx[f] = i
		}
		t.fieldIdx = append(t.fieldIdx, idx)
		if ds.Columns != nil && ds.Columns.released {
			return nil, fault.Errorf(fault.Invalid, "dataset %s: its values were released by an earlier linkage (ReleaseValues): read it again", ds.Name)
		}
		if ds.Columns != nil && len(ds.Columns.codes) != len(ds.Fields) {
			return nil, fault.Errorf(fault.Invalid, "dataset %s has columns for %d fields but names %d", ds.Name, len(ds.Columns.codes), len(ds.Fields))
		}
		for _, rec := range ds.Records {
			if ds.Columns == nil && len(rec.Values) != len(ds.Fields) {
				return nil, fault.Errorf(fault.Invalid, "dataset %s record %s has %d values for %d fields", ds.Name, rec.ID, len(rec.Values), len(ds.Fields))
			}
		}
		n += ds.Len()
	}
	if n >= 1<<31-1 {
		return nil, fault.Errorf(fault.Invalid, "too many records (%d) for one run: split by a blocking key", n)
	}
	t.source = make([]uint8, 0, n)
	for d := range datasets {
		t.base = append(t.base, int32(len(t.source)))
		for range datasets[d].Len() {
			t.source = append(t.source, uint8(d))
		}
	}
	return t, nil
}

func (t *table) len() int { return len(t.source) }

// row returns record i's row within its dataset.
func (t *table) row(i int) int { return i - int(t.base[t.source[i]]) }

// record returns record i: the dataset's own for rows, else scratch
// filled with its id and values (valid until scratch is reused).
func (t *table) record(i int, scratch *Record) *Record {
	ds := &t.datasets[t.source[i]]
	if ds.Columns == nil {
		return &ds.Records[t.row(i)]
	}
	r := t.row(i)
	scratch.ID = ds.Columns.ID(r)
	scratch.Values = scratch.Values[:0]
	for f := range ds.Fields {
		scratch.Values = append(scratch.Values, ds.Columns.Value(r, f))
	}
	return scratch
}

// id returns record i's dataset name and id.
func (t *table) id(i int) (string, string) {
	ds := &t.datasets[t.source[i]]
	return ds.Name, ds.ID(t.row(i))
}

// checkField reports an error naming every dataset that lacks field f.
func (t *table) checkField(f string) error {
	for d, ds := range t.datasets {
		if _, ok := t.fieldIdx[d][f]; !ok {
			return fault.Errorf(fault.Invalid, "dataset %s has no field %q (it has %s): fix the config or the file's header", ds.Name, f, strings.Join(ds.Fields, ", "))
		}
	}
	return nil
}

// value returns record i's value of the given fields, joined by a space,
// normalised unless raw.
func (t *table) value(i int, fields []string, raw bool) string {
	d := t.source[i]
	ds, r := &t.datasets[d], t.row(i)
	if len(fields) == 1 {
		v := ds.Value(r, t.fieldIdx[d][fields[0]])
		if raw {
			return strings.TrimSpace(v)
		}
		return Normalise(v)
	}
	parts := make([]string, 0, len(fields))
	for _, f := range fields {
		v := ds.Value(r, t.fieldIdx[d][f])
		if !raw {
			v = Normalise(v)
		}
		if v = strings.TrimSpace(v); v != "" {
			parts = append(parts, v)
		}
	}
	return strings.Join(parts, " ")
}

func columnKey(fields []string, raw bool) string {
	key := strings.Join(fields, "\x1f")
	if raw {
		key += "\x1fraw"
	}
	return key
}

// buildColumns builds the columns of the given field lists (raw as
// given, plain when raw is nil) in parallel, one goroutine per column.
func (e *engine) buildColumns(fields [][]string, raw []bool) error {
	type want struct {
		fields []string
		raw    bool
	}
	var todo []want
	seen := map[string]bool{}
	for i, fs := range fields {
		w := want{fs, raw != nil && raw[i]}
		key := columnKey(fs, w.raw)
		if _, ok := e.t.columns[key]; ok || seen[key] {
			continue
		}
		for _, f := range fs {
			if err := e.t.checkField(f); err != nil {
				return err
			}
		}
		seen[key] = true
		todo = append(todo, w)
	}
	cols := make([]*Column, len(todo))
	var done atomic.Int64
	parallelFor(len(todo), e.workers, func(i int) {
		cols[i] = e.t.buildColumn(todo[i].fields, todo[i].raw)
		e.progress("columns", int(done.Add(1)), len(todo))
	})
	for i, w := range todo {
		e.t.columns[columnKey(w.fields, w.raw)] = cols[i]
	}
	return nil
}

// column returns the dictionary-coded column of the given fields, building
// it on first use.
func (t *table) column(fields []string, raw bool) (*Column, error) {
	key := columnKey(fields, raw)
	if c, ok := t.columns[key]; ok {
		return c, nil
	}
	for _, f := range fields {
		if err := t.checkField(f); err != nil {
			return nil, err
		}
	}
	c := t.buildColumn(fields, raw)
	t.columns[key] = c
	return c, nil
}

// buildColumn codes the values of the given fields. It only reads the
// table, so columns can be built side by side.
func (t *table) buildColumn(fields []string, raw bool) *Column {
	if len(fields) == 1 && t.columnar() {
		return t.recodeColumn(fields[0], raw)
	}
	c := &Column{Codes: make([]int32, t.len()), Values: []string{""}, Counts: []int32{0}}
	dict := make(map[string]int32, t.distinctEstimate(fields, raw))
	for i := range c.Codes {
		v := t.value(i, fields, raw)
		if v == "" {
			continue
		}
		code := c.code(dict, v)
		c.Codes[i] = code
		c.Counts[code]++
		c.NonNull++
	}
	return c
}

// code returns value v's code, adding v to the column's values (with
// dict, the codes so far) when it is new.
func (c *Column) code(dict map[string]int32, v string) int32 {
	code, ok := dict[v]
	if !ok {
		code = int32(len(c.Values))
		dict[v] = code
		c.Values = append(c.Values, v)
		c.Counts = append(c.Counts, 0)
	}
	return code
}

// columnar reports whether every dataset is given as [Columns].
func (t *table) columnar() bool {
	for _, ds := range t.datasets {
		if ds.Columns == nil {
			return false
		}
	}
	return true
}

// recodeColumn builds the column of one field from datasets given as
// columns: each dataset's distinct values are normalised and coded once,
// then every record's code is a table lookup. Codes come out as
// buildColumn's would (in order of first appearance).
func (t *table) recodeColumn(field string, raw bool) *Column {
	c := &Column{Codes: make([]int32, t.len()), Values: []string{""}, Counts: []int32{0}}
	dict := map[string]int32{}
	base := 0
	for d := range t.datasets {
		cols := t.datasets[d].Columns
		f := t.fieldIdx[d][field]
		remap := make([]int32, len(cols.values[f]))
		for k, v := range cols.values[f][1:] {
			if raw {
				v = strings.TrimSpace(v)
			} else {
				v = Normalise(v)
			}
			if v == "" {
				continue
			}
			remap[k+1] = c.code(dict, v)
		}
		codes := c.Codes[base : base+cols.Len()]
		for r, lc := range cols.codes[f] {
			if code := remap[lc]; code != 0 {
				codes[r] = code
				c.Counts[code]++
				c.NonNull++
			}
		}
		base += cols.Len()
	}
	return c
}

// distinctEstimate guesses how many distinct values a column has from its
// first records, so its dictionary is sized once instead of regrown.
func (t *table) distinctEstimate(fields []string, raw bool) int {
	n := t.len()
	sample := min(n, 2000)
	seen := make(map[string]bool, sample)
	for i := range sample {
		seen[t.value(i, fields, raw)] = true
	}
	if sample == 0 {
		return 0
	}
	return len(seen) * n / sample
}

// Normalise prepares a plain value for comparison: lower case, surrounding
// space removed, runs of space inside collapsed to one.
func Normalise(s string) string {
	s = strings.TrimSpace(s)
	clean := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 || c < ' ' || (c >= 'A' && c <= 'Z') || (c == ' ' && i > 0 && s[i-1] == ' ') {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	return strings.Join(strings.FieldsFunc(strings.ToLower(s), unicode.IsSpace), " ")
}
