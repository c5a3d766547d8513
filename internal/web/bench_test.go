package web

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/civiclink/civiclink/examples"
	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/ingest"
	"github.com/civiclink/civiclink/internal/refdata"
)

// Load-test shape: users signed in at once, each making requests one after
// another.
const (
	benchUsers    = 50
	benchRequests = 10 // per user per path per round
)

// BenchmarkServe measures the server under 50 concurrent signed-in users
// over loopback, on one real month of Essex street crime (data.police.uk,
// January 2018): the dashboard page (map data and district table through
// governance and disclosure control), the indicator API, the dataset list
// API, and /healthz as the reference. It reports p50 and p99 latency per
// path, the p99 as a ratio of the reference's, and fails on any error.
func BenchmarkServe(b *testing.B) {
	f := newFixture(b)
	loadStreetCrime(b, f)
	users := make([]*client, benchUsers)
	for i := range users {
		users[i] = f.client(b)
		if res := users[i].signIn(ownerID, password); res.StatusCode != http.StatusSeeOther {
			b.Fatalf("sign-in: status %d", res.StatusCode)
		}
		f.srv.locks.clear(ownerID)
	}
	paths := []string{"/healthz", "/?indicator=records-street-crime", "/api/indicators/records-street-crime", "/api/datasets"}
	lat := map[string][]time.Duration{}
	for b.Loop() {
		for _, p := range paths {
			d, err := hammer(users, p)
			if err != nil {
				b.Fatal(err)
			}
			lat[p] = append(lat[p], d...)
		}
	}
	ref := percentile(lat["/healthz"], 0.99)
	for _, p := range paths {
		p50, p99 := percentile(lat[p], 0.50), percentile(lat[p], 0.99)
		b.Logf("%-40s n=%5d  p50 %7.2f ms  p99 %7.2f ms  p99/healthz %5.1fx", p, len(lat[p]), ms(p50), ms(p99), float64(p99)/float64(ref))
	}
	b.ReportMetric(ms(percentile(lat["/?indicator=records-street-crime"], 0.99)), "dashboard-p99-ms")
	b.ReportMetric(ms(percentile(lat["/api/indicators/records-street-crime"], 0.99)), "indicator-api-p99-ms")
	b.ReportMetric(ms(percentile(lat["/api/datasets"], 0.99)), "datasets-api-p99-ms")
	b.ReportMetric(ms(ref), "healthz-p99-ms")
	b.ReportAllocs()
}

// hammer has every user GET path benchRequests times at once and returns
// the latencies, or the first error (any status but 200 is one).
func hammer(users []*client, path string) ([]time.Duration, error) {
	var (
		mu    sync.Mutex
		out   []time.Duration
		first error
		wg    sync.WaitGroup
	)
	for _, u := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range benchRequests {
				start := time.Now()
				req, _ := http.NewRequest("GET", u.base+path, nil)
				res, err := u.hc.Do(req)
				if err == nil {
					_, err = readAll(res)
					if err == nil && res.StatusCode != http.StatusOK {
						err = fmt.Errorf("GET %s: status %d", path, res.StatusCode)
					}
				}
				d := time.Since(start)
				mu.Lock()
				out = append(out, d)
				if err != nil && first == nil {
					first = err
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return out, first
}

func readAll(res *http.Response) (int64, error) {
	defer res.Body.Close()
	var n int64
	buf := make([]byte, 32<<10)
	for {
		k, err := res.Body.Read(buf)
		n += int64(k)
		if err != nil {
			if err.Error() == "EOF" {
				return n, nil
			}
			return n, err
		}
	}
}

func percentile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// loadStreetCrime loads one month of real street crime as the police's
// dataset, with the demo's schema.
func loadStreetCrime(b *testing.B, f *fixture) {
	b.Helper()
	ctx := context.Background()
	r, err := examples.FS.Open("police_crime/street.schema.json")
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	sc, err := catalog.ParseSchema(r)
	if err != nil {
		b.Fatal(err)
	}
	if err := f.st.CreateDataset(ctx, &catalog.Dataset{ID: "street-crime", PartnerID: "police", Name: "Street crime", Schema: sc}); err != nil {
		b.Fatal(err)
	}
	path, err := refdata.Path("police_crime", "2018-01-essex-street.csv")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := ingest.Run(ctx, f.st, ingest.Request{DatasetID: "street-crime", Path: path, User: ownerID}); err != nil {
		b.Fatal(err)
	}
}
