package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/store"
)

// TestBackupWhileServing takes a backup through a running server while
// clients keep writing audit entries, restores it, and checks the restored
// store verifies and holds every entry acknowledged before the backup.
func TestBackupWhileServing(t *testing.T) {
	dir, tmp := t.TempDir(), t.TempDir()
	data, admin, reader := policeHub(t, dir)
	readerTok, _ := os.ReadFile(reader)

	srv := command(t, dir, tmp, "--data", data, "serve", "--addr", "127.0.0.1:0")
	stdout, _ := srv.StdoutPipe()
	var srvLog bytes.Buffer
	srv.Stderr = &srvLog
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Process.Kill()
	base := servedAt(t, stdout)

	// The write load: refused push declarations, each an audit entry made
	// durable before the 403 comes back.
	var acked atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				req, _ := http.NewRequest("POST", base+"/api/datasets/incidents/pushes", strings.NewReader(`{}`))
				req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(readerTok)))
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					return
				}
				res.Body.Close()
				if res.StatusCode == http.StatusForbidden {
					acked.Add(1)
				}
			}
		}()
	}
	for acked.Load() < 50 {
		time.Sleep(10 * time.Millisecond)
	}
	before := acked.Load()
	out := filepath.Join(dir, "backup")
	run := func(args ...string) (string, int) {
		cmd := command(t, dir, tmp, args...)
		b, _ := cmd.CombinedOutput()
		return string(b), cmd.ProcessState.ExitCode()
	}
	if msg, code := run("--data", data, "backup", "--out", filepath.Join(dir, "direct")); code != 5 || !strings.Contains(msg, "--server") {
		t.Errorf("a direct backup of a served store: exit %d, want 5 pointing at --server:\n%s", code, msg)
	}
	if msg, code := run("backup", "--server", base, "--token-file", reader, "--out", filepath.Join(dir, "refused")); code != 3 || !strings.Contains(msg, "partner admin") {
		t.Errorf("a backup by an analyst: exit %d, want 3:\n%s", code, msg)
	}
	if msg, code := run("backup", "--server", base, "--token-file", admin, "--out", out); code != 0 {
		srv.Process.Signal(syscall.SIGTERM)
		srv.Wait()
		t.Fatalf("backup through the server: exit %d:\n%s\n%s", code, msg, srvLog.String())
	}
	close(stop)
	wg.Wait()
	srv.Process.Signal(syscall.SIGTERM)
	if err := srv.Wait(); err != nil {
		t.Fatalf("serve: %v\n%s", err, srvLog.String())
	}

	damaged := filepath.Join(dir, "damaged")
	copyTree(t, out, damaged)
	leaves := filepath.Join(damaged, store.BackupExportDir, "audit_leaves.parquet")
	b, _ := os.ReadFile(leaves)
	b[len(b)/3] ^= 1
	os.WriteFile(leaves, b, 0o600)
	restored := filepath.Join(dir, "restored.duckdb")
	if msg, code := run("restore", damaged, "--data", restored); code != 2 || !strings.Contains(msg, "altered") {
		t.Errorf("restoring a damaged backup: exit %d, want 2:\n%s", code, msg)
	}
	if msg, code := run("restore", out, "--data", restored); code != 0 || !strings.Contains(msg, "verified") {
		t.Fatalf("restore: exit %d:\n%s", code, msg)
	}
	st, err := store.Open(context.Background(), restored)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var n int64
	if err := st.DB().QueryRow(`SELECT count(*) FROM audit_leaves WHERE action = 'ingest' AND outcome = 'denied'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n < before {
		t.Errorf("the restored store holds %d refused-load entries, but %d were acknowledged before the backup began", n, before)
	}
	st.Close()
	// the signing key is kept apart from backups; the operator puts it back
	copyFile(t, data+".audit-key", restored+".audit-key")
	good := filepath.Join("..", "..", "internal", "ingest", "testdata", "incidents", "good.csv")
	checkGovern(t, restored, "p.admin", "", []string{"ingest", "--dataset", "incidents", good}, 0, "version 1 of incidents")
	checkGovern(t, restored, "", "", []string{"audit", "verify"}, 0, "intact")
	t.Logf("backup while serving: %d entries acknowledged before it, %d in it, %d acknowledged in all", before, n, acked.Load())
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	if err := os.MkdirAll(to, 0o700); err != nil {
		t.Fatal(err)
	}
	es, _ := os.ReadDir(from)
	for _, e := range es {
		if e.IsDir() {
			copyTree(t, filepath.Join(from, e.Name()), filepath.Join(to, e.Name()))
			continue
		}
		copyFile(t, filepath.Join(from, e.Name()), filepath.Join(to, e.Name()))
	}
}
