package insight_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/geo"
	"github.com/civiclink/civiclink/internal/insight"
)

// TestAggregateByLSOA groups by a dataset's LSOA column as it is: every
// county LSOA is a level (no records: a true 0), small counts are
// suppressed as [c], and a dataset without an LSOA column is refused.
func TestAggregateByLSOA(t *testing.T) {
	g, err := geo.Load()
	if err != nil {
		t.Skipf("reference data: %v", err)
	}
	sc, err := catalog.ParseSchema(strings.NewReader(`{"columns": [
	 {"name": "id", "type": "string", "role": "record-id"},
	 {"name": "on", "type": "date", "role": "event-date"},
	 {"name": "lsoa", "type": "lsoa-code", "role": "geography"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	basildon := g.LSOAsIn("E07000066")
	big, small, none := basildon[0].Code, basildon[1].Code, basildon[2].Code
	var b strings.Builder
	b.WriteString("id,on,lsoa\n")
	n := 0
	for _, c := range []struct {
		lsoa  string
		count int
	}{{big, 30}, {small, 3}, {basildon[3].Code, 25}} {
		for range c.count {
			n++
			fmt.Fprintf(&b, "r%d,2024-01-15,%s\n", n, c.lsoa)
		}
	}
	p := filepath.Join(t.TempDir(), "places.csv")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	st, _ := county(t) // also holds incidents, placed by district only
	addDataset(t, st, "places", sc, p)
	e, u := engine(t, st, true)
	e.Geo = g
	res, err := e.Aggregate(context.Background(), u, insight.AggregateQuery{Purpose: "road-safety", Dataset: "places", By: []string{insight.DimLSOA}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Dims) != 1 || res.Dims[0].Name != insight.DimLSOA || len(res.Dims[0].Levels) != len(g.LSOAs) {
		t.Fatalf("dims %+v, want one lsoa dimension of the county's %d LSOAs", res.Dims, len(g.LSOAs))
	}
	tests := []struct {
		level string
		want  string
	}{{big, "30"}, {small, disclose.Confidential}, {none, "0"}}
	for _, tt := range tests {
		c, ok := res.Cell(tt.level)
		if (tt.level == big && near(c.Display(), 30)) || (tt.level == small && c.Display() == "0") {
			continue // perturbed: 30 by at most the table's reach, 3 perhaps to 0
		}
		if !ok || c.Display() != tt.want {
			t.Errorf("%s: %q (found %v), want %q", tt.level, c.Display(), ok, tt.want)
		}
	}
	// A dataset placed by district only cannot be drilled to LSOAs.
	_, err = e.Aggregate(context.Background(), u, insight.AggregateQuery{Purpose: "road-safety", Dataset: "incidents", By: []string{insight.DimLSOA}})
	if fault.Code(err) != fault.Invalid || !strings.Contains(fault.Message(err), "no LSOA column") {
		t.Errorf("by LSOA without an LSOA column: %v, want invalid naming the missing column", err)
	}
}
