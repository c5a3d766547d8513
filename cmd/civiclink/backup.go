package main

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/store"
)

func (m *Main) backupCmd() *cobra.Command {
	var out string
	var p pusher // the hub connection, as for push
	cmd := &cobra.Command{
		Use:   "backup --out DIR",
		Short: "Take a consistent backup of the store and its audit log",
		Long: `Write a consistent snapshot of the store (--data) to the new or empty folder
DIR: DuckDB's export of the store with its audit log (export/: schema.sql,
load.sql, a Parquet file a table) and manifest.json with each file's SHA-256
and the audit log's latest signed head. The snapshot holds
every audit entry acknowledged before it began and verifies before the
manifest is written. Writes go on meanwhile.

While 'civiclink serve' runs, only it can open the store: take the backup
through it with --server URL --token-file F (a partner admin's token, from
the server's own machine). Restore with 'civiclink restore DIR --data FILE'.
The audit signing key is not in the backup: keep it safe separately.`,
		Args: exactArgs(0, "no arguments (use --out)"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return fault.Errorf(fault.Invalid, "backup needs --out DIR, a new or empty folder")
			}
			var mf *store.BackupManifest
			var err error
			if p.server != "" {
				mf, err = m.backupFromServer(&p, out)
			} else {
				mf, err = m.backupStore(cmd, out)
			}
			if err != nil {
				return err
			}
			var size int64
			for _, f := range mf.Files {
				size += f.Size
			}
			fmt.Fprintf(m.Stdout, "backed up %s to %s: %d files, %d bytes, audit log of %d entries up to the head signed at %s\n",
				mf.Source, out, len(mf.Files), size, mf.Audit.Size, mf.Audit.Time.UTC().Format("2006-01-02 15:04:05"))
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "the new or empty folder to write the backup to")
	cmd.Flags().StringVar(&p.server, "server", "", "take the backup through this running server (e.g. http://127.0.0.1:8080)")
	cmd.Flags().StringVar(&p.tokenFile, "token-file", "", "with --server: a file holding a partner admin's API token")
	return cmd
}

// backupStore backs up the store file this invocation opens.
func (m *Main) backupStore(cmd *cobra.Command, out string) (*store.BackupManifest, error) {
	st, err := m.openStore(cmd.Context())
	if err != nil {
		if fault.Code(err) == fault.Conflict {
			return nil, fault.Errorf(fault.Conflict, "%s; while it is served, take the backup through the server: civiclink backup --server URL --token-file F --out %s", fault.Message(err), out)
		}
		return nil, err
	}
	return st.Backup(cmd.Context(), out)
}

// backupFromServer asks a running server for a backup, unpacks it into out
// and checks it against its manifest.
func (m *Main) backupFromServer(p *pusher, out string) (*store.BackupManifest, error) {
	p.dataset, p.chunk = "-", 1<<20 // setUp checks the server and token only
	if err := p.setUp(); err != nil {
		return nil, err
	}
	res, err := p.get("/api/backup")
	if err != nil {
		return nil, err
	}
	defer res.Close()
	if err := os.MkdirAll(out, 0o700); err != nil {
		return nil, fault.Errorf(fault.Invalid, "cannot make %s: %v", out, err)
	}
	if es, _ := os.ReadDir(out); len(es) > 0 {
		return nil, fault.Errorf(fault.Conflict, "the backup folder %s is not empty: give a new folder for each backup", out)
	}
	if err := untar(res, out); err != nil {
		return nil, err
	}
	return store.CheckBackup(out)
}

// untar writes a tar archive's regular files into dir, refusing names
// that would land outside it.
func untar(r io.Reader, dir string) error {
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fault.Wrap(err, fault.Internal, "the backup was cut short on the way; take it again")
		}
		if h.Typeflag != tar.TypeReg || !filepath.IsLocal(filepath.FromSlash(h.Name)) {
			return fault.Errorf(fault.Invalid, "the server's backup holds an unexpected entry %q", h.Name)
		}
		path := filepath.Join(dir, filepath.FromSlash(h.Name))
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return err
		}
		f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			return err
		}
		_, err = io.Copy(f, tr)
		if serr := f.Sync(); err == nil {
			err = serr
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fault.Wrap(err, fault.Internal, "cannot write the backup into %s", dir)
		}
	}
}

func (m *Main) restoreCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "restore DIR --data FILE",
		Short: "Restore a backup to a new store file, once it verifies",
		Long: `Check the backup in DIR — every file against the manifest's SHA-256, and the
audit log in it against its signatures and the manifest's signed head — and
only then put its store at --data, which must not exist yet. A backup that
fails any check is refused with what is wrong, and nothing is written.`,
		Args: exactArgs(1, "the backup folder"),
		RunE: func(cmd *cobra.Command, args []string) error {
			mf, err := store.Restore(cmd.Context(), args[0], m.DataPath)
			if err != nil {
				return err
			}
			fmt.Fprintf(m.Stdout, "restored %s from %s (taken %s): audit log of %d entries verified\n",
				m.DataPath, args[0], mf.Created.UTC().Format("2006-01-02 15:04:05"), mf.Audit.Size)
			fmt.Fprintf(m.Stdout, "the audit signing key (key id %s) is not in backups: put it at %s or point CIVICLINK_AUDIT_KEY_FILE at it before recording anything\n",
				mf.Audit.KeyID, m.auditKeyPath(""))
			return nil
		},
	}
}
