package linkrun_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/link"
	"github.com/civiclink/civiclink/internal/linkrun"
)

// keyedStore shows some datasets' identifier columns as made with another
// secret: key id keys[dataset] in each description, or none for "".
type keyedStore struct {
	linkrun.Store
	keys map[string]string
}

func (k keyedStore) Dataset(ctx context.Context, id string) (*catalog.Dataset, error) {
	d, err := k.Store.Dataset(ctx, id)
	key, ok := k.keys[id]
	if err != nil || !ok {
		return d, err
	}
	c := *d
	s := *d.Schema
	s.Columns = slices.Clone(s.Columns)
	for i := range s.Columns {
		if s.Columns[i].Role == catalog.RoleIdentifier {
			s.Columns[i].Description = ""
			if key != "" {
				s.Columns[i].Description = "pseudonymised (key-id=" + key + ")"
			}
		}
	}
	c.Schema = &s
	return &c, nil
}

// TestRunRefusesDifferentKeyIDs: `link run` (the linkage service) will
// not compare two datasets whose identifiers were pseudonymised with
// different secrets (their schemas' key ids differ), nor one with key ids
// against one without: the refusal names both datasets, a column and both
// key ids, and no run is written. The same key id on both links.
func TestRunRefusesDifferentKeyIDs(t *testing.T) {
	st, svc, staff, _ := county(t, 300)
	ctx := context.Background()
	analyst := staff["police.analyst"]
	req := linkrun.Request{Datasets: []string{"police_incidents", "ae_attendances"}, Purpose: "violence-and-vulnerability"}
	for _, tc := range []struct {
		name string
		keys map[string]string
		want []string // in the refusal; none: the run is made
	}{
		{"different secrets", map[string]string{"police_incidents": "k-police", "ae_attendances": "k-nhs"},
			[]string{"dataset police_incidents (key id k-police)", "dataset ae_attendances (key id k-nhs)", "different secrets", "pseudonymise both files with the same secret"}},
		{"a key id against none", map[string]string{"police_incidents": ""},
			[]string{"dataset ae_attendances has key id", "dataset police_incidents has none"}},
		{"as the demo pseudonymised them (one secret)", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, err := st.LinkageRuns(ctx)
			if err != nil {
				t.Fatal(err)
			}
			ls := &linkrun.Service{Store: keyedStore{Store: st, keys: tc.keys}, Gov: svc, Audit: svc.Audit}
			_, err = ls.Run(ctx, analyst, req, link.Options{})
			after, _ := st.LinkageRuns(ctx)
			if tc.want == nil {
				if err != nil || len(after) != len(before)+1 {
					t.Fatalf("the same key id on both: %v, %d runs written", err, len(after)-len(before))
				}
				return
			}
			if fault.Code(err) != fault.Invalid {
				t.Fatalf("got %v, want a refusal", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("the refusal lacks %q: %v", w, err)
				}
			}
			if len(after) != len(before) {
				t.Errorf("a refused run wrote %d runs", len(after)-len(before))
			}
			t.Logf("attack: link run over %s → refused: %v", tc.name, err)
		})
	}
}

// thinStore reads only the first keep[dataset] records of some datasets.
type thinStore struct {
	linkrun.Store
	keep map[string]int
}

func (s thinStore) IdentifierRows(ctx context.Context, v *catalog.Version, idColumn string, columns []string, each func(row []string) error) error {
	n, limited := s.keep[v.DatasetID]
	return s.Store.IdentifierRows(ctx, v, idColumn, columns, func(row []string) error {
		if limited && n == 0 {
			return nil
		}
		n--
		return each(row)
	})
}

// TestRunRefusesDegenerateInput: the linkage service estimates no model
// from a dataset with no records or from fewer than link.MinRecords
// records in all: each is refused saying what was wrong and what to do,
// and no run is written. (No candidate pairs: cmd/civiclink's
// TestLinkFilesDegenerate.)
func TestRunRefusesDegenerateInput(t *testing.T) {
	st, svc, staff, _ := county(t, 300)
	ctx := context.Background()
	req := linkrun.Request{Datasets: []string{"police_incidents", "ae_attendances"}, Purpose: "violence-and-vulnerability"}
	for _, tc := range []struct {
		name  string
		store thinStore
		want  []string
	}{
		{"a dataset with no records", thinStore{keep: map[string]int{"ae_attendances": 0}}, []string{"ae_attendances has no records", "nothing to link"}},
		{"ten records in all", thinStore{keep: map[string]int{"police_incidents": 5, "ae_attendances": 5}}, []string{"only 10 records to link", "at least 20", "a model fitted on a larger run"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, err := st.LinkageRuns(ctx)
			if err != nil {
				t.Fatal(err)
			}
			tc.store.Store = st
			ls := &linkrun.Service{Store: tc.store, Gov: svc, Audit: svc.Audit}
			_, err = ls.Run(ctx, staff["police.analyst"], req, link.Options{})
			if fault.Code(err) != fault.Invalid {
				t.Fatalf("got %v, want a refusal", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("the refusal lacks %q: %v", w, err)
				}
			}
			if after, _ := st.LinkageRuns(ctx); len(after) != len(before) {
				t.Errorf("a refused run wrote %d runs", len(after)-len(before))
			}
			t.Logf("attack: link run over %s → refused: %v", tc.name, err)
		})
	}
}
