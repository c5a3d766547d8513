//go:build unix

package web

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/insight"
)

// demoPeople is the size of `civiclink demo`'s county (and make demo's).
const demoPeople = 10000

// BenchmarkThemeSuppression measures how much of each theme page is [c] on
// the county `make demo` builds (10,000 people, seed 2026;
// CIVICLINK_BENCH_PEOPLE overrides the size), as county.analyst sees it
// at each page's defaults: for every indicator of every theme, the share
// of the 14 district cells suppressed at its default period (the map and
// its table), and the share of the district × period cells of its trend
// table at its default grain (the finest at which most of them publish;
// CIVICLINK_BENCH_GRAIN=quarter, say, measures one grain instead). It logs
// one line per indicator and reports the share over every theme's
// district cells and over every trend table's cells, [c] and also [c] or
// 0: a grain too fine for sparse data publishes mostly zeros between the
// [c], which show nothing either.
func BenchmarkThemeSuppression(b *testing.B) {
	srv := benchWire(b, countySize(b, demoPeople))
	b.Cleanup(srv.Close)
	ts := httptest.NewServer(srv)
	b.Cleanup(ts.Close)
	u := newBenchUser(b, ts.URL, srv.sessions.create("county.analyst").ID)
	themes, err := insight.Themes()
	if err != nil {
		b.Fatal(err)
	}
	grain := os.Getenv("CIVICLINK_BENCH_GRAIN") // "": each trend's default
	var cells, supp, trendCells, trendSupp, trendZero int
	for i := 0; i < b.N; i++ {
		cells, supp, trendCells, trendSupp, trendZero = 0, 0, 0, 0, 0
		for _, th := range themes {
			var tf ThemeFigures
			if err := getJSONInto(u, "/api/themes/"+th.ID, &tf); err != nil {
				b.Fatal(err)
			}
			for _, f := range tf.Figures {
				line := fmt.Sprintf("%-28s %-34s", th.ID, f.Indicator.ID)
				if f.Error != "" {
					b.Logf("%s no district figures: %.80s", line, f.Error)
					continue
				}
				n := 0
				for _, d := range f.Districts {
					if d.Suppressed {
						n++
					}
				}
				cells += len(f.Districts)
				supp += n
				var trend map[string]any
				var tc, ts, tz int
				if err := getJSONInto(u, "/api/indicators/"+f.Indicator.ID+"/trend?by=district&grain="+grain, &trend); err == nil {
					tc, ts, tz = countCells(trend["series"])
				}
				trendCells, trendSupp, trendZero = trendCells+tc, trendSupp+ts, trendZero+tz
				b.Logf("%s %-22s districts [c] %2d/%2d (%3.0f%%)  trend by %-7v [c] %4d/%4d (%3.0f%%), [c] or 0 %3.0f%%", line, f.Period,
					n, len(f.Districts), share(n, len(f.Districts)), trend["period"], ts, tc, share(ts, tc), share(ts+tz, tc))
			}
		}
	}
	b.ReportMetric(share(supp, cells), "%district-cells-[c]")
	b.ReportMetric(share(trendSupp, trendCells), "%trend-cells-[c]")
	b.ReportMetric(share(trendSupp+trendZero, trendCells), "%trend-cells-[c]-or-0")
}

// getJSONInto fetches path and decodes its JSON into v; any status but
// 200 is an error.
func getJSONInto(u *benchUser, path string, v any) error {
	res, err := u.hc.Get(u.base + path)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode != 200 {
		return fmt.Errorf("GET %s: status %d: %.200s", path, res.StatusCode, body)
	}
	return json.Unmarshal(body, v)
}

// countCells counts the "count" fields in a decoded JSON answer, those
// that are [c] and those that are 0.
func countCells(v any) (cells, supp, zero int) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if s, ok := e.(string); ok && k == "count" {
				cells++
				switch strings.TrimSpace(s) {
				case disclose.Confidential:
					supp++
				case "0":
					zero++
				}
				continue
			}
			c, s, z := countCells(e)
			cells, supp, zero = cells+c, supp+s, zero+z
		}
	case []any:
		for _, e := range x {
			c, s, z := countCells(e)
			cells, supp, zero = cells+c, supp+s, zero+z
		}
	}
	return cells, supp, zero
}

func share(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return 100 * float64(n) / float64(of)
}
