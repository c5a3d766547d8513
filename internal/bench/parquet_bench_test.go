package bench

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/ingest"
	"github.com/civiclink/civiclink/internal/insight"
	"github.com/civiclink/civiclink/internal/store/postgres"
)

// BenchmarkSecondProcessParquet asks why a process that did not load a
// version (server mode: it reads the version's Parquet file through a
// view) pays more for the full-control repeat than the process that loaded
// it (a table in its engine). It loads CIVICLINK_BENCH_ROWS rows (default
// 1e6) through one store on the empty PostgreSQL database
// CIVICLINK_BENCH_POSTGRES, opens a second, and times the repeat in both
// in alternation (nine each; medians of wall and CPU time, as ratios
// second / loading) with the file as written, with DuckDB's metadata
// caches on, with the rows rewritten in other codecs and row-group sizes,
// and from a local copy of the rows. Skipped without the database.
func BenchmarkSecondProcessParquet(b *testing.B) {
	url := os.Getenv("CIVICLINK_BENCH_POSTGRES")
	if url == "" {
		b.Skip("set CIVICLINK_BENCH_POSTGRES to an empty PostgreSQL database")
	}
	n, _ := strconv.Atoi(os.Getenv("CIVICLINK_BENCH_ROWS"))
	if n <= 0 {
		n = 1_000_000
	}
	ctx := context.Background()
	dir := b.TempDir()
	_, key, _ := ed25519.GenerateKey(nil)
	a, ea, table, u := parquetBenchLoading(b, url, dir, n, key)
	second, err := postgres.Open(ctx, url, filepath.Join(dir, "b.duckdb"))
	if err != nil {
		b.Fatal(err)
	}
	defer second.Close()
	blog, err := second.AuditLog(ctx, key)
	if err != nil {
		b.Fatal(err)
	}
	auditor, _ := second.Auditor(ctx)
	eb := &insight.Engine{Store: second, Gov: govern.NewService(second, govern.AuditRecorder{Log: blog}), Auditor: auditor}
	repeat := func(e *insight.Engine) func() error {
		return func() error { _, err := e.Aggregate(ctx, u, q0); return err }
	}
	view := func(from string) {
		if _, err := second.DB().ExecContext(ctx, `CREATE OR REPLACE VIEW "`+table+`" AS SELECT * FROM `+from); err != nil {
			b.Fatal(err)
		}
	}
	file := filepath.Join(second.VersionsDir(), table+".parquet")
	variants := []struct {
		name  string
		setUp func()
	}{
		{"as-written-zstd", func() {}},
		{"object-cache", func() { second.DB().ExecContext(ctx, `SET enable_object_cache = true`) }},
		{"metadata-cache", func() { second.DB().ExecContext(ctx, `SET parquet_metadata_cache = true`) }},
		{"snappy", func() { view(rewrite(b, a, table, dir, "snappy", "COMPRESSION snappy")) }},
		{"lz4", func() { view(rewrite(b, a, table, dir, "lz4", "COMPRESSION lz4")) }},
		{"uncompressed", func() { view(rewrite(b, a, table, dir, "uncompressed", "COMPRESSION uncompressed")) }},
		{"zstd-1M-row-groups", func() { view(rewrite(b, a, table, dir, "zstd1m", "COMPRESSION zstd, ROW_GROUP_SIZE 1048576")) }},
		{"local-copy", func() {
			if _, err := second.DB().ExecContext(ctx, `CREATE TABLE "copy" AS SELECT * FROM read_parquet('`+file+`')`); err != nil {
				b.Fatal(err)
			}
			view(`"copy"`)
		}},
	}
	for _, v := range variants {
		b.Run(v.name, func(b *testing.B) {
			v.setUp()
			if err := repeat(eb)(); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				ws, wl, cs, cl, err := alternate(9, repeat(eb), repeat(ea))
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(ws/wl, "wall-ratio")
				b.ReportMetric(cs/cl, "cpu-ratio")
				b.ReportMetric(cl, "loading-cpu-s")
			}
		})
	}
}

// parquetBenchLoading loads n generated rows through a store on the
// database at url, signing the audit log with key, and makes its first
// release; it returns the store, its
// engine, the version's table and the analyst.
func parquetBenchLoading(b *testing.B, url, dir string, n int, key ed25519.PrivateKey) (Store, *insight.Engine, string, *govern.User) {
	b.Helper()
	ctx := context.Background()
	csvPath := filepath.Join(dir, "rows.csv")
	if err := WriteIngestCSV(csvPath, n); err != nil {
		b.Fatal(err)
	}
	st, err := postgres.Open(ctx, url, filepath.Join(dir, "a.duckdb"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	log, err := st.AuditLog(ctx, key)
	if err != nil {
		b.Fatal(err)
	}
	sc, _ := catalog.ParseSchema(strings.NewReader(IngestSchema))
	if err := st.CreatePartner(ctx, &catalog.Partner{ID: "bench", Name: "Bench"}); err != nil {
		b.Fatal(err)
	}
	st.CreateDataset(ctx, &catalog.Dataset{ID: "bench", PartnerID: "bench", Schema: sc})
	res, err := ingest.Run(ctx, st, ingest.Request{DatasetID: "bench", Path: csvPath, User: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	os.Remove(csvPath)
	st.DB().ExecContext(ctx, `CHECKPOINT`)
	gov := govern.NewService(st, govern.AuditRecorder{Log: log})
	u := &govern.User{ID: "analyst", PartnerID: "bench", Name: "Analyst", Roles: []govern.Role{govern.Analyst}}
	if err := gov.Bootstrap(ctx, u, "bench password long enough"); err != nil {
		b.Fatal(err)
	}
	auditor, _ := st.Auditor(ctx)
	e := &insight.Engine{Store: st, Gov: gov, Auditor: auditor}
	if _, err := e.Aggregate(ctx, u, q0); err != nil {
		b.Fatal(err)
	}
	return st, e, res.Version.Table, u
}

// rewrite writes table's rows as a Parquet file with opts and returns
// the read_parquet of it.
func rewrite(b *testing.B, st Store, table, dir, name, opts string) string {
	b.Helper()
	path := filepath.Join(dir, name+".parquet")
	if _, err := st.DB().ExecContext(context.Background(), `COPY "`+table+`" TO '`+path+`' (FORMAT parquet, `+opts+`)`); err != nil {
		b.Fatal(err)
	}
	return fmt.Sprintf("read_parquet('%s')", path)
}
