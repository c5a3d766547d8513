package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/demo/demotest"
	"github.com/civiclink/civiclink/internal/geo"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/insight"
	"github.com/civiclink/civiclink/internal/publish"
)

func TestNamedIndicatorsOnTheMap(t *testing.T) {
	ctx := context.Background()
	c := demotest.New(t, 1000, 8)
	county, err := geo.Load()
	if err != nil {
		t.Fatal(err)
	}
	gov := govern.NewService(c.Store, govern.AuditRecorder{Log: c.Audit})
	e := &insight.Engine{Store: c.Store, Gov: gov, Geo: county, PopulationScale: 1000 / float64(county.Population())}
	n := &publish.NamedIndicators{Insight: e, County: county, Counts: &publish.DistrictCounts{Store: c.Store, County: county, Insight: e}}
	list, err := n.Indicators(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) == 0 || !strings.HasPrefix(list[0].ID, "ind:") {
		t.Fatalf("named indicators are not offered first: %+v", list)
	}
	tab, err := n.Districts(ctx, c.Summary.Staff["county.analyst"], "ind:known-to-three-agencies", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(tab.Values) != 14 || tab.Total == "" {
		t.Fatalf("table has %d districts and total %q, want 14 and a total", len(tab.Values), tab.Total)
	}
	for _, v := range tab.Values {
		switch {
		case v.Suppressed && (v.Value != nil || v.Display != "[c]"):
			t.Errorf("%s: suppressed but shows %q / %v", v.Name, v.Display, v.Value)
		case !v.Suppressed && v.Display == "":
			t.Errorf("%s: no published value", v.Name)
		}
	}
	// Record counts of datasets are still offered behind the named ones.
	if _, err := n.Districts(ctx, c.Summary.Staff["police.analyst"], list[len(list)-1].ID, "violence-and-vulnerability"); err != nil && !strings.Contains(err.Error(), "denied") {
		t.Errorf("dataset counts: %v", err)
	}
}
