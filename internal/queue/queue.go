// Package queue is background work that several web processes share: a
// job is put on the queue once and run once, by whichever process claims
// it first. The PostgreSQL store implements [Store] with
// `FOR UPDATE SKIP LOCKED`, so claimers never wait on each other and never
// claim the same job twice.
package queue

import (
	"context"
	"time"

	"github.com/civiclink/civiclink/internal/fault"
)

// Job states.
const (
	Queued  = "queued"
	Running = "running"
	Done    = "done"
	Failed  = "failed"
)

// Job is one piece of queued work.
type Job struct {
	ID      int64
	Kind    string // what runs it, e.g. "sessions.sweep"
	Payload []byte // the kind's own encoding of what to do
	State   string
	Worker  string // who claimed it
	Error   string // why it failed
	Created time.Time
	Claimed time.Time
	Ended   time.Time
}

// Record is a job known to the web by Ref, with the record (its JSON of
// the job) the process running it last wrote, and the queue's state and
// failure of it.
type Record struct {
	Ref     string
	Record  []byte
	State   string
	Error   string
	Created time.Time
}

// Store keeps the queue.
type Store interface {
	// EnqueueJob adds a queued job and returns its id.
	EnqueueJob(ctx context.Context, kind string, payload []byte) (int64, error)
	// ClaimJob marks the oldest queued job of one of kinds as running by
	// worker and returns it; fault.NotFound when there is none.
	ClaimJob(ctx context.Context, worker string, kinds []string) (*Job, error)
	// FinishJob records a claimed job's end: done when failure is "",
	// else failed with it.
	FinishJob(ctx context.Context, id int64, worker, failure string) error
	// Job returns a job by id.
	Job(ctx context.Context, id int64) (*Job, error)
	// HeartbeatJob records that worker is still running job id.
	HeartbeatJob(ctx context.Context, id int64, worker string) error
	// FailStaleJobs records as failed, with reason, every running job
	// whose worker last beat before before, and returns how many.
	FailStaleJobs(ctx context.Context, before time.Time, reason string) (int64, error)
}

// StaleReason is the failure recorded for a job whose worker stopped
// beating.
const StaleReason = "interrupted: the server running this job stopped (killed or crashed) before it finished, and nothing it was writing was kept; start it again"

// Default beat and staleness: a running job beats every DefaultBeat, and
// one whose last beat is older than DefaultStale is failed.
const (
	DefaultBeat  = 20 * time.Second
	DefaultStale = 2 * time.Minute
)

// Handler runs one job.
type Handler func(ctx context.Context, j *Job) error

// Worker claims and runs jobs of the kinds it has handlers for.
type Worker struct {
	Store    Store
	Name     string // this process, in the job's record
	Handlers map[string]Handler
	Idle     time.Duration // pause when the queue is empty (default 1s)
	Beat     time.Duration // how often a running job beats (default DefaultBeat)
	Stale    time.Duration // a running job silent this long is failed (default DefaultStale)
}

// RunOnce claims one job and runs it, returning whether there was one.
func (w *Worker) RunOnce(ctx context.Context) (bool, error) {
	kinds := make([]string, 0, len(w.Handlers))
	for k := range w.Handlers {
		kinds = append(kinds, k)
	}
	stale := w.Stale
	if stale <= 0 {
		stale = DefaultStale
	}
	if _, err := w.Store.FailStaleJobs(ctx, time.Now().Add(-stale), StaleReason); err != nil {
		return false, err
	}
	j, err := w.Store.ClaimJob(ctx, w.Name, kinds)
	if fault.Code(err) == fault.NotFound {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	failure := ""
	stop := w.beat(ctx, j.ID)
	if err := w.Handlers[j.Kind](ctx, j); err != nil {
		failure = fault.Message(err)
	}
	stop()
	// Recorded even when ctx ended meanwhile (a shutdown): a job left
	// "running" would never be claimed again.
	return true, w.Store.FinishJob(context.WithoutCancel(ctx), j.ID, w.Name, failure)
}

// beat records every Beat that the worker still runs job id, until the
// returned stop is called.
func (w *Worker) beat(ctx context.Context, id int64) (stop func()) {
	every := w.Beat
	if every <= 0 {
		every = DefaultBeat
	}
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				w.Store.HeartbeatJob(context.WithoutCancel(ctx), id, w.Name)
			}
		}
	}()
	return func() { close(done); <-stopped }
}

// Run runs jobs until ctx is done.
func (w *Worker) Run(ctx context.Context) error {
	idle := w.Idle
	if idle <= 0 {
		idle = time.Second
	}
	for {
		ran, err := w.RunOnce(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil || !ran {
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(idle):
			}
		}
	}
}
