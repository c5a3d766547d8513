//go:build unix

package web

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"testing"
	"time"
)

// themeBenchPeople is the size of the theme benchmark's demo county
// (CIVICLINK_BENCH_PEOPLE overrides it): the 20,000 people.
const themeBenchPeople = 20000

// The theme benchmark's theme and its first indicator.
const (
	benchTheme     = "avoidable-emergency-care"
	benchIndicator = "ind:avoidable-ae-attendances"
)

// BenchmarkThemes measures the theme pages and the trend API under 50
// concurrent signed-in users over loopback, on a demo county wired as
// `civiclink serve` wires it (signed audit log, persistent differencing
// auditor, named indicators): the theme page (district figure and trend
// by district), the theme API (every indicator's district figures), the
// trend API by month for the county and by district, and the LSOAs of a
// district (the map's drill-down), with /healthz as the
// reference in the same run. Every view is decided and recorded by
// governance; the figures come from the theme cache after the first view,
// whose time (one user, nothing cached) it logs with the answer's size. It
// reports p50 and p99 per path, the p99 as a ratio of the reference's, and
// the process's CPU time per request; it fails on any error.
func BenchmarkThemes(b *testing.B) {
	ts, users := themeBenchServer(b)
	defer ts.Close()
	paths := []string{"/healthz",
		"/themes/" + benchTheme,
		"/api/themes/" + benchTheme,
		"/api/indicators/" + benchIndicator + "/trend",
		"/api/indicators/" + benchIndicator + "/trend?by=district&period=quarter",
		"/api/indicators/" + benchIndicator + "/areas?district=E07000066&level=lsoa",
	}
	first, size := map[string]time.Duration{}, map[string]int{}
	for _, p := range paths { // the first view of a release computes it
		start := time.Now()
		n, err := bodySize(users[0], p)
		if err != nil {
			b.Fatal(err)
		}
		first[p], size[p] = time.Since(start), n
	}
	lat, cpu := loadRounds(b, users, paths)
	ref := percentile(lat["/healthz"], 0.99)
	for _, p := range paths {
		p50, p99 := percentile(lat[p], 0.50), percentile(lat[p], 0.99)
		b.Logf("%-58s %4.0f kB  first view %6.1f ms  n=%4d  p50 %6.1f ms  p99 %6.1f ms  p99/healthz %5.1fx  CPU %5.2f ms/request",
			p, float64(size[p])/1000, ms(first[p]), len(lat[p]), ms(p50), ms(p99), float64(p99)/float64(ref), ms(cpu[p])/float64(len(lat[p])))
	}
	b.ReportMetric(ms(percentile(lat[paths[1]], 0.99)), "theme-page-p99-ms")
	b.ReportMetric(ms(percentile(lat[paths[2]], 0.99)), "theme-api-p99-ms")
	b.ReportMetric(ms(percentile(lat[paths[3]], 0.99)), "trend-api-p99-ms")
	b.ReportMetric(ms(percentile(lat[paths[4]], 0.99)), "trend-district-api-p99-ms")
	b.ReportMetric(ms(percentile(lat[paths[5]], 0.99)), "areas-api-p99-ms")
	b.ReportMetric(ms(ref), "healthz-p99-ms")
}

// themeBenchServer builds the demo county and serves it with benchUsers
// signed-in sessions of analysts the theme's agreements cover.
func themeBenchServer(b *testing.B) (*httptest.Server, []*benchUser) {
	b.Helper()
	srv := benchWire(b, countySize(b, themeBenchPeople))
	b.Cleanup(srv.Close)
	ts := httptest.NewServer(srv)
	// Analysts whom the theme's agreement covers (the trend API answers
	// them 200; a refusal is a 403, which the load loop counts an error),
	// asked by year, a release the benchmark does not time.
	var staff []string
	for _, id := range benchStaff {
		u := newBenchUser(b, ts.URL, srv.sessions.create(id).ID)
		if get(u, "/api/indicators/"+benchIndicator+"/trend?period=year") == nil {
			staff = append(staff, id)
		}
	}
	if len(staff) == 0 {
		b.Fatalf("no analyst among %v may see %s", benchStaff, benchIndicator)
	}
	b.Logf("sessions of %v", staff)
	users := make([]*benchUser, benchUsers)
	for i := range users {
		users[i] = newBenchUser(b, ts.URL, srv.sessions.create(staff[i%len(staff)]).ID)
	}
	return ts, users
}

// countySize is the size of a benchmark's demo county: def, or
// CIVICLINK_BENCH_PEOPLE.
func countySize(b *testing.B, def int) int {
	b.Helper()
	v := os.Getenv("CIVICLINK_BENCH_PEOPLE")
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		b.Fatalf("CIVICLINK_BENCH_PEOPLE=%q: %v", v, err)
	}
	return n
}

// bodySize fetches path once and returns the answer's length; any status
// but 200 is an error.
func bodySize(u *benchUser, path string) (int, error) {
	res, err := u.hc.Get(u.base + path)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	n, err := io.Copy(io.Discard, res.Body)
	if err == nil && res.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: status %d", path, res.StatusCode)
	}
	return int(n), err
}
