package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"time"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/web/pushes"
)

// A push is a file sent by `civiclink push` from a partner's machine in
// chunks: the client declares the file (name, size, SHA-256), sends chunks
// in order, each with its own SHA-256, and completes it; the server checks
// the whole file's SHA-256 and loads it exactly as a web upload (the same
// ingest service, access check, job and audit entries). A push cut off
// midway is resumed by declaring the same file again: the server answers
// with the bytes it already holds.
//
// The push's record is in [Config.Pushes] and each chunk is a file in the
// spool; in server mode both are shared (PostgreSQL and the shared
// folder), so the chunks of one push may reach different processes, and
// the load job — which assembles the chunks, checks them again and loads
// the file — goes on the shared queue and runs once, wherever it is
// claimed. With the embedded store they are this process's (a restart
// forgets them; the client then starts again from the first byte).

// MaxPushChunk is the largest chunk a push may send.
const MaxPushChunk = 16 << 20

// pushIdle is how long an unfinished push is kept without a chunk.
const pushIdle = 24 * time.Hour

// Push is a push's state as the API shows it.
type Push struct {
	ID        string    `json:"id"`
	DatasetID string    `json:"dataset"`
	Name      string    `json:"name"`
	Size      int64     `json:"size"`
	SHA256    string    `json:"sha256"`
	Received  int64     `json:"received"`
	ChunkSize int64     `json:"chunk_size"`
	Updated   time.Time `json:"updated"`
	// Job is the load job of a completed push.
	Job string `json:"job,omitempty"`
}

// pushView is a push's API view.
func pushView(p *pushes.Push) Push {
	return Push{ID: p.ID, DatasetID: p.DatasetID, Name: p.Name, Size: p.Size, SHA256: p.SHA256, Received: p.Received,
		ChunkSize: min(4<<20, MaxPushChunk), Updated: p.Updated, Job: p.JobRef}
}

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// pushRequest declares a file to push.
type pushRequest struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// pushSpool is the folder pushes' chunks are written to.
func (s *Server) pushSpool() string {
	if s.cfg.Queue != nil {
		return s.cfg.SharedUploadDir
	}
	return s.cfg.UploadDir
}

// apiPushStart declares a push, or finds the user's unfinished push of the
// same file to the same dataset and answers with what it already holds.
func (s *Server) apiPushStart(w http.ResponseWriter, r *http.Request) error {
	d, err := s.dataset(r)
	if err != nil {
		return err
	}
	u := who(r).User
	if _, err := s.cfg.Ingest.Check(r.Context(), u, d.ID); err != nil {
		return err
	}
	var req pushRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 4096)).Decode(&req); err != nil {
		return fault.Errorf(fault.Invalid, "send the file's name, size and sha256 as JSON")
	}
	name := unsafeName.ReplaceAllString(filepath.Base(req.Name), "_")
	switch {
	case name == "" || name == "." || name == "_":
		return fault.Errorf(fault.Invalid, "name: the file has no name")
	case req.Size <= 0:
		return fault.Errorf(fault.Invalid, "size: the file is empty")
	case req.Size > s.cfg.MaxUpload:
		return fault.Errorf(fault.Invalid, "size: the file is larger than the %d MiB this server accepts", s.cfg.MaxUpload>>20)
	case !sha256Hex.MatchString(req.SHA256):
		return fault.Errorf(fault.Invalid, "sha256: give the file's SHA-256 as 64 lower-case hex digits")
	}
	s.expirePushes(r.Context())
	now := s.cfg.Clock.Now()
	p, err := s.cfg.Pushes.StartPush(r.Context(), &pushes.Push{ID: randomID()[:22], UserID: u.ID, DatasetID: d.ID, Name: name,
		Size: req.Size, SHA256: req.SHA256, Digest: pushes.NewDigest(), Created: now, Updated: now})
	if err != nil {
		return err
	}
	if p, err = s.settlePush(r.Context(), p); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pushView(p))
	return nil
}

// settlePush puts back to receiving a completed push whose load job was
// interrupted (its server was killed) or is not known, so that the
// client can complete it again without sending its bytes again.
func (s *Server) settlePush(ctx context.Context, p *pushes.Push) (*pushes.Push, error) {
	if p.State != pushes.Completed {
		return p, nil
	}
	if j, _, ok := s.jobNow(ctx, p.JobRef); ok && j.State != jobFailed {
		return p, nil
	}
	q, err := s.cfg.Pushes.ReopenPush(ctx, p.ID, s.cfg.Clock.Now())
	if fault.Code(err) == fault.Conflict {
		return q, nil // another request settled it first
	}
	return q, err
}

// expirePushes forgets pushes idle for longer than pushIdle, with their
// chunks; a failure is logged (the sweep runs again at the next push).
func (s *Server) expirePushes(ctx context.Context) {
	old, err := s.cfg.Pushes.ExpirePushes(ctx, s.cfg.Clock.Now().Add(-pushIdle))
	if err != nil {
		s.cfg.Log.Warn("cannot expire idle pushes", "error", err)
	}
	for _, p := range old {
		os.RemoveAll(filepath.Join(s.pushSpool(), p.Dir()))
	}
}

// push returns the push named in the path if it is the user's.
func (s *Server) push(r *http.Request) (*pushes.Push, error) {
	p, err := s.cfg.Pushes.Push(r.Context(), r.PathValue("id"))
	if fault.Code(err) == fault.NotFound || err == nil && p.UserID != who(r).User.ID {
		return nil, fault.Errorf(fault.NotFound, "push %q is not known to this server (it finished, was abandoned after a day, or the server restarted): push the file again", r.PathValue("id"))
	}
	return p, err
}

func (s *Server) apiPushShow(w http.ResponseWriter, r *http.Request) error {
	p, err := s.push(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pushView(p))
	return nil
}

// apiPushChunk adds one chunk at the offset the server expects; the
// chunk's SHA-256 (header X-Chunk-SHA256) must match its bytes. The same
// chunk sent again is answered as the first time, changing nothing.
func (s *Server) apiPushChunk(w http.ResponseWriter, r *http.Request) error {
	p, err := s.push(r)
	if err != nil {
		return err
	}
	off, err := strconv.ParseInt(r.PathValue("offset"), 10, 64)
	if err != nil || off < 0 {
		return fault.Errorf(fault.Invalid, "offset: %q is not a byte offset", r.PathValue("offset"))
	}
	want := r.Header.Get("X-Chunk-SHA256")
	if !sha256Hex.MatchString(want) {
		return fault.Errorf(fault.Invalid, "X-Chunk-SHA256: send the chunk's SHA-256 as 64 lower-case hex digits")
	}
	if off > p.Received {
		return fault.Errorf(fault.Conflict, "offset: the server holds %d bytes of this push, so the next chunk starts at %d, not %d: send bytes %d to %d first", p.Received, p.Received, off, p.Received, off-1)
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, MaxPushChunk+1))
	if err != nil {
		return fault.Wrap(err, fault.Invalid, "the chunk was cut short; send it again")
	}
	if len(b) == 0 || len(b) > MaxPushChunk || off+int64(len(b)) > p.Size {
		return fault.Errorf(fault.Invalid, "chunk: %d bytes at offset %d do not fit a %d-byte file in chunks of at most %d bytes", len(b), off, p.Size, MaxPushChunk)
	}
	if sum := sha256.Sum256(b); hex.EncodeToString(sum[:]) != want {
		return fault.Errorf(fault.Invalid, "chunk at offset %d does not match its SHA-256: it was altered or damaged on the way, and none of it was kept; send it again", off)
	}
	c := pushes.Chunk{Offset: off, Size: int64(len(b)), SHA256: want}
	if off < p.Received || p.State != pushes.Receiving {
		return s.pushReplay(w, r, p, c)
	}
	digest, err := pushes.Extend(p.Digest, b)
	if err != nil {
		return err
	}
	if err := pushes.WriteChunk(s.pushSpool(), p, c, b); err != nil {
		return err
	}
	q, err := s.cfg.Pushes.AddPushChunk(r.Context(), p.ID, c, digest, s.cfg.Clock.Now())
	if fault.Code(err) == fault.Conflict {
		// Another request (on this process or another) added a chunk at
		// this offset first: answered as a replay of it, or refused.
		return s.pushReplay(w, r, q, c)
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pushView(q))
	return nil
}

// pushReplay answers a chunk at an offset the push already holds: the
// same bytes again change nothing and are answered with the push as it
// is; other bytes are refused.
func (s *Server) pushReplay(w http.ResponseWriter, r *http.Request, p *pushes.Push, c pushes.Chunk) error {
	held, err := s.cfg.Pushes.PushChunks(r.Context(), p.ID)
	if err != nil {
		return err
	}
	for _, h := range held {
		if h == c {
			writeJSON(w, http.StatusOK, pushView(p))
			return nil
		}
	}
	if p.State != pushes.Receiving {
		return fault.Errorf(fault.Conflict, "chunk: this push is complete and being loaded (job %s): follow it at /api/jobs/%s", p.JobRef, p.JobRef)
	}
	if c.Offset >= p.Received {
		return fault.Errorf(fault.Conflict, "offset: the server holds %d bytes of this push, so the next chunk starts at %d, not %d", p.Received, p.Received, c.Offset)
	}
	os.Remove(filepath.Join(s.pushSpool(), p.Dir(), c.File()))
	return fault.Errorf(fault.Conflict, "offset: the server already holds bytes %d onwards of this push, received as other chunks than these %d bytes (SHA-256 %s); nothing was kept: the next chunk starts at %d (if the file changed, push it again as a new file)", c.Offset, c.Size, c.SHA256, p.Received)
}

// apiPushComplete checks the whole file's SHA-256 and starts its load job
// (202); completing it again answers with the same job. A file that does
// not match is refused and its chunks removed: nothing is recorded as a
// version.
func (s *Server) apiPushComplete(w http.ResponseWriter, r *http.Request) error {
	p, err := s.push(r)
	if err != nil {
		return err
	}
	if p, err = s.settlePush(r.Context(), p); err != nil {
		return err
	}
	if p.State == pushes.Completed {
		return s.pushJobAnswer(w, r, p)
	}
	if p.Received != p.Size {
		return fault.Errorf(fault.Conflict, "the server holds %d of the file's %d bytes: send the rest before completing", p.Received, p.Size)
	}
	u := who(r).User
	d, err := s.cfg.Ingest.Check(r.Context(), u, p.DatasetID)
	if err != nil {
		return err
	}
	if sum, err := pushes.Sum(p.Digest); err != nil {
		return err
	} else if sum != p.SHA256 {
		s.endPush(p)
		e := event(u, "dataset.push", "dataset:"+d.ID)
		e.Outcome, e.Reason = govern.OutcomeDenied, "the received file's SHA-256 does not match the one declared"
		if err := s.record(r.Context(), e); err != nil {
			return err
		}
		return fault.Errorf(fault.Invalid, "sha256: the file received has SHA-256 %s, not the %s declared: it was altered on the way; nothing was recorded, push it again", sum, p.SHA256)
	}
	j := Job{ID: randomID()[:22], Kind: jobUpload, UserID: u.ID, DatasetID: d.ID, File: p.Name, Total: p.Size}
	if p, err = s.cfg.Pushes.CompletePush(r.Context(), p.ID, j.ID, s.cfg.Clock.Now()); fault.Code(err) == fault.Conflict {
		return s.pushJobAnswer(w, r, p) // completed by another request first
	} else if err != nil {
		return err
	}
	if j, err = s.startPushJob(r.Context(), j, p, d, u); err != nil {
		s.cfg.Pushes.ReopenPush(context.WithoutCancel(r.Context()), p.ID, s.cfg.Clock.Now())
		return err
	}
	w.Header().Set("Location", "/api/jobs/"+j.ID)
	writeJSON(w, http.StatusAccepted, j)
	return nil
}

// pushJobAnswer answers a completion of a push already completed with its
// job (202).
func (s *Server) pushJobAnswer(w http.ResponseWriter, r *http.Request, p *pushes.Push) error {
	j, _, ok := s.jobNow(r.Context(), p.JobRef)
	if !ok {
		return fault.Errorf(fault.Conflict, "this push is being completed by another request: ask again in a moment")
	}
	w.Header().Set("Location", "/api/jobs/"+j.ID)
	writeJSON(w, http.StatusAccepted, j)
	return nil
}

// startPushJob starts the load job of a completed push: on the shared
// queue in server mode, else in this process.
func (s *Server) startPushJob(ctx context.Context, j Job, p *pushes.Push, d *catalog.Dataset, u *govern.User) (Job, error) {
	if s.cfg.Queue != nil {
		return s.enqueuePush(ctx, j, p)
	}
	j = s.jobs.start(j)
	s.jobs.run(func(ctx context.Context) { s.loadPush(ctx, j.ID, p, d, u) })
	return j, nil
}

// loadPush runs a push's load job: it assembles the chunks into the file
// (checking each chunk and the whole again), loads it as an upload, and
// then forgets the push and removes its chunks. A job cut off by the
// process's end leaves the push and its chunks, so that the client
// completes it again.
func (s *Server) loadPush(ctx context.Context, id string, p *pushes.Push, d *catalog.Dataset, u *govern.User) {
	s.jobs.update(id, func(j *Job) { j.State, j.Stage = jobRunning, "assemble" })
	dir := filepath.Join(s.pushSpool(), p.Dir())
	up := &upload{path: filepath.Join(dir, p.Name), name: p.Name, size: p.Size}
	chunks, err := s.cfg.Pushes.PushChunks(ctx, p.ID)
	if err == nil {
		err = pushes.Assemble(s.pushSpool(), p, chunks, up.path)
	}
	if err != nil {
		_, _, msg := s.public(err, "job", id, "dataset", d.ID)
		s.jobs.update(id, func(j *Job) { j.State, j.Error = jobFailed, msg })
	} else {
		s.jobs.update(id, func(j *Job) { j.Stage = "load" })
		s.load(ctx, id, d, up, u)
	}
	if ctx.Err() == nil {
		s.endPush(p)
	}
}

// endPush forgets a push and removes its chunks.
func (s *Server) endPush(p *pushes.Push) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.cfg.Pushes.DeletePush(ctx, p.ID); err != nil {
		s.cfg.Log.Warn("cannot forget a finished push", "push", p.ID, "error", err)
	}
	os.RemoveAll(filepath.Join(s.pushSpool(), p.Dir()))
}
