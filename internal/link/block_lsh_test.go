package link_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/civiclink/civiclink/internal/link"
)

// TestLSHComposite checks LSH over several filters read as one bit
// string, alone and anchored on an exact key: which pairs it proposes.
func TestLSHComposite(t *testing.T) {
	key := []byte("test key, not a secret")
	rec := func(id, fore, sur, dob string) link.Record {
		return link.Record{ID: id, Values: []string{bloom(key, fore), bloom(key, sur), token(key, dob)}}
	}
	ds := link.Dataset{Name: "people", Fields: []string{"fore_bf", "sur_bf", "dob_tok"}, Records: []link.Record{
		rec("a", "amelia", "hartwell", "1980-01-02"),
		rec("b", "amelia", "hartwell", "1980-01-02"), // a's twin record
		rec("c", "amelia", "hartwell", "1975-06-30"), // same names, other dob
		rec("d", "amelia", "", "1980-01-02"),         // surname missing
		rec("e", "osric", "pemberton", "1980-01-02"), // other names, same dob
		rec("f", "amelia", "hartwel", "1980-01-02"),  // a typo of a's surname
	}}
	names := &link.LSHSpec{Fields: []string{"fore_bf", "sur_bf"}, Bands: 20, BandBits: 40, Seed: 3}
	cases := []struct {
		name string
		rule link.BlockingRule
		want []string // candidate pairs
	}{
		{"names", link.BlockingRule{Name: "names", LSH: names}, []string{"a-b", "a-c", "a-f", "b-c", "b-f", "c-f"}},
		{"names within a dob", link.BlockingRule{Name: "dob+names", Keys: []link.KeyPart{{Field: "dob_tok", Raw: true}}, LSH: names}, []string{"a-b", "a-f", "b-f"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := link.Config{
				Comparisons: []link.ComparisonSpec{{Field: "dob_tok", Kind: "exact", Raw: true}},
				Blocking:    []link.BlockingRule{c.rule},
			}
			res, err := link.Link(context.Background(), []link.Dataset{ds}, cfg, link.Options{})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]bool{}
			for _, p := range res.Pairs.All() {
				got[fmt.Sprintf("%s-%s", ds.Records[p.A].ID, ds.Records[p.B].ID)] = true
			}
			for _, w := range c.want {
				if !got[w] {
					t.Errorf("pair %s not proposed; got %v", w, got)
				}
				delete(got, w)
			}
			for p := range got {
				if p == "a-e" || p == "b-e" || p == "e-f" || p[0] == 'd' || p[2] == 'd' {
					t.Errorf("pair %s proposed: other names or a missing filter must not be", p)
				}
			}
			if got, want := len(res.Blocking.Rules), names.Bands; got != want {
				t.Errorf("%d rules reported, want one per band (%d)", got, want)
			}
		})
	}
}

// TestRawKey checks that a raw key part keeps values as given: two
// encodings differing only in letter case are different keys raw, and
// one key once lower-cased.
func TestRawKey(t *testing.T) {
	ds := link.Dataset{Name: "d", Fields: []string{"enc"}, Records: []link.Record{
		{ID: "1", Values: []string{"QUJD+w=="}},
		{ID: "2", Values: []string{"qujd+w=="}},
	}}
	for _, c := range []struct {
		raw  bool
		want int
	}{{true, 0}, {false, 1}} {
		cfg := link.Config{
			Comparisons: []link.ComparisonSpec{{Field: "enc", Kind: "exact", Raw: true}},
			Blocking:    []link.BlockingRule{{Keys: []link.KeyPart{{Field: "enc", Raw: c.raw}}}},
		}
		res, err := link.Link(context.Background(), []link.Dataset{ds}, cfg, link.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got := res.Pairs.Len(); got != c.want {
			t.Errorf("raw %v: %d candidate pairs, want %d", c.raw, got, c.want)
		}
	}
}
