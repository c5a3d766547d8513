package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/store"
)

// loadOne commits a one-row version of incidents and returns it.
func loadOne(tb testing.TB, st *store.Store, sha string) *catalog.Version {
	tb.Helper()
	ctx := context.Background()
	d, err := st.Dataset(ctx, "incidents")
	if err != nil {
		tb.Fatal(err)
	}
	w, err := st.BeginLoad(ctx, d)
	if err != nil {
		tb.Fatal(err)
	}
	defer w.Abort()
	if err := w.Append("r-"+sha, "E01021203"); err != nil {
		tb.Fatal(err)
	}
	v := &catalog.Version{Rows: 1, SHA256: sha, Source: sha + ".csv", Format: "csv", LoadedBy: "p", Quality: &catalog.Quality{}}
	if err := w.Commit(ctx, v); err != nil {
		tb.Fatal(err)
	}
	return v
}

// TestCatalogCacheSeesChanges reads datasets and versions (so they are
// cached), changes the catalogue, and checks the next read sees the change;
// a caller changing what it got does not change what others get.
func TestCatalogCacheSeesChanges(t *testing.T) {
	ctx := context.Background()
	latest := func(st *store.Store) string {
		v, err := st.Version(ctx, "incidents", 0)
		if err != nil {
			return string(fault.Code(err))
		}
		return fmt.Sprintf("v%d", v.Number)
	}
	first := func(st *store.Store) string {
		v, err := st.Version(ctx, "incidents", 1)
		if err != nil {
			return string(fault.Code(err))
		}
		return v.SHA256
	}
	datasets := func(st *store.Store) string {
		ds, err := st.Datasets(ctx)
		if err != nil {
			return err.Error()
		}
		return fmt.Sprint(len(ds))
	}
	tests := []struct {
		name          string
		read          func(*store.Store) string
		before, after string
		change        func(*store.Store)
	}{
		{"a new version is the latest", latest, "v1", "v2", func(st *store.Store) { loadOne(t, st, "second") }},
		{"a purged version is gone", first, "first", string(fault.NotFound), func(st *store.Store) {
			v, err := st.Version(ctx, "incidents", 1)
			if err != nil {
				t.Fatal(err)
			}
			if err := st.PurgeVersion(ctx, v, "p.owner", t0); err != nil {
				t.Fatal(err)
			}
		}},
		{"a new dataset is listed", datasets, "1", "2", func(st *store.Store) {
			if err := st.CreateDataset(ctx, &catalog.Dataset{ID: "cases", PartnerID: "council", Schema: &catalog.Schema{Columns: []catalog.Column{{Name: "id", Type: catalog.TypeString, Role: catalog.RoleRecordID}}}}); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := governStore(t)
			loadOne(t, st, "first")
			for range 2 { // the second read comes from the cache
				if got := tt.read(st); got != tt.before {
					t.Fatalf("before: got %s, want %s", got, tt.before)
				}
			}
			tt.change(st)
			if got := tt.read(st); got != tt.after {
				t.Errorf("after: got %s, want %s", got, tt.after)
			}
		})
	}

	st := governStore(t)
	loadOne(t, st, "first")
	d, _ := st.Dataset(ctx, "incidents")
	d.Name = "changed by a caller"
	v, _ := st.Version(ctx, "incidents", 0)
	v.Rows = -1
	if d, _ := st.Dataset(ctx, "incidents"); d.Name != "" {
		t.Errorf("a caller's change reached the cache: name %q", d.Name)
	}
	if v, _ := st.Version(ctx, "incidents", 0); v.Rows != 1 {
		t.Errorf("a caller's change reached the cache: rows %d", v.Rows)
	}
}
