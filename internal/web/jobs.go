package web

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/civiclink/civiclink/internal/clock"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/ingest"
	"github.com/civiclink/civiclink/internal/metrics"
)

// Job states.
const (
	jobQueued  = "queued"
	jobRunning = "running"
	jobDone    = "done"
	jobFailed  = "failed"
)

// Job kinds.
const (
	jobUpload  = "upload"
	jobLinkage = "linkage"
)

// Job is work done in the background: an upload being loaded or a linkage
// run. Jobs live on the server, so a page reload (or another tab) picks the
// progress up again by id.
type Job struct {
	ID        string  `json:"id"`
	Kind      string  `json:"kind"`
	UserID    string  `json:"user"`
	DatasetID string  `json:"dataset,omitempty"`
	File      string  `json:"file,omitempty"`
	State     string  `json:"state"`
	Done      int64   `json:"done"`
	Total     int64   `json:"total"`
	Percent   float64 `json:"percent"`
	// Stage names the step a multi-step job is in (a linkage run's
	// "read", "compare", "score", "cluster", "save").
	Stage string `json:"stage,omitempty"`
	// Datasets and Purpose describe a linkage job; RunID is its stored run.
	Datasets []string `json:"datasets,omitempty"`
	Purpose  string   `json:"purpose,omitempty"`
	RunID    int64    `json:"run,omitempty"`
	// Incremental marks a linkage run that links only new or changed
	// records.
	Incremental bool              `json:"incremental,omitempty"`
	Version     int               `json:"version,omitempty"`
	Rows        int64             `json:"rows,omitempty"`
	Duplicate   bool              `json:"duplicate,omitempty"`
	Error       string            `json:"error,omitempty"`
	RowErrors   []ingest.RowError `json:"row_errors,omitempty"`
	Started     time.Time         `json:"started"`
	Finished    *time.Time        `json:"finished,omitempty"`
}

// finished reports whether the job has stopped.
func (j *Job) finished() bool { return j.State == jobDone || j.State == jobFailed }

// jobEntry is a job with the channel closed (and replaced) on each change.
type jobEntry struct {
	job     Job
	changed chan struct{}
	record  func(Job) // a shared job's recorder (jobs_shared.go), else nil
}

// jobStore keeps background jobs in memory; finished jobs are kept for a
// day. A restart loses them (what they made, a dataset version or a
// linkage run, is in the store): see [jobStore.unknown].
type jobStore struct {
	mu      sync.Mutex
	clock   clock.Clock
	started time.Time // when this server started
	byID    map[string]*jobEntry
	wg      sync.WaitGroup
	closed  chan struct{}
	once    sync.Once
	metrics *metrics.Metrics // nil records nothing
	// interrupting is set once a shutdown's grace has run out: jobs that
	// end after it are recorded as interrupted.
	interrupting bool
}

func newJobStore(c clock.Clock, m *metrics.Metrics) *jobStore {
	return &jobStore{clock: c, started: c.Now(), byID: map[string]*jobEntry{}, closed: make(chan struct{}), metrics: m}
}

// unknown is the answer for a job id this server does not know (or that
// is another user's: the answer does not say which).
func (js *jobStore) unknown(id string) error {
	return fault.Errorf(fault.NotFound, "Job %q is not known to this server. Jobs are kept in memory only: one started before the server "+
		"last restarted (at %s UTC) was lost with it, and a finished one is forgotten after a day. "+
		"What a finished job made is kept: an upload's version is on its dataset's page (/datasets), a linkage run under /linkage. "+
		"If the job did not finish, start it again.", id, js.started.UTC().Format("2006-01-02 15:04"))
}

// add registers a new queued upload job and returns it.
func (js *jobStore) add(userID, datasetID, file string, total int64) Job {
	return js.start(Job{Kind: jobUpload, UserID: userID, DatasetID: datasetID, File: file, Total: total})
}

// start registers j as a new queued job, giving it an id and start time,
// and returns it.
func (js *jobStore) start(j Job) Job {
	now := js.clock.Now()
	j.ID, j.State, j.Started = randomID()[:22], jobQueued, now
	js.mu.Lock()
	defer js.mu.Unlock()
	for id, e := range js.byID {
		if e.job.Finished != nil && now.Sub(*e.job.Finished) > 24*time.Hour {
			delete(js.byID, id)
		}
	}
	js.byID[j.ID] = &jobEntry{job: j, changed: make(chan struct{})}
	js.metrics.JobStarted(j.Kind)
	return j
}

// adopt registers j, a job claimed from the shared queue, under its own
// id; record receives a copy of it at every change.
func (js *jobStore) adopt(j Job, record func(Job)) {
	js.mu.Lock()
	defer js.mu.Unlock()
	js.byID[j.ID] = &jobEntry{job: j, changed: make(chan struct{}), record: record}
}

// update changes a job and wakes its watchers (and records a shared
// job's change).
func (js *jobStore) update(id string, f func(*Job)) {
	js.mu.Lock()
	e := js.byID[id]
	if e == nil {
		js.mu.Unlock()
		return
	}
	defer func(record func(Job)) {
		j := e.job
		js.mu.Unlock()
		if record != nil {
			record(j)
		}
	}(e.record)
	was := e.job.finished()
	f(&e.job)
	if !was && e.job.finished() {
		outcome := e.job.State
		if js.interrupting {
			outcome = "interrupted"
		}
		js.metrics.JobFinished(e.job.Kind, outcome)
	}
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

// list returns copies of a user's jobs of one kind, newest first.
func (js *jobStore) list(userID, kind string) []Job {
	js.mu.Lock()
	defer js.mu.Unlock()
	var out []Job
	for _, e := range js.byID {
		if e.job.UserID == userID && e.job.Kind == kind {
			out = append(out, e.job)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Started.After(out[j].Started) || out[i].Started.Equal(out[j].Started) && out[i].ID < out[j].ID
	})
	return out
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

// interruptedError is the error of a job a shutdown cut short.
const interruptedError = "interrupted: the server shut down before this job finished, and nothing it was writing was kept; start it again"

// unfinished counts the jobs queued or running.
func (js *jobStore) unfinished() int {
	js.mu.Lock()
	defer js.mu.Unlock()
	n := 0
	for _, e := range js.byID {
		if !e.job.finished() {
			n++
		}
	}
	return n
}

// drain waits up to grace for the running jobs to finish, then cancels
// those left, waits for them to stop, marks each failed as interrupted and
// returns them. Event streams end.
func (js *jobStore) drain(grace time.Duration) []Job {
	all := make(chan struct{})
	go func() { js.wg.Wait(); close(all) }()
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-all:
		js.closeAll()
		return nil
	case <-t.C:
	}
	js.mu.Lock()
	js.interrupting = true
	var left []string
	for id, e := range js.byID {
		if !e.job.finished() {
			left = append(left, id)
		}
	}
	js.mu.Unlock()
	js.closeAll()
	var out []Job
	for _, id := range left {
		js.update(id, func(j *Job) {
			if j.State != jobDone { // one that made it at the last moment stays done
				j.State = jobFailed
				j.Error = interruptedError
			}
		})
		if j, _, ok := js.get(id); ok && j.Error == interruptedError {
			out = append(out, j)
		}
	}
	return out
}

// closeAll cancels running jobs, waits for them and ends event streams.
func (js *jobStore) closeAll() {
	js.once.Do(func() { close(js.closed) })
	js.wg.Wait()
}
