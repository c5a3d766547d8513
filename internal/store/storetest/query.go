package storetest

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/query"
	"github.com/civiclink/civiclink/internal/query/expr"
)

// where parses a filter over sc.
func where(tb testing.TB, s string, sc *catalog.Schema) expr.Node {
	tb.Helper()
	n, err := expr.ParseChecked(s, sc)
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

// cells renders rows as "key|key=count" in the order returned.
func cells(rows []query.AggregateRow) string {
	var out []string
	for _, r := range rows {
		out = append(out, strings.Join(r.Keys, "|")+"="+strconv.FormatInt(r.Count, 10))
	}
	return strings.Join(out, " ")
}

func aggregate(t *testing.T, st Store) {
	ctx := context.Background()
	d, v := load(t, st, "incidents", "police", incidentsSchema, incidentsCSV)
	sc := d.Schema
	tests := []struct {
		name string
		spec query.AggregateSpec
		want string
	}{
		{"by a category", query.AggregateSpec{By: []query.GroupKey{{Column: "kind"}}}, "theft=2 violence=3"},
		{"filtered", query.AggregateSpec{By: []query.GroupKey{{Column: "kind"}}, Where: where(t, "district = 'E07000070'", sc)}, "theft=1 violence=2"},
		{"less excluded records", query.AggregateSpec{By: []query.GroupKey{{Column: "kind"}}, Exclude: []string{"p1", "p3"}}, "theft=1 violence=2"},
		{"by district and quarter", query.AggregateSpec{By: []query.GroupKey{{Column: "district"}, {Column: "occurred_on", Period: "quarter"}}},
			"E07000066|2024-Q1=1 E07000066|2024-Q3=1 E07000070|2024-Q1=1 E07000070|2024-Q2=2"},
		{"no grouping", query.AggregateSpec{}, "=5"},
		{"no match", query.AggregateSpec{Where: where(t, "kind = 'violence' AND district = 'E07000066' AND occurred_on > '2024-06-01'", sc)}, "=0"},
		{"two versions read together", query.AggregateSpec{By: []query.GroupKey{{Column: "kind"}}, Versions: []*catalog.Version{v, v}}, "theft=4 violence=6"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := tt.spec
			spec.Version, spec.Schema = v, sc
			rows, err := st.RawAggregate(ctx, spec)
			if err != nil {
				t.Fatal(err)
			}
			if got := cells(rows); got != tt.want {
				t.Errorf("cells %s, want %s", got, tt.want)
			}
		})
	}
	t.Run("record ids and population digests", func(t *testing.T) {
		spec := query.AggregateSpec{Version: v, Schema: sc, By: []query.GroupKey{{Column: "kind"}}, IDs: true}
		byIDs, err := st.RawAggregate(ctx, spec)
		if err != nil {
			t.Fatal(err)
		}
		if len(byIDs) != 2 {
			t.Fatalf("%d cells, want 2", len(byIDs))
		}
		if ids := slices.Sorted(slices.Values(byIDs[1].IDs)); strings.Join(ids, ",") != "p1,p2,p4" {
			t.Errorf("violence ids %v, want p1, p2, p4", ids)
		}
		key := disclose.MemberKey(0xfedcba9876543210)
		spec.IDs, spec.Members = false, &key
		digests, err := st.RawAggregate(ctx, spec)
		if err != nil {
			t.Fatal(err)
		}
		buckets, err := st.CellBuckets(ctx, spec)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range digests {
			want := disclose.DigestOf(key, byIDs[i].IDs)
			if r.Members == nil || r.Members.Units != want.Units || r.Members.Sum != want.Sum || r.Count != byIDs[i].Count {
				t.Errorf("cell %v: digest %+v, want the ids' %+v", r.Keys, r.Members, want)
			}
			full := buckets[strings.Join(r.Keys, "\x00")]
			if full == nil || full.Units != want.Units || full.Sum != want.Sum || *full.N != *want.N || *full.S != *want.S {
				t.Errorf("cell %v: bucketed digest differs from the ids'", r.Keys)
			}
		}
	})
}

func cohort(t *testing.T, st Store) {
	ctx := context.Background()
	inc, att, run := linkedCounty(t, st)
	incD, err := st.Dataset(ctx, "incidents")
	if err != nil {
		t.Fatal(err)
	}
	attD, err := st.Dataset(ctx, "attendances")
	if err != nil {
		t.Fatal(err)
	}
	violence := query.CohortSource{Name: "v", Dataset: incD, Version: inc, Where: where(t, "kind = 'violence'", incD.Schema)}
	ae := query.CohortSource{Name: "ae", Dataset: attD, Version: att}
	aeLess := ae
	aeLess.Exclude = []string{"a2"}
	tests := []struct {
		name string
		srcs []query.CohortSource
		rule query.CohortRule
		want string
	}{
		{"violence then A&E within 30 days", []query.CohortSource{violence, ae}, query.CohortRule{Sequence: [2]string{"v", "ae"}, WithinDays: 30},
			"A@2024-01-30/ae/a1/E07000070 B@2024-03-21/ae/a2/E07000066 D@2024-06-21/ae/a4/E07000070"},
		{"less an opted-out record", []query.CohortSource{violence, aeLess}, query.CohortRule{Sequence: [2]string{"v", "ae"}, WithinDays: 30},
			"A@2024-01-30/ae/a1/E07000070 D@2024-06-21/ae/a4/E07000070"},
		{"A&E then violence", []query.CohortSource{violence, ae}, query.CohortRule{Sequence: [2]string{"ae", "v"}}, ""},
		{"both within a day, either order", []query.CohortSource{violence, ae}, query.CohortRule{All: []string{"v", "ae"}, WithinDays: 1}, ""},
		{"at least one of two", []query.CohortSource{violence, ae}, query.CohortRule{AtLeast: 1, Of: []string{"v", "ae"}},
			"A@2024-01-10/v/p1/E07000070 B@2024-03-01/v/p2/E07000066 C@2024-05-21/ae/a3/E07000070 D@2024-06-01/v/p4/E07000070 E@2024-06-01/ae/a5/E07000066"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms, err := st.CohortMembers(ctx, query.CohortSpec{RunID: run.ID, Sources: tt.srcs, Rule: tt.rule})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, m := range ms {
				got = append(got, m.EntityID+"@"+m.IndexDate.Format("2006-01-02")+"/"+m.IndexSource+"/"+m.IndexRecord+"/"+m.District)
			}
			slices.Sort(got)
			if g := strings.Join(got, " "); g != tt.want {
				t.Errorf("members %s\nwant    %s", g, tt.want)
			}
		})
	}
}
