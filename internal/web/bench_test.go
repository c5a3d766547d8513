//go:build unix

package web

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/demo"
	"github.com/civiclink/civiclink/internal/demo/demotest"
	"github.com/civiclink/civiclink/internal/geo"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/insight"
	"github.com/civiclink/civiclink/internal/publish"
)

// Load-test shape: users signed in at once, each making requests one after
// another.
const (
	benchUsers    = 50
	benchRequests = 10   // per user per path per round
	benchPeople   = 2000 // the demo county's size
)

// benchStaff are the demo accounts the benchmark's sessions belong to,
// taken in turn: analysts of every partner, so decisions cover own data
// and agreements.
var benchStaff = []string{"county.analyst", "police.analyst", "nhs.analyst", "fire.analyst", "districts.analyst", "voluntary.analyst"}

// BenchmarkServe measures the server under 50 concurrent signed-in users
// over loopback, against a demo county wired as `civiclink serve` wires
// it: one DuckDB thread per query (store.ServeRequests), the store's
// signed audit log (every view appends and commits an entry before it
// answers), the persistent differencing auditor, the named indicators. Paths: the dashboard (the first named indicator's
// district table through governance and disclosure control, HTML), the
// same table as JSON, the dataset list API, and /healthz as the reference.
// It reports p50 and p99 latency per path, the p99 as a ratio of the
// reference's and the process's CPU time per request (server and load
// generator), and fails on any error.
func BenchmarkServe(b *testing.B) {
	ts, users, ind := benchServer(b)
	defer ts.Close()
	paths := []string{"/healthz", "/", "/api/indicators/" + ind, "/api/datasets"}
	for _, p := range paths[1:] { // warm: the first view of a release computes it
		if _, err := hammer(users[:1], p, 1); err != nil {
			b.Fatal(err)
		}
	}
	lat, cpu := loadRounds(b, users, paths)
	ref := percentile(lat["/healthz"], 0.99)
	for _, p := range paths {
		p50, p99 := percentile(lat[p], 0.50), percentile(lat[p], 0.99)
		b.Logf("%-48s n=%5d  p50 %7.2f ms  p99 %7.2f ms  p99/healthz %5.1fx  CPU %5.2f ms/request", p, len(lat[p]), ms(p50), ms(p99),
			float64(p99)/float64(ref), ms(cpu[p])/float64(len(lat[p])))
	}
	b.ReportMetric(ms(percentile(lat["/"], 0.99)), "dashboard-p99-ms")
	b.ReportMetric(ms(percentile(lat[paths[2]], 0.99)), "indicator-api-p99-ms")
	b.ReportMetric(ms(percentile(lat["/api/datasets"], 0.99)), "datasets-api-p99-ms")
	b.ReportMetric(ms(ref), "healthz-p99-ms")
	b.ReportAllocs()
}

// benchServer builds a demo county and serves it on loopback with
// benchUsers signed-in sessions; it returns the first named indicator.
func benchServer(b *testing.B) (*httptest.Server, []*benchUser, string) {
	b.Helper()
	ctx := context.Background()
	srv := benchWire(b, benchPeople)
	b.Cleanup(srv.Close)
	list, err := srv.indicatorList(ctx)
	if err != nil || len(list) == 0 {
		b.Fatalf("no indicators: %v", err)
	}
	ts := httptest.NewServer(srv)
	users := make([]*benchUser, benchUsers)
	for i := range users {
		// A session as sign-in makes it (an argon2id derivation per
		// sign-in would dominate the set-up, not the load).
		sess := srv.sessions.create(benchStaff[i%len(benchStaff)])
		users[i] = newBenchUser(b, ts.URL, sess.ID)
	}
	return ts, users, list[0].ID
}

// benchWire builds a demo county of people and wires a server over it as
// `civiclink serve` does: one DuckDB thread per query
// (store.ServeRequests), the store's signed audit log, the persistent
// differencing auditor and the named indicators.
func benchWire(b *testing.B, people int) *Server {
	b.Helper()
	ctx := context.Background()
	start := time.Now()
	c := demotest.New(b, people, 2026)
	b.Logf("demo county of %d people built in %s", people, time.Since(start).Round(time.Second))
	county, err := geo.Load()
	if err != nil {
		b.Fatal(err)
	}
	lads, err := geo.LoadBoundaries(geo.LayerLAD)
	if err != nil {
		b.Fatal(err)
	}
	auditor, err := c.Store.Auditor(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if err := c.Store.ServeRequests(ctx); err != nil {
		b.Fatal(err)
	}
	gov := govern.NewService(c.Store, govern.AuditRecorder{Log: c.Audit})
	engine := &insight.Engine{Store: c.Store, Gov: gov, Geo: county, Ledger: c.Store, Auditor: auditor}
	if v, _ := c.Store.Meta(ctx, demo.PopulationScaleKey); v != "" {
		engine.PopulationScale, _ = strconv.ParseFloat(v, 64)
	}
	srv, err := New(Config{
		Catalog: c.Store, Govern: gov, Audit: gov.Audit, Districts: lads,
		Indicators: &publish.NamedIndicators{Insight: engine, County: county,
			Counts: &publish.DistrictCounts{Store: c.Store, County: county, Insight: engine}},
		Health: func(ctx context.Context) error { _, err := c.Store.Meta(ctx, "made_by"); return err },
		Log:    slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		b.Fatal(err)
	}
	return srv
}

// loadRounds runs the benchmark's rounds: every user GETs each path
// benchRequests times at once, path after path. It returns each path's
// latencies and the process's CPU time spent on it; any error fails.
func loadRounds(b *testing.B, users []*benchUser, paths []string) (map[string][]time.Duration, map[string]time.Duration) {
	b.Helper()
	lat, cpu := map[string][]time.Duration{}, map[string]time.Duration{}
	for b.Loop() {
		for _, p := range paths {
			c0 := cpuTime()
			d, err := hammer(users, p, benchRequests)
			if err != nil {
				b.Fatal(err)
			}
			lat[p], cpu[p] = append(lat[p], d...), cpu[p]+cpuTime()-c0
		}
	}
	return lat, cpu
}

// benchUser is one signed-in browser: its own connection pool and cookie.
type benchUser struct {
	base string
	hc   *http.Client
}

func newBenchUser(b *testing.B, base, sessionID string) *benchUser {
	jar, _ := cookiejar.New(nil)
	u, err := url.Parse(base)
	if err != nil {
		b.Fatal(err)
	}
	jar.SetCookies(u, []*http.Cookie{{Name: sessionCookie, Value: sessionID, Path: "/"}})
	return &benchUser{base: base, hc: &http.Client{Jar: jar, Transport: &http.Transport{MaxIdleConnsPerHost: 2},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// hammer has every user GET path n times at once and returns the
// latencies, or the first error (any status but 200 is one).
func hammer(users []*benchUser, path string, n int) ([]time.Duration, error) {
	var (
		mu    sync.Mutex
		out   []time.Duration
		first error
		wg    sync.WaitGroup
	)
	for _, u := range users {
		wg.Go(func() {
			for range n {
				start := time.Now()
				err := get(u, path)
				d := time.Since(start)
				mu.Lock()
				out = append(out, d)
				if err != nil && first == nil {
					first = err
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return out, first
}

// get fetches path and reads the whole answer; any status but 200 is an
// error.
func get(u *benchUser, path string) error {
	res, err := u.hc.Get(u.base + path)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if _, err := io.Copy(io.Discard, res.Body); err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: status %d", path, res.StatusCode)
	}
	return nil
}

func percentile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

// cpuTime is the CPU time (user and system) the process has used: server
// and load generator together, so CPU per request bounds the throughput
// of a machine's cores whatever else runs on it.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
