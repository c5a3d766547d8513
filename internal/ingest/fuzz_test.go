package ingest_test

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/ingest"
	"github.com/civiclink/civiclink/internal/store"
)

// checkAnyInput ingests data as a CSV file and checks the properties that
// hold for every input: no panic, only domain errors (never an internal
// one), and a failed ingest leaves no version behind.
func checkAnyInput(t *testing.T, st *store.Store, dir string, data []byte) {
	t.Helper()
	path := filepath.Join(dir, "in.csv")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	before := versions(t, st)
	res, err := ingest.Run(context.Background(), st, ingest.Request{DatasetID: "incidents", Path: path})
	if err != nil {
		if fault.Code(err) == fault.Internal {
			t.Fatalf("internal error on input %q: %v", data, err)
		}
		if after := versions(t, st); after != before {
			t.Fatalf("failed ingest changed versions from %d to %d", before, after)
		}
		return
	}
	if res.Version == nil || (!res.Duplicate && res.Version.Rows == 0) {
		t.Fatalf("success without rows: %+v", res)
	}
}

func seeds(tb testing.TB) [][]byte {
	var out [][]byte
	for _, name := range []string{"good.csv", "types.csv", "ragged.csv", "quotes.csv", "dup_ids.csv"} {
		b, err := os.ReadFile(filepath.Join("testdata/incidents", name))
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, b)
	}
	return append(out, []byte("incident_id,occurred_on\n\"a\"\"b\",2024-01-01\n"), []byte{0x1f, 0x8b, 0, 0})
}

// FuzzRunCSV checks arbitrary bytes (`go test -fuzz FuzzRunCSV`).
func FuzzRunCSV(f *testing.F) {
	for _, s := range seeds(f) {
		f.Add(s)
	}
	st, _ := newStore(f)
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) { checkAnyInput(t, st, dir, data) })
}

// TestRunMutatedInputs checks a fixed set of randomly damaged files (bytes
// changed, dropped, or quotes, commas and line breaks inserted).
func TestRunMutatedInputs(t *testing.T) {
	st, _ := newStore(t)
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(7, 11))
	all := seeds(t)
	for range 300 {
		b := append([]byte(nil), all[rng.IntN(len(all))]...)
		for k := rng.IntN(6); k >= 0 && len(b) > 0; k-- {
			i := rng.IntN(len(b))
			switch rng.IntN(3) {
			case 0:
				b[i] = byte(rng.IntN(256))
			case 1:
				b = append(b[:i], b[i+1:]...)
			default:
				b = append(b[:i], append([]byte{"\",\n\r"[rng.IntN(4)]}, b[i:]...)...)
			}
		}
		checkAnyInput(t, st, dir, b)
	}
}
