package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/clock"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/store"
	"github.com/civiclink/civiclink/internal/store/storetest"
)

var t0 = time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)

// governStore opens an in-memory store with a manual clock and the
// contract's governance fixture (partners police and council, a police
// dataset "incidents").
func governStore(tb testing.TB) *store.Store {
	tb.Helper()
	st, err := store.Open(context.Background(), "")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	st.Clock = clock.NewManual(t0)
	storetest.GovernFixture(tb, st)
	return st
}

func TestPurgeVersion(t *testing.T) {
	ctx := context.Background()
	st := governStore(t)
	d, err := st.Dataset(ctx, "incidents")
	if err != nil {
		t.Fatal(err)
	}
	w, err := st.BeginLoad(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Append("r1", "E01021203"); err != nil {
		t.Fatal(err)
	}
	v := &catalog.Version{Rows: 1, SHA256: "abc", Source: "x.csv", Format: "csv", LoadedBy: "p", Quality: &catalog.Quality{}}
	if err := w.Commit(ctx, v); err != nil {
		t.Fatal(err)
	}
	if err := st.PurgeVersion(ctx, v, "p.owner", t0); err != nil {
		t.Fatal(err)
	}
	if vs, err := st.Versions(ctx, "incidents"); err != nil || len(vs) != 0 {
		t.Errorf("versions after purge: got %v, %v; want none", vs, err)
	}
	var n int
	if err := st.DB().QueryRowContext(ctx, `SELECT count(*) FROM information_schema.tables WHERE table_name = ?`, v.Table).Scan(&n); err != nil || n != 0 {
		t.Errorf("table %s after purge: got %d tables, %v; want dropped", v.Table, n, err)
	}
	if err := st.DB().QueryRowContext(ctx, `SELECT count(*) FROM purged_versions WHERE version_id = ? AND purged_by = 'p.owner'`, v.ID).Scan(&n); err != nil || n != 1 {
		t.Errorf("purge record: got %d, %v; want 1", n, err)
	}
	if err := st.PurgeVersion(ctx, v, "p.owner", t0); fault.Code(err) != fault.NotFound {
		t.Errorf("second purge: got %v, want not found", err)
	}
}
