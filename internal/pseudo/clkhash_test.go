package pseudo

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/civiclink/civiclink/internal/refdata"
)

// Given a bare clkhash v3 schema, pseudonymise applies clkhash's rules
// exactly: its clks-json output equals clkhash's own for every case.
func TestRunClkhashSchemaMatchesVectors(t *testing.T) {
	root, err := refdata.Path("clkhash", "cases")
	if err != nil {
		t.Skipf("clkhash vectors not found: %v", err)
	}
	dirs, _ := filepath.Glob(filepath.Join(root, "*"))
	if len(dirs) != 27 {
		t.Fatalf("found %d cases, want 27", len(dirs))
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			spec, err := ReadSpecFile(filepath.Join(dir, "schema.json"), "")
			if err != nil {
				t.Fatal(err)
			}
			b, _ := os.ReadFile(filepath.Join(dir, "secret.txt"))
			o, _, err := runFile(t, spec, testSecret(t, string(b)), filepath.Join(dir, "input.csv"), func(o *Options) {
				o.Format, o.Workers = FormatCLKsJSON, 3
			})
			if err != nil {
				t.Fatal(err)
			}
			got, want := readClks(t, o.Out), readClks(t, filepath.Join(dir, "expected.json"))
			if !slices.Equal(got, want) {
				t.Errorf("clks differ:\n got %q\nwant %q", got, want)
			}
		})
	}
}

func readClks(tb testing.TB, path string) []string {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	var v struct {
		Clks []string `json:"clks"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		tb.Fatalf("%s is not clks JSON: %v", path, err)
	}
	return v.Clks
}

// In CSV form a bare clkhash schema keeps the chosen id column.
func TestRunClkhashSchemaCSV(t *testing.T) {
	dir, err := refdata.Path("clkhash", "cases", "blake_bitsPerToken_l1024")
	if err != nil {
		t.Skipf("clkhash vectors not found: %v", err)
	}
	spec, err := ReadSpecFile(filepath.Join(dir, "schema.json"), "id")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "secret.txt"))
	o, res, err := runFile(t, spec, testSecret(t, string(b)), filepath.Join(dir, "input.csv"), nil)
	if err != nil {
		t.Fatal(err)
	}
	rows := readCSV(t, o.Out)
	want := readClks(t, filepath.Join(dir, "expected.json"))
	if len(rows) != len(want) || rows[0]["id"] != "p01" || rows[0]["clk"] != want[0] || rows[29]["clk"] != want[29] {
		t.Errorf("CSV output %d rows, first %v; want %d rows with clkhash's clks", len(rows), rows[0], len(want))
	}
	if len(rows[0]) != 2 {
		t.Errorf("CSV output has columns %v, want only id and clk", rows[0])
	}
	checkOutputSchemaIDs(t, res)
}

func checkOutputSchemaIDs(t *testing.T, res *Result) {
	t.Helper()
	c, ok := res.Schema.Column("clk")
	if !ok {
		t.Fatal("output schema has no clk column")
	}
	if id, _ := ColumnKeyID(c.Description); id != res.KeyIDs["clk"] {
		t.Errorf("clk key id %q, want %q", id, res.KeyIDs["clk"])
	}
}

// clks-json cannot leave rows out: positions are the only ids.
func TestCLKsJSONRefusesRejects(t *testing.T) {
	dir, err := refdata.Path("clkhash", "cases", "blake_bitsPerToken_l1024")
	if err != nil {
		t.Skipf("clkhash vectors not found: %v", err)
	}
	spec, err := ReadSpecFile(filepath.Join(dir, "schema.json"), "")
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = runFile(t, spec, testSecret(t, "s"), filepath.Join(dir, "input.csv"), func(o *Options) {
		o.Format, o.Rejects = FormatCLKsJSON, filepath.Join(filepath.Dir(o.Out), "rejects.csv")
	})
	if err == nil {
		t.Errorf("clks-json with --rejects was accepted")
	}
}
