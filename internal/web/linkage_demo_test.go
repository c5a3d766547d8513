package web

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/civiclink/civiclink/internal/demo/demotest"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/linkrun"
)

// TestLinkageOfTheDemoCounty reads the run the demo made (by the linkage
// service, with the synthetic truth) as the demo's staff would: its
// quality against the truth, its matched pairs, its review list; and a
// member without an analyst's role is refused.
func TestLinkageOfTheDemoCounty(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a demo county")
	}
	ctx := context.Background()
	c := demotest.New(t, 300, 5)
	gov := govern.NewService(c.Store, govern.AuditRecorder{Log: c.Audit})
	srv, err := New(Config{Catalog: c.Store, Govern: gov, Audit: gov.Audit,
		Linkage: &linkrun.Service{Store: c.Store, Gov: gov, Audit: gov.Audit}, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(func() { ts.Close(); srv.Close() })
	call := func(user, path string) *http.Response {
		t.Helper()
		_, tok, err := gov.IssueToken(ctx, c.Summary.Staff[user], "test", 0)
		if err != nil {
			t.Fatal(err)
		}
		cl := &client{tb: t, base: ts.URL, hc: ts.Client()}
		return cl.do("GET", path, nil, "", "Authorization", "Bearer "+tok)
	}

	l := decode[struct{ Runs []LinkageRunRow }](t, call("county.analyst", "/api/linkage/runs"))
	if len(l.Runs) != 1 || l.Runs[0].Restricted != "" || l.Runs[0].Truth == nil || l.Runs[0].Purpose == "" {
		t.Fatalf("runs = %+v, want the demo's run with its purpose and truth", l.Runs)
	}
	id := l.Runs[0].ID
	q := decode[LinkageQuality](t, call("county.analyst", fmt.Sprintf("/api/linkage/runs/%d", id)))
	if q.Run.Truth.Precision < 0.9 || q.Run.Truth.Recall < 0.8 {
		t.Errorf("against the truth: precision %.3f recall %.3f, want the demo's good linkage", q.Run.Truth.Precision, q.Run.Truth.Recall)
	}
	var pairs, matched int64
	for _, b := range q.Histogram {
		pairs, matched = pairs+b.Pairs, matched+b.Matched
	}
	// The demo's run keeps its summary like a run started here (#16).
	if q.HistogramScope != linkrun.ScopeCandidates || matched != q.Run.Matches || pairs <= matched || len(q.DatasetPairs) < 2 || q.Run.Estimate == nil {
		t.Errorf("histogram of %s holds %d pairs (%d matched) over %d dataset pairs, estimate %+v; want every candidate pair, the %d matched among them, across datasets, and an estimate",
			q.HistogramScope, pairs, matched, len(q.DatasetPairs), q.Run.Estimate, q.Run.Matches)
	}
	rl := decode[struct{ Pairs []linkrun.ReviewPair }](t, call("county.analyst", fmt.Sprintf("/api/linkage/runs/%d/review", id)))
	if len(rl.Pairs) == 0 {
		t.Error("the demo's run has no borderline pairs to review")
	}
	for _, path := range []string{fmt.Sprintf("/api/linkage/runs/%d", id), fmt.Sprintf("/api/linkage/runs/%d/review", id)} {
		if res := call("county.checker", path); res.StatusCode != http.StatusForbidden {
			t.Errorf("GET %s as an output checker: status %d, want 403", path, res.StatusCode)
		}
	}
}
