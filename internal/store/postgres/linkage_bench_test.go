package postgres_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/linkrun"
	"github.com/civiclink/civiclink/internal/store"
)

// BenchmarkLinkageShared measures what sharing a linkage run costs: the
// time to store a run of n records through one process (its rows in the
// engine, three Parquet files, the record in PostgreSQL), and the time
// another process takes the first time it is asked for the run (copying
// its rows in from the files), each against the embedded store writing
// the same run in the same process (the reference).
//
//	go test -run '^$' -bench BenchmarkLinkageShared -benchtime=1x -v ./internal/store/postgres
func BenchmarkLinkageShared(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("records=%d", n), func(b *testing.B) {
			ctx := context.Background()
			w := bigRun(n)
			var local, shared, first time.Duration
			for b.Loop() { // setup included: the ratios below time each step
				_, dir, openAt := sharedStores(b)
				emb, err := store.Open(ctx, filepath.Join(dir, "embedded.duckdb"))
				if err != nil {
					b.Fatal(err)
				}
				a, c := openAt("a.duckdb"), openAt("b.duckdb")
				t0 := time.Now()
				if err := emb.WriteLinkageRun(ctx, &linkrun.LinkageRun{CreatedBy: "bench"}, w); err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				run := &linkrun.LinkageRun{CreatedBy: "bench"}
				if err := a.WriteLinkageRun(ctx, run, w); err != nil {
					b.Fatal(err)
				}
				t2 := time.Now()
				if _, err := c.LinkageRun(ctx, run.ID); err != nil {
					b.Fatal(err)
				}
				local, shared, first = local+t1.Sub(t0), shared+t2.Sub(t1), first+time.Since(t2)
				emb.Close()
			}
			k := time.Duration(b.N)
			b.Logf("%d records: embedded write %v; shared write %v (ratio %.2f); another process's first read %v (ratio %.2f)",
				n, local/k, shared/k, float64(shared)/float64(local), first/k, float64(first)/float64(local))
		})
	}
}

// bigRun is a run of n records in n/2 two-record entities, with a matched
// pair per entity and 100 pairs under review.
func bigRun(n int) linkrun.LinkageWrite {
	var w linkrun.LinkageWrite
	w.Entities = make([]linkrun.EntityRow, 0, n)
	for i := range n / 2 {
		e := fmt.Sprintf("e%07d", i)
		w.Entities = append(w.Entities, linkrun.EntityRow{DatasetID: "incidents", RecordID: fmt.Sprintf("p%07d", i), EntityID: e, Fingerprint: int64(i)},
			linkrun.EntityRow{DatasetID: "attendances", RecordID: fmt.Sprintf("a%07d", i), EntityID: e, Fingerprint: int64(i + 1)})
		w.Pairs = append(w.Pairs, linkrun.PairRow{DatasetL: "incidents", RecordL: fmt.Sprintf("p%07d", i), DatasetR: "attendances", RecordR: fmt.Sprintf("a%07d", i), Probability: 0.99, Weight: 10})
	}
	for i := range 100 {
		w.Review = append(w.Review, linkrun.ReviewRow{Pair: i + 1, DatasetL: "incidents", RecordL: fmt.Sprintf("p%07d", i), DatasetR: "attendances", RecordR: fmt.Sprintf("a%07d", i),
			Probability: 0.5, Fields: []linkrun.ReviewField{{Comparison: "dob", Level: "exact", Weight: 3}}})
	}
	return w
}
