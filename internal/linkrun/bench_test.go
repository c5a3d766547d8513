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
// re-link of the same data, alternating in the same process (each loop
// runs both): x-full is how many times faster the incremental run is end
// to end (read, govern, link, store) in wall time, x-full-cpu in CPU time
// (which other jobs on the machine do not inflate), x-full-engine in the
// linkage engine's own time (without reading and storing).
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
			var full, inc *linkrun.Result
			var wall, cpu, engine [2]time.Duration // full, incremental
			timed := func(k int, incremental bool) *linkrun.Result {
				req.Incremental = incremental
				w, c := time.Now(), cpuTime()
				res, err := linkrun.Run(ctx, st, svc, u, req, link.Options{})
				if err != nil {
					b.Fatal(err)
				}
				wall[k] += time.Since(w)
				cpu[k] += cpuTime() - c
				for _, t := range res.Link.Timings {
					engine[k] += time.Duration(t.Seconds * float64(time.Second))
				}
				return res
			}
			for b.Loop() {
				full = timed(0, false)
				inc = timed(1, true)
			}
			n := float64(b.N)
			b.ReportMetric(float64(full.Records), "records")
			b.ReportMetric(float64(inc.Incremental.Changed+inc.Incremental.Added), "relinked")
			b.ReportMetric(wall[0].Seconds()/n, "full-s")
			b.ReportMetric(wall[1].Seconds()/n, "incr-s")
			b.ReportMetric(wall[0].Seconds()/wall[1].Seconds(), "x-full")
			b.ReportMetric(cpu[0].Seconds()/cpu[1].Seconds(), "x-full-cpu")
			b.ReportMetric(engine[0].Seconds()/engine[1].Seconds(), "x-full-engine")
		})
	}
}
