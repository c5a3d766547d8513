package postgres_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/store/postgres"
	"github.com/civiclink/civiclink/internal/store/postgres/pgtest"
)

// loadRows commits a version of dataset d with n rows through st.
func loadRows(ctx context.Context, st *postgres.Store, d *catalog.Dataset, sha string, n int) (*catalog.Version, error) {
	w, err := st.BeginLoad(ctx, d)
	if err != nil {
		return nil, err
	}
	defer w.Abort()
	for i := range n {
		if err := w.Append(fmt.Sprintf("%s-%d", sha, i), "E07000070"); err != nil {
			return nil, err
		}
	}
	v := &catalog.Version{Rows: int64(n), SHA256: sha, Source: sha + ".csv", Format: "csv", LoadedBy: "loader", Quality: &catalog.Quality{}}
	return v, w.Commit(ctx, v)
}

// rowsOf counts the rows of version number of dataset id as st's engine
// reads them, waiting up to 10 s for the version to reach st.
func rowsOf(t *testing.T, st *postgres.Store, id string, number int) int64 {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(10 * time.Second)
	for {
		v, err := st.Version(ctx, id, number)
		if err == nil {
			var n int64
			if err := st.Engine().DB().QueryRowContext(ctx, `SELECT count(*) FROM `+v.Table).Scan(&n); err != nil {
				t.Fatalf("reading %s version %d: %v", id, number, err)
			}
			return n
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s version %d did not reach %s: %v", id, number, st.Engine().Path(), err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// sharedStores makes a fresh database and a folder for engine files (the
// shared folder beside them), and returns them with a function opening a
// store on the database with the named engine file, closed when t ends.
func sharedStores(t testing.TB) (url, dir string, openAt func(engine string) *postgres.Store) {
	t.Helper()
	url, dir = pgtest.Fresh(t), t.TempDir()
	t.Setenv(postgres.VersionsEnv, "")
	return url, dir, func(engine string) *postgres.Store {
		st, err := postgres.Open(context.Background(), url, filepath.Join(dir, engine))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
}

// TestSharedCatalogue: two processes' stores on one database with their
// own engine files share one catalogue. A partner, dataset and version
// made through one are read by the other (the version's rows from its
// Parquet file in the shared folder, announced by NOTIFY); loads in both at
// once get different numbers; the same input twice is refused; a store
// opened later has everything at once; a purge reaches the other.
func TestSharedCatalogue(t *testing.T) {
	ctx := context.Background()
	_, dir, openAt := sharedStores(t)
	a, b := openAt("a.duckdb"), openAt("b.duckdb")
	shared := filepath.Join(dir, "civiclink-versions")
	if a.VersionsDir() != shared || b.VersionsDir() != shared {
		t.Fatalf("shared folders %q and %q, want %q beside the engines", a.VersionsDir(), b.VersionsDir(), shared)
	}

	if err := a.CreatePartner(ctx, &catalog.Partner{ID: "police", Name: "Police"}); err != nil {
		t.Fatal(err)
	}
	sc := &catalog.Schema{Columns: []catalog.Column{{Name: "incident_id", Type: catalog.TypeString, Role: catalog.RoleRecordID}, {Name: "district", Type: catalog.TypeString}}}
	d := &catalog.Dataset{ID: "incidents", PartnerID: "police", Schema: sc}
	if err := a.CreateDataset(ctx, d); err != nil {
		t.Fatal(err)
	}
	v1, err := loadRows(ctx, a, d, "sha-1", 3)
	if err != nil {
		t.Fatal(err)
	}
	if v1.Number != 1 {
		t.Errorf("first version numbered %d", v1.Number)
	}
	if _, err := os.Stat(filepath.Join(shared, v1.Table+".parquet")); err != nil {
		t.Errorf("the version's Parquet file: %v", err)
	}
	if n := rowsOf(t, b, "incidents", 1); n != 3 {
		t.Errorf("the other process reads %d rows of version 1, want 3", n)
	}
	if p, err := b.Partner(ctx, "police"); err != nil || p.Name != "Police" {
		t.Errorf("the other process reads partner police as %+v, %v", p, err)
	}
	if err := b.CreateDataset(ctx, &catalog.Dataset{ID: "incidents", PartnerID: "police", Schema: sc}); fault.Code(err) != fault.Conflict {
		t.Errorf("the same dataset made again on the other process: %v, want a conflict", err)
	}

	// Loads through both at once: different numbers, both read by both.
	var wg sync.WaitGroup
	got := make([]*catalog.Version, 2)
	errs := make([]error, 2)
	for i, st := range []*postgres.Store{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], errs[i] = loadRows(ctx, st, d, fmt.Sprintf("sha-par-%d", i), 5+i)
		}()
	}
	wg.Wait()
	if errs[0] != nil || errs[1] != nil {
		t.Fatalf("parallel loads: %v, %v", errs[0], errs[1])
	}
	if got[0].Number == got[1].Number || got[0].ID == got[1].ID {
		t.Errorf("parallel loads both numbered %d (ids %d, %d)", got[0].Number, got[0].ID, got[1].ID)
	}
	for i, v := range got {
		for _, st := range []*postgres.Store{a, b} {
			if n := rowsOf(t, st, "incidents", v.Number); n != int64(5+i) {
				t.Errorf("version %d read as %d rows, want %d", v.Number, n, 5+i)
			}
		}
	}
	if _, err := loadRows(ctx, b, d, "sha-1", 3); fault.Code(err) != fault.Conflict {
		t.Errorf("version 1's input loaded again on the other process: %v, want a conflict", err)
	}

	// A process started later has the whole catalogue when it opens.
	c := openAt("c.duckdb")
	vs, err := c.Versions(ctx, "incidents")
	if err != nil || len(vs) != 3 {
		t.Fatalf("a later process has %d versions (%v), want 3", len(vs), err)
	}

	// A process that does not see the shared folder opens, without the
	// versions, and says why it is not ready.
	t.Setenv(postgres.VersionsEnv, t.TempDir())
	lost := openAt("lost.duckdb")
	if vs, err := lost.Versions(ctx, "incidents"); err != nil || len(vs) != 0 {
		t.Errorf("a process without the shared folder has versions %v (%v)", vs, err)
	}
	if err := lost.Ready(ctx); err == nil || !strings.Contains(fault.Message(err), "not in the shared folder") {
		t.Errorf("ready without the shared folder: %v, want the missing files named", err)
	}
	t.Setenv(postgres.VersionsEnv, "")

	// A purge through a reaches b, and the file goes.
	if err := a.PurgeVersion(ctx, v1, "retention", time.Now()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := b.Version(ctx, "incidents", 1)
		if fault.Code(err) == fault.NotFound {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the purged version is still read by the other process: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := os.Stat(filepath.Join(shared, v1.Table+".parquet")); !os.IsNotExist(err) {
		t.Errorf("the purged version's file is still there: %v", err)
	}
	v4, err := loadRows(ctx, b, d, "sha-4", 1)
	if err != nil || v4.Number != 4 {
		t.Errorf("after a purge the next version is %v (%v), want number 4: numbers are never reused", v4, err)
	}
}
