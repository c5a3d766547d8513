package store_test

import (
	"context"
	"crypto/ed25519"
	"path/filepath"
	"testing"

	"github.com/civiclink/civiclink/internal/store"
	"github.com/civiclink/civiclink/internal/store/storetest"
)

// TestContract runs the contract every store backend meets against the
// DuckDB store, a fresh file per case.
func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) (storetest.Store, storetest.AuditLog) {
		ctx := context.Background()
		st, err := store.Open(ctx, filepath.Join(t.TempDir(), "civiclink.duckdb"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		_, key, err := ed25519.GenerateKey(nil)
		if err != nil {
			t.Fatal(err)
		}
		log, err := st.AuditLog(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		return st, log
	})
}
