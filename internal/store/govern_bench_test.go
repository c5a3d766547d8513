package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/govern"
)

// BenchmarkAddOptOuts loads n opt-out markers through AddOptOuts (batched
// parameterised INSERT OR IGNORE) against a reference that generates the
// same rows inside DuckDB with one INSERT … SELECT over range(n) (x-ref =
// AddOptOuts / reference).
func BenchmarkAddOptOuts(b *testing.B) {
	ctx := context.Background()
	for _, n := range []int{1_000, 10_000} {
		b.Run(fmt.Sprintf("ids=%d", n), func(b *testing.B) {
			st := governStore(b)
			ids := make([]string, n)
			for i := range ids {
				ids[i] = fmt.Sprintf("REC-%08d", i)
			}
			db := st.DB()
			start := time.Now()
			if _, err := db.ExecContext(ctx, `INSERT INTO optouts SELECT 'ref', printf('REC-%08d', range), 'road-safety', 'bench', 'b', now() FROM range(?)`, n); err != nil {
				b.Fatal(err)
			}
			ref := time.Since(start)
			b.ReportAllocs()
			round := 0
			for b.Loop() {
				round++
				o := &govern.OptOuts{Dataset: fmt.Sprintf("ds%d", round), Purposes: []string{"road-safety"}, Records: ids, Source: "bench"}
				if got, err := st.AddOptOuts(ctx, o, "b", t0); err != nil || got != n {
					b.Fatalf("got %d, %v; want %d new", got, err, n)
				}
			}
			b.ReportMetric(float64(b.Elapsed()/time.Duration(b.N))/float64(ref), "x-ref")
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "ids/s")
		})
	}
}
