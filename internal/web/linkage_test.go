package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/link"
	"github.com/civiclink/civiclink/internal/linkrun"
)

func decode[T any](tb testing.TB, res *http.Response) T {
	tb.Helper()
	var v T
	if err := json.Unmarshal([]byte(readBody(tb, res)), &v); err != nil {
		tb.Fatalf("decode %T: %v", v, err)
	}
	return v
}

// startRun starts a linkage run of custody and referrals as the session's
// user and follows it to the end.
func startRun(t *testing.T, c *client) Job {
	t.Helper()
	return startRunOf(t, c, custodyID, referralsID)
}

// startRunOf starts a linkage run of datasets for violence-and-vulnerability
// as the session's user and follows it to the end.
func startRunOf(t *testing.T, c *client, datasets ...string) Job {
	t.Helper()
	ds, _ := json.Marshal(datasets)
	body := `{"datasets": ` + string(ds) + `, "purpose": "violence-and-vulnerability"}`
	res := c.do("POST", "/api/linkage/runs", strings.NewReader(body), "application/json", csrfHeader, c.csrf)
	if res.StatusCode != http.StatusAccepted {
		t.Fatalf("start: status %d: %s", res.StatusCode, readBody(t, res))
	}
	j := decode[Job](t, res)
	if j.Kind != jobLinkage || j.ID == "" {
		t.Fatalf("start returned %+v, want a linkage job", j)
	}
	done := c.follow(j.ID)
	if done.State != jobDone || done.RunID == 0 {
		t.Fatalf("job ended %+v, want done with a run", done)
	}
	return done
}

func TestLinkageRunAndQuality(t *testing.T) {
	f := newFixture(t)
	f.addLinkable(t)
	c := f.client(t)
	c.signIn(ownerID, password)
	j := startRun(t, c)
	id := fmt.Sprint(j.RunID)

	t.Run("quality", func(t *testing.T) {
		res := c.do("GET", "/api/linkage/runs/"+id, nil, "")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("status %d: %s", res.StatusCode, readBody(t, res))
		}
		q := decode[LinkageQuality](t, res)
		t.Logf("run %d: %d records into %d entities, %d matches of %d candidates; estimate %+v; pairs %+v", q.Run.ID, q.Run.Records, q.Run.Entities, q.Run.Matches, q.Blocking.CandidatePairs, q.Run.Estimate, q.DatasetPairs)
		if q.Run.Records != 120 || q.Run.Entities < 60 || q.Run.Entities > 90 {
			t.Errorf("records %d into %d entities, want 120 into 60..90 (75 people)", q.Run.Records, q.Run.Entities)
		}
		var pairs, matched int64
		for _, b := range q.Histogram {
			pairs, matched = pairs+b.Pairs, matched+b.Matched
		}
		if pairs != int64(q.Blocking.CandidatePairs) || matched != q.Run.Matches || matched == 0 {
			t.Errorf("histogram holds %d pairs (%d matched), want the %d candidates (%d matched)", pairs, matched, q.Blocking.CandidatePairs, q.Run.Matches)
		}
		var cross int64
		for _, p := range q.DatasetPairs {
			if p.Left == custodyID && p.Right == referralsID {
				cross = p.Links
			}
		}
		if cross < 30 || cross > 60 {
			t.Errorf("custody–referrals links = %d, want about the 45 people in both", cross)
		}
		if e := q.Run.Estimate; e == nil || e.Precision <= 0.5 || e.Precision > 1 || e.Recall <= 0.5 || e.Recall > 1 {
			t.Errorf("estimate = %+v, want precision and recall in (0.5, 1]", e)
		}
		var sized int
		for n, c := range q.ClusterSizes {
			sized += n * c
		}
		if sized != int(q.Run.Records) {
			t.Errorf("cluster sizes %v cover %d records, want the run's %d", q.ClusterSizes, sized, q.Run.Records)
		}
		if q.Model == nil || len(q.Model.Comparisons) != 4 {
			t.Errorf("model = %+v, want four comparisons (nhs_number, forename, surname, dob)", q.Model)
		}
	})
	t.Run("list", func(t *testing.T) {
		l := decode[struct{ Runs []LinkageRunRow }](t, c.do("GET", "/api/linkage/runs", nil, ""))
		if len(l.Runs) != 1 || l.Runs[0].ID != j.RunID || l.Runs[0].Restricted != "" || l.Runs[0].Records != 120 || l.Runs[0].CreatedBy != ownerID {
			t.Errorf("runs = %+v, want run %d by %s with its counts", l.Runs, j.RunID, ownerID)
		}
	})
	t.Run("pages", func(t *testing.T) {
		for _, tc := range []struct{ path, want string }{
			{"/linkage", `href="/linkage/runs/` + id},
			{"/linkage", `id="linkage-form"`},
			{"/linkage/runs/" + id, `id="weight-table"`},
			{"/linkage/runs/" + id, `<code>custody</code></td><td><code>referrals</code>`},
			{"/linkage/jobs/" + j.ID, `href="/linkage/runs/` + id + `"`},
			{"/linkage/runs/" + id + "/review", `id="review-pairs"`},
			{"/linkage/runs/" + id, `id="mu-chart"`},
			{"/linkage/runs/" + id, `aria-label="blocking rules: comparisons and recall"`},
			{"/linkage/runs/" + id, `aria-label="cluster sizes"`},
			{"/linkage/runs/" + id + "/review", `aria-label="waterfall of custody and referrals"`},
		} {
			res := c.do("GET", tc.path, nil, "")
			if body := readBody(t, res); res.StatusCode != http.StatusOK || !strings.Contains(body, tc.want) {
				t.Errorf("GET %s: status %d, has %q: %v", tc.path, res.StatusCode, tc.want, strings.Contains(body, tc.want))
			}
		}
	})
	t.Run("incremental with nothing changed keeps every entity", func(t *testing.T) {
		body := `{"incremental": true, "purpose": "violence-and-vulnerability"}`
		res := c.do("POST", "/api/linkage/runs", strings.NewReader(body), "application/json", csrfHeader, c.csrf)
		if res.StatusCode != http.StatusAccepted {
			t.Fatalf("start: status %d: %s", res.StatusCode, readBody(t, res))
		}
		done := c.follow(decode[Job](t, res).ID)
		if done.State != jobDone || len(done.Datasets) != 2 {
			t.Fatalf("incremental job ended %+v, want done over the parent's two datasets", done)
		}
		parent := decode[LinkageQuality](t, c.do("GET", "/api/linkage/runs/"+id, nil, ""))
		q := decode[LinkageQuality](t, c.do("GET", fmt.Sprintf("/api/linkage/runs/%d", done.RunID), nil, ""))
		if q.Run.Mode != "incremental" || q.Run.ParentID != j.RunID || q.Run.Entities != parent.Run.Entities || q.Run.Entities == 0 {
			t.Errorf("incremental run = %+v, want mode incremental on run %d keeping its %d entities", q.Run, j.RunID, parent.Run.Entities)
		}
	})
	t.Run("review and decide", func(t *testing.T) {
		l := decode[struct {
			Pairs []map[string]any `json:"pairs"`
		}](t, c.do("GET", "/api/linkage/runs/"+id+"/review", nil, ""))
		if len(l.Pairs) == 0 {
			t.Fatal("no borderline pairs to review")
		}
		for _, p := range l.Pairs {
			for k := range p {
				if strings.Contains(k, "record") {
					t.Fatalf("review pair carries %q: record ids must stay on the server", k)
				}
			}
		}
		res := c.do("POST", "/api/linkage/runs/"+id+"/review/1", strings.NewReader(`{"decision": "non-match", "note": "different dob"}`), "application/json", csrfHeader, c.csrf)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("decide: status %d: %s", res.StatusCode, readBody(t, res))
		}
		form := url.Values{"csrf": {c.csrf}, "decision": {"match"}}
		res = c.do("POST", "/linkage/runs/"+id+"/review/2", strings.NewReader(form.Encode()), "application/x-www-form-urlencoded")
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("decide by form: status %d", res.StatusCode)
		}
		if loc := res.Header.Get("Location"); loc != "/linkage/runs/"+id+"/review?page=1#pair-2" {
			t.Errorf("after a decision the form goes to %q, want the pair on its page", loc)
		}
		page := readBody(t, c.do("GET", "/linkage/runs/"+id+"/review", nil, ""))
		if !strings.Contains(page, `data-pair="1" data-decision="non-match"`) || !strings.Contains(page, `data-pair="2" data-decision="match"`) {
			t.Error("the review page does not show the two decisions")
		}
		// One decision control and one button per pair, at most a page of pairs.
		pairs, selects, buttons := strings.Count(page, `<li id="pair-`), strings.Count(page, `<select id="decision-`), strings.Count(page, `<button type="submit">Save decision</button>`)
		if pairs == 0 || pairs > 50 || selects != pairs || buttons != pairs {
			t.Errorf("the review page shows %d pairs with %d decision selects and %d buttons, want one of each per pair, at most 50", pairs, selects, buttons)
		}
		for _, q := range []string{"?page=0", "?page=99", "?page=two"} {
			res := c.do("GET", "/api/linkage/runs/"+id+"/review"+q, nil, "")
			if body := readBody(t, res); res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "page") {
				t.Errorf("review%s: status %d %s, want 400 naming the page", q, res.StatusCode, body)
			}
		}
		if len(f.rec.find("link.review.decide")) != 2 {
			t.Errorf("decisions audited %d times, want 2", len(f.rec.find("link.review.decide")))
		}
	})
	t.Run("audited", func(t *testing.T) {
		var quality, run int
		for _, e := range f.rec.find("access") {
			switch e.Target {
			case OpLinkQuality:
				quality++
			case "link.run":
				run++
			}
		}
		if quality == 0 || run != 2 || len(f.rec.find("link")) != 2 || len(f.rec.find("link.start")) != 2 {
			t.Errorf("audit: %d link.quality and %d link.run accesses, %d link and %d link.start events; want some, 2, 2, 2",
				quality, run, len(f.rec.find("link")), len(f.rec.find("link.start")))
		}
	})
}

// TestLinkageQualityOfARunMadeElsewhere reads a run the CLI or the demo
// made: its summary is part of the stored run (issue #16), so the page
// shows every candidate pair's weight and the model's estimate, as for a
// run started here. (A run stored before then shows its matched pairs
// only: internal/store's TestLinkageSummaryMigration.)
func TestLinkageQualityOfARunMadeElsewhere(t *testing.T) {
	f := newFixture(t)
	f.addLinkable(t)
	owner, err := f.gov.Actor(context.Background(), ownerID)
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.srv.cfg.Linkage.Run(context.Background(), owner, linkrun.Request{Datasets: []string{custodyID, referralsID}, Purpose: "violence-and-vulnerability"}, link.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := f.client(t)
	c.signIn(ownerID, password)
	q := decode[LinkageQuality](t, c.do("GET", fmt.Sprintf("/api/linkage/runs/%d", res.Run.ID), nil, ""))
	var pairs, matched int64
	for _, b := range q.Histogram {
		pairs, matched = pairs+b.Pairs, matched+b.Matched
	}
	if pairs != int64(res.Link.Pairs.Len()) || matched != int64(len(res.Link.Matched)) || q.HistogramScope != linkrun.ScopeCandidates {
		t.Errorf("histogram of %q holds %d pairs (%d matched), want all %d candidate pairs (%d matched)", q.HistogramScope, pairs, matched, res.Link.Pairs.Len(), len(res.Link.Matched))
	}
	var links, candidates int64
	for _, p := range q.DatasetPairs {
		links, candidates = links+p.Links, candidates+p.Candidates
	}
	if links != int64(len(res.Link.Matched)) || candidates != int64(res.Link.Pairs.Len()) {
		t.Errorf("dataset pairs = %+v, want all %d links of %d candidates", q.DatasetPairs, len(res.Link.Matched), res.Link.Pairs.Len())
	}
	if q.Run.Estimate == nil || len(q.Notes) > 1 {
		t.Errorf("estimate %+v with notes %q, want the model's estimate and no note on missing weights", q.Run.Estimate, q.Notes)
	}
}

func TestLinkageRefusals(t *testing.T) {
	f := newFixture(t)
	f.addLinkable(t)
	owner := f.client(t)
	owner.signIn(ownerID, password)
	j := startRun(t, owner)
	run := fmt.Sprint(j.RunID)
	carl := f.client(t)
	carl.signIn(analystID, password)
	anon := f.client(t)
	start := `{"datasets": ["custody"], "purpose": "violence-and-vulnerability"}`

	for _, tc := range []struct {
		name         string
		c            *client
		method, path string
		body, ctype  string
		csrf         bool
		want         int
		code         string
	}{
		{"anonymous list", anon, "GET", "/api/linkage/runs", "", "", false, http.StatusUnauthorized, fault.Unauthorized},
		{"anonymous start", anon, "POST", "/api/linkage/runs", start, "application/json", false, http.StatusUnauthorized, fault.Unauthorized},
		{"anonymous quality", anon, "GET", "/api/linkage/runs/" + run, "", "", false, http.StatusUnauthorized, fault.Unauthorized},
		{"anonymous review", anon, "GET", "/api/linkage/runs/" + run + "/review", "", "", false, http.StatusUnauthorized, fault.Unauthorized},
		{"anonymous datasets", anon, "GET", "/api/linkage/datasets", "", "", false, http.StatusUnauthorized, fault.Unauthorized},
		{"anonymous decide", anon, "POST", "/api/linkage/runs/" + run + "/review/1", `{"decision":"match"}`, "application/json", false, http.StatusUnauthorized, fault.Unauthorized},
		{"start without CSRF", owner, "POST", "/api/linkage/runs", start, "application/json", false, http.StatusForbidden, fault.Forbidden},
		{"decide without CSRF", owner, "POST", "/api/linkage/runs/" + run + "/review/1", `{"decision":"match"}`, "application/json", false, http.StatusForbidden, fault.Forbidden},
		{"no agreement: start", carl, "POST", "/api/linkage/runs", start, "application/json", true, http.StatusForbidden, fault.Forbidden},
		{"no agreement: quality", carl, "GET", "/api/linkage/runs/" + run, "", "", false, http.StatusForbidden, fault.Forbidden},
		{"no agreement: review", carl, "GET", "/api/linkage/runs/" + run + "/review", "", "", false, http.StatusForbidden, fault.Forbidden},
		{"no agreement: decide", carl, "POST", "/api/linkage/runs/" + run + "/review/1", `{"decision":"match"}`, "application/json", true, http.StatusForbidden, fault.Forbidden},
		{"no datasets", owner, "POST", "/api/linkage/runs", `{"datasets": [], "purpose": "violence-and-vulnerability"}`, "application/json", true, http.StatusBadRequest, fault.Invalid},
		{"no purpose", owner, "POST", "/api/linkage/runs", `{"datasets": ["custody"]}`, "application/json", true, http.StatusBadRequest, fault.Invalid},
		{"unlinkable dataset", owner, "POST", "/api/linkage/runs", `{"datasets": ["incidents"], "purpose": "violence-and-vulnerability"}`, "application/json", true, http.StatusBadRequest, fault.Invalid},
		{"unknown dataset", owner, "POST", "/api/linkage/runs", `{"datasets": ["nope"], "purpose": "violence-and-vulnerability"}`, "application/json", true, http.StatusNotFound, fault.NotFound},
		{"unknown run", owner, "GET", "/api/linkage/runs/999", "", "", false, http.StatusNotFound, fault.NotFound},
		{"bad run id", owner, "GET", "/api/linkage/runs/x", "", "", false, http.StatusNotFound, fault.NotFound},
		{"bad decision", owner, "POST", "/api/linkage/runs/" + run + "/review/1", `{"decision":"maybe"}`, "application/json", true, http.StatusBadRequest, fault.Invalid},
		{"unknown pair", owner, "POST", "/api/linkage/runs/" + run + "/review/99999", `{"decision":"match"}`, "application/json", true, http.StatusNotFound, fault.NotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var hdr []string
			if tc.csrf {
				hdr = []string{csrfHeader, tc.c.csrf}
			}
			res := tc.c.do(tc.method, tc.path, strings.NewReader(tc.body), tc.ctype, hdr...)
			if res.StatusCode != tc.want {
				t.Fatalf("status = %d, want %d", res.StatusCode, tc.want)
			}
			if code, msg := errorCode(t, res); code != tc.code || msg == "" {
				t.Errorf("error = %q %q, want code %q with a message", code, msg, tc.code)
			}
		})
	}
	t.Run("refusal says why and is audited", func(t *testing.T) {
		var denied []govern.Event
		for _, e := range f.rec.find("link.start") {
			if e.User == analystID && e.Outcome == govern.OutcomeDenied {
				denied = append(denied, e)
			}
		}
		if len(denied) != 1 || !strings.Contains(denied[0].Reason, "agreement") {
			t.Errorf("denied link.start events of %s = %+v, want one naming the missing agreement", analystID, denied)
		}
	})
	t.Run("list hides counts without an agreement", func(t *testing.T) {
		l := decode[struct{ Runs []LinkageRunRow }](t, carl.do("GET", "/api/linkage/runs", nil, ""))
		if len(l.Runs) != 1 || l.Runs[0].Restricted == "" || l.Runs[0].Records != 0 || l.Runs[0].Estimate != nil {
			t.Errorf("runs as %s = %+v, want the run listed without counts", analystID, l.Runs)
		}
	})
	t.Run("pages", func(t *testing.T) {
		for _, tc := range []struct {
			c          *client
			method     string
			path, body string
			want       int
		}{
			{anon, "GET", "/linkage", "", http.StatusSeeOther},
			{anon, "GET", "/linkage/runs/" + run, "", http.StatusSeeOther},
			{carl, "GET", "/linkage/runs/" + run, "", http.StatusForbidden},
			{carl, "GET", "/linkage/runs/" + run + "/review", "", http.StatusForbidden},
			{carl, "GET", "/linkage/jobs/" + j.ID, "", http.StatusNotFound},                                              // another user's job
			{owner, "POST", "/linkage/runs", "dataset=custody&purpose=violence-and-vulnerability", http.StatusForbidden}, // no csrf field
			{owner, "POST", "/linkage/runs/" + run + "/review/1", "decision=match", http.StatusForbidden},
			{carl, "GET", "/linkage", "", http.StatusOK},
			{carl, "POST", "/linkage/runs", "dataset=custody&purpose=violence-and-vulnerability&csrf=" + carl.csrf, http.StatusForbidden},
			{carl, "POST", "/linkage/runs/" + run + "/review/1", "decision=match&csrf=" + carl.csrf, http.StatusForbidden},
			{owner, "POST", "/linkage/runs", "dataset=referrals&purpose=violence-and-vulnerability&csrf=" + owner.csrf, http.StatusSeeOther},
		} {
			res := tc.c.do(tc.method, tc.path, strings.NewReader(tc.body), "application/x-www-form-urlencoded")
			if res.StatusCode != tc.want {
				t.Errorf("%s %s: status = %d, want %d", tc.method, tc.path, res.StatusCode, tc.want)
			}
			if loc := res.Header.Get("Location"); tc.method == "POST" && tc.want == http.StatusSeeOther && !strings.HasPrefix(loc, "/linkage/jobs/") {
				t.Errorf("%s %s went to %q, want the run's progress page", tc.method, tc.path, loc)
			}
		}
	})
}

func TestLinkableMarksWhatTheGateAllows(t *testing.T) {
	f := newFixture(t)
	f.addLinkable(t)
	for _, tc := range []struct {
		user  string
		allow bool
	}{{ownerID, true}, {analystID, false}} {
		c := f.client(t)
		c.signIn(tc.user, password)
		l := decode[struct{ Datasets []Linkable }](t, c.do("GET", "/api/linkage/datasets?purpose=violence-and-vulnerability", nil, ""))
		if len(l.Datasets) != 2 {
			t.Fatalf("%s: linkable = %+v, want custody and referrals (incidents has no identifiers)", tc.user, l.Datasets)
		}
		for _, d := range l.Datasets {
			if d.Allowed != tc.allow || (!d.Allowed && d.Reason == "") {
				t.Errorf("%s: %s allowed = %v (%q), want %v", tc.user, d.ID, d.Allowed, d.Reason, tc.allow)
			}
		}
	}
}
