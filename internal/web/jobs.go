package web

import (
	"context"
	"sync"
	"time"

	"github.com/civiclink/civiclink/internal/clock"
	"github.com/civiclink/civiclink/internal/ingest"
)

// Job states.
const (
	jobQueued  = "queued"
	jobRunning = "running"
	jobDone    = "done"
	jobFailed  = "failed"
)

// Job is an upload being loaded in the background. Jobs live on the
// server, so a page reload (or another tab) picks the progress up again
// by id.
type Job struct {
	ID        string            `json:"id"`
	UserID    string            `json:"user"`
	DatasetID string            `json:"dataset"`
	File      string            `json:"file"`
	State     string            `json:"state"`
	Done      int64             `json:"done"`
	Total     int64             `json:"total"`
	Percent   float64           `json:"percent"`
	Version   int               `json:"version,omitempty"`
	Rows      int64             `json:"rows,omitempty"`
	Duplicate bool              `json:"duplicate,omitempty"`
	Error     string            `json:"error,omitempty"`
	RowErrors []ingest.RowError `json:"row_errors,omitempty"`
	Started   time.Time         `json:"started"`
	Finished  *time.Time        `json:"finished,omitempty"`
}

// finished reports whether the job has stopped.
func (j *Job) finished() bool { return j.State == jobDone || j.State == jobFailed }

// jobEntry is a job with the channel closed (and replaced) on each change.
type jobEntry struct {
	job     Job
	changed chan struct{}
}

// jobStore keeps upload jobs in memory; finished jobs are kept for a day.
type jobStore struct {
	mu     sync.Mutex
	clock  clock.Clock
	byID   map[string]*jobEntry
	wg     sync.WaitGroup
	closed chan struct{}
	once   sync.Once
}

func newJobStore(c clock.Clock) *jobStore {
	return &jobStore{clock: c, byID: map[string]*jobEntry{}, closed: make(chan struct{})}
}

// add registers a new queued job and returns its id.
func (js *jobStore) add(userID, datasetID, file string, total int64) Job {
	now := js.clock.Now()
	j := Job{ID: randomID()[:22], UserID: userID, DatasetID: datasetID, File: file, State: jobQueued, Total: total, Started: now}
	js.mu.Lock()
	defer js.mu.Unlock()
	for id, e := range js.byID {
		if e.job.Finished != nil && now.Sub(*e.job.Finished) > 24*time.Hour {
			delete(js.byID, id)
		}
	}
	js.byID[j.ID] = &jobEntry{job: j, changed: make(chan struct{})}
	return j
}

// update changes a job and wakes its watchers.
func (js *jobStore) update(id string, f func(*Job)) {
	js.mu.Lock()
	defer js.mu.Unlock()
	e := js.byID[id]
	if e == nil {
		return
	}
	f(&e.job)
	if e.job.Total > 0 {
		e.job.Percent = float64(int(1000*float64(e.job.Done)/float64(e.job.Total))) / 10
	}
	if e.job.finished() && e.job.Finished == nil {
		t := js.clock.Now()
		e.job.Finished = &t
	}
	close(e.changed)
	e.changed = make(chan struct{})
}

// get returns a copy of a job and a channel closed at its next change.
func (js *jobStore) get(id string) (Job, <-chan struct{}, bool) {
	js.mu.Lock()
	defer js.mu.Unlock()
	e := js.byID[id]
	if e == nil {
		return Job{}, nil, false
	}
	return e.job, e.changed, true
}

// run runs f in the background, tracked so that closeAll can wait.
func (js *jobStore) run(f func(ctx context.Context)) {
	js.wg.Add(1)
	go func() {
		defer js.wg.Done()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go func() {
			select {
			case <-js.closed:
				cancel()
			case <-ctx.Done():
			}
		}()
		f(ctx)
	}()
}

// closeAll cancels running jobs, waits for them and ends event streams.
func (js *jobStore) closeAll() {
	js.once.Do(func() { close(js.closed) })
	js.wg.Wait()
}
