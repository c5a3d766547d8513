package link_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/link"
	"github.com/civiclink/civiclink/internal/link/eval"
)

// TestSyntheticCounty links generated county-style records and checks the
// model finds the corrupted duplicates: blocking recall and pairwise F1.
func TestSyntheticCounty(t *testing.T) {
	ds, truth := synthPeople(5000, 1)
	res, err := link.Link(context.Background(), []link.Dataset{ds}, countyConfig(), link.Options{
		Truth: func(_ string, r *link.Record) string { return truth[r.ID] },
	})
	if err != nil {
		t.Fatal(err)
	}
	tr := eval.Truth{}
	for id, e := range truth {
		tr[link.RecordRef{Dataset: "people", ID: id}] = e
	}
	pr := eval.Pairs(tr, res.Refs(), res.MatchedPairs(), false)
	t.Logf("blocking recall %.4f, %d candidates; P %.4f R %.4f F1 %.4f", res.Blocking.Recall, res.Blocking.CandidatePairs, pr.Precision, pr.Recall, pr.F1)
	if got, want := res.Blocking.Recall, 0.97; got < want {
		t.Errorf("blocking recall = %.4f, want >= %.2f", got, want)
	}
	if got, want := pr.F1, 0.95; got < want {
		t.Errorf("pairwise F1 = %.4f, want >= %.2f", got, want)
	}
}

// BenchmarkLinkEndToEnd links generated records end to end (blocking,
// comparison, u sampling, EM, scoring, clustering) and reports records/s
// and the speed-up over one worker on the same data in the same process.
// Set CIVICLINK_BENCH_LARGE=1 to add a million records.
func BenchmarkLinkEndToEnd(b *testing.B) {
	sizes := []int{10_000, 100_000}
	if os.Getenv("CIVICLINK_BENCH_LARGE") != "" {
		sizes = append(sizes, 1_000_000)
	}
	for _, n := range sizes {
		ds, truth := synthPeople(n, 2)
		cfg := countyConfig()
		b.Run("records="+itoa(n), func(b *testing.B) {
			start := time.Now()
			one, err := link.Link(context.Background(), []link.Dataset{ds}, cfg, link.Options{Workers: 1})
			if err != nil {
				b.Fatal(err)
			}
			ref := time.Since(start)
			b.ReportAllocs()
			var res *link.Result
			cpu := cpuTime()
			for b.Loop() {
				res, err = link.Link(context.Background(), []link.Dataset{ds}, cfg, link.Options{})
				if err != nil {
					b.Fatal(err)
				}
			}
			per := b.Elapsed() / time.Duration(b.N)
			b.ReportMetric((cpuTime()-cpu).Seconds()/float64(b.N), "cpu-s/op")
			b.ReportMetric(float64(n)/per.Seconds(), "records/s")
			b.ReportMetric(float64(res.Pairs.Len())/per.Seconds(), "pairs/s")
			b.ReportMetric(ref.Seconds()/per.Seconds(), "x-1worker")
			tr := eval.Truth{}
			for id, e := range truth {
				tr[link.RecordRef{Dataset: "people", ID: id}] = e
			}
			b.ReportMetric(eval.Pairs(tr, res.Refs(), res.MatchedPairs(), false).F1, "F1")
			if len(one.Matched) != len(res.Matched) {
				b.Errorf("one worker matched %d pairs, all workers %d: results must not depend on workers", len(one.Matched), len(res.Matched))
			}
		})
	}
}

func itoa(n int) string {
	switch {
	case n%1_000_000 == 0:
		return string(rune('0'+n/1_000_000)) + "e6"
	case n%100_000 == 0:
		return string(rune('0'+n/100_000)) + "e5"
	}
	return string(rune('0'+n/10_000)) + "e4"
}

// TestLargeStages runs one large linkage and logs each stage's time; it
// runs only when CIVICLINK_LINK_LARGE is a record count (e.g. 1000000).
func TestLargeStages(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("CIVICLINK_LINK_LARGE"))
	if n == 0 {
		t.Skip("set CIVICLINK_LINK_LARGE=N to time a run on N generated records")
	}
	ds, _ := synthPeople(n, 2)
	start, cpu := time.Now(), cpuTime()
	res, err := link.Link(context.Background(), []link.Dataset{ds}, countyConfig(), link.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d records, %d candidates, %d matches in %v wall, %v CPU: %+v", n, res.Pairs.Len(), len(res.Matched), time.Since(start), cpuTime()-cpu, res.Timings)
}
