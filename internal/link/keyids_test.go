package link

import (
	"strings"
	"testing"
)

// TestCheckKeyIDs refuses a compared column whose key ids differ between
// inputs, or that has one in one input and none in another, and lets
// through equal key ids, plain columns and columns the config does not
// use or an input does not have.
func TestCheckKeyIDs(t *testing.T) {
	cfg := Config{Comparisons: []ComparisonSpec{{Field: "bf_surname", Kind: "dice"}}, Blocking: []BlockingRule{{Keys: []KeyPart{{Field: "tok_nhs"}}}}}
	in := func(name string, cols []string, ids ...string) KeyedInput {
		k := KeyedInput{Name: name, KeyIDs: map[string]string{}, From: name + ".schema.json", Columns: cols}
		for i := 0; i < len(ids); i += 2 {
			k.KeyIDs[ids[i]] = ids[i+1]
		}
		return k
	}
	tests := []struct {
		name   string
		inputs []KeyedInput
		want   []string // in the error; none: no error
	}{
		{"equal", []KeyedInput{in("a", nil, "bf_surname", "k1", "tok_nhs", "k2"), in("b", nil, "bf_surname", "k1", "tok_nhs", "k2")}, nil},
		{"plain columns", []KeyedInput{in("a", nil), in("b", nil)}, nil},
		{"unused column differs", []KeyedInput{in("a", nil, "bf_surname", "k1", "clk", "x"), in("b", nil, "bf_surname", "k1", "clk", "y")}, nil},
		{"compared column differs", []KeyedInput{in("a", nil, "bf_surname", "k1"), in("b", nil, "bf_surname", "k9")}, []string{"bf_surname of a (key id k1)", "bf_surname of b (key id k9)"}},
		{"blocking column differs", []KeyedInput{in("a", nil, "tok_nhs", "k2"), in("b", nil, "tok_nhs", "k3")}, []string{"tok_nhs", "k2", "k3"}},
		{"key id against none", []KeyedInput{in("a", nil, "bf_surname", "k1"), in("b", nil)}, []string{"a has key id k1", "b has none", "b.schema.json"}},
		{"none against a key id", []KeyedInput{in("a", nil), in("b", nil, "bf_surname", "k1")}, []string{"b has key id k1", "a has none"}},
		{"an input without the column", []KeyedInput{in("a", []string{"bf_surname"}, "bf_surname", "k1"), in("b", []string{"tok_nhs"})}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckKeyIDs(cfg, tt.inputs)
			if (err != nil) != (tt.want != nil) {
				t.Fatalf("err = %v, want an error: %v", err, tt.want != nil)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}
