package link

import (
	"context"
	"strings"
	"testing"
)

func TestClusterConstraints(t *testing.T) {
	// Records r0..r4. Matched pairs, strongest first: 0~1, 1~2, 3~4, 2~3.
	pairs := []Pair{{A: 0, B: 1}, {A: 1, B: 2}, {A: 3, B: 4}, {A: 2, B: 3}}
	weights := []float64{10, 9, 8, 7}
	ref := func(i int) RecordRef { return RecordRef{Dataset: "r", ID: "r" + string(rune('a'+i))} }
	tests := []struct {
		name     string
		existing []string // per record; "" to link
		labels   []Label
		together [][2]int
		apart    [][2]int
		refused  int
	}{
		{name: "no constraints: one chain", together: [][2]int{{0, 4}}},
		{name: "non-match label splits the chain", labels: []Label{{ref(0), ref(3), false}},
			together: [][2]int{{0, 2}, {3, 4}}, apart: [][2]int{{0, 3}, {2, 3}}, refused: 1},
		{name: "match label joins unmatched records", labels: []Label{{ref(0), ref(4), true}, {ref(1), ref(2), false}},
			together: [][2]int{{0, 4}, {0, 1}, {3, 4}}, apart: [][2]int{{1, 2}}, refused: 2},
		{name: "existing entities are never merged", existing: []string{"A", "A", "", "B", ""},
			together: [][2]int{{0, 2}, {3, 4}}, apart: [][2]int{{2, 3}}, refused: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := testEngine(t, Config{}, ids("r", 5))
			opt := Options{Labels: tt.labels}
			if tt.existing != nil {
				opt.Existing = func(_ string, r *Record) string { return tt.existing[r.ID[1]-'a'] }
			}
			e.prepare(opt)
			names, rep := e.cluster(pairsFrom(pairs), weights, []int32{0, 1, 2, 3})
			for _, p := range tt.together {
				if names[p[0]] != names[p[1]] {
					t.Errorf("records %d and %d apart, want together", p[0], p[1])
				}
			}
			for _, p := range tt.apart {
				if names[p[0]] == names[p[1]] {
					t.Errorf("records %d and %d together, want apart", p[0], p[1])
				}
			}
			if rep.RefusedApart != tt.refused {
				t.Errorf("refused apart = %d, want %d", rep.RefusedApart, tt.refused)
			}
		})
	}
}

func TestLinkWithModelExistingAndLabels(t *testing.T) {
	people := Dataset{Name: "p", Fields: []string{"name", "dob"}}
	for i, v := range [][2]string{{"ann", "1990-01-01"}, {"bob", "1985-02-03"}, {"cat", "1970-05-06"}, {"dan", "2001-07-08"}, {"eve", "1999-09-09"}, {"fay", "1960-10-11"}} {
		people.Records = append(people.Records, Record{ID: "p" + string(rune('0'+i)), Values: v[:]})
	}
	visits := Dataset{Name: "v", Fields: people.Fields, Records: []Record{
		{ID: "v0", Values: []string{"ann", "1990-01-01"}},
		{ID: "v1", Values: []string{"bob", "1985-02-03"}},
		{ID: "v2", Values: []string{"cat", "1970-05-06"}},
		{ID: "v3", Values: []string{"dan", "2001-07-08"}},
		{ID: "v4", Values: []string{"gus", "2001-07-08"}},
	}}
	cfg := Config{
		Comparisons: []ComparisonSpec{{Field: "name", Kind: "exact"}, {Field: "dob", Kind: "exact"}},
		Blocking:    []BlockingRule{{Keys: []KeyPart{{Field: "dob"}}}},
		Threshold:   0.5,
	}
	ctx := context.Background()
	first, err := Link(ctx, []Dataset{people, visits}, cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Incremental: v3 and v4 are new, the rest keep entities E<n>; a
	// reviewer says v4 (another name, same dob as dan) is dan after all.
	existing := func(ds string, r *Record) string {
		if ds == "v" && (r.ID == "v3" || r.ID == "v4") {
			return ""
		}
		return "E" + r.ID[1:]
	}
	labels := []Label{{Left: RecordRef{"p", "p3"}, Right: RecordRef{"v", "v4"}, Match: true}}
	res, err := Link(ctx, []Dataset{people, visits}, cfg, Options{Model: first.Model, Existing: existing, Labels: labels})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range res.Pairs.All() {
		if res.Ref(int(p.A)).Dataset == "p" && res.Ref(int(p.B)).ID != "v3" && res.Ref(int(p.B)).ID != "v4" {
			t.Errorf("incremental run compared %v with %v, neither new", res.Ref(int(p.A)), res.Ref(int(p.B)))
		}
	}
	if res.Pairs.Len() == 0 || res.Model.Lambda != first.Model.Lambda || !strings.HasSuffix(res.Model.MFrom, "+labels") {
		t.Errorf("%d pairs, λ %v (first %v), m from %q: want pairs of new records, the first run's λ and m from labels", res.Pairs.Len(), res.Model.Lambda, first.Model.Lambda, res.Model.MFrom)
	}
	cluster := map[string]RecordRef{}
	for i := range res.Records() {
		cluster[res.Ref(i).ID] = res.ClusterOf(i)
	}
	if cluster["v3"] != cluster["p3"] || cluster["v4"] != cluster["p3"] || cluster["v0"] != cluster["p0"] {
		t.Errorf("clusters %v: want v3 and v4 with p3, v0 with p0", cluster)
	}
	bad := *first.Model
	bad.Comparisons = bad.Comparisons[:1]
	if _, err := Link(ctx, []Dataset{people, visits}, cfg, Options{Model: &bad}); err == nil {
		t.Error("a model with the wrong comparisons was accepted")
	}
}

func TestLabelsDoNotCompound(t *testing.T) {
	people := Dataset{Name: "p", Fields: []string{"name", "dob"}, Records: []Record{
		{ID: "p0", Values: []string{"ann", "1990-01-01"}}, {ID: "p1", Values: []string{"bob", "1985-02-03"}},
		{ID: "p2", Values: []string{"cat", "1970-05-06"}}, {ID: "p3", Values: []string{"dan", "2001-07-08"}}}}
	visits := Dataset{Name: "v", Fields: people.Fields, Records: []Record{
		{ID: "v0", Values: []string{"ann", "1990-01-01"}}, {ID: "v1", Values: []string{"bob", "1985-02-03"}},
		{ID: "v3", Values: []string{"gus", "2001-07-08"}}}}
	cfg := Config{Comparisons: []ComparisonSpec{{Field: "name", Kind: "exact"}, {Field: "dob", Kind: "exact"}},
		Blocking: []BlockingRule{{Keys: []KeyPart{{Field: "dob"}}}}, Threshold: 0.5}
	labels := []Label{{Left: RecordRef{"p", "p3"}, Right: RecordRef{"v", "v3"}, Match: true}}
	ctx := context.Background()
	first, err := Link(ctx, []Dataset{people, visits}, cfg, Options{Labels: labels})
	if err != nil {
		t.Fatal(err)
	}
	again, err := Link(ctx, []Dataset{people, visits}, cfg, Options{Model: first.Model, Labels: labels})
	if err != nil {
		t.Fatal(err)
	}
	for k, cm := range first.Model.Comparisons {
		for l, lv := range cm.Levels {
			if got := again.Model.Comparisons[k].Levels[l]; got.M != lv.M || got.MPrior != lv.MPrior {
				t.Errorf("%s level %s: m %v (prior %v) after the same labels again, want %v (prior %v)", cm.Name, lv.Label, got.M, got.MPrior, lv.M, lv.MPrior)
			}
		}
	}
	if again.Model.MFrom != "em+labels" {
		t.Errorf("m from %q, want em+labels", again.Model.MFrom)
	}
}
