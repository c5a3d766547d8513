package store

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/fault"
)

// TestOpenDamagedStore checks that a store whose blocks no longer match
// their checksums is reported as damaged, with what to do — not as "in use
// by another process" (DuckDB's message says "block", which holds "lock",
// and a crash-harness run was told the store was in use).
func TestOpenDamagedStore(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "damaged.duckdb")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	// The first data block follows the file's three 4 KiB headers.
	if _, err := f.WriteAt([]byte(strings.Repeat("\xa5", 64)), 12288+512); err != nil {
		t.Fatal(err)
	}
	f.Close()
	_, err = Open(ctx, path)
	if err == nil {
		t.Fatal("a store with a damaged block opened")
	}
	msg := fault.Message(err)
	t.Logf("attacked: 64 bytes overwritten in the first data block; held: %s", msg)
	if strings.Contains(msg, "in use") || !strings.Contains(msg, "damaged") || !strings.Contains(msg, "backup") {
		t.Errorf("message %q, want it to say the store is damaged and to restore a backup", msg)
	}
}
