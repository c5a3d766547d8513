// Package bench holds civiclink's reproducible performance runs (the
// `civiclink bench` command): each times civiclink's path and a reference
// run on the same input in the same process, and reports the ratio, since
// absolute times on shared machines are noisy.
package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/ingest"
)

// IngestSchema is the 12-column schema of the generated benchmark file.
const IngestSchema = `{"name": "bench", "columns": [
 {"name": "record_id", "type": "string", "role": "record-id"},
 {"name": "event_date", "type": "date", "required": true, "role": "event-date"},
 {"name": "event_time", "type": "datetime"},
 {"name": "category", "type": "category", "codes": ["violence", "theft", "burglary", "criminal-damage", "drugs", "public-order"]},
 {"name": "flag", "type": "boolean"},
 {"name": "postcode", "type": "uk-postcode", "role": "geography"},
 {"name": "lsoa", "type": "lsoa-code", "role": "geography"},
 {"name": "district", "type": "lad-code", "role": "geography"},
 {"name": "count", "type": "integer"},
 {"name": "amount", "type": "decimal"},
 {"name": "note", "type": "string"},
 {"name": "token", "type": "token", "role": "identifier"}
]}`

// WriteIngestCSV writes a deterministic CSV of n rows matching IngestSchema.
func WriteIngestCSV(path string, n int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	rng := rand.New(rand.NewPCG(1, 2))
	cats := []string{"violence", "theft", "burglary", "criminal-damage", "drugs", "public-order"}
	fmt.Fprintln(w, "record_id,event_date,event_time,category,flag,postcode,lsoa,district,count,amount,note,token")
	for i := range n {
		day := rng.IntN(1461)
		d := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, day)
		fmt.Fprintf(w, "r%08d,%s,%sT%02d:%02d:00Z,%s,%t,CM%d %d%c%c,E0102%04d,E070000%d,%d,%d.%02d,\"note %d, free text\",%016x%016x\n",
			i, d.Format("2006-01-02"), d.Format("2006-01-02"), rng.IntN(24), rng.IntN(60), cats[rng.IntN(len(cats))], rng.IntN(2) == 0,
			rng.IntN(23)+1, rng.IntN(10), 'A'+rng.IntN(26), 'A'+rng.IntN(26), rng.IntN(10000), 66+rng.IntN(12),
			rng.IntN(50), rng.IntN(1000), rng.IntN(100), rng.IntN(1000), rng.Uint64(), rng.Uint64())
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}

// IngestResult is one benchmark run's figures.
type IngestResult struct {
	Rows           int     `json:"rows"`
	Bytes          int64   `json:"bytes"`
	CivicSeconds   float64 `json:"civiclink_seconds"`
	DuckDBSeconds  float64 `json:"duckdb_read_csv_seconds"`
	CivicRowsPerS  float64 `json:"civiclink_rows_per_s"`
	DuckDBRowsPerS float64 `json:"duckdb_rows_per_s"`
	Ratio          float64 `json:"ratio"`        // civiclink speed / DuckDB speed
	PeakRSSMiB     float64 `json:"peak_rss_mib"` // after civiclink's ingest, before the reference
}

// Ingest generates an n-row file in dir, ingests it through civiclink with
// full validation into a store made by open, then loads it with DuckDB's
// bare read_csv into a table of another fresh store, and reports both.
func Ingest(ctx context.Context, open Opener, dir string, n int) (*IngestResult, error) {
	csvPath := filepath.Join(dir, fmt.Sprintf("bench_%d.csv", n))
	if err := WriteIngestCSV(csvPath, n); err != nil {
		return nil, err
	}
	st, err := os.Stat(csvPath)
	if err != nil {
		return nil, err
	}
	r := &IngestResult{Rows: n, Bytes: st.Size()}
	if r.CivicSeconds, err = timeCivic(ctx, open, dir, csvPath); err != nil {
		return nil, err
	}
	r.PeakRSSMiB = peakRSSMiB() // before the reference run adds its own
	if r.DuckDBSeconds, err = timeDuckDB(ctx, open, dir, csvPath); err != nil {
		return nil, err
	}
	r.CivicRowsPerS = float64(n) / r.CivicSeconds
	r.DuckDBRowsPerS = float64(n) / r.DuckDBSeconds
	r.Ratio = r.DuckDBSeconds / r.CivicSeconds
	return r, nil
}

func timeCivic(ctx context.Context, open Opener, dir, csvPath string) (float64, error) {
	st, _, err := open(ctx, filepath.Join(dir, "civic.duckdb"))
	if err != nil {
		return 0, err
	}
	defer st.Close()
	sc, err := catalog.ParseSchema(strings.NewReader(IngestSchema))
	if err != nil {
		return 0, err
	}
	if err := st.CreatePartner(ctx, &catalog.Partner{ID: "bench", Name: "Bench"}); err != nil {
		return 0, err
	}
	if err := st.CreateDataset(ctx, &catalog.Dataset{ID: "bench", PartnerID: "bench", Schema: sc}); err != nil {
		return 0, err
	}
	start := time.Now()
	res, err := ingest.Run(ctx, st, ingest.Request{DatasetID: "bench", Path: csvPath, User: "bench"})
	if err != nil {
		return 0, err
	}
	if res.Version.Rows == 0 {
		return 0, fmt.Errorf("bench ingest loaded no rows")
	}
	return time.Since(start).Seconds(), nil
}

func timeDuckDB(ctx context.Context, open Opener, dir, csvPath string) (float64, error) {
	st, _, err := open(ctx, filepath.Join(dir, "reference.duckdb"))
	if err != nil {
		return 0, err
	}
	defer st.Close()
	start := time.Now()
	q := fmt.Sprintf(`CREATE TABLE reference AS SELECT * FROM read_csv('%s')`, strings.ReplaceAll(csvPath, "'", "''"))
	if _, err := st.DB().ExecContext(ctx, q); err != nil {
		return 0, err
	}
	return time.Since(start).Seconds(), nil
}

// peakRSSMiB is this process's peak resident set size.
func peakRSSMiB() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Maxrss) / 1024
}

// JSON renders a result for scripts.
func (r *IngestResult) JSON() string {
	b, _ := json.Marshal(r)
	return string(b)
}
