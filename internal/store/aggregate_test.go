package store_test

import (
	"context"
	"testing"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/ingest"
	"github.com/civiclink/civiclink/internal/query"
	"github.com/civiclink/civiclink/internal/query/expr"
	"github.com/civiclink/civiclink/internal/refdata"
	"github.com/civiclink/civiclink/internal/store"
)

// loadStats19 ingests DfT's real 2015 Essex casualty file.
func loadStats19(tb testing.TB) (*store.Store, *catalog.Dataset, *catalog.Version) {
	tb.Helper()
	return loadStats19At(tb, "")
}

// loadStats19At is loadStats19 into the store at path ("" in memory).
func loadStats19At(tb testing.TB, path string) (*store.Store, *catalog.Dataset, *catalog.Version) {
	tb.Helper()
	ctx := context.Background()
	csv, err := refdata.Path("road_safety_stats19", "essex_pf42_casualties_2015.csv")
	if err != nil {
		tb.Skipf("reference data not available: %v", err)
	}
	st, err := store.Open(ctx, path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	sc, err := catalog.ReadSchemaFile("../definitions/schemas/road-casualties.schema.json")
	if err != nil {
		tb.Fatal(err)
	}
	d := &catalog.Dataset{ID: "casualties", PartnerID: "police", Schema: sc}
	if err := st.CreatePartner(ctx, &catalog.Partner{ID: "police", Name: "Police"}); err != nil {
		tb.Fatal(err)
	}
	if err := st.CreateDataset(ctx, d); err != nil {
		tb.Fatal(err)
	}
	res, err := ingest.Run(ctx, st, ingest.Request{DatasetID: "casualties", Path: csv})
	if err != nil {
		tb.Fatal(err)
	}
	return st, d, res.Version
}

func TestRawAggregate(t *testing.T) {
	st, d, v := loadStats19(t)
	ctx := context.Background()
	tests := []struct {
		name  string
		by    []query.GroupKey
		where string
		want  map[string]int64
	}{
		// DfT's 2015 Essex figures: 44 killed, 734 seriously injured, 4,148 slightly.
		{"by severity", []query.GroupKey{{Column: "casualty_severity"}}, "", map[string]int64{"1": 44, "2": 734, "3": 4148}},
		{"killed or seriously injured", nil, "Casualty_Severity IN ('1', '2')", map[string]int64{"": 778}},
		{"pedestrians KSI", nil, "Casualty_Severity != '3' AND Casualty_Class = '3'", nil},
		{"no match", nil, "Age_of_Casualty > 200", map[string]int64{"": 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := query.AggregateSpec{Version: v, Schema: d.Schema, By: tt.by}
			if tt.where != "" {
				n, err := expr.ParseChecked(tt.where, d.Schema)
				if err != nil {
					t.Fatal(err)
				}
				spec.Where = n
			}
			rows, err := st.RawAggregate(ctx, spec)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]int64{}
			total := int64(0)
			for _, r := range rows {
				key := ""
				if len(r.Keys) > 0 {
					key = r.Keys[0]
				}
				got[key] = r.Count
				total += r.Count
			}
			if tt.want == nil {
				if total <= 0 || total >= 778 {
					t.Errorf("pedestrian KSI = %d, want a positive part of the 778 KSI", total)
				}
				return
			}
			for k, w := range tt.want {
				if got[k] != w {
					t.Errorf("cell %q = %d, want %d (all: %v)", k, got[k], w, got)
				}
			}
		})
	}
}

func TestRawAggregateRefusesIdentifyingKeys(t *testing.T) {
	st, d, v := loadStats19(t)
	_, err := st.RawAggregate(context.Background(), query.AggregateSpec{Version: v, Schema: d.Schema, By: []query.GroupKey{{Column: "nope"}}})
	if err == nil {
		t.Error("grouping by an unknown column succeeded")
	}
	_, err = st.RawAggregate(context.Background(), query.AggregateSpec{Version: v, Schema: d.Schema, By: []query.GroupKey{{Column: "Age_of_Casualty", Period: "month"}}})
	if err == nil {
		t.Error("grouping a number by month succeeded")
	}
}

func TestRawAggregateSumTopAndIDs(t *testing.T) {
	st, d, v := loadStats19(t)
	rows, err := st.RawAggregate(context.Background(), query.AggregateSpec{Version: v, Schema: d.Schema,
		By: []query.GroupKey{{Column: "Casualty_Severity"}}, SumColumn: "Age_of_Casualty"})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if len(r.Top) != 2 || r.Top[0] < r.Top[1] || r.Sum < r.Top[0]+r.Top[1] {
			t.Errorf("cell %v: sum %v top %v, want the two largest ages, largest first, within the sum", r.Keys, r.Sum, r.Top)
		}
	}
	// Record ids come back per cell when asked for.
	cst, srcs, _ := linkedCounty(t)
	rows, err = cst.RawAggregate(context.Background(), query.AggregateSpec{Version: srcs[0].Version, Schema: srcs[0].Dataset.Schema,
		By: []query.GroupKey{{Column: "district"}}, IDs: true})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, r := range rows {
		got[r.Keys[0]] = len(r.IDs)
		if int64(len(r.IDs)) != r.Count {
			t.Errorf("cell %v has %d ids for count %d", r.Keys, len(r.IDs), r.Count)
		}
	}
	if got["E07000070"] != 3 {
		t.Errorf("ids per district = %v, want 3 in E07000070", got)
	}
}

// TestVersionNumbersNotReusedAfterPurge: purging the latest version must
// not hand its number to the next load.
func TestVersionNumbersNotReusedAfterPurge(t *testing.T) {
	st, _, v := loadStats19(t)
	ctx := context.Background()
	if err := st.PurgeVersion(ctx, v, "test", v.LoadedAt); err != nil {
		t.Fatal(err)
	}
	path, _ := refdata.Path("road_safety_stats19", "essex_pf42_casualties_2016.csv")
	res, err := ingest.Run(ctx, st, ingest.Request{DatasetID: "casualties", Path: path})
	if err != nil {
		t.Fatal(err)
	}
	if res.Version.Number != v.Number+1 {
		t.Errorf("the load after purging version %d got number %d, want %d", v.Number, res.Version.Number, v.Number+1)
	}
}
