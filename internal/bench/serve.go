package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/civiclink/civiclink/internal/fault"
)

// ServeConfig is a load test of a running civiclink web server: Users
// signed-in clients each request a path again as soon as it answers, for
// Duration per path, one path after another, the reference path first.
type ServeConfig struct {
	Base      string        // the server, e.g. http://127.0.0.1:8080
	User      string        // signs in as this user
	Password  string        // with this password
	Paths     []string      // measured paths, e.g. "/" or "/api/datasets"
	Reference string        // the reference path, e.g. "/healthz"
	Users     int           // concurrent clients
	Duration  time.Duration // per path
	// StallAt is the latency that makes a second a stall: a second of the
	// run in which some request took longer.
	StallAt time.Duration
}

// PathReport is the load on one path.
type PathReport struct {
	Path     string          `json:"path"`
	Requests int             `json:"requests"`
	Errors   int             `json:"errors"` // failed or answered other than 200
	PerSec   float64         `json:"requests_per_second"`
	P50      time.Duration   `json:"p50_ns"`
	P90      time.Duration   `json:"p90_ns"`
	P99      time.Duration   `json:"p99_ns"`
	P999     time.Duration   `json:"p999_ns"`
	Max      time.Duration   `json:"max_ns"`
	Stalls   []time.Duration `json:"stalls_ns,omitempty"` // the longest request of each stalled second
	// XRef is P99 over the reference path's P99.
	XRef float64 `json:"p99_x_reference"`
}

// String is the report as one line, in milliseconds.
func (r PathReport) String() string {
	s := fmt.Sprintf("%-48s n=%6d  %7.0f/s  p50 %6.1f  p90 %6.1f  p99 %6.1f  p99.9 %6.1f  max %7.1f ms  errors %d  p99 %5.2f× reference",
		r.Path, r.Requests, r.PerSec, ms(r.P50), ms(r.P90), ms(r.P99), ms(r.P999), ms(r.Max), r.Errors, r.XRef)
	if len(r.Stalls) > 0 {
		var b strings.Builder
		for i, d := range r.Stalls {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%.0f", ms(d))
		}
		s += fmt.Sprintf("  stalled seconds %d (longest ms: %s)", len(r.Stalls), b.String())
	}
	return s
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// Serve signs in Users clients and loads each path in turn, the
// reference first; progress (one line a path) goes to progress.
func Serve(ctx context.Context, c ServeConfig, progress io.Writer) ([]PathReport, error) {
	if c.Users <= 0 || c.Duration <= 0 || len(c.Paths) == 0 {
		return nil, fault.Errorf(fault.Invalid, "a load test needs users, a duration and at least one path")
	}
	clients := make([]*http.Client, c.Users)
	for i := range clients {
		cl, err := SignIn(ctx, c.Base, c.User, c.Password)
		if err != nil {
			return nil, err
		}
		clients[i] = cl
	}
	paths := c.Paths
	if c.Reference != "" {
		paths = append([]string{c.Reference}, paths...)
	}
	var out []PathReport
	for _, p := range paths {
		r := load(ctx, clients, c.Base+p, c.Duration, c.StallAt)
		r.Path = p
		if c.Reference != "" && len(out) > 0 && out[0].P99 > 0 {
			r.XRef = float64(r.P99) / float64(out[0].P99)
		} else {
			r.XRef = 1
		}
		out = append(out, r)
		fmt.Fprintln(progress, r)
		if err := ctx.Err(); err != nil {
			return out, err
		}
	}
	return out, nil
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// SignIn returns a client holding a session of user at base, signed in
// through the sign-in form as a browser would.
func SignIn(ctx context.Context, base, user, password string) (*http.Client, error) {
	jar, _ := cookiejar.New(nil)
	cl := &http.Client{Jar: jar, Transport: &http.Transport{MaxIdleConnsPerHost: 4},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/signin", nil)
	res, err := cl.Do(req)
	if err != nil {
		return nil, fault.Wrap(err, fault.Invalid, "cannot reach the server at %s; is `civiclink serve` (or demo) running there?", base)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	tok := csrfField.FindSubmatch(page)
	if tok == nil {
		return nil, fault.Errorf(fault.Invalid, "%s/signin shows no sign-in form; is it a civiclink server?", base)
	}
	form := url.Values{"user": {user}, "password": {password}, "csrf": {string(tok[1])}}
	req, _ = http.NewRequestWithContext(ctx, "POST", base+"/signin", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if res, err = cl.Do(req); err != nil {
		return nil, err
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		return nil, fault.Errorf(fault.Forbidden, "signing in as %s failed (status %d): check the user and password", user, res.StatusCode)
	}
	return cl, nil
}

// sample is one request: when it started (since the run began) and how
// long it took.
type sample struct{ at, took time.Duration }

// load has every client request u until d has passed.
func load(ctx context.Context, clients []*http.Client, u string, d, stallAt time.Duration) PathReport {
	var (
		mu      sync.Mutex
		samples []sample
		errors  int
		wg      sync.WaitGroup
	)
	start := time.Now()
	for _, cl := range clients {
		wg.Go(func() {
			for time.Since(start) < d && ctx.Err() == nil {
				t0 := time.Now()
				ok := get(ctx, cl, u)
				s := sample{t0.Sub(start), time.Since(t0)}
				mu.Lock()
				samples = append(samples, s)
				if !ok {
					errors++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return summarise(samples, errors, time.Since(start), stallAt)
}

func get(ctx context.Context, cl *http.Client, u string) bool {
	req, err := http.NewRequestWithContext(ctx, "GET", u, nil)
	if err != nil {
		return false
	}
	res, err := cl.Do(req)
	if err != nil {
		return false
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode == http.StatusOK
}

// summarise makes a report of samples taken over wall.
func summarise(samples []sample, errors int, wall, stallAt time.Duration) PathReport {
	r := PathReport{Requests: len(samples), Errors: errors, PerSec: float64(len(samples)) / wall.Seconds()}
	if len(samples) == 0 {
		return r
	}
	lat := make([]time.Duration, len(samples))
	worst := map[int]time.Duration{}
	for i, s := range samples {
		lat[i] = s.took
		sec := int(s.at / time.Second)
		worst[sec] = max(worst[sec], s.took)
	}
	slices.Sort(lat)
	q := func(p float64) time.Duration { return lat[int(float64(len(lat)-1)*p)] }
	r.P50, r.P90, r.P99, r.P999, r.Max = q(0.50), q(0.90), q(0.99), q(0.999), lat[len(lat)-1]
	if stallAt > 0 {
		secs := make([]int, 0, len(worst))
		for s := range worst {
			secs = append(secs, s)
		}
		slices.Sort(secs)
		for _, s := range secs {
			if worst[s] > stallAt {
				r.Stalls = append(r.Stalls, worst[s])
			}
		}
	}
	return r
}
