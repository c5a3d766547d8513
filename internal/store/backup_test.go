package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/fault"
)

// TestBackupUnderLoad backs the store up while appenders write to the
// audit log and the catalogue: the restored store verifies and holds every
// audit entry acknowledged before the backup began, and every partner
// created before it.
func TestBackupUnderLoad(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, a := openAudit(t, filepath.Join(dir, "live.duckdb"), newKey(t))
	defer s.Close()

	var (
		acked    sync.Map // index → true, for appends that returned
		partners atomic.Int64
		stop     = make(chan struct{})
		wg       sync.WaitGroup
		failures atomic.Int64
	)
	for w := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				e, err := a.Append(ctx, sampleEvent(w*100000+i))
				if err != nil {
					failures.Add(1)
					return
				}
				acked.Store(e.Index, true)
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if err := s.CreatePartner(ctx, &catalog.Partner{ID: fmt.Sprintf("p%d", i), Name: "P"}); err != nil {
				failures.Add(1)
				return
			}
			partners.Store(int64(i + 1))
		}
	}()
	waitFor(t, func() bool { n := 0; acked.Range(func(any, any) bool { n++; return n < 200 }); return n >= 200 })

	var before []uint64 // acknowledged before the backup began
	acked.Range(func(k, _ any) bool { before = append(before, k.(uint64)); return true })
	partnersBefore := partners.Load()
	out := filepath.Join(dir, "backup")
	m, err := s.Backup(ctx, out)
	if err != nil {
		t.Fatal(err)
	}
	close(stop)
	wg.Wait()
	if failures.Load() > 0 {
		t.Fatalf("%d writers failed during the backup", failures.Load())
	}
	for _, i := range before {
		if i >= m.Audit.Size {
			t.Fatalf("entry %d was acknowledged before the backup but the backup's log ends at %d", i, m.Audit.Size)
		}
	}

	restored := filepath.Join(dir, "restored.duckdb")
	if _, err := Restore(ctx, out, restored); err != nil {
		t.Fatal(err)
	}
	r, err := Open(ctx, restored)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ra, err := r.AuditLog(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := ra.Count(ctx); err != nil || n != m.Audit.Size {
		t.Errorf("restored log holds %d entries (%v), want %d", n, err, m.Audit.Size)
	}
	for i := range partnersBefore {
		if _, err := r.Partner(ctx, fmt.Sprintf("p%d", i)); err != nil {
			t.Fatalf("partner p%d, created before the backup, is not in it: %v", i, err)
		}
	}
	t.Logf("backup under load: %d entries (%d acknowledged before it began), %d partners", m.Audit.Size, len(before), partnersBefore)
}

// TestRestoreRefuses damages a backup in each way and checks the restore
// refuses it with what is wrong, writing nothing.
func TestRestoreRefuses(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, a := openAudit(t, filepath.Join(dir, "live.duckdb"), newKey(t))
	fillLog(t, a, 20)
	good := filepath.Join(dir, "good")
	if _, err := s.Backup(ctx, good); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Backup(ctx, good); fault.Code(err) != fault.Conflict {
		t.Errorf("a backup into a used folder: got %v, want a conflict", err)
	}
	s.Close()
	cases := []struct {
		name   string
		damage func(t *testing.T, dir string)
		want   string
	}{
		{"missing file", func(t *testing.T, d string) { os.Remove(filepath.Join(d, BackupExportDir, "load.sql")) }, "is missing"},
		{"missing manifest", func(t *testing.T, d string) { os.Remove(filepath.Join(d, BackupManifestFile)) }, "not a civiclink backup"},
		{"altered file", func(t *testing.T, d string) { flipByte(t, filepath.Join(d, BackupExportDir, "audit_leaves.parquet")) }, "altered or damaged"},
		{"manifest claims more entries", func(t *testing.T, d string) {
			editManifest(t, d, func(m *BackupManifest) { m.Audit.Size++ })
		}, "manifest says"},
		{"audit log edited and checksums recomputed", func(t *testing.T, d string) {
			export := filepath.Join(d, BackupExportDir)
			db, err := sql.Open("duckdb", filepath.Join(t.TempDir(), "edit.duckdb"))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			redone := filepath.Join(t.TempDir(), "redone")
			for _, q := range []string{`IMPORT DATABASE ` + sqlQuote(export),
				`UPDATE audit_leaves SET entry = entry || '\x00'::BLOB WHERE idx = 3`,
				`EXPORT DATABASE ` + sqlQuote(redone) + ` (FORMAT parquet)`} {
				if _, err := db.Exec(q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			os.RemoveAll(export)
			copyDir(t, redone, export)
			files, err := describeDir(d, BackupExportDir)
			if err != nil {
				t.Fatal(err)
			}
			editManifest(t, d, func(m *BackupManifest) { m.Files = files })
		}, "does not verify"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := filepath.Join(t.TempDir(), "b")
			copyDir(t, good, d)
			c.damage(t, d)
			dest := filepath.Join(t.TempDir(), "restored.duckdb")
			_, err := Restore(ctx, d, dest)
			if err == nil || !strings.Contains(fault.Message(err), c.want) {
				t.Fatalf("got %v, want a refusal containing %q", err, c.want)
			}
			if m, _ := filepath.Glob(dest + "*"); len(m) > 0 {
				t.Errorf("a refused restore left %v", m)
			}
		})
	}
	dest := filepath.Join(dir, "ok.duckdb")
	if _, err := Restore(ctx, good, dest); err != nil {
		t.Fatalf("the undamaged backup: %v", err)
	}
	if _, err := Restore(ctx, good, dest); fault.Code(err) != fault.Conflict {
		t.Errorf("restoring over an existing store: got %v, want a conflict", err)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("the writers did not get going")
		}
		time.Sleep(time.Millisecond)
	}
}

func flipByte(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0xff
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func editManifest(t *testing.T, dir string, f func(*BackupManifest)) {
	t.Helper()
	p := filepath.Join(dir, BackupManifestFile)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var m BackupManifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	f(&m)
	b, _ = json.Marshal(m)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	if err := os.MkdirAll(to, 0o700); err != nil {
		t.Fatal(err)
	}
	es, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if e.IsDir() {
			copyDir(t, filepath.Join(from, e.Name()), filepath.Join(to, e.Name()))
			continue
		}
		if err := copyFile(filepath.Join(from, e.Name()), filepath.Join(to, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
}
