package store

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/civiclink/civiclink/internal/linkrun"
)

// TestLinkageSummaryMigration opens a store as it was before the linkage
// summary was part of the stored run: a run the web started, whose summary
// the web kept as a store fact, and a run the CLI made, with none. After
// migration 0017 the first run carries its summary and the fact is gone;
// the second reads a summary derived from its matched pairs.
func TestLinkageSummaryMigration(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "civiclink.duckdb")
	st, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	quality := json.RawMessage(`{"records": 4, "entities": 2}`)
	web := &linkrun.LinkageRun{CreatedBy: "analyst", Params: json.RawMessage(`{}`), Quality: quality}
	cli := &linkrun.LinkageRun{CreatedBy: "analyst", Params: json.RawMessage(`{}`), Quality: quality}
	pairs := linkrun.LinkageWrite{Pairs: []linkrun.PairRow{
		{DatasetL: "a", RecordL: "1", DatasetR: "b", RecordR: "2", Probability: 0.99, Weight: 12.5},
		{DatasetL: "a", RecordL: "3", DatasetR: "b", RecordR: "4", Probability: 0.97, Weight: 9.2},
	}}
	for _, run := range []*linkrun.LinkageRun{web, cli} {
		if err := st.WriteLinkageRun(ctx, run, pairs); err != nil {
			t.Fatal(err)
		}
	}
	kept := `{"histogram":[{"from":-3,"to":-2,"pairs":40,"matched":0},{"from":12,"to":13,"pairs":1,"matched":1}],` +
		`"estimate":{"precision":0.93,"recall":0.88,"scope":"the candidate pairs"},"dataset_pairs":[{"left":"a","right":"b","candidates":41,"links":2}]}`
	legacy := "web.linkage-summary/" + strconv.FormatInt(web.ID, 10)
	if err := st.SetMeta(ctx, legacy, kept); err != nil {
		t.Fatal(err)
	}
	if _, err := st.db.ExecContext(ctx, `DELETE FROM schema_migrations WHERE version = 17`); err != nil {
		t.Fatal(err)
	}
	st.Close()

	st, err = Open(ctx, path) // applies 0017 again, as to a store made before it
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	summary := func(id int64) *linkrun.Summary {
		t.Helper()
		run, err := st.LinkageRun(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		s, err := linkrun.StoredSummary(ctx, st, run)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	got := summary(web.ID)
	if got.HistogramScope != linkrun.ScopeCandidates || got.Estimate == nil || got.Estimate.Precision != 0.93 ||
		len(got.Histogram) != 2 || got.Histogram[0].Pairs != 40 || len(got.DatasetPairs) != 1 || got.DatasetPairs[0].Candidates != 41 {
		t.Errorf("the web's run after the migration: %+v, want the summary it kept", got)
	}
	if v, err := st.Meta(ctx, legacy); err != nil || v != "" {
		t.Errorf("the store fact %s after the migration: %q, %v; want it gone", legacy, v, err)
	}
	var q map[string]any
	run, _ := st.LinkageRun(ctx, web.ID)
	if err := json.Unmarshal(run.Quality, &q); err != nil || q["records"] != 4.0 || q["entities"] != 2.0 {
		t.Errorf("the web's run quality after the migration: %s (%v), want its counts kept", run.Quality, err)
	}
	got = summary(cli.ID)
	var links, matched int64
	for _, b := range got.Histogram {
		links, matched = links+b.Pairs, matched+b.Matched
	}
	if got.HistogramScope != linkrun.ScopeMatched || got.Estimate != nil || links != 2 || matched != 2 ||
		len(got.DatasetPairs) != 1 || got.DatasetPairs[0].Links != 2 {
		t.Errorf("the CLI's run: %+v, want a summary of its 2 matched pairs and no estimate", got)
	}
}
