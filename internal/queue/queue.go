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
}

// Handler runs one job.
type Handler func(ctx context.Context, j *Job) error

// Worker claims and runs jobs of the kinds it has handlers for.
type Worker struct {
	Store    Store
	Name     string // this process, in the job's record
	Handlers map[string]Handler
	Idle     time.Duration // pause when the queue is empty (default 1s)
}

// RunOnce claims one job and runs it, returning whether there was one.
func (w *Worker) RunOnce(ctx context.Context) (bool, error) {
	kinds := make([]string, 0, len(w.Handlers))
	for k := range w.Handlers {
		kinds = append(kinds, k)
	}
	j, err := w.Store.ClaimJob(ctx, w.Name, kinds)
	if fault.Code(err) == fault.NotFound {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	failure := ""
	if err := w.Handlers[j.Kind](ctx, j); err != nil {
		failure = fault.Message(err)
	}
	// Recorded even when ctx ended meanwhile (a shutdown): a job left
	// "running" would never be claimed again.
	return true, w.Store.FinishJob(context.WithoutCancel(ctx), j.ID, w.Name, failure)
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
