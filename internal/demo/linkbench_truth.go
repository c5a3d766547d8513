package demo

import (
	"math/bits"
	"os"
	"strconv"
	"strings"

	"github.com/civiclink/civiclink/internal/csvhead"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/link"
)

// benchTruth is each record's true person, as a small integer, in the
// order the engine numbers records (datasets in order, then rows); -1
// when the truth does not label it.
type benchTruth struct {
	entity []int32
	ds     []link.Dataset
	base   []int32        // first record number of each dataset
	byName map[string]int // dataset name → index in ds
	// slots is an open-addressing hash table of record numbers + 1 (0 is
	// empty) keyed by dataset and id: 8 bytes a record, where a map from
	// id strings would cost tens.
	slots []int32
}

// readTruth reads truth.csv for the records of ds.
func readTruth(path string, ds []link.Dataset) (*benchTruth, error) {
	t := &benchTruth{ds: ds, byName: map[string]int{}}
	n := int32(0)
	for d := range ds {
		t.byName[ds[d].Name] = d
		t.base = append(t.base, n)
		n += int32(ds[d].Len())
	}
	t.slots = make([]int32, 1<<bits.Len(uint(n+n/4))) // at most 80% full
	mask := uint64(len(t.slots) - 1)
	for d := range ds {
		for r := range ds[d].Len() {
			s := idHash(d, ds[d].ID(r)) & mask
			for t.slots[s] != 0 {
				s = (s + 1) & mask
			}
			t.slots[s] = t.base[d] + int32(r) + 1
		}
	}
	t.entity = make([]int32, n)
	for i := range t.entity {
		t.entity[i] = -1
	}
	people := map[string]int32{}
	err := csvTruth(path, func(dataset, id, person string) {
		i := t.index(dataset, id)
		if i < 0 || person == "" {
			return
		}
		p, ok := people[person]
		if !ok {
			p = int32(len(people))
			people[strings.Clone(person)] = p
		}
		t.entity[i] = p
	})
	return t, err
}

// idHash hashes a dataset number and record id (FNV-1a).
func idHash(d int, id string) uint64 {
	h := uint64(14695981039346656037) ^ uint64(d)
	for i := 0; i < len(id); i++ {
		h ^= uint64(id[i])
		h *= 1099511628211
	}
	return h ^ h>>29
}

// index returns the record number of a dataset's record, -1 when absent.
func (t *benchTruth) index(dataset, id string) int32 {
	d, ok := t.byName[dataset]
	if !ok {
		return -1
	}
	mask := uint64(len(t.slots) - 1)
	for s := idHash(d, id) & mask; t.slots[s] != 0; s = (s + 1) & mask {
		i := t.slots[s] - 1
		if i >= t.base[d] && (d+1 == len(t.base) || i < t.base[d+1]) && t.ds[d].ID(int(i-t.base[d])) == id {
			return i
		}
	}
	return -1
}

func csvTruth(path string, row func(dataset, id, person string)) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	cr, err := csvhead.New(f, csvhead.Options{})
	if err != nil {
		return fault.Errorf(fault.Invalid, "%s: %v", path, err)
	}
	if len(cr.Missing("dataset", "record_id", "person_id")) > 0 {
		return fault.Errorf(fault.Invalid, "%s needs columns dataset, record_id, person_id", path)
	}
	di, ri, pi := cr.Index("dataset"), cr.Index("record_id"), cr.Index("person_id")
	for cr.Next() {
		row(cr.Field(di), cr.Field(ri), cr.Field(pi))
	}
	if err := cr.Err(); err != nil {
		return fault.Errorf(fault.Invalid, "%s: %v", path, err)
	}
	return nil
}

// of returns a record's person as text, "" when unlabelled.
func (t *benchTruth) of(dataset, id string) string {
	i := t.index(dataset, id)
	if i < 0 || t.entity[i] < 0 {
		return ""
	}
	return strconv.Itoa(int(t.entity[i]))
}

// score sets r's pairwise precision, recall and F1 over the labelled
// records, within and across datasets (as [eval.Pairs] with within).
func (t *benchTruth) score(res *link.Result, r *LinkBenchRun) {
	var tp, fp int
	for _, k := range res.Matched {
		p := res.Pairs.At(int(k))
		a, b := t.entity[p.A], t.entity[p.B]
		switch {
		case a < 0 || b < 0:
		case a == b:
			tp++
		default:
			fp++
		}
	}
	size := map[int32]int{}
	for _, e := range t.entity {
		if e >= 0 {
			size[e]++
		}
	}
	total := 0
	for _, n := range size {
		total += n * (n - 1) / 2
	}
	if tp+fp > 0 {
		r.Precision = float64(tp) / float64(tp+fp)
	}
	if total > 0 {
		r.Recall = float64(tp) / float64(total)
	}
	if r.Precision+r.Recall > 0 {
		r.F1 = 2 * r.Precision * r.Recall / (r.Precision + r.Recall)
	}
}
