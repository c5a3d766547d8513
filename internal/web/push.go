package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
)

// A push is a file sent by `civiclink push` from a partner's machine in
// chunks: the client declares the file (name, size, SHA-256), sends chunks
// in order, each with its own SHA-256, and completes it; the server checks
// the whole file's SHA-256 and loads it exactly as a web upload (the same
// ingest service, access check, job and audit entries). A push cut off
// midway is resumed by declaring the same file again: the server answers
// with the bytes it already holds. Pushes in progress live in memory and
// in a spool folder; a server restart forgets them (the client then starts
// again from the first byte).

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
}

// pushing is a push in progress with what only the server sees.
type pushing struct {
	Push
	userID string
	dir    string     // the spool folder
	mu     sync.Mutex // one chunk at a time
}

// pushStore keeps the pushes in progress.
type pushStore struct {
	mu   sync.Mutex
	byID map[string]*pushing
}

func newPushStore() *pushStore { return &pushStore{byID: map[string]*pushing{}} }

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// pushRequest declares a file to push.
type pushRequest struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
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
	p, err := s.pushes.start(u.ID, d.ID, name, req, s.cfg.UploadDir, s.cfg.Clock.Now())
	if err != nil {
		return err
	}
	p.mu.Lock()
	v := p.view()
	p.mu.Unlock()
	writeJSON(w, http.StatusOK, v)
	return nil
}

// start returns the user's unfinished push of the same file to the
// dataset, or a new one with an empty spool file.
func (ps *pushStore) start(userID, datasetID, name string, req pushRequest, spool string, now time.Time) (*pushing, error) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	for id, p := range ps.byID {
		if now.Sub(p.Updated) > pushIdle {
			os.RemoveAll(p.dir)
			delete(ps.byID, id)
		}
	}
	for _, p := range ps.byID {
		if p.userID == userID && p.DatasetID == datasetID && p.SHA256 == req.SHA256 && p.Size == req.Size {
			return p, nil
		}
	}
	dir, err := os.MkdirTemp(spool, "civiclink-push-")
	if err != nil {
		return nil, fmt.Errorf("spool push: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), nil, 0o600); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("spool push: %w", err)
	}
	p := &pushing{Push: Push{ID: randomID()[:22], DatasetID: datasetID, Name: name, Size: req.Size, SHA256: req.SHA256,
		ChunkSize: min(4<<20, MaxPushChunk), Updated: now}, userID: userID, dir: dir}
	ps.byID[p.ID] = p
	return p, nil
}

// view copies the push's public state.
func (p *pushing) view() Push { return p.Push }

// push returns the push named in the path if it is the user's.
func (s *Server) push(r *http.Request) (*pushing, error) {
	s.pushes.mu.Lock()
	p := s.pushes.byID[r.PathValue("id")]
	s.pushes.mu.Unlock()
	if p == nil || p.userID != who(r).User.ID {
		return nil, fault.Errorf(fault.NotFound, "push %q is not known to this server (it finished, was abandoned after a day, or the server restarted): push the file again", r.PathValue("id"))
	}
	return p, nil
}

func (s *Server) apiPushShow(w http.ResponseWriter, r *http.Request) error {
	p, err := s.push(r)
	if err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	writeJSON(w, http.StatusOK, p.view())
	return nil
}

// apiPushChunk appends one chunk at the offset the server expects; the
// chunk's SHA-256 (header X-Chunk-SHA256) must match its bytes.
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
	p.mu.Lock()
	defer p.mu.Unlock()
	if off != p.Received {
		return fault.Errorf(fault.Conflict, "offset: the server holds %d bytes of this push, so the next chunk starts at %d, not %d", p.Received, p.Received, off)
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
	if err := appendChunk(filepath.Join(p.dir, p.Name), off, b); err != nil {
		return err
	}
	p.Received += int64(len(b))
	p.Updated = s.cfg.Clock.Now()
	writeJSON(w, http.StatusOK, p.view())
	return nil
}

// appendChunk writes b at off and makes it durable, so an acknowledged
// chunk survives a crash of the server's machine.
func appendChunk(path string, off int64, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("spool push: %w", err)
	}
	if _, err := f.WriteAt(b, off); err != nil {
		f.Close()
		return fmt.Errorf("spool push: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("spool push: %w", err)
	}
	return f.Close()
}

// apiPushComplete checks the whole file's SHA-256 and starts its load as
// an upload job (202). A file that does not match is refused and its
// spool removed: nothing is recorded as a version.
func (s *Server) apiPushComplete(w http.ResponseWriter, r *http.Request) error {
	p, err := s.push(r)
	if err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.Received != p.Size {
		return fault.Errorf(fault.Conflict, "the server holds %d of the file's %d bytes: send the rest before completing", p.Received, p.Size)
	}
	u := who(r).User
	d, err := s.cfg.Ingest.Check(r.Context(), u, p.DatasetID)
	if err != nil {
		return err
	}
	path := filepath.Join(p.dir, p.Name)
	sum, err := fileSHA256(path)
	if err != nil {
		return err
	}
	s.pushes.remove(p.ID)
	if sum != p.SHA256 {
		os.RemoveAll(p.dir)
		e := event(u, "dataset.push", "dataset:"+d.ID)
		e.Outcome, e.Reason = govern.OutcomeDenied, "the received file's SHA-256 does not match the one declared"
		if err := s.record(r.Context(), e); err != nil {
			return err
		}
		return fault.Errorf(fault.Invalid, "sha256: the file received has SHA-256 %s, not the %s declared: it was altered on the way; nothing was recorded, push it again", sum, p.SHA256)
	}
	up := &upload{dir: p.dir, path: path, name: p.Name, size: p.Size}
	j := s.jobs.add(u.ID, d.ID, up.name, up.size)
	s.jobs.run(func(ctx context.Context) { s.load(ctx, j.ID, d, up, u) })
	w.Header().Set("Location", "/api/jobs/"+j.ID)
	writeJSON(w, http.StatusAccepted, j)
	return nil
}

// remove forgets a push (its spool is then the caller's).
func (ps *pushStore) remove(id string) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	delete(ps.byID, id)
}

// removeAll deletes every unfinished push's spool (the server is closing).
func (ps *pushStore) removeAll() {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	for id, p := range ps.byID {
		os.RemoveAll(p.dir)
		delete(ps.byID, id)
	}
}

// fileSHA256 is the hex SHA-256 of a file.
func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
