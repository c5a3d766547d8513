package eval

import (
	"math"
	"regexp"
	"strings"
	"testing"
)

func r(d, id string) Ref { return Ref{Dataset: d, ID: id} }

func TestPairs(t *testing.T) {
	// Entities: x = {a1, a2, b1}, y = {a3}, z = {b2}.
	truth := Truth{r("a", "1"): "x", r("a", "2"): "x", r("b", "1"): "x", r("a", "3"): "y", r("b", "2"): "z"}
	refs := []Ref{r("a", "1"), r("a", "2"), r("a", "3"), r("b", "1"), r("b", "2")}
	pred := [][2]Ref{
		{r("b", "1"), r("a", "1")}, // tp across
		{r("a", "1"), r("b", "1")}, // the same pair again: counted once
		{r("a", "3"), r("b", "2")}, // fp across
		{r("a", "1"), r("a", "2")}, // within a: tp only when within
		{r("a", "9"), r("b", "2")}, // unlabelled: ignored
	}
	cross := Pairs(truth, refs, pred, false)
	// True cross pairs: a1-b1, a2-b1.
	if got, want := [3]int{cross.TP, cross.FP, cross.FN}, [3]int{1, 1, 1}; got != want {
		t.Errorf("cross tp/fp/fn = %v, want %v", got, want)
	}
	if math.Abs(cross.F1-0.5) > 1e-9 {
		t.Errorf("cross F1 = %v, want 0.5", cross.F1)
	}
	all := Pairs(truth, refs, pred, true)
	if got, want := [3]int{all.TP, all.FP, all.FN}, [3]int{2, 1, 1}; got != want {
		t.Errorf("within tp/fp/fn = %v, want %v", got, want)
	}
	if got, want := len(all.ByDatasets), 2; got != want {
		t.Fatalf("by datasets = %+v, want %d groups", all.ByDatasets, want)
	}
	if d := all.ByDatasets[0]; d.Left != "a" || d.Right != "a" || d.TP != 1 || d.FN != 0 {
		t.Errorf("a~a = %+v, want 1 tp 0 fn", d)
	}
}

func TestClusters(t *testing.T) {
	// Truth: {1,2,3} {4}; clusters: {1,2} {3,4}.
	truth := Truth{r("", "1"): "x", r("", "2"): "x", r("", "3"): "x", r("", "4"): "y"}
	cl := map[Ref]string{r("", "1"): "c1", r("", "2"): "c1", r("", "3"): "c3", r("", "4"): "c3"}
	rep := Clusters(truth, cl)
	if got, want := [3]int{rep.Pairwise.TP, rep.Pairwise.FP, rep.Pairwise.FN}, [3]int{1, 1, 2}; got != want {
		t.Errorf("tp/fp/fn = %v, want %v", got, want)
	}
	// B-cubed precision: 1, 1, 1/2, 1/2 → 0.75; recall: 2/3, 2/3, 1/3, 1 → 2/3.
	if math.Abs(rep.BCubedPrecision-0.75) > 1e-9 || math.Abs(rep.BCubedRecall-2.0/3) > 1e-9 {
		t.Errorf("B-cubed = %v, %v, want 0.75, 0.6667", rep.BCubedPrecision, rep.BCubedRecall)
	}
}

func TestTruthSources(t *testing.T) {
	tr, err := FromIDs(FEBRL, []Ref{r("d", "rec-12-org"), r("d", "rec-12-dup-3"), r("d", "other")})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(tr), 2; got != want || tr.Of(r("d", "rec-12-dup-3")) != "12" {
		t.Errorf("FEBRL truth = %v, want rec-12 records in entity 12", tr)
	}
	if _, err := FromIDs(regexp.MustCompile(`^rec-`), nil); err == nil {
		t.Error("a pattern without a group gave no error")
	}
	tr, err = ReadTruth(strings.NewReader("dataset,record_id,person_id\na,1,p\n,2,q\n"))
	if err != nil {
		t.Fatal(err)
	}
	if tr.Of(r("a", "1")) != "p" || tr.Of(r("anything", "2")) != "q" || tr.Of(r("b", "1")) != "" {
		t.Errorf("truth file read as %v", tr)
	}
	if _, err := ReadTruth(strings.NewReader("id,entity\n1,2\n")); err == nil {
		t.Error("a truth file without record_id/person_id gave no error")
	}
}
