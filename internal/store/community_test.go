package store_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/civiclink/civiclink/internal/store"
	"github.com/civiclink/civiclink/internal/store/storetest"
)

// TestCommunityContract runs the community directory's store contract
// against the DuckDB store.
func TestCommunityContract(t *testing.T) {
	storetest.RunCommunity(t, func(t *testing.T) storetest.CommunityStore {
		st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "civiclink.duckdb"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	})
}
