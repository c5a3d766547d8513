package web

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/civiclink/civiclink/internal/linkrun"
)

// TestLinkageApproveAPI: a run over the police's and the county's data is
// adopted only once a data owner of each has approved it over HTTP. The
// county's analyst is refused (403, nothing recorded); the data owners of
// both partners approve at once, each twice (a token and a session), and
// exactly one approval per partner and one adoption land; the routes are
// in the OpenAPI document.
func TestLinkageApproveAPI(t *testing.T) {
	f := newFixture(t)
	f.addLinkable(t)
	f.addCountyLinkable(t)
	police := f.client(t)
	police.signIn(ownerID, password)
	first := startRun(t, police)
	draft := startRunOf(t, police, custodyID, countyRefsID)
	county := f.client(t)
	county.signIn(countyOwner, password)
	base := fmt.Sprintf("/api/linkage/runs/%d", draft.RunID)
	post := func(c *client, path, body string) *http.Response {
		return c.do("POST", path, strings.NewReader(body), "application/json", csrfHeader, c.csrf)
	}
	res := county.do("GET", base+"/approvals", nil, "")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("the county's data owner reads the draft's approvals: %d %s", res.StatusCode, readBody(t, res))
	}
	st := decode[linkrun.ApprovalState](t, res)
	if !slices.Equal(st.Missing, []string{"county", "police"}) || st.Current != first.RunID || st.Adopted {
		t.Fatalf("approvals of the fresh draft %+v: want county and police missing against run %d", st, first.RunID)
	}

	analyst := f.client(t)
	analyst.signIn(analystID, password)
	res = post(analyst, base+"/approve", `{"note": "looks fine"}`)
	if code, msg := errorCode(t, res); res.StatusCode != http.StatusForbidden || code != "forbidden" || !strings.Contains(msg, "needs a data owner") {
		t.Fatalf("the county's analyst approves: %d %s %s", res.StatusCode, code, msg)
	}
	t.Logf("attack: an analyst approves → 403")

	script := f.client(t)
	bearer := func() *http.Response {
		return script.do("POST", base+"/approve", strings.NewReader(`{"note": "compared"}`), "application/json", "Authorization", "Bearer "+f.token)
	}
	calls := []func() *http.Response{
		bearer, bearer,
		func() *http.Response { return post(county, base+"/approve", `{"note": "compared"}`) },
		func() *http.Response { return post(county, base+"/approve", `{}`) },
	}
	codes := make([]int, len(calls))
	adopted := make([]bool, len(calls))
	var wg sync.WaitGroup
	for i, call := range calls {
		wg.Go(func() {
			res := call()
			codes[i] = res.StatusCode
			if res.StatusCode == http.StatusOK {
				adopted[i] = decode[linkrun.ApprovalState](t, res).Adopted
			} else {
				readBody(t, res)
			}
		})
	}
	wg.Wait()
	t.Logf("attack: police ×2 and county ×2 approve at once → %v (adopted %v)", codes, adopted)
	for _, pair := range [][]int{codes[:2], codes[2:]} {
		if !slices.Contains(pair, http.StatusOK) || !slices.Contains(pair, http.StatusConflict) {
			t.Errorf("a partner's two parallel approvals answered %v, want one 200 and one 409", pair)
		}
	}
	if !slices.Contains(adopted, true) {
		t.Errorf("no approval reports the run adopted: %v", adopted)
	}
	cur, err := f.st.CurrentLinkageRun(context.Background())
	if err != nil || cur.ID != draft.RunID {
		t.Fatalf("after both partners approved the current run is %v (%v), want %d", cur, err, draft.RunID)
	}
	count := func(action string) (n int) {
		for _, e := range f.rec.find(action) {
			if e.Outcome == "allowed" {
				n++
			}
		}
		return n
	}
	if n := count("link.adopt"); n != 1 {
		t.Errorf("%d adoptions on the audit log, want 1", n)
	}
	if n := count("link.approve"); n != 2 {
		t.Errorf("%d approvals on the audit log, want 2", n)
	}
	doc := readBody(t, script.do("GET", "/api/openapi.json", nil, ""))
	for _, p := range []string{`"/api/linkage/runs/{id}/approve"`, `"/api/linkage/runs/{id}/approvals"`, `"LinkageApprovals"`} {
		if !strings.Contains(doc, p) {
			t.Errorf("the OpenAPI document lacks %s", p)
		}
	}
}
