package store_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/civiclink/civiclink/internal/store"
	"github.com/civiclink/civiclink/internal/store/storetest"
)

// TestVoiceContract runs citizen voice's store contract against the
// DuckDB store.
func TestVoiceContract(t *testing.T) {
	storetest.RunVoice(t, func(t *testing.T) storetest.VoiceStore {
		st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "civiclink.duckdb"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	})
}
