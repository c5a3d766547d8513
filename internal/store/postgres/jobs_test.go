package postgres_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/queue"
	"github.com/civiclink/civiclink/internal/store/postgres"
	"github.com/civiclink/civiclink/internal/store/postgres/pgtest"
)

// TestJobsOnce: two stores on one database (two processes), four workers
// each, drain a queue of jobs; every job runs exactly once, and a failing
// one is recorded as failed with its reason.
func TestJobsOnce(t *testing.T) {
	ctx := context.Background()
	url := pgtest.Fresh(t)
	var sts []*postgres.Store
	for range 2 {
		st, err := postgres.Open(ctx, url, "")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		sts = append(sts, st)
	}
	const n = 200
	for i := range n {
		if _, err := sts[i%2].EnqueueJob(ctx, "count", []byte(strconv.Itoa(i))); err != nil {
			t.Fatal(err)
		}
	}
	bad, _ := sts[0].EnqueueJob(ctx, "count", []byte("fail"))
	runs := make([]atomic.Int32, n)
	var wg sync.WaitGroup
	for p, st := range sts {
		for w := range 4 {
			worker := &queue.Worker{Store: st, Name: fmt.Sprintf("p%d-w%d", p, w), Handlers: map[string]queue.Handler{
				"count": func(ctx context.Context, j *queue.Job) error {
					i, err := strconv.Atoi(string(j.Payload))
					if err != nil {
						return fault.Errorf(fault.Invalid, "not a number")
					}
					runs[i].Add(1)
					return nil
				},
			}}
			wg.Go(func() {
				for {
					ran, err := worker.RunOnce(ctx)
					if err != nil {
						t.Error(err)
						return
					}
					if !ran {
						return
					}
				}
			})
		}
	}
	wg.Wait()
	for i := range runs {
		if got := runs[i].Load(); got != 1 {
			t.Errorf("job %d ran %d times, want once", i, got)
		}
	}
	j, err := sts[1].Job(ctx, bad)
	if err != nil || j.State != queue.Failed || j.Error != "not a number" || j.Worker == "" {
		t.Errorf("the failing job: %+v, %v; want failed with its reason and its worker", j, err)
	}
}
