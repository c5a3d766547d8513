package clk

import (
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/civiclink/civiclink/internal/refdata"
)

// vectorDir returns the clkhash conformance vectors in the shared data
// folder, or skips the test when the folder is absent.
func vectorDir(tb testing.TB) string {
	tb.Helper()
	d, err := refdata.Path("clkhash", "cases")
	if err != nil {
		tb.Skipf("clkhash vectors not found: %v", err)
	}
	return d
}

type vectorCase struct {
	name    string
	schema  *Schema
	secret  []byte
	header  []string
	rows    [][]string
	clks    []string
	popcnts []int
}

func loadCase(tb testing.TB, dir string) vectorCase {
	tb.Helper()
	c := vectorCase{name: filepath.Base(dir)}
	var err error
	if c.schema, err = ReadSchemaFile(filepath.Join(dir, "schema.json")); err != nil {
		tb.Fatal(err)
	}
	if c.secret, err = os.ReadFile(filepath.Join(dir, "secret.txt")); err != nil {
		tb.Fatal(err)
	}
	f, err := os.Open(filepath.Join(dir, "input.csv"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	c.header, c.rows = recs[0], recs[1:]
	b, err := os.ReadFile(filepath.Join(dir, "expected.json"))
	if err != nil {
		tb.Fatal(err)
	}
	var exp struct {
		Clks      []string `json:"clks"`
		Popcounts []int    `json:"popcounts"`
	}
	if err := json.Unmarshal(b, &exp); err != nil {
		tb.Fatal(err)
	}
	c.clks, c.popcnts = exp.Clks, exp.Popcounts
	return c
}

func TestConformanceVectors(t *testing.T) {
	root := vectorDir(t)
	dirs, err := filepath.Glob(filepath.Join(root, "*"))
	if err != nil {
		t.Fatal(err)
	}
	total, cases := 0, 0
	for _, dir := range dirs {
		c := loadCase(t, dir)
		cases++
		t.Run(c.name, func(t *testing.T) {
			for i, f := range c.schema.Features {
				if c.header[i] != f.Identifier {
					t.Fatalf("header column %d is %q, schema feature is %q", i, c.header[i], f.Identifier)
				}
			}
			enc, err := NewEncoder(c.schema, c.secret)
			if err != nil {
				t.Fatal(err)
			}
			if len(c.rows) != len(c.clks) {
				t.Fatalf("%d rows but %d expected clks", len(c.rows), len(c.clks))
			}
			for r, row := range c.rows {
				got, err := enc.EncodeBase64(row)
				if err != nil {
					t.Errorf("row %d: %v", r+1, err)
					continue
				}
				if got != c.clks[r] {
					t.Errorf("row %d (%v):\n got %s\nwant %s", r+1, row, got, c.clks[r])
				}
			}
			// A worker's second pass takes every token's indices from its
			// cache, in reverse order so cached lists meet other k.
			w := enc.NewWorker()
			for pass := range 2 {
				for r := len(c.rows) - 1; r >= 0; r-- {
					b, err := w.AppendEncoding(nil, c.rows[r])
					if err != nil || base64.StdEncoding.EncodeToString(b) != c.clks[r] {
						t.Errorf("worker pass %d row %d: %v, encoding differs from clkhash's", pass+1, r+1, err)
					}
				}
			}
		})
		total += len(c.clks)
	}
	if cases != 27 || total != 736 {
		t.Errorf("ran %d cases with %d CLKs, want 27 cases with 736", cases, total)
	}
}

// The key id changes with the secret and with any setting that moves bits,
// and not with a feature's name.
func TestKeyID(t *testing.T) {
	dir := filepath.Join(vectorDir(t), "blake_bitsPerToken_l1024")
	base := loadCase(t, dir).schema
	id := func(s *Schema, secret string) string {
		e, err := NewEncoder(s, []byte(secret))
		if err != nil {
			t.Fatal(err)
		}
		return e.KeyID()
	}
	ref := id(base, "a")
	if id(base, "a") != ref || id(base, "b") == ref {
		t.Errorf("key id does not follow the secret")
	}
	renamed := *base
	renamed.Features = append([]Feature(nil), base.Features...)
	renamed.Features[1].Identifier = "first_name"
	if id(&renamed, "a") != ref {
		t.Errorf("renaming a feature changed the key id")
	}
	moved := renamed
	moved.Features = append([]Feature(nil), base.Features...)
	moved.Features[1].Strategy.BitsPerToken++
	if id(&moved, "a") == ref {
		t.Errorf("changing bitsPerToken kept the key id")
	}
}
