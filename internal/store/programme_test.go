package store_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/civiclink/civiclink/internal/store"
	"github.com/civiclink/civiclink/internal/store/storetest"
)

// TestProgrammeContract runs the programme's store contract against the
// DuckDB store.
func TestProgrammeContract(t *testing.T) {
	storetest.RunProgramme(t, func(t *testing.T) storetest.ProgrammeStore {
		st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "civiclink.duckdb"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	})
}
