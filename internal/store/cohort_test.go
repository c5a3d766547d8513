package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/ingest"
	"github.com/civiclink/civiclink/internal/linkrun"
	"github.com/civiclink/civiclink/internal/query"
	"github.com/civiclink/civiclink/internal/query/expr"
	"github.com/civiclink/civiclink/internal/store"
)

// linkedCounty loads two small datasets and a linkage run that makes five
// people: A = p1+a1, B = p2+a2, C = p3+a3, D = p4+a4, E = p5+a5.
func linkedCounty(tb testing.TB) (*store.Store, []query.CohortSource, int64) {
	tb.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, "")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	if err := st.CreatePartner(ctx, &catalog.Partner{ID: "police", Name: "Police"}); err != nil {
		tb.Fatal(err)
	}
	if err := st.CreatePartner(ctx, &catalog.Partner{ID: "nhs", Name: "NHS"}); err != nil {
		tb.Fatal(err)
	}
	var srcs []query.CohortSource
	var linked []linkrun.LinkedVersion
	for _, d := range []struct{ id, partner, name string }{{"incidents", "police", "da"}, {"attendances", "nhs", "ae"}} {
		sc, err := catalog.ReadSchemaFile("testdata/cohort/" + d.id + ".schema.json")
		if err != nil {
			tb.Fatal(err)
		}
		ds := &catalog.Dataset{ID: d.id, PartnerID: d.partner, Schema: sc}
		if err := st.CreateDataset(ctx, ds); err != nil {
			tb.Fatal(err)
		}
		res, err := ingest.Run(ctx, st, ingest.Request{DatasetID: d.id, Path: "testdata/cohort/" + d.id + ".csv"})
		if err != nil {
			tb.Fatal(err)
		}
		srcs = append(srcs, query.CohortSource{Name: d.name, Dataset: ds, Version: res.Version})
		linked = append(linked, linkrun.LinkedVersion{DatasetID: d.id, Version: res.Version.Number})
	}
	var ents []linkrun.EntityRow
	for i, e := range []string{"A", "B", "C", "D", "E"} {
		n := string(rune('1' + i))
		ents = append(ents, linkrun.EntityRow{DatasetID: "incidents", RecordID: "p" + n, EntityID: e},
			linkrun.EntityRow{DatasetID: "attendances", RecordID: "a" + n, EntityID: e})
	}
	run := &linkrun.LinkageRun{Datasets: linked, CreatedBy: "test"}
	if err := st.SaveLinkageRun(ctx, run, ents, []linkrun.PairRow{{DatasetL: "incidents", RecordL: "p1", DatasetR: "attendances", RecordR: "a1", Probability: 0.99, Weight: 12.5}}); err != nil {
		tb.Fatal(err)
	}
	return st, srcs, run.ID
}

func members(tb testing.TB, st *store.Store, spec query.CohortSpec) string {
	tb.Helper()
	ms, err := st.CohortMembers(context.Background(), spec)
	if err != nil {
		tb.Fatal(err)
	}
	var out []string
	for _, m := range ms {
		out = append(out, m.EntityID+"@"+m.IndexDate.Format("01-02")+"/"+m.IndexSource+"/"+m.District)
	}
	return strings.Join(out, " ")
}

func TestCohortMembers(t *testing.T) {
	st, srcs, run := linkedCounty(t)
	da, err := expr.ParseChecked("domestic_abuse = true", srcs[0].Dataset.Schema)
	if err != nil {
		t.Fatal(err)
	}
	daOnly := srcs[0]
	daOnly.Where = da
	withDA := []query.CohortSource{daOnly, srcs[1]}
	tests := []struct {
		name string
		srcs []query.CohortSource
		rule query.CohortRule
		want string
	}{
		{"DA then A&E within 90 days", withDA, query.CohortRule{Sequence: [2]string{"da", "ae"}, WithinDays: 90}, "A@02-01/ae/E07000070"},
		{"DA then A&E at any time", withDA, query.CohortRule{Sequence: [2]string{"da", "ae"}}, "A@02-01/ae/E07000070 B@07-15/ae/E07000066"},
		{"A&E then DA within 90 days", withDA, query.CohortRule{Sequence: [2]string{"ae", "da"}, WithinDays: 90}, "D@06-01/da/E07000071 E@02-01/da/E07000070"},
		{"DA and A&E within 30 days either order", withDA, query.CohortRule{All: []string{"da", "ae"}, WithinDays: 30}, "A@02-01/ae/E07000070 D@06-01/da/E07000071 E@02-01/da/E07000070"},
		{"both, any time", withDA, query.CohortRule{All: []string{"da", "ae"}}, "A@02-01/ae/E07000070 B@07-15/ae/E07000066 D@06-01/da/E07000071 E@02-01/da/E07000070"},
		{"at least 2 of 2 with all incidents", srcs, query.CohortRule{AtLeast: 2, Of: []string{"da", "ae"}}, "A@02-01/ae/E07000070 B@07-15/ae/E07000066 C@05-20/ae/E07000070 D@06-01/da/E07000071 E@02-01/da/E07000070"},
		{"at least 1: first event", withDA, query.CohortRule{AtLeast: 1, Of: []string{"da", "ae"}}, "A@01-10/da/E07000070 B@03-01/da/E07000066 C@05-20/ae/E07000070 D@05-15/ae/E07000071 E@01-15/ae/E07000072"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := members(t, st, query.CohortSpec{RunID: run, Sources: tt.srcs, Rule: tt.rule})
			if got != tt.want {
				t.Errorf("members = %s\nwant      %s", got, tt.want)
			}
		})
	}
}

func TestCohortExcludesOptOuts(t *testing.T) {
	st, srcs, run := linkedCounty(t)
	srcs[1].Exclude = []string{"a1"}
	got := members(t, st, query.CohortSpec{RunID: run, Sources: srcs, Rule: query.CohortRule{Sequence: [2]string{"da", "ae"}, WithinDays: 90}})
	if strings.Contains(got, "A@") {
		t.Errorf("opted-out record a1 still puts A in the cohort: %s", got)
	}
}

func TestLinkageRunRoundTrip(t *testing.T) {
	st, _, run := linkedCounty(t)
	r, err := st.LinkageRun(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if r.ID != run || len(r.Datasets) != 2 || r.Datasets[0].DatasetID != "incidents" || r.CreatedBy != "test" {
		t.Errorf("latest run = %+v, want run %d over incidents and attendances", r, run)
	}
}
