package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
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
	g := newGapsFixture(t)
	gov, named, dir := g.gov, g.named, g.dir
	fx := g.fx
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
	if code, page := analyst.get("/themes/domestic-abuse"); code != http.StatusOK || !has(page, "support-domestic-abuse") ||
		!strings.Contains(page, fmt.Sprintf("%d published Domestic abuse services", len(ix.Match(community.Query{Theme: "domestic-abuse"})))) ||
		!strings.Contains(page, `href="/community/gaps?theme=domestic-abuse"`) {
		t.Errorf("the domestic abuse theme page: %d, want community support beside the need: %s", code, between(page, `id="support-beside"`, "</section>"))
	}
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

// gapsFixture is a server over the demo county with indicators by
// district and LSOA and a directory of 300 synthetic services.
type gapsFixture struct {
	fx    *fixture
	gov   *govern.Service
	rec   *recorder
	named *publish.NamedIndicators
	dir   *community.Directory
}

func newGapsFixture(t *testing.T) *gapsFixture {
	t.Helper()
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
	return &gapsFixture{fx: &fixture{ts: ts}, gov: gov, rec: rec, named: named, dir: dir}
}

func mustActor(tb testing.TB, gov *govern.Service, id string) *govern.User {
	tb.Helper()
	u, err := gov.Actor(context.Background(), id)
	if err != nil {
		tb.Fatal(err)
	}
	return u
}

// TestCommunityAreaGaps sets need beside support for the LSOAs of a
// district: each LSOA's need is the indicator's own published count by
// LSOA as the analyst may see it ([c] included, never a number behind
// it), beside the services within reach; a suppressed need gets no
// verdict; a user without an agreement is refused with the reason; each
// view is one audited access decision.
func TestCommunityAreaGaps(t *testing.T) {
	ctx := context.Background()
	g := newGapsFixture(t)
	const district = "E07000070"
	path := "/api/community/gaps/lsoa?theme=domestic-abuse&district=" + district
	anon := g.fx.client(t)
	if code, _ := anon.get(path); code != http.StatusUnauthorized {
		t.Errorf("LSOA gaps without signing in: %d", code)
	}
	analyst := g.fx.client(t)
	analyst.signIn(themeAnalyst, demo.Password)
	type result struct {
		ReachKm float64         `json:"reach_km"`
		Areas   []community.Gap `json:"lsoas"`
	}
	read := func(q string) result {
		t.Helper()
		code, body := analyst.get(path + q)
		if code != http.StatusOK {
			t.Fatalf("GET %s%s: %d %s", path, q, code, body)
		}
		var r result
		if err := json.Unmarshal([]byte(body), &r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	before := g.rec.count()
	got := read("")
	if n := g.rec.count() - before; n != 1 {
		t.Errorf("one view made %d audit entries, want 1 (one access decision)", n)
	}
	want, err := g.named.Areas(ctx, mustActor(t, g.gov, themeAnalyst), publish.NamedPrefix+"domestic-abuse-victims", "", district, publish.LevelLSOA)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Areas) != len(want.Values) || got.ReachKm != 2 {
		t.Fatalf("%d LSOAs within %g km, the indicator has %d", len(got.Areas), got.ReachKm, len(want.Values))
	}
	published := map[string]string{}
	for _, v := range want.Values {
		published[v.Code] = v.Display
	}
	suppressed, gaps := 0, 0
	seenUnknown := false
	for _, a := range got.Areas {
		if a.Display != published[a.District] {
			t.Errorf("%s: need %q, the indicator's table says %q", a.District, a.Display, published[a.District])
		}
		if a.Unknown {
			suppressed++
			seenUnknown = true
			if a.Rate != nil || a.Gap || a.Score != 0 {
				t.Errorf("%s: suppressed need %q carries rate %v, gap %v, score %v", a.District, a.Display, a.Rate, a.Gap, a.Score)
			}
		} else if seenUnknown {
			t.Errorf("%s has a verdict but comes after a suppressed LSOA", a.District)
		}
		if a.Gap {
			gaps++
		}
	}
	t.Logf("%s: %d LSOAs, %d needs suppressed ([c], no verdict), %d support gaps", district, len(got.Areas), suppressed, gaps)
	if suppressed == len(got.Areas) {
		t.Errorf("every need is suppressed: nothing is compared")
	}

	// A service placed at an LSOA's centre is within reach of that LSOA;
	// a wider reach never finds fewer.
	ix, _ := g.dir.Published(ctx)
	reach := map[string]int{}
	for _, a := range got.Areas {
		reach[a.District] = a.Services
	}
	for _, v := range ix.All() {
		for _, l := range v.Service.Locations {
			if l.District == district && l.Precision == community.PrecisionLSOA && slices.Contains(v.Service.Themes, "domestic-abuse") && reach[l.LSOA] == 0 {
				t.Errorf("service %s at the centre of %s is not within reach of it", v.Service.ID, l.LSOA)
			}
		}
	}
	wide := read("&reach_km=20")
	for _, a := range wide.Areas {
		if a.Services < reach[a.District] {
			t.Errorf("%s: %d services within 20 km, fewer than %d within 2 km", a.District, a.Services, reach[a.District])
		}
	}
	for q, want := range map[string]string{"&reach_km=100": "reach_km", "&reach_km=x": "reach_km"} {
		if code, body := analyst.get(path + q); code != http.StatusBadRequest || !strings.Contains(body, want) {
			t.Errorf("%s: %d %s", q, code, body)
		}
	}
	if code, body := analyst.get("/api/community/gaps/lsoa?theme=food&district=" + district); code != http.StatusBadRequest || !strings.Contains(body, "no indicator of need") {
		t.Errorf("theme without an indicator: %d %s", code, body)
	}
	editor := g.fx.client(t)
	editor.signIn(demo.CommunityEditor, demo.Password)
	if code, body := editor.get(path); code != http.StatusForbidden || !strings.Contains(body, "message") {
		t.Errorf("the community editor (no agreement) reads need by LSOA: %d %s", code, body)
	} else {
		t.Logf("refused the community editor: %s", body)
	}
	code, page := analyst.get("/community/gaps?theme=domestic-abuse&district=" + district)
	if code != http.StatusOK || !strings.Contains(page, `id="lsoa-gaps"`) || !strings.Contains(page, `id="gaps-map"`) {
		t.Errorf("gaps page by LSOA: %d %s", code, between(page, "<h1>", "</table>"))
	}
}

// count is how many events the recorder holds.
func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.events)
}
