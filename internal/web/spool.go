package web

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/civiclink/civiclink/internal/web/pushes"
)

// The upload spool is emptied as work ends: a load job removes its file
// when it finishes or fails, and a push's folder goes when its job ends.
// What a killed process leaves — a file it was receiving, one it spooled
// but did not queue, the file of a job it was running (failed by the
// queue as interrupted), a push forgotten before its folder was removed —
// is found by a sweep at start and every spoolSweepEvery: in server mode
// every process sweeps the shared spool, removing a folder only when no
// queued or running job and no push names it and nothing in it has
// changed for spoolGrace (a file being received changes as it grows).

// spoolGrace is how long an orphan folder in the shared spool is left
// untouched before a sweep removes it.
const spoolGrace = time.Hour

// spoolSweepEvery is how often a server sweeps the spool.
const spoolSweepEvery = 10 * time.Minute

// uploadDirPrefix begins the name of every upload's spool folder.
const uploadDirPrefix = "civiclink-upload-"

// janitor sweeps the spool at once and every spoolSweepEvery until ctx
// is done.
func (s *Server) janitor(ctx context.Context) {
	t := time.NewTicker(spoolSweepEvery)
	defer t.Stop()
	for {
		if n, err := s.sweepSpool(ctx, time.Now().Add(-spoolGrace)); err != nil && ctx.Err() == nil {
			s.cfg.Log.Warn("cannot sweep the upload spool", "folder", s.cfg.SharedUploadDir, "error", err)
		} else if n > 0 {
			s.cfg.Log.Info("removed folders left in the upload spool by ended or killed work", "count", n, "folder", s.cfg.SharedUploadDir)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// sweepSpool forgets pushes idle for longer than pushIdle and, in server
// mode, removes the shared spool's folders of uploads and pushes that no
// queued or running job and no push names and that have not changed since
// before. It returns how many folders it removed.
func (s *Server) sweepSpool(ctx context.Context, before time.Time) (int, error) {
	s.expirePushes(ctx)
	if s.cfg.Queue == nil {
		return 0, nil // this process's own spool, emptied when it starts
	}
	dir := s.cfg.SharedUploadDir
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	// Listed before the folders in use are read: a folder made since is
	// not a candidate, and one listed is new (kept by the grace) or named.
	inUse, err := s.spoolInUse(ctx)
	if err != nil {
		return 0, err
	}
	removed := 0
	for _, e := range entries {
		name := e.Name()
		if !e.IsDir() || inUse[name] || !strings.HasPrefix(name, uploadDirPrefix) && !strings.HasPrefix(name, pushes.DirPrefix) {
			continue
		}
		if changed := lastChange(filepath.Join(dir, name)); changed.IsZero() || changed.After(before) {
			continue
		}
		if err := os.RemoveAll(filepath.Join(dir, name)); err != nil {
			return removed, err
		}
		removed++
	}
	return removed, nil
}

// spoolInUse names the shared spool's folders that queued or running
// upload jobs read and that pushes hold their chunks in.
func (s *Server) spoolInUse(ctx context.Context) (map[string]bool, error) {
	inUse := map[string]bool{}
	jobs, err := s.cfg.Queue.ActiveJobs(ctx, []string{queuedUploadKind})
	if err != nil {
		return nil, err
	}
	for _, j := range jobs {
		var p queuedUpload
		if json.Unmarshal(j.Payload, &p) != nil {
			continue
		}
		inUse[filepath.Base(p.Dir)] = true
	}
	ids, err := s.cfg.Pushes.PushIDs(ctx)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		inUse[(&pushes.Push{ID: id}).Dir()] = true
	}
	return inUse, nil
}

// lastChange is the latest modification time of a folder and the files
// in it; zero when it cannot be read.
func lastChange(dir string) time.Time {
	st, err := os.Stat(dir)
	if err != nil {
		return time.Time{}
	}
	last := st.ModTime()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if info, err := e.Info(); err == nil && info.ModTime().After(last) {
			last = info.ModTime()
		}
	}
	return last
}
