package link_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/link"
)

// asColumns returns the same records stored column by column.
func asColumns(t *testing.T, ds link.Dataset) link.Dataset {
	t.Helper()
	out := link.Dataset{Name: ds.Name, Fields: ds.Fields, Columns: link.NewColumns(len(ds.Fields))}
	for _, r := range ds.Records {
		if err := out.Columns.Append(r.ID, r.Values); err != nil {
			t.Fatal(err)
		}
	}
	out.Columns.Done()
	return out
}

// TestColumnsLinkLikeRows links the same records given as rows and as
// columns (split over two datasets, so record numbering crosses them) and
// wants the same candidates, weights, clusters and blocking report.
func TestColumnsLinkLikeRows(t *testing.T) {
	all, truth := synthPeople(3000, 7)
	a := link.Dataset{Name: "a", Fields: all.Fields, Records: all.Records[:1800]}
	b := link.Dataset{Name: "b", Fields: all.Fields, Records: all.Records[1800:]}
	cfg := countyConfig()
	cfg.Dedupe = true
	opt := link.Options{Truth: func(_ string, r *link.Record) string { return truth[r.ID] }}
	rows, err := link.Link(context.Background(), []link.Dataset{a, b}, cfg, opt)
	if err != nil {
		t.Fatal(err)
	}
	ca, cb := asColumns(t, a), asColumns(t, b)
	if got, want := ca.ID(5), a.Records[5].ID; got != want {
		t.Errorf("ID(5) = %q, want %q", got, want)
	}
	if got, want := cb.Value(7, 2), b.Records[7].Values[2]; got != want {
		t.Errorf("Value(7, 2) = %q, want %q", got, want)
	}
	cols, err := link.Link(context.Background(), []link.Dataset{ca, cb}, cfg, opt)
	if err != nil {
		t.Fatal(err)
	}
	if rows.Blocking.Recall < 0.9 {
		t.Fatalf("blocking recall %.4f: the test data should link", rows.Blocking.Recall)
	}
	if !reflect.DeepEqual(rows.Pairs, cols.Pairs) || !reflect.DeepEqual(rows.Weights, cols.Weights) {
		t.Errorf("columns gave %d pairs, rows %d (or weights differ)", cols.Pairs.Len(), rows.Pairs.Len())
	}
	if !reflect.DeepEqual(rows.Blocking, cols.Blocking) {
		t.Errorf("blocking report differs:\n rows %+v\n cols %+v", rows.Blocking, cols.Blocking)
	}
	if !reflect.DeepEqual(clustersOf(rows), clustersOf(cols)) {
		t.Error("clusters differ between rows and columns")
	}
}

func TestColumnsAppendChecksWidth(t *testing.T) {
	c := link.NewColumns(2)
	if err := c.Append("r1", []string{"x"}); err == nil {
		t.Error("a record with 1 value for 2 fields was accepted")
	}
	if err := c.Append("r1", []string{"x", ""}); err != nil {
		t.Fatal(err)
	}
	c.Done()
	if err := c.Append("r2", []string{"x", "y"}); err != nil {
		t.Fatal(err)
	}
	if c.Len() != 2 || c.ID(1) != "r2" || c.Value(0, 1) != "" || c.Value(1, 0) != "x" {
		t.Errorf("after Done and Append: len %d, ID(1) %q, values %q %q", c.Len(), c.ID(1), c.Value(0, 1), c.Value(1, 0))
	}
}

// TestReleaseValues links columns with ReleaseValues: the same result as
// without, the dataset's values gone afterwards (ids kept), and a second
// linkage of the released columns refused with a clear error.
func TestReleaseValues(t *testing.T) {
	all, _ := synthPeople(2000, 8)
	cfg := countyConfig()
	keep, err := link.Link(context.Background(), []link.Dataset{asColumns(t, all)}, cfg, link.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ds := asColumns(t, all)
	rel, err := link.Link(context.Background(), []link.Dataset{ds}, cfg, link.Options{ReleaseValues: true})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(keep.Pairs, rel.Pairs) || !reflect.DeepEqual(keep.Weights, rel.Weights) || !reflect.DeepEqual(clustersOf(keep), clustersOf(rel)) {
		t.Error("releasing values changed the result")
	}
	if ds.Value(0, 0) != "" || ds.ID(3) != all.Records[3].ID {
		t.Errorf("after release: value %q (want empty), id %q (want %q)", ds.Value(0, 0), ds.ID(3), all.Records[3].ID)
	}
	if x, err := rel.ExplainRefs(rel.Ref(int(rel.Pairs.At(0).A)), rel.Ref(int(rel.Pairs.At(0).B))); err != nil || x.Weight != rel.Weights[0] {
		t.Errorf("explaining after release: %v, weight %v want %v", err, x.Weight, rel.Weights[0])
	}
	if _, err := link.Link(context.Background(), []link.Dataset{ds}, cfg, link.Options{}); err == nil || !strings.Contains(err.Error(), "released") {
		t.Errorf("linking released columns again: %v, want a refusal naming the release", err)
	}
}
