package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/ingest"
)

// upload is a received file spooled to disk, waiting to be loaded.
type upload struct {
	dir, path, name, format string
	size                    int64
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// receive streams a multipart upload's "file" part to a private temporary
// folder, keeping the file's base name (ingest detects the format from it).
func (s *Server) receive(w http.ResponseWriter, r *http.Request) (*upload, error) {
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxUpload)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, fault.Errorf(fault.Invalid, "send the file as multipart/form-data with a part named \"file\"")
	}
	up := &upload{}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			up.remove()
			return nil, uploadError(err, s.cfg.MaxUpload)
		}
		if err := s.receivePart(who(r), part, up); err != nil {
			up.remove()
			return nil, err
		}
	}
	if up.path == "" {
		return nil, fault.Errorf(fault.Invalid, "the upload has no part named \"file\": choose a file to upload")
	}
	return up, nil
}

// receivePart handles one form part: the file, the format or the CSRF token.
func (s *Server) receivePart(p *principal, part *multipart.Part, up *upload) error {
	defer part.Close()
	switch part.FormName() {
	case csrfField:
		b, _ := io.ReadAll(io.LimitReader(part, 256))
		if err := p.checkToken(string(b)); err != nil {
			return err
		}
		p.csrfPending = false
		return nil
	case "format":
		b, _ := io.ReadAll(io.LimitReader(part, 16))
		up.format = strings.TrimSpace(string(b))
		return nil
	case "file":
	default:
		return nil
	}
	if p.csrfPending {
		return fault.Errorf(fault.Forbidden, "the form's CSRF token must come before the file: reload the page and try again")
	}
	if up.path != "" {
		return fault.Errorf(fault.Invalid, "send one file per upload")
	}
	name := unsafeName.ReplaceAllString(filepath.Base(part.FileName()), "_")
	if name == "" || name == "." || name == "_" {
		return fault.Errorf(fault.Invalid, "the uploaded file has no name: choose a file to upload")
	}
	spool := s.cfg.UploadDir
	if s.cfg.Queue != nil {
		spool = s.cfg.SharedUploadDir // the process that claims the job reads it
	}
	dir, err := os.MkdirTemp(spool, uploadDirPrefix)
	if err != nil {
		return fmt.Errorf("spool upload: %w", err)
	}
	up.dir, up.name, up.path = dir, name, filepath.Join(dir, name)
	f, err := os.OpenFile(up.path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("spool upload: %w", err)
	}
	n, err := io.Copy(f, part)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	up.size = n
	if err != nil {
		return uploadError(err, s.cfg.MaxUpload)
	}
	return nil
}

// uploadError explains a failed upload read.
func uploadError(err error, max int64) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return fault.Errorf(fault.Invalid, "the file is larger than the %d MiB this server accepts; split it or load it with `civiclink ingest`", max>>20)
	}
	return fault.Wrap(err, fault.Invalid, "the upload was cut short; try again")
}

// remove deletes the spooled file.
func (up *upload) remove() {
	if up != nil && up.dir != "" {
		os.RemoveAll(up.dir)
	}
}

// startUpload checks access, receives the file and starts its load job.
func (s *Server) startUpload(w http.ResponseWriter, r *http.Request) (Job, error) {
	d, err := s.dataset(r)
	if err != nil {
		return Job{}, err
	}
	u := who(r).User
	if _, err := s.cfg.Ingest.Check(r.Context(), u, d.ID); err != nil {
		return Job{}, err
	}
	up, err := s.receive(w, r)
	if err != nil {
		return Job{}, err
	}
	if s.cfg.Queue != nil {
		return s.enqueueUpload(r.Context(), Job{Kind: jobUpload, UserID: u.ID, DatasetID: d.ID, File: up.name, Total: up.size}, up)
	}
	j := s.jobs.add(u.ID, d.ID, up.name, up.size)
	s.jobs.run(func(ctx context.Context) { s.load(ctx, j.ID, d, up, u) })
	return j, nil
}

// load runs one upload job to the end.
func (s *Server) load(ctx context.Context, id string, d *catalog.Dataset, up *upload, u *govern.User) {
	defer up.remove()
	s.jobs.update(id, func(j *Job) { j.State = jobRunning })
	last := time.Time{}
	res, err := s.cfg.Ingest.Load(ctx, u, ingest.Request{
		DatasetID: d.ID, Path: up.path, Format: up.format,
		Progress: func(done, total int64) {
			if now := time.Now(); now.Sub(last) > 100*time.Millisecond || done == total {
				last = now
				s.jobs.update(id, func(j *Job) { j.Done, j.Total = done, total })
			}
		},
	})
	if err != nil {
		_, _, msg := s.public(err, "job", id, "dataset", d.ID)
		s.jobs.update(id, func(j *Job) {
			j.State, j.Error = jobFailed, msg
			if res != nil {
				j.RowErrors = res.Errors
			}
		})
	} else {
		s.jobs.update(id, func(j *Job) {
			j.State, j.Done = jobDone, j.Total
			j.Version, j.Rows, j.Duplicate = res.Version.Number, res.Version.Rows, res.Duplicate
			j.RowErrors = res.Errors
		})
	}
}

func (s *Server) apiUpload(w http.ResponseWriter, r *http.Request) error {
	j, err := s.startUpload(w, r)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/jobs/"+j.ID)
	writeJSON(w, http.StatusAccepted, j)
	return nil
}

// jobNow returns a job this process runs or ran, else one on the shared
// queue, with a channel closed at (or after) its next change.
func (s *Server) jobNow(ctx context.Context, id string) (Job, <-chan struct{}, bool) {
	if j, ch, ok := s.jobs.get(id); ok {
		return j, ch, true
	}
	return s.sharedJob(ctx, id)
}

// job returns the job named in the path if it is the user's.
func (s *Server) job(r *http.Request) (Job, <-chan struct{}, error) {
	j, ch, ok := s.jobNow(r.Context(), r.PathValue("id"))
	if !ok || j.UserID != who(r).User.ID {
		return Job{}, nil, s.jobs.unknown(r.PathValue("id"))
	}
	return j, ch, nil
}

func (s *Server) apiJob(w http.ResponseWriter, r *http.Request) error {
	j, _, err := s.job(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, j)
	return nil
}

// apiJobEvents streams a job's state as server-sent events until it
// finishes or the client goes away.
func (s *Server) apiJobEvents(w http.ResponseWriter, r *http.Request) error {
	j, ch, err := s.job(r)
	if err != nil {
		return err
	}
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	beat := time.NewTicker(15 * time.Second)
	defer beat.Stop()
	for {
		b, _ := json.Marshal(j)
		fmt.Fprintf(w, "event: progress\ndata: %s\n\n", b)
		if j.finished() {
			fmt.Fprint(w, "event: end\ndata: {}\n\n")
			rc.Flush()
			return nil
		}
		if err := rc.Flush(); err != nil {
			return nil
		}
		select {
		case <-ch:
			j, ch, _ = s.jobNow(r.Context(), j.ID)
		case <-beat.C:
			fmt.Fprint(w, ": keep-alive\n\n")
		case <-r.Context().Done():
			return nil
		case <-s.jobs.closed:
			return nil
		}
	}
}
