package bench

import (
	"context"
	"testing"

	"github.com/civiclink/civiclink/internal/audit"
	"github.com/civiclink/civiclink/internal/store"
)

// BenchmarkIngest runs the ingest comparison at a size small enough for a
// routine `go test -bench`; `civiclink bench ingest --rows 1000000` is the
// full-size run recorded in docs/benchmarks.md.
func BenchmarkIngest(b *testing.B) {
	for b.Loop() {
		r, err := Ingest(context.Background(), openStore, b.TempDir(), 200_000)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(r.CivicRowsPerS, "civiclink-rows/s")
		b.ReportMetric(r.DuckDBRowsPerS, "duckdb-rows/s")
		b.ReportMetric(r.Ratio, "ratio")
	}
}

// openStore opens the DuckDB store, without the audit log the ingest
// benchmark does not record to.
func openStore(ctx context.Context, path string) (Store, audit.Log, error) {
	st, err := store.Open(ctx, path)
	return st, nil, err
}

func TestWriteIngestCSVIsDeterministic(t *testing.T) {
	dir := t.TempDir()
	a, b := dir+"/a.csv", dir+"/b.csv"
	if err := WriteIngestCSV(a, 500); err != nil {
		t.Fatal(err)
	}
	if err := WriteIngestCSV(b, 500); err != nil {
		t.Fatal(err)
	}
	r, err := Ingest(context.Background(), openStore, dir, 500)
	if err != nil {
		t.Fatalf("the generated file does not ingest cleanly: %v", err)
	}
	if r.Rows != 500 || r.Ratio <= 0 {
		t.Errorf("result = %+v", r)
	}
}
