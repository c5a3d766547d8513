package demo_test

import (
	"context"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/demo"
	"github.com/civiclink/civiclink/internal/store"
	"github.com/civiclink/civiclink/internal/synth"
)

func TestLoadCountyKeepsIdentifiersAtThePartner(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if _, _, err := synth.Generate(ctx, synth.DefaultConfig(600, 3), dir, synth.Options{}); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	m, err := demo.LoadCounty(ctx, st, dir, demo.CountyOptions{User: "test"})
	if err != nil {
		t.Fatal(err)
	}
	for _, md := range m.Datasets {
		d, err := st.Dataset(ctx, md.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, raw := range demo.IdentifierColumns(md.ID) {
			if _, ok := d.Schema.Column(raw); ok {
				t.Errorf("%s: raw identifier column %s reached the store", md.ID, raw)
			}
		}
		v, err := st.Version(ctx, md.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		if v.Rows == 0 || v.Rows > md.Rows {
			t.Errorf("%s: %d rows loaded of %d generated", md.ID, v.Rows, md.Rows)
		}
		if len(demo.IdentifierColumns(md.ID)) > 0 && !hasType(d.Schema, catalog.TypeToken) {
			t.Errorf("%s has identifiers but no tokens were made", md.ID)
		}
	}
}

func hasType(sc *catalog.Schema, t catalog.Type) bool {
	for _, c := range sc.Columns {
		if c.Type == t && strings.HasPrefix(c.Name, "tok_") {
			return true
		}
	}
	return false
}
