package web

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/community"
	"github.com/civiclink/civiclink/internal/demo"
	"github.com/civiclink/civiclink/internal/demo/demotest"
	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/insight"
	"github.com/civiclink/civiclink/internal/publish"
)

// TestCommunityGaps sets need beside support over the demo county: the
// theme's indicator by district as the analyst may see it (the same
// figures, [c] included, as the indicator's own table) beside the
// published services per 10,000 residents, ranked.
func TestCommunityGaps(t *testing.T) {
	ctx := context.Background()
	county := demotest.New(t, 1000, 8)
	c, d := loadGeo(t)
	rec := &recorder{}
	gov := govern.NewService(county.Store, rec)
	e := &insight.Engine{Store: county.Store, Gov: gov, Geo: c, Ledger: county.Store, Auditor: disclose.NewAuditor(), PopulationScale: 1000 / float64(c.Population())}
	p, err := communityPlacer()
	if err != nil {
		t.Fatal(err)
	}
	dir := community.NewDirectory(county.Store, rec, nil, p)
	editor, err := gov.Actor(ctx, demo.CommunityEditor)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dir.Import(ctx, editor, community.Synthesise(p, 300, 3), true, "test"); err != nil {
		t.Fatal(err)
	}
	named := &publish.NamedIndicators{Insight: e, County: c, Counts: &publish.DistrictCounts{Store: county.Store, County: c, Insight: e}}
	srv, err := New(Config{Catalog: county.Store, Govern: gov, Audit: rec, Districts: d, Indicators: named, Community: dir,
		UploadDir: t.TempDir(), Log: slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(func() { ts.Close(); srv.Close() })
	fx := &fixture{ts: ts}
	anon := fx.client(t)
	if code, _ := anon.get("/api/community/gaps?theme=domestic-abuse"); code != http.StatusUnauthorized {
		t.Errorf("gaps without signing in: %d", code)
	}
	analyst := fx.client(t)
	analyst.signIn(themeAnalyst, demo.Password)
	code, body := analyst.get("/api/community/gaps?theme=domestic-abuse")
	if code != http.StatusOK {
		t.Fatalf("gaps: %d %s", code, body)
	}
	var got struct {
		Districts []community.Gap `json:"districts"`
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	want, err := named.Districts(ctx, mustActor(t, gov, themeAnalyst), publish.NamedPrefix+"domestic-abuse-victims", "")
	if err != nil {
		t.Fatal(err)
	}
	ix, _ := dir.Published(ctx)
	support := ix.Support("domestic-abuse")
	if len(got.Districts) != 14 {
		t.Fatalf("%d districts, want 14", len(got.Districts))
	}
	for _, g := range got.Districts {
		for _, v := range want.Values {
			if v.Code == g.District && v.Display != g.Display {
				t.Errorf("%s: need %q, the indicator's table says %q", g.Name, g.Display, v.Display)
			}
		}
		if g.Services != support[g.District] {
			t.Errorf("%s: %d services, the directory has %d", g.Name, g.Services, support[g.District])
		}
	}
	for i := 1; i < len(got.Districts); i++ {
		a, b := got.Districts[i-1], got.Districts[i]
		if !a.Unknown && !b.Unknown && a.Score < b.Score {
			t.Errorf("not ranked: %s %.2f before %s %.2f", a.Name, a.Score, b.Name, b.Score)
		}
	}
	if code, body := analyst.get("/api/community/gaps?theme=food"); code != http.StatusBadRequest || !strings.Contains(body, "no indicator of need") {
		t.Errorf("theme without an indicator: %d %s", code, body)
	}
	if code, page := analyst.get("/community/gaps?theme=domestic-abuse"); code != http.StatusOK || !strings.Contains(page, `id="gaps"`) {
		t.Errorf("gaps page: %d", code)
	}
}

func mustActor(tb testing.TB, gov *govern.Service, id string) *govern.User {
	tb.Helper()
	u, err := gov.Actor(context.Background(), id)
	if err != nil {
		tb.Fatal(err)
	}
	return u
}
