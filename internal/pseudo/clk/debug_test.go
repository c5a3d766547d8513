package clk

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestDebugIntermediates checks the formatted values and tokens of every
// record and feature against clkhash's own intermediate values, so that a
// mismatch is located before it reaches the bits.
func TestDebugIntermediates(t *testing.T) {
	root := vectorDir(t)
	dirs, _ := filepath.Glob(filepath.Join(root, "*"))
	for _, dir := range dirs {
		c := loadCase(t, dir)
		b, err := os.ReadFile(filepath.Join(dir, "debug.json"))
		if err != nil {
			t.Fatal(err)
		}
		var dbg struct {
			Records []struct {
				Features []struct {
					Identifier string   `json:"identifier"`
					Raw        string   `json:"raw"`
					Formatted  string   `json:"formatted"`
					Tokens     []string `json:"tokens"`
				} `json:"features"`
			} `json:"records"`
		}
		if err := json.Unmarshal(b, &dbg); err != nil {
			t.Fatal(err)
		}
		t.Run(c.name, func(t *testing.T) {
			for r, rec := range dbg.Records {
				for _, df := range rec.Features {
					f := findFeature(c.schema, df.Identifier)
					if f == nil {
						t.Fatalf("debug feature %q is not in the schema", df.Identifier)
					}
					formatted := df.Raw
					if f.Missing == nil || df.Raw != f.Missing.Sentinel {
						if formatted, err = f.FormatValue(df.Raw); err != nil {
							t.Errorf("record %d %s: %v", r+1, df.Identifier, err)
							continue
						}
					} else {
						formatted = f.Missing.ReplaceWith
					}
					if formatted != df.Formatted {
						t.Errorf("record %d %s: formatted %q, want %q", r+1, df.Identifier, formatted, df.Formatted)
					}
					toks, err := f.Tokens(formatted)
					if err != nil {
						t.Errorf("record %d %s: %v", r+1, df.Identifier, err)
					}
					if !slices.Equal(toks, df.Tokens) && !(len(toks) == 0 && len(df.Tokens) == 0) {
						t.Errorf("record %d %s: tokens %q, want %q", r+1, df.Identifier, toks, df.Tokens)
					}
				}
			}
		})
	}
}

func findFeature(s *Schema, id string) *Feature {
	for i := range s.Features {
		if s.Features[i].Identifier == id {
			return &s.Features[i]
		}
	}
	return nil
}
