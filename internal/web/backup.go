package web

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
)

// BackupFunc takes a consistent snapshot of the store into an empty
// folder (the wiring gives the store's Backup). The serving process is the
// only one that can open the store file, so `civiclink backup --server`
// asks it.
type BackupFunc func(ctx context.Context, dir string) error

// apiBackup streams a consistent backup of the store as a tar archive: a
// partner admin, from this machine only (loopback, or the networks allowed
// to read metrics), because it holds every partner's data. Each backup and
// each refusal is on the audit log.
func (s *Server) apiBackup(w http.ResponseWriter, r *http.Request) error {
	if s.cfg.Backup == nil {
		return fault.Errorf(fault.NotFound, "this server does not take backups")
	}
	u := who(r).User
	e := event(u, "store.backup", "store")
	if reason := s.backupRefusal(r, u); reason != "" {
		e.Outcome, e.Reason = govern.OutcomeDenied, reason
		if err := s.record(r.Context(), e); err != nil {
			return err
		}
		return fault.Errorf(fault.Forbidden, "%s", reason)
	}
	if err := s.record(r.Context(), e); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(s.cfg.UploadDir, "civiclink-backup-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	dir := filepath.Join(tmp, "backup")
	if err := s.cfg.Backup(r.Context(), dir); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/x-tar")
	w.Header().Set("Cache-Control", "no-store")
	return tarDir(w, dir)
}

// backupRefusal says why u may not take a backup from this request, or "".
func (s *Server) backupRefusal(r *http.Request, u *govern.User) string {
	if !u.Has(govern.PartnerAdmin) {
		return "a backup holds every partner's data: only a partner admin may take one"
	}
	c := s.clientIP(r)
	ok := c.IsLoopback()
	for _, p := range s.cfg.MetricsFrom {
		ok = ok || p.Contains(c)
	}
	if !ok {
		return fmt.Sprintf("backups are taken only from the server's own machine (this request came from %s)", c)
	}
	return ""
}

// tarDir writes the regular files under dir to w as a tar archive, named
// by their slash paths relative to dir.
func tarDir(w io.Writer, dir string) error {
	tw := tar.NewWriter(w)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		return tarFile(tw, p, filepath.ToSlash(rel))
	})
	if err != nil {
		return err
	}
	return tw.Close()
}

func tarFile(tw *tar.Writer, path, name string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: st.Size(), ModTime: st.ModTime(), Typeflag: tar.TypeReg}); err != nil {
		return err
	}
	_, err = io.Copy(tw, f)
	return err
}
