package web

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/queue"
	"github.com/civiclink/civiclink/internal/web/pushes"
)

// Background jobs on a shared queue (server mode, docs/server-mode.md).
// With [Config.Queue] set, an upload received by one process is spooled in
// [Config.SharedUploadDir], which every process reads, and put on the
// queue, and so is a linkage run once the gate allowed it; whichever
// process claims a job first runs it, once. The process
// running a job writes its record (the [Job] JSON) to the queue at each
// change, so /api/jobs/{id} and its events answer alike on every process.

// JobQueue is the queue web processes share.
type JobQueue interface {
	queue.Store
	// EnqueueRecorded adds a queued job known to the web as ref, with its
	// record, and returns its id.
	EnqueueRecorded(ctx context.Context, kind, ref string, payload, record []byte) (int64, error)
	// SetJobRecord replaces the record of the job known as ref.
	SetJobRecord(ctx context.Context, ref string, record []byte) error
	// JobRecord returns the record of the job known as ref and the
	// queue's state and failure of it; fault.NotFound when there is none.
	JobRecord(ctx context.Context, ref string) (record []byte, state, failure string, err error)
	// JobRecords returns the records of jobs of kind queued since since,
	// newest first.
	JobRecords(ctx context.Context, kind string, since time.Time) ([]queue.Record, error)
	// ActiveJobs returns the queued and running jobs of kinds.
	ActiveJobs(ctx context.Context, kinds []string) ([]*queue.Job, error)
}

// queuedUploadKind is the queue's kind of an upload job.
const queuedUploadKind = "web.upload"

// queuedUpload is an upload job's payload on the queue: the spooled
// folder and file are named relative to the shared spool.
type queuedUpload struct {
	Job    Job    `json:"job"`
	Path   string `json:"path"`
	Dir    string `json:"dir"`
	Format string `json:"format"`
}

// queuedPushKind is the queue's kind of a push's load job.
const queuedPushKind = "web.push"

// queuedPush is a push's load job's payload on the queue.
type queuedPush struct {
	Job    Job    `json:"job"`
	PushID string `json:"push"`
}

// sharedPoll is how often a process that is not running a job reads its
// record again for an event stream, and how long an idle worker waits.
const sharedPoll = 200 * time.Millisecond

// enqueueUpload puts a received upload on the shared queue and returns its job.
func (s *Server) enqueueUpload(ctx context.Context, j Job, up *upload) (Job, error) {
	j.ID, j.State, j.Started = randomID()[:22], jobQueued, s.cfg.Clock.Now()
	// The folder and file by name in the shared spool: the shared folder
	// may be mounted at another path on each server.
	dir := filepath.Base(up.dir)
	payload, err := json.Marshal(queuedUpload{Job: j, Path: filepath.Join(dir, filepath.Base(up.path)), Dir: dir, Format: up.format})
	if err != nil {
		return Job{}, err
	}
	rec, _ := json.Marshal(j)
	if _, err := s.cfg.Queue.EnqueueRecorded(ctx, queuedUploadKind, j.ID, payload, rec); err != nil {
		up.remove()
		return Job{}, fault.Wrap(err, fault.Internal, "the upload could not be queued; try again")
	}
	s.cfg.Metrics.JobStarted(j.Kind)
	return j, nil
}

// enqueuePush puts a completed push's load job on the shared queue.
func (s *Server) enqueuePush(ctx context.Context, j Job, p *pushes.Push) (Job, error) {
	j.State, j.Started = jobQueued, s.cfg.Clock.Now()
	payload, err := json.Marshal(queuedPush{Job: j, PushID: p.ID})
	if err != nil {
		return Job{}, err
	}
	rec, _ := json.Marshal(j)
	if _, err := s.cfg.Queue.EnqueueRecorded(ctx, queuedPushKind, j.ID, payload, rec); err != nil {
		return Job{}, fault.Wrap(err, fault.Internal, "the pushed file's load could not be queued; complete the push again")
	}
	s.cfg.Metrics.JobStarted(j.Kind)
	return j, nil
}

// runQueuedPush runs a push's load job this process claimed from the
// queue, to the end, and fails when the load did.
func (s *Server) runQueuedPush(ctx context.Context, qj *queue.Job) error {
	var q queuedPush
	if err := json.Unmarshal(qj.Payload, &q); err != nil {
		return fault.Wrap(err, fault.Internal, "queued push %d does not decode", qj.ID)
	}
	fail := func(err error) error { return s.failShared(q.Job, err) }
	p, err := s.cfg.Pushes.Push(ctx, q.PushID)
	if err != nil {
		return fail(err)
	}
	if p.State != pushes.Completed || p.JobRef != q.Job.ID {
		return fail(fault.Errorf(fault.Conflict, "the push %s is no longer completed by this job (it was completed again): follow job %s", p.ID, p.JobRef))
	}
	u, d, err := s.jobSubjects(ctx, q.Job)
	if err != nil {
		return fail(err)
	}
	return s.runAdopted(q.Job, func(ctx context.Context) { s.loadPush(ctx, q.Job.ID, p, d, u) })
}

// jobSubjects returns the user a claimed job runs for and the dataset it
// loads into.
func (s *Server) jobSubjects(ctx context.Context, j Job) (*govern.User, *catalog.Dataset, error) {
	u, err := s.cfg.Govern.Actor(ctx, j.UserID)
	if err != nil {
		return nil, nil, err
	}
	d, err := s.cfg.Catalog.Dataset(ctx, j.DatasetID)
	return u, d, err
}

// failShared records a claimed job as failed by err before it ran, and
// returns err.
func (s *Server) failShared(j Job, err error) error {
	_, _, msg := s.public(err, "job", j.ID, "dataset", j.DatasetID)
	j.State, j.Error = jobFailed, msg
	s.recordShared(j)
	return err
}

// runAdopted runs a job claimed from the shared queue in this process,
// recording it on the queue at each change, and fails when it did.
func (s *Server) runAdopted(j Job, run func(ctx context.Context)) error {
	s.jobs.adopt(j, s.recordShared)
	done := make(chan struct{})
	s.jobs.run(func(ctx context.Context) { defer close(done); run(ctx) })
	<-done
	if j, _, _ := s.jobs.get(j.ID); j.State == jobFailed {
		return fault.Errorf(fault.Invalid, "%s", j.Error)
	}
	return nil
}

// runQueuedUpload runs an upload job this process claimed from the queue,
// to the end, and fails when the load did.
func (s *Server) runQueuedUpload(ctx context.Context, qj *queue.Job) error {
	var p queuedUpload
	if err := json.Unmarshal(qj.Payload, &p); err != nil {
		return fault.Wrap(err, fault.Internal, "queued upload %d does not decode", qj.ID)
	}
	up := &upload{dir: s.inSharedSpool(p.Dir), path: s.inSharedSpool(p.Path), name: p.Job.File, format: p.Format, size: p.Job.Total}
	fail := func(err error) error {
		up.remove()
		return s.failShared(p.Job, err)
	}
	if _, err := os.Stat(up.path); err != nil {
		return fail(fault.Errorf(fault.Internal, "the uploaded file is not in the shared spool (%s): every server must see the same folder; upload it again", up.path))
	}
	u, d, err := s.jobSubjects(ctx, p.Job)
	if err != nil {
		return fail(err)
	}
	return s.runAdopted(p.Job, func(ctx context.Context) { s.load(ctx, p.Job.ID, d, up, u) })
}

// queuedLinkageKind is the queue's kind of a linkage job.
const queuedLinkageKind = "web.linkage"

// queuedLinkage is a linkage job's payload on the queue: the request as
// the gate allowed it when it was started.
type queuedLinkage struct {
	Job     Job         `json:"job"`
	Request LinkRequest `json:"request"`
}

// enqueueLinkage puts a linkage run, checked and its start recorded, on
// the shared queue and returns its job: whichever process claims it
// first runs it, once.
func (s *Server) enqueueLinkage(ctx context.Context, j Job, req LinkRequest) (Job, error) {
	j.ID, j.State, j.Started = randomID()[:22], jobQueued, s.cfg.Clock.Now()
	payload, err := json.Marshal(queuedLinkage{Job: j, Request: req})
	if err != nil {
		return Job{}, err
	}
	rec, _ := json.Marshal(j)
	if _, err := s.cfg.Queue.EnqueueRecorded(ctx, queuedLinkageKind, j.ID, payload, rec); err != nil {
		return Job{}, fault.Wrap(err, fault.Internal, "the linkage run could not be queued; start it again")
	}
	s.cfg.Metrics.JobStarted(j.Kind)
	return j, nil
}

// runQueuedLinkage runs a linkage job this process claimed from the
// queue, to the end, as the user who started it (the gate is asked again
// as the run reads the datasets), and fails when the run did.
func (s *Server) runQueuedLinkage(ctx context.Context, qj *queue.Job) error {
	var p queuedLinkage
	if err := json.Unmarshal(qj.Payload, &p); err != nil {
		return fault.Wrap(err, fault.Internal, "queued linkage run %d does not decode", qj.ID)
	}
	lk, err := s.linker()
	if err != nil {
		return s.failShared(p.Job, err)
	}
	u, err := s.cfg.Govern.Actor(ctx, p.Job.UserID)
	if err != nil {
		return s.failShared(p.Job, err)
	}
	return s.runAdopted(p.Job, func(ctx context.Context) { s.runLinkage(ctx, p.Job.ID, lk, u, p.Request) })
}

// inSharedSpool is the path of name in this server's shared spool (a name
// already absolute, from a job queued before names were relative, as is).
func (s *Server) inSharedSpool(name string) string {
	if filepath.IsAbs(name) {
		return name
	}
	return filepath.Join(s.cfg.SharedUploadDir, name)
}

// recordShared writes a job's record to the queue; a failure is logged
// (the job goes on; its record catches up at the next change).
func (s *Server) recordShared(j Job) {
	rec, err := json.Marshal(j)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err = s.cfg.Queue.SetJobRecord(ctx, j.ID, rec)
		cancel()
	}
	if err != nil {
		s.cfg.Log.Warn("cannot record a job's progress on the shared queue", "job", j.ID, "error", err)
	}
}

// sharedJob reads a job another process runs (or ran) from the queue,
// with a channel closed when it is worth reading again.
func (s *Server) sharedJob(ctx context.Context, id string) (Job, <-chan struct{}, bool) {
	if s.cfg.Queue == nil {
		return Job{}, nil, false
	}
	rec, state, failure, err := s.cfg.Queue.JobRecord(ctx, id)
	if err != nil {
		return Job{}, nil, false
	}
	j, ok := decodeShared(queue.Record{Ref: id, Record: rec, State: state, Error: failure})
	if !ok {
		return Job{}, nil, false
	}
	ch := make(chan struct{})
	time.AfterFunc(sharedPoll, func() { close(ch) })
	return j, ch, true
}

// decodeShared reads a job from its record on the queue.
func decodeShared(r queue.Record) (Job, bool) {
	var j Job
	if json.Unmarshal(r.Record, &j) != nil {
		return Job{}, false
	}
	if r.State == queue.Failed && !j.finished() {
		// Its worker stopped before recording the end (queue.StaleReason).
		j.State, j.Error = jobFailed, r.Error
	}
	if j.Total > 0 {
		j.Percent = float64(int(1000*float64(j.Done)/float64(j.Total))) / 10
	}
	return j, true
}

// userJobs returns a user's jobs of one kind, newest first: those this
// process runs or ran and, with a shared queue, those queued through any
// process in the last day (kind is the queue's kind of them).
func (s *Server) userJobs(ctx context.Context, userID, kind, queued string) []Job {
	out := s.jobs.list(userID, kind)
	if s.cfg.Queue == nil {
		return out
	}
	recs, err := s.cfg.Queue.JobRecords(ctx, queued, s.cfg.Clock.Now().Add(-24*time.Hour))
	if err != nil {
		s.cfg.Log.Warn("cannot list the shared queue's jobs", "kind", queued, "error", err)
		return out
	}
	seen := map[string]bool{}
	for _, j := range out {
		seen[j.ID] = true
	}
	for _, r := range recs {
		if j, ok := decodeShared(r); ok && j.UserID == userID && !seen[j.ID] {
			out = append(out, j)
		}
	}
	sort.SliceStable(out, func(i, k int) bool { return out[i].Started.After(out[k].Started) })
	return out
}

// work claims and runs queued web jobs until ctx is done.
func (s *Server) work(ctx context.Context) {
	host, _ := os.Hostname()
	w := &queue.Worker{
		Store: s.cfg.Queue,
		Name:  fmt.Sprintf("%s/%d/%s", host, os.Getpid(), randomID()[:8]), // host/pid/…: which process runs a job
		Handlers: map[string]queue.Handler{
			queuedUploadKind:  s.runQueuedUpload,
			queuedPushKind:    s.runQueuedPush,
			queuedLinkageKind: s.runQueuedLinkage,
		},
		Idle: sharedPoll,
	}
	if err := w.Run(ctx); err != nil {
		s.cfg.Log.Warn("the shared job worker stopped", "error", err)
	}
}
