package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/civiclink/civiclink/internal/audit"
	"github.com/civiclink/civiclink/internal/fault"
)

// BackupFormat names the layout [Store.Backup] writes.
const BackupFormat = "civiclink-backup/1"

// BackupExportDir and BackupManifestFile are what a backup folder holds:
// DuckDB's export of the store (schema.sql, load.sql and a Parquet file a
// table) and the manifest.
const (
	BackupExportDir    = "export"
	BackupManifestFile = "manifest.json"
)

// BackupManifest describes a backup: its files with their checksums and
// the audit log it holds, up to a signed tree head.
type BackupManifest struct {
	Format  string       `json:"format"`
	Created time.Time    `json:"created"`
	Source  string       `json:"source"`
	Files   []BackupFile `json:"files"`
	// Audit is the log's latest signed head in the backup: every entry
	// acknowledged before the snapshot is at an index below Audit.Size.
	Audit audit.Head `json:"audit"`
}

// BackupFile is one file of a backup.
type BackupFile struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Backup writes a consistent snapshot of the store, while it is in use, to
// the empty or new folder dir: the store with its audit log as one DuckDB
// file, and a manifest of checksums. Audit appends wait while the
// snapshot is taken, after the journal has been moved into the tables, so
// the backup holds every entry whose append had returned and no entry
// without its signed head; other writes go on and are in the snapshot or
// not, whole. The copy is opened and its audit log verified before the
// manifest is written.
func (s *Store) Backup(ctx context.Context, dir string) (*BackupManifest, error) {
	if s.path == "" {
		return nil, fault.Errorf(fault.Invalid, "an in-memory store cannot be backed up")
	}
	if err := emptyDir(dir); err != nil {
		return nil, err
	}
	dst := filepath.Join(dir, BackupExportDir)
	if err := s.snapshot(ctx, dst); err != nil {
		os.RemoveAll(dst)
		return nil, err
	}
	check := filepath.Join(dir, ".verify.duckdb")
	head, err := importAndVerify(ctx, dst, check)
	removeStoreFiles(check)
	if err != nil {
		os.RemoveAll(dst)
		return nil, fault.Errorf(fault.Internal, "the snapshot does not verify: %s", fault.Message(err))
	}
	files, err := describeDir(dir, BackupExportDir)
	if err != nil {
		return nil, err
	}
	m := &BackupManifest{Format: BackupFormat, Created: s.now(), Source: s.path, Files: files, Audit: head}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := writeSynced(filepath.Join(dir, BackupManifestFile), b); err != nil {
		return nil, err
	}
	return m, nil
}

// snapshot exports the whole database to the folder dst in one statement
// (one transaction, so one consistent view), holding audit appends back
// meanwhile.
func (s *Store) snapshot(ctx context.Context, dst string) error {
	v, _ := auditShares.LoadOrStore(s, &auditShare{})
	sh := v.(*auditShare)
	sh.mu.Lock() // no audit group is being written, and none will be
	defer sh.mu.Unlock()
	if sh.journal != nil {
		if err := sh.journal.settle(); err != nil {
			return err
		}
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `EXPORT DATABASE `+sqlQuote(dst)+` (FORMAT parquet)`); err != nil {
		return fault.Wrap(err, fault.Internal, "cannot export the store into the backup")
	}
	return nil
}

// Restore checks the backup in dir and, if every file matches the
// manifest and the audit log in it verifies up to the manifest's signed
// head, puts its store at dest, which must not exist. Nothing is written
// at dest unless all of it holds.
func Restore(ctx context.Context, dir, dest string) (*BackupManifest, error) {
	m, err := CheckBackup(dir)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(dest); err == nil {
		return nil, fault.Errorf(fault.Conflict, "%s already exists: restore into a new file name, or move the old store away first", dest)
	}
	tmp := dest + ".restoring"
	removeStoreFiles(tmp)
	head, err := importAndVerify(ctx, filepath.Join(dir, BackupExportDir), tmp)
	if err == nil && (head.Size != m.Audit.Size || hex.EncodeToString(head.Root) != hex.EncodeToString(m.Audit.Root)) {
		err = fault.Errorf(fault.Invalid, "its audit log ends at entry %d, but the manifest says %d", head.Size, m.Audit.Size)
	}
	if err != nil {
		removeStoreFiles(tmp)
		return nil, fault.Errorf(fault.Invalid, "the backup in %s is refused: %s; nothing was restored", dir, fault.Message(err))
	}
	if err := os.Rename(tmp, dest); err != nil {
		removeStoreFiles(tmp)
		return nil, err
	}
	return m, nil
}

// CheckBackup reads a backup's manifest and checks every file it lists
// against its size and SHA-256.
func CheckBackup(dir string) (*BackupManifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, BackupManifestFile))
	if err != nil {
		return nil, fault.Errorf(fault.Invalid, "%s is not a civiclink backup: %s cannot be read (%v)", dir, BackupManifestFile, err)
	}
	var m BackupManifest
	if err := json.Unmarshal(b, &m); err != nil || m.Format != BackupFormat {
		return nil, fault.Errorf(fault.Invalid, "%s in %s is not a %s manifest", BackupManifestFile, dir, BackupFormat)
	}
	listed := false
	for _, f := range m.Files {
		listed = listed || f.Name == BackupExportDir+"/load.sql"
		if filepath.IsAbs(f.Name) || strings.Contains(f.Name, "..") {
			return nil, fault.Errorf(fault.Invalid, "the backup in %s is refused: its manifest names %q, outside the backup", dir, f.Name)
		}
		got, err := describeFile(filepath.Join(dir, filepath.FromSlash(f.Name)))
		got.Name = f.Name
		if err != nil {
			return nil, fault.Errorf(fault.Invalid, "the backup in %s is refused: %s is missing; nothing was restored", dir, f.Name)
		}
		if got != f {
			return nil, fault.Errorf(fault.Invalid, "the backup in %s is refused: %s has %d bytes and SHA-256 %s, the manifest says %d bytes and %s (it was altered or damaged); nothing was restored",
				dir, f.Name, got.Size, got.SHA256, f.Size, f.SHA256)
		}
	}
	if !listed {
		return nil, fault.Errorf(fault.Invalid, "the backup in %s is refused: its manifest does not list the export's load.sql", dir)
	}
	return &m, nil
}

// importAndVerify imports an export into a new store file at path, then
// opens it as a store and verifies its audit log, returning the last
// signed head checked.
func importAndVerify(ctx context.Context, export, path string) (audit.Head, error) {
	db, err := sql.Open("duckdb", path)
	if err != nil {
		return audit.Head{}, err
	}
	_, err = db.ExecContext(ctx, `IMPORT DATABASE `+sqlQuote(export))
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return audit.Head{}, fault.Wrap(err, fault.Invalid, "its export cannot be imported")
	}
	st, err := Open(ctx, path)
	if err != nil {
		return audit.Head{}, err
	}
	defer st.Close()
	log, err := st.AuditLog(ctx, nil)
	if err != nil {
		return audit.Head{}, err
	}
	rep, err := log.Verify(ctx, audit.Options{})
	if err != nil {
		return audit.Head{}, err
	}
	if rep.Problem != nil {
		return audit.Head{}, fault.Errorf(fault.Invalid, "its audit log does not verify: %v", rep.Problem)
	}
	return rep.Latest, nil
}

// emptyDir makes dir, or checks an existing one is empty.
func emptyDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fault.Errorf(fault.Invalid, "cannot make the backup folder %s: %v", dir, err)
	}
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := f.Readdirnames(1); !errors.Is(err, io.EOF) {
		return fault.Errorf(fault.Conflict, "the backup folder %s is not empty: give a new folder for each backup", dir)
	}
	return nil
}

// describeDir describes every file under dir/sub, named by its slash path
// relative to dir.
func describeDir(dir, sub string) ([]BackupFile, error) {
	var out []BackupFile
	err := filepath.WalkDir(filepath.Join(dir, sub), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		f, err := describeFile(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		f.Name = filepath.ToSlash(rel)
		out = append(out, f)
		return err
	})
	return out, err
}

func describeFile(path string) (BackupFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return BackupFile{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return BackupFile{}, err
	}
	return BackupFile{Name: filepath.Base(path), Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func writeSynced(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// removeStoreFiles removes a store file and what DuckDB keeps beside it.
func removeStoreFiles(path string) {
	for _, p := range []string{path, path + ".wal"} {
		os.Remove(p)
	}
}
