package ingest_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/ingest"
	"github.com/civiclink/civiclink/internal/store"
)

// newStore opens a fresh store file in a temp dir with the incidents dataset
// registered from testdata.
func newStore(tb testing.TB) (*store.Store, string) {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "test.duckdb")
	ctx := context.Background()
	st, err := store.Open(ctx, path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	if err := st.CreatePartner(ctx, &catalog.Partner{ID: "police", Name: "Police"}); err != nil {
		tb.Fatal(err)
	}
	sc, err := catalog.ReadSchemaFile("testdata/incidents/schema.json")
	if err != nil {
		tb.Fatal(err)
	}
	if err := st.CreateDataset(ctx, &catalog.Dataset{ID: "incidents", PartnerID: "police", Schema: sc}); err != nil {
		tb.Fatal(err)
	}
	return st, path
}

func versions(tb testing.TB, st *store.Store) int {
	tb.Helper()
	vs, err := st.Versions(context.Background(), "incidents")
	if err != nil {
		tb.Fatal(err)
	}
	return len(vs)
}

// dataTables counts dataset tables, so a test can see nothing was left behind.
func dataTables(tb testing.TB, st *store.Store) int {
	tb.Helper()
	var n int
	if err := st.DB().QueryRow(`SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE 'ds\_%' ESCAPE '\'`).Scan(&n); err != nil {
		tb.Fatal(err)
	}
	return n
}

func TestRunLoadsGoodFiles(t *testing.T) {
	tests := []struct {
		name     string
		file     string
		format   string
		delim    rune
		wantRows int64
	}{
		{"csv", "testdata/incidents/good.csv", "", 0, 4},
		{"jsonl", "testdata/incidents/good.jsonl", "", 0, 3},
		{"semicolon", "testdata/incidents/semicolon.csv", "", ';', 2},
		{"csv with BOM", writeTemp(t, "bom.csv", append([]byte{0xef, 0xbb, 0xbf}, readFile(t, "testdata/incidents/good.csv")...)), "", 0, 4},
		{"gzip", writeTemp(t, "good.csv.gz", gzipBytes(t, readFile(t, "testdata/incidents/good.csv"))), "", 0, 4},
		{"explicit format", writeTemp(t, "good.data", readFile(t, "testdata/incidents/good.jsonl")), "jsonl", 0, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, _ := newStore(t)
			res, err := ingest.Run(context.Background(), st, ingest.Request{DatasetID: "incidents", Path: tt.file, Format: tt.format, Delimiter: tt.delim, User: "ana"})
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if got := res.Version.Rows; got != tt.wantRows {
				t.Errorf("rows = %d, want %d", got, tt.wantRows)
			}
			if res.Version.Number != 1 || res.Version.LoadedBy != "ana" || len(res.Version.SHA256) != 64 {
				t.Errorf("version = %+v, want number 1 by ana with a sha256", res.Version)
			}
		})
	}
}

func TestRunConvertsValues(t *testing.T) {
	st, _ := newStore(t)
	ctx := context.Background()
	res, err := ingest.Run(ctx, st, ingest.Request{DatasetID: "incidents", Path: "testdata/incidents/good.csv"})
	if err != nil {
		t.Fatal(err)
	}
	var postcode, lsoa string
	var victims int64
	var abuse bool
	err = st.DB().QueryRow(`SELECT postcode, lsoa, victims, domestic_abuse FROM `+res.Version.Table+` WHERE incident_id = 'i1'`).Scan(&postcode, &lsoa, &victims, &abuse)
	if err != nil {
		t.Fatal(err)
	}
	if postcode != "CM1 1AA" || lsoa != "E01021203" || victims != 1 || !abuse {
		t.Errorf("row i1 = %q %q %d %v, want normalised CM1 1AA E01021203 1 true", postcode, lsoa, victims, abuse)
	}
	var lsoa2 string
	st.DB().QueryRow(`SELECT lsoa FROM ` + res.Version.Table + ` WHERE incident_id = 'i2'`).Scan(&lsoa2)
	if lsoa2 != "E01021204" {
		t.Errorf("lower-case LSOA stored as %q, want E01021204", lsoa2)
	}
}

func TestRunQualityReport(t *testing.T) {
	st, _ := newStore(t)
	res, err := ingest.Run(context.Background(), st, ingest.Request{DatasetID: "incidents", Path: "testdata/incidents/dup_ids.csv"})
	if err != nil {
		t.Fatal(err)
	}
	q := res.Version.Quality
	if q.DuplicateIDs != 1 {
		t.Errorf("duplicate ids = %d, want 1", q.DuplicateIDs)
	}
	byName := map[string]catalog.ColumnQuality{}
	for _, c := range q.Columns {
		byName[c.Name] = c
	}
	if c := byName["occurred_on"]; c.Min != "2024-01-03" || c.Max != "2024-01-05" || c.Completeness != 1 {
		t.Errorf("occurred_on quality = %+v, want min 2024-01-03 max 2024-01-05 complete", c)
	}
	if c := byName["crime_type"]; c.Present != 0 || c.Completeness != 0 {
		t.Errorf("absent optional column quality = %+v, want nothing present", c)
	}
}

func TestRunRejectsBadInput(t *testing.T) {
	long := "l1,2024-01-03," + strings.Repeat("x", 10<<20) + "\n"
	tests := []struct {
		name string
		file string
		// every string must appear in the error
		want []string
	}{
		{"unbalanced quotes", "testdata/incidents/quotes.csv", []string{"quotes.csv", "line 3", "malformed CSV"}},
		{"ragged row", "testdata/incidents/ragged.csv", []string{"ragged.csv", "line 3", "expected 3 fields", "found 2"}},
		{"type errors", "testdata/incidents/types.csv", []string{"5 of 6 rows", "line 3, column occurred_on", "YYYY-MM-DD", "line 4, column crime_type", "arson", "line 5, column victims", "whole number", "line 6, column postcode", "line 7, column occurred_on: a value is required"}},
		{"missing required column", "testdata/incidents/missing_required.csv", []string{"required column(s) missing", "occurred_on"}},
		{"unknown column", "testdata/incidents/unknown_column.csv", []string{"unknown column(s) surname"}},
		{"empty file", "testdata/incidents/empty.csv", []string{"empty.csv is empty"}},
		{"header only", "testdata/incidents/header_only.csv", []string{"no rows to load"}},
		{"latin-1", writeTemp(t, "latin1.csv", []byte("incident_id,occurred_on\nx\xe9,2024-01-03\n")), []string{"line 2", "not valid UTF-8"}},
		{"utf-16", writeTemp(t, "utf16.csv", []byte{0xff, 0xfe, 'i', 0, 'd', 0}), []string{"UTF-16"}},
		{"10 MB line", writeTemp(t, "long.csv", []byte("incident_id,occurred_on,crime_type\n"+long)), []string{"line 2 is longer than"}},
		{"truncated gzip", writeTemp(t, "trunc.csv.gz", truncate(gzipBytes(t, readFile(t, "testdata/incidents/good.csv")), 40)), []string{"trunc.csv.gz", "ends early or is corrupt"}},
		{"unknown extension", writeTemp(t, "file.xyz", []byte("a")), []string{"cannot tell the format of file.xyz", "csv, jsonl or parquet"}},
		{"missing file", filepath.Join(t.TempDir(), "nope.csv"), []string{"nope.csv"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, _ := newStore(t)
			_, err := ingest.Run(context.Background(), st, ingest.Request{DatasetID: "incidents", Path: tt.file})
			if err == nil {
				t.Fatal("Run succeeded, want an error")
			}
			if c := fault.Code(err); c != fault.Invalid && c != fault.NotFound {
				t.Errorf("code = %s, want invalid or not_found (%v)", c, err)
			}
			for _, w := range tt.want {
				if !strings.Contains(fault.Message(err), w) {
					t.Errorf("error %q does not mention %q", fault.Message(err), w)
				}
			}
			if strings.Contains(fault.Message(err), "--") {
				t.Errorf("error %q names a CLI flag: name the field (fault.FieldErrorf)", fault.Message(err))
			}
			if n := versions(t, st); n != 0 {
				t.Errorf("%d versions after a failed ingest, want 0", n)
			}
			if n := dataTables(t, st); n != 0 {
				t.Errorf("%d dataset tables left after a failed ingest, want 0", n)
			}
		})
	}
}

func TestRunRejectsFile(t *testing.T) {
	st, _ := newStore(t)
	rej := filepath.Join(t.TempDir(), "rejects.csv")
	res, err := ingest.Run(context.Background(), st, ingest.Request{DatasetID: "incidents", Path: "testdata/incidents/types.csv", RejectsPath: rej})
	if err != nil {
		t.Fatal(err)
	}
	if res.Version.Rows != 1 || res.Version.Rejected != 5 {
		t.Errorf("rows, rejected = %d, %d, want 1, 5", res.Version.Rows, res.Version.Rejected)
	}
	b, err := os.ReadFile(rej)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 6 {
		t.Fatalf("rejects file has %d lines, want header + 5:\n%s", len(lines), b)
	}
	if !strings.HasPrefix(lines[0], "_line,_column,_reason,incident_id") || !strings.HasPrefix(lines[1], "3,occurred_on,") || !strings.Contains(lines[1], "t2,03/01/2024") {
		t.Errorf("rejects file does not keep line, reason and the original row:\n%s", b)
	}
}

func TestRunRejectsFileLeftOutOnFailure(t *testing.T) {
	st, _ := newStore(t)
	rej := filepath.Join(t.TempDir(), "rejects.csv")
	_, err := ingest.Run(context.Background(), st, ingest.Request{DatasetID: "incidents", Path: "testdata/incidents/header_only.csv", RejectsPath: rej})
	if err == nil {
		t.Fatal("want an error for a file with no rows")
	}
	if _, err := os.Stat(rej); !os.IsNotExist(err) {
		t.Errorf("rejects file exists after a failed load: %v", err)
	}
	entries, _ := os.ReadDir(filepath.Dir(rej))
	if len(entries) != 0 {
		t.Errorf("temp files left behind: %v", entries)
	}
}

func TestRunDuplicateInput(t *testing.T) {
	st, _ := newStore(t)
	ctx := context.Background()
	req := ingest.Request{DatasetID: "incidents", Path: "testdata/incidents/good.csv"}
	first, err := ingest.Run(ctx, st, req)
	if err != nil {
		t.Fatal(err)
	}
	again, err := ingest.Run(ctx, st, req)
	if err != nil {
		t.Fatal(err)
	}
	if !again.Duplicate || again.Version.Number != first.Version.Number {
		t.Errorf("second ingest = duplicate %v of version %d, want a duplicate of %d", again.Duplicate, again.Version.Number, first.Version.Number)
	}
	if n := versions(t, st); n != 1 {
		t.Errorf("%d versions, want 1", n)
	}
	// The same rows with one byte changed are a new version.
	changed := writeTemp(t, "changed.csv", append(readFile(t, "testdata/incidents/good.csv"), []byte("i5,2024-04-01,theft,,,,,,\n")...))
	res, err := ingest.Run(ctx, st, ingest.Request{DatasetID: "incidents", Path: changed})
	if err != nil {
		t.Fatal(err)
	}
	if res.Duplicate || res.Version.Number != 2 || res.Version.Rows != 5 {
		t.Errorf("changed file = %+v, want version 2 with 5 rows", res.Version)
	}
}

func TestRunUnknownDataset(t *testing.T) {
	st, _ := newStore(t)
	_, err := ingest.Run(context.Background(), st, ingest.Request{DatasetID: "nope", Path: "testdata/incidents/good.csv"})
	if fault.Code(err) != fault.NotFound {
		t.Errorf("code = %q, want not_found (%v)", fault.Code(err), err)
	}
}

func readFile(tb testing.TB, path string) []byte {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func writeTemp(tb testing.TB, name string, b []byte) string {
	tb.Helper()
	p := filepath.Join(tb.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		tb.Fatal(err)
	}
	return p
}

func gzipBytes(tb testing.TB, b []byte) []byte {
	tb.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func truncate(b []byte, n int) []byte { return b[:n] }
