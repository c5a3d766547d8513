package demo

import (
	"encoding/csv"
	"errors"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/link"
)

// benchTruth is each record's true person, as a small integer, in the
// order the engine numbers records (datasets in order, then rows); -1
// when the truth does not label it.
type benchTruth struct {
	entity []int32
	index  map[string]map[string]int32 // dataset → record id → position
}

// readTruth reads truth.csv for the records of ds.
func readTruth(path string, ds []link.Dataset) (*benchTruth, error) {
	t := &benchTruth{index: map[string]map[string]int32{}}
	for _, d := range ds {
		m := make(map[string]int32, len(d.Records))
		for _, r := range d.Records {
			m[r.ID] = int32(len(t.entity))
			t.entity = append(t.entity, -1)
		}
		t.index[d.Name] = m
	}
	people := map[string]int32{}
	err := csvTruth(path, func(dataset, id, person string) {
		i, ok := t.index[dataset][id]
		if !ok || person == "" {
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

func csvTruth(path string, row func(dataset, id, person string)) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	cr := csv.NewReader(f)
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err != nil {
		return fault.Errorf(fault.Invalid, "%s: %v", path, err)
	}
	di, ri, pi := slices.Index(head, "dataset"), slices.Index(head, "record_id"), slices.Index(head, "person_id")
	if di < 0 || ri < 0 || pi < 0 {
		return fault.Errorf(fault.Invalid, "%s needs columns dataset, record_id, person_id", path)
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fault.Errorf(fault.Invalid, "%s: %v", path, err)
		}
		row(rec[di], rec[ri], rec[pi])
	}
}

// of returns a record's person as text, "" when unlabelled.
func (t *benchTruth) of(dataset, id string) string {
	i, ok := t.index[dataset][id]
	if !ok || t.entity[i] < 0 {
		return ""
	}
	return strconv.Itoa(int(t.entity[i]))
}

// score sets r's pairwise precision, recall and F1 over the labelled
// records, within and across datasets (as [eval.Pairs] with within).
func (t *benchTruth) score(res *link.Result, r *LinkBenchRun) {
	var tp, fp int
	for _, k := range res.Matched {
		p := res.Pairs[k]
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
