package linkrun_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/link"
	"github.com/civiclink/civiclink/internal/linkrun"
)

// BenchmarkIncremental times an incremental run after a new version of one
// dataset (1% of its records removed, 1% changed, 1% added) next to a full
// re-link of the same data in the same process: x-full is how many times
// faster the incremental run is, end to end (read, govern, link, store).
func BenchmarkIncremental(b *testing.B) {
	for _, people := range []int{5000, 20000} {
		b.Run(fmt.Sprintf("people=%d", people), func(b *testing.B) {
			st, svc, staff, dir := county(b, people)
			ctx := context.Background()
			u := staff["police.analyst"]
			req := linkrun.Request{Datasets: linked, Purpose: purpose}
			first, err := linkrun.Run(ctx, st, svc, u, req, link.Options{})
			if err != nil {
				b.Fatal(err)
			}
			v, err := st.Version(ctx, "homelessness", 0)
			if err != nil {
				b.Fatal(err)
			}
			k := max(int(v.Rows)/100, 1)
			newVersion(b, st, dir, "homelessness", "police_incidents", change{removed: k, changed: k, added: k}, truth(b, dir))
			req.From = first.Run.ID
			start := time.Now()
			full, err := linkrun.Run(ctx, st, svc, u, req, link.Options{})
			if err != nil {
				b.Fatal(err)
			}
			ref := time.Since(start)
			req.Incremental = true
			var inc *linkrun.Result
			for b.Loop() {
				if inc, err = linkrun.Run(ctx, st, svc, u, req, link.Options{}); err != nil {
					b.Fatal(err)
				}
			}
			per := b.Elapsed() / time.Duration(b.N)
			b.ReportMetric(float64(full.Records), "records")
			b.ReportMetric(float64(inc.Incremental.Changed+inc.Incremental.Added), "relinked")
			b.ReportMetric(ref.Seconds(), "full-s")
			b.ReportMetric(ref.Seconds()/per.Seconds(), "x-full")
		})
	}
}
