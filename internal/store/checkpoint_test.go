package store

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/civiclink/civiclink/internal/audit"
)

// TestIdleCheckpoint: a file store raises DuckDB's checkpoint threshold,
// and the quiet-time checkpoint folds the audit log's writes into the
// file (the write-ahead log shrinks) leaving a log that reopens and
// verifies.
func TestIdleCheckpoint(t *testing.T) {
	defer func(n int64) { idleCheckpointWAL = n }(idleCheckpointWAL)
	ctx := context.Background()
	key := newKey(t)
	path := filepath.Join(t.TempDir(), "a.duckdb")
	s, a := openAudit(t, path, key)
	var th string
	if err := s.db.QueryRowContext(ctx, `SELECT current_setting('checkpoint_threshold')`).Scan(&th); err != nil || th != "64.0 MiB" {
		t.Errorf("checkpoint threshold = %q, %v; want 64.0 MiB", th, err)
	}
	fillLog(t, a, 20)
	wal := func() int64 {
		fi, err := os.Stat(path + ".wal")
		if err != nil {
			return 0
		}
		return fi.Size()
	}
	before := wal()
	idleCheckpointWAL = before + 1
	s.checkpointIfLarge() // below the size worth it: nothing happens
	if got := wal(); got != before {
		t.Errorf("WAL %d bytes after a checkpoint below the size worth it, want %d", got, before)
	}
	idleCheckpointWAL = 1
	s.checkpointIfLarge()
	if got := wal(); before == 0 || got >= before {
		t.Errorf("WAL %d bytes after the idle checkpoint, want less than %d", got, before)
	}
	s.Close()
	s, a = openAudit(t, path, key)
	defer s.Close()
	if rep, err := a.Verify(ctx, audit.Options{}); err != nil || rep.Problem != nil || rep.Size != 20 {
		t.Fatalf("verify after the checkpoint: size %d, %v %v", rep.Size, err, rep.Problem)
	}
}
