package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/ingest"
	"github.com/civiclink/civiclink/internal/query"
	"github.com/civiclink/civiclink/internal/query/expr"
	"github.com/civiclink/civiclink/internal/store"
)

const visitsSchema = `{"name": "visits", "columns": [
 {"name": "visit_id", "type": "string", "role": "record-id"},
 {"name": "visit_date", "type": "date", "role": "event-date"},
 {"name": "district", "type": "lad-code"},
 {"name": "days", "type": "integer"}
]}`

// loadVisits ingests n synthetic visits into the store at path ("" for
// memory): ids of every length class, three districts, twelve months.
func loadVisits(tb testing.TB, path string, n int) (*store.Store, *catalog.Dataset, *catalog.Version) {
	tb.Helper()
	ctx := context.Background()
	var b strings.Builder
	b.WriteString("visit_id,visit_date,district,days\n")
	for i := range n {
		id := fmt.Sprintf("v%d", i)
		if i%7 == 0 {
			id = fmt.Sprintf("visit-é-%06d-long-enough-for-several-blocks", i)
		}
		fmt.Fprintf(&b, "%s,2024-%02d-%02d,E0700007%d,%d\n", id, 1+i%12, 1+i%28, i%3, i%17)
	}
	csvPath := filepath.Join(tb.TempDir(), "visits.csv")
	if err := os.WriteFile(csvPath, []byte(b.String()), 0o600); err != nil {
		tb.Fatal(err)
	}
	st, err := store.Open(ctx, path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	sc, err := catalog.ParseSchema(strings.NewReader(visitsSchema))
	if err != nil {
		tb.Fatal(err)
	}
	d := &catalog.Dataset{ID: "visits", PartnerID: "nhs", Schema: sc}
	if err := st.CreatePartner(ctx, &catalog.Partner{ID: "nhs", Name: "NHS"}); err != nil {
		tb.Fatal(err)
	}
	if err := st.CreateDataset(ctx, d); err != nil {
		tb.Fatal(err)
	}
	res, err := ingest.Run(ctx, st, ingest.Request{DatasetID: "visits", Path: csvPath})
	if err != nil {
		tb.Fatal(err)
	}
	return st, d, res.Version
}

// TestMemberDigestsMatchIDs checks that the digests DuckDB computes are
// exactly those the auditor computes from the cells' ids, for every shape
// of aggregate and for keys with and without the top bit set.
func TestMemberDigestsMatchIDs(t *testing.T) {
	st, d, v := loadVisits(t, "", 600)
	ctx := context.Background()
	where, err := expr.ParseChecked("days > 3", d.Schema)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		spec query.AggregateSpec
	}{
		{"by district", query.AggregateSpec{By: []query.GroupKey{{Column: "district"}}}},
		{"district by month", query.AggregateSpec{By: []query.GroupKey{{Column: "district"}, {Column: "visit_date", Period: "month"}}}},
		{"filtered, less excluded", query.AggregateSpec{By: []query.GroupKey{{Column: "district"}}, Where: where, Exclude: []string{"v1", "v2"}}},
		{"with a sum", query.AggregateSpec{By: []query.GroupKey{{Column: "district"}}, SumColumn: "days"}},
		{"no grouping", query.AggregateSpec{}},
		{"versions read together", query.AggregateSpec{By: []query.GroupKey{{Column: "district"}}, Versions: []*catalog.Version{v, v}}},
	}
	for _, key := range []disclose.MemberKey{1, 0xfedcba9876543210} {
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s/key=%x", tt.name, uint64(key)), func(t *testing.T) {
				spec := tt.spec
				spec.Version, spec.Schema, spec.IDs = v, d.Schema, true
				byIDs, err := st.RawAggregate(ctx, spec)
				if err != nil {
					t.Fatal(err)
				}
				spec.IDs, spec.Members = false, &key
				got, err := st.RawAggregate(ctx, spec)
				if err != nil {
					t.Fatal(err)
				}
				if tt.spec.Versions != nil {
					seen := map[string]int{}
					for _, id := range byIDs[0].IDs {
						seen[id]++
					}
					for id, n := range seen {
						if n != 2 {
							t.Fatalf("one version read twice: %s counted %d times, want 2", id, n)
						}
					}
				}
				buckets, err := st.CellBuckets(ctx, spec)
				if err != nil {
					t.Fatal(err)
				}
				if len(buckets) != len(got) {
					t.Fatalf("%d cells with buckets, %d without", len(buckets), len(got))
				}
				if len(got) != len(byIDs) || len(got) == 0 {
					t.Fatalf("%d cells with digests, %d with ids", len(got), len(byIDs))
				}
				for i, r := range got {
					want := disclose.DigestOf(key, byIDs[i].IDs)
					if strings.Join(r.Keys, "|") != strings.Join(byIDs[i].Keys, "|") || r.Count != byIDs[i].Count {
						t.Fatalf("cell %d: %v count %d, want %v count %d", i, r.Keys, r.Count, byIDs[i].Keys, byIDs[i].Count)
					}
					if r.Members == nil || r.Members.Units != want.Units || r.Members.Sum != want.Sum {
						t.Fatalf("cell %v: the database's units and sum differ from the ids'", r.Keys)
					}
					full := buckets[strings.Join(r.Keys, "\x00")]
					if full == nil || full.Units != want.Units || full.Sum != want.Sum || *full.N != *want.N || *full.S != *want.S {
						t.Errorf("cell %v: the database's bucketed digest differs from the ids'", r.Keys)
					}
					if r.IDs != nil {
						t.Errorf("cell %v: ids left the database", r.Keys)
					}
				}
				spec.Buckets = true
				oneScan, err := st.RawAggregate(ctx, spec)
				if err != nil {
					t.Fatal(err)
				}
				if len(oneScan) != len(byIDs) {
					t.Fatalf("%d cells in one scan with buckets, %d with ids", len(oneScan), len(byIDs))
				}
				for i, r := range oneScan {
					want := disclose.DigestOf(key, byIDs[i].IDs)
					if strings.Join(r.Keys, "|") != strings.Join(byIDs[i].Keys, "|") || r.Count != byIDs[i].Count {
						t.Fatalf("one scan, cell %d: %v count %d, want %v count %d", i, r.Keys, r.Count, byIDs[i].Keys, byIDs[i].Count)
					}
					if r.Members == nil || r.Members.Units != want.Units || r.Members.Sum != want.Sum || r.Sum != byIDs[i].Sum {
						t.Fatalf("one scan, cell %v: the database's units, sum or measure differ from the ids'", r.Keys)
					}
					// A sum's measure is not split by bucket; those cells get
					// their buckets at the second stage instead.
					if bucketed := tt.spec.SumColumn == ""; r.Members.Bucketed() != bucketed {
						t.Fatalf("one scan, cell %v: bucketed %v, want %v", r.Keys, r.Members.Bucketed(), bucketed)
					}
					if r.Members.Bucketed() && (*r.Members.N != *want.N || *r.Members.S != *want.S) {
						t.Errorf("one scan, cell %v: the database's bucketed digest differs from the ids'", r.Keys)
					}
				}
			})
		}
	}
}

// TestDigestAuditCatchesDifferencingAcrossRestart releases visits by
// district with digests made in the database, restarts, and asks again
// with one visit excluded: the district that lost it is withheld, and can
// not be had from the total either. The control, with auditors that forget
// at exit, lets it through.
func TestDigestAuditCatchesDifferencingAcrossRestart(t *testing.T) {
	ctx := context.Background()
	for _, persistent := range []bool{true, false} {
		path := filepath.Join(t.TempDir(), "s.duckdb")
		st, d, v := loadVisits(t, path, 300)
		release := func(st *store.Store, exclude []string) *disclose.Result {
			t.Helper()
			a, err := st.Auditor(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !persistent {
				a = disclose.NewAuditor()
			}
			key := a.MemberKey()
			spec := query.AggregateSpec{Version: v, Schema: d.Schema, By: []query.GroupKey{{Column: "district"}}, Exclude: exclude, Members: &key}
			rows, err := st.RawAggregate(ctx, spec)
			if err != nil {
				t.Fatal(err)
			}
			tab := disclose.NewTable("visits", disclose.Dim{Name: "district", Levels: []string{"E07000070", "E07000071", "E07000072"}})
			for _, r := range rows {
				if err := tab.Set(disclose.Cell{Count: r.Count, Members: r.Members}, r.Keys...); err != nil {
					t.Fatal(err)
				}
			}
			tab.FillMembers = func(ctx context.Context) error {
				full, err := st.CellBuckets(ctx, spec)
				for _, r := range rows {
					i, _ := tab.Index(r.Keys...)
					tab.Cells[i].Members = full[r.Keys[0]]
				}
				return err
			}
			res, err := disclose.Apply(ctx, tab, disclose.Policy{}, disclose.Options{Dataset: "visits", Auditor: a})
			if err != nil {
				t.Fatal(err)
			}
			return res
		}
		first := release(st, nil)
		st.Close()
		st2, err := store.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		second := release(st2, []string{"v1"}) // v1 is in E07000071
		st2.Close()
		a1, _ := first.Cell("E07000071")
		a2, _ := second.Cell("E07000071")
		if a1.Status.Suppressed() {
			t.Fatalf("persistent=%v: the first release was withheld (%s)", persistent, a1.Reason)
		}
		learned := !a2.Status.Suppressed()
		if !learned {
			tot, _ := second.Cell(disclose.TotalLevel)
			o1, _ := second.Cell("E07000070")
			o2, _ := second.Cell("E07000072")
			learned = !tot.Status.Suppressed() && !o1.Status.Suppressed() && !o2.Status.Suppressed()
		}
		if persistent && learned {
			t.Errorf("after a restart the attacker learned district E07000071 less one visit (%d then %s)", a1.Count, a2.Display())
		}
		if !persistent && !learned {
			t.Errorf("control: forgetful auditors withheld the second release; the test does not exercise the audit")
		}
	}
}
