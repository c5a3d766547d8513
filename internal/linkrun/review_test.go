package linkrun_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/link"
	"github.com/civiclink/civiclink/internal/linkrun"
	"github.com/civiclink/civiclink/internal/store"
)

// recorder keeps the events a service records.
type recorder struct{ events []govern.Event }

func (r *recorder) Record(_ context.Context, e govern.Event) error {
	r.events = append(r.events, e)
	return nil
}

// pickPair returns the first review pair of run whose records are (same)
// or are not in one entity, with its stored row.
func pickPair(tb testing.TB, st *store.Store, list *linkrun.ReviewList, ents map[linkrun.RecordKey]string, same bool) *linkrun.ReviewRow {
	tb.Helper()
	for _, p := range list.Pairs {
		r, err := st.ReviewPair(context.Background(), list.Run.ID, p.Pair)
		if err != nil {
			tb.Fatal(err)
		}
		l, rr := ents[linkrun.RecordKey{DatasetID: r.DatasetL, RecordID: r.RecordL}], ents[linkrun.RecordKey{DatasetID: r.DatasetR, RecordID: r.RecordR}]
		if (l == rr) == same {
			return r
		}
	}
	tb.Fatalf("no review pair with its records in one entity = %v", same)
	return nil
}

func TestReviewDecisionsBecomeLabels(t *testing.T) {
	st, svc, staff, _ := county(t, 1500)
	ctx := context.Background()
	rec := &recorder{}
	s := &linkrun.Service{Store: st, Gov: svc, Audit: rec}
	u := staff["police.analyst"]
	first, err := s.Run(ctx, u, linkrun.Request{Datasets: linked, Purpose: purpose}, link.Options{})
	if err != nil {
		t.Fatal(err)
	}
	list, err := s.Review(ctx, u, first.Run.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Pairs) < 10 || list.Threshold != first.Link.Threshold {
		t.Fatalf("review list of %d pairs at threshold %v, want at least 10 at %v", len(list.Pairs), list.Threshold, first.Link.Threshold)
	}
	ents := entities(t, st, first.Run.ID)
	apart := pickPair(t, st, list, ents, true)     // linked: the reviewer says no
	together := pickPair(t, st, list, ents, false) // not linked: the reviewer says yes
	blob, _ := json.Marshal(list.Pairs)
	t.Logf("threshold %.4f; first pair %+v", list.Threshold, list.Pairs[0])
	for _, id := range []string{apart.RecordL, apart.RecordR, together.RecordL, together.RecordR} {
		if strings.Contains(string(blob), `"`+id+`"`) {
			t.Errorf("the review list shows record id %q", id)
		}
	}
	if strings.Contains(string(blob), "tok_") || len(list.Pairs[0].Fields) == 0 {
		t.Errorf("review pair %+v: want agreement levels per comparison and no tokens", list.Pairs[0])
	}
	var quality struct {
		Blocking link.BlockingReport `json:"blocking"`
	}
	if err := json.Unmarshal(first.Run.Quality, &quality); err != nil || len(quality.Blocking.Rules) == 0 {
		t.Fatalf("stored quality %s: %v", first.Run.Quality, err)
	}
	for _, r := range quality.Blocking.Rules {
		for _, b := range r.Largest {
			if b.Key != "" {
				t.Errorf("stored run shows block key %q of rule %s, want it redacted", b.Key, r.Rule)
			}
		}
	}

	if _, err := s.Decide(ctx, staff["police.caseworker"], first.Run.ID, apart.Pair, linkrun.NonMatch, ""); fault.Code(err) != fault.Forbidden {
		t.Errorf("decision by a caseworker: %v, want forbidden", err)
	}
	if _, err := s.Decide(ctx, u, first.Run.ID, 99999, linkrun.Match, ""); fault.Code(err) != fault.NotFound {
		t.Errorf("decision on a missing pair: %v, want not found", err)
	}
	got, err := s.Decide(ctx, u, first.Run.ID, apart.Pair, linkrun.NonMatch, "different people: dates of birth far apart")
	if err != nil {
		t.Fatal(err)
	}
	if got.Decision == nil || got.Decision.Decision != "non-match" || got.Decision.By != u.ID {
		t.Errorf("decision %+v, want non-match by %s", got.Decision, u.ID)
	}
	if _, err := s.Decide(ctx, u, first.Run.ID, together.Pair, linkrun.Match, ""); err != nil {
		t.Fatal(err)
	}
	decided := 0
	for _, e := range rec.events {
		if e.Action == linkrun.ActionDecide && e.User == u.ID && e.Purpose == purpose {
			decided++
		}
	}
	if decided != 2 {
		t.Errorf("%d decisions in the audit log, want 2", decided)
	}

	for _, incremental := range []bool{true, false} {
		res, err := s.Run(ctx, u, linkrun.Request{Datasets: linked, Purpose: purpose, Incremental: incremental}, link.Options{})
		if err != nil {
			t.Fatal(err)
		}
		ents := entities(t, st, res.Run.ID)
		key := func(d, r string) string { return ents[linkrun.RecordKey{DatasetID: d, RecordID: r}] }
		if res.Labels != 2 || !strings.Contains(res.Link.Model.MFrom, "labels") {
			t.Errorf("incremental=%v: run used %d labels, m from %q; want 2 labels and m from labels", incremental, res.Labels, res.Link.Model.MFrom)
		}
		if key(apart.DatasetL, apart.RecordL) == key(apart.DatasetR, apart.RecordR) {
			t.Errorf("incremental=%v: a pair decided non-match shares entity %s", incremental, key(apart.DatasetL, apart.RecordL))
		}
		if key(together.DatasetL, together.RecordL) != key(together.DatasetR, together.RecordR) {
			t.Errorf("incremental=%v: a pair decided match is in entities %s and %s", incremental, key(together.DatasetL, together.RecordL), key(together.DatasetR, together.RecordR))
		}
	}
}

func TestParseVerdict(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want linkrun.Verdict
		ok   bool
	}{
		{"match", linkrun.Match, true},
		{" Non-Match ", linkrun.NonMatch, true},
		{"nonmatch", linkrun.NonMatch, true},
		{"unsure", linkrun.Unsure, true},
		{"maybe", "", false},
	} {
		got, err := linkrun.ParseVerdict(tc.in)
		if got != tc.want || (err == nil) != tc.ok {
			t.Errorf("ParseVerdict(%q) = %q, %v; want %q, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}
