package postgres_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

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

// TestStaleJobFailed: a job whose worker stopped beating (its process was
// killed) is recorded as failed, with the reason, by the next claimer, and
// is not run again; a job whose worker beats stays running; a running
// handler beats.
func TestStaleJobFailed(t *testing.T) {
	ctx := context.Background()
	st := open(t)
	dead, _ := st.EnqueueJob(ctx, "x", nil)
	alive, _ := st.EnqueueJob(ctx, "x", nil)
	for _, w := range []string{"killed", "busy"} {
		if _, err := st.ClaimJob(ctx, w, []string{"x"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.Pool().Exec(ctx, `UPDATE jobs SET heartbeat_at = now() - interval '10 minutes' WHERE id = $1`, dead); err != nil {
		t.Fatal(err)
	}
	beats := 0
	next, _ := st.EnqueueJob(ctx, "x", nil)
	w := &queue.Worker{Store: st, Name: "next", Beat: 20 * time.Millisecond, Handlers: map[string]queue.Handler{
		"x": func(ctx context.Context, j *queue.Job) error {
			if j.ID != next {
				return fmt.Errorf("ran job %d, want %d", j.ID, next)
			}
			var before, after time.Time
			st.Pool().QueryRow(ctx, `SELECT heartbeat_at FROM jobs WHERE id = $1`, j.ID).Scan(&before)
			time.Sleep(100 * time.Millisecond)
			st.Pool().QueryRow(ctx, `SELECT heartbeat_at FROM jobs WHERE id = $1`, j.ID).Scan(&after)
			if after.After(before) {
				beats++
			}
			return nil
		},
	}}
	if ran, err := w.RunOnce(ctx); err != nil || !ran {
		t.Fatalf("run once: %v, %v", ran, err)
	}
	if j, err := st.Job(ctx, dead); err != nil || j.State != queue.Failed || j.Error != queue.StaleReason {
		t.Errorf("the killed worker's job: %+v, %v; want failed as interrupted", j, err)
	}
	if j, err := st.Job(ctx, alive); err != nil || j.State != queue.Running {
		t.Errorf("the busy worker's job: %+v, %v; want still running", j, err)
	}
	if j, err := st.Job(ctx, next); err != nil || j.State != queue.Done || beats != 1 {
		t.Errorf("the next job: %+v, %v, beat seen %d; want done, having beaten while it ran", j, err, beats)
	}
}
