package synth

import (
	"context"
	"testing"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/ingest"
	"github.com/civiclink/civiclink/internal/store"
)

// TestIngestsCleanly loads every generated file through the catalogue and
// ingest, as `civiclink load` will: every row must validate.
func TestIngestsCleanly(t *testing.T) {
	dir, _, _ := county(t)
	ctx := context.Background()
	man, err := ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, p := range man.Partners {
		if err := st.CreatePartner(ctx, &catalog.Partner{ID: p.ID, Name: p.Name}); err != nil {
			t.Fatalf("partner %s: %v", p.ID, err)
		}
	}
	for _, d := range man.Datasets {
		t.Run(d.ID, func(t *testing.T) {
			sc, err := man.ReadSchema(d)
			if err != nil {
				t.Fatal(err)
			}
			if err := st.CreateDataset(ctx, &catalog.Dataset{ID: d.ID, PartnerID: d.Partner, Name: d.Name, Schema: sc}); err != nil {
				t.Fatal(err)
			}
			res, err := ingest.Run(ctx, st, ingest.Request{DatasetID: d.ID, Path: man.Path(d.File), User: "test"})
			if err != nil {
				if res != nil && len(res.Errors) > 0 {
					t.Fatalf("ingest: %v; first row error: %s", err, res.Errors[0])
				}
				t.Fatalf("ingest: %v", err)
			}
			if got := res.Version.Rows; got != d.Rows {
				t.Errorf("rows loaded: got %d, want %d", got, d.Rows)
			}
			if res.Version.Rejected != 0 || res.ErrorCount != 0 {
				t.Errorf("rejected %d rows (%d errors)", res.Version.Rejected, res.ErrorCount)
			}
			if q := res.Version.Quality; q != nil && q.DuplicateIDs != 0 {
				t.Errorf("%d duplicate record ids", q.DuplicateIDs)
			}
		})
	}
}
