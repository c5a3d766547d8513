package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/civiclink/civiclink/internal/govern"
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

// ownerWithoutLinkingAgreement is a fixture with linkable datasets whose
// linking agreement (vv-police) is suspended, and the police's data owner
// signed in.
func ownerWithoutLinkingAgreement(t *testing.T) (*fixture, *client) {
	f := newFixture(t)
	f.addLinkable(t)
	a, err := f.st.Agreement(context.Background(), "vv-police")
	if err != nil {
		t.Fatal(err)
	}
	a.Status = govern.Suspended
	if err := f.st.SaveAgreement(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	c := f.client(t)
	c.signIn(ownerID, password)
	return f, c
}

// TestLinkageNeedsAgreementOverHTTP: with the police's linking agreement
// suspended, the police's data owner cannot start a run of the police's
// own datasets through the web: the job is refused (403 naming each
// dataset and what to do), the datasets list marks them not linkable, the
// refusal is audited, and no run is written.
func TestLinkageNeedsAgreementOverHTTP(t *testing.T) {
	f, c := ownerWithoutLinkingAgreement(t)
	ctx := context.Background()
	res := c.do("POST", "/api/linkage/runs", strings.NewReader(`{"datasets": ["custody", "referrals"], "purpose": "violence-and-vulnerability"}`), "application/json", csrfHeader, c.csrf)
	code, msg := errorCode(t, res)
	if res.StatusCode != http.StatusForbidden || code != "forbidden" {
		t.Fatalf("a run of the police's own datasets under a suspended agreement: %d %s %s", res.StatusCode, code, msg)
	}
	for _, w := range []string{"dataset custody (police's)", "dataset referrals (police's)", "agreement vv-police is suspended", "ask the data owners of police"} {
		if !strings.Contains(msg, w) {
			t.Errorf("the refusal %q lacks %q", msg, w)
		}
	}
	t.Logf("attack: linking own datasets under a suspended agreement → 403: %s", msg)
	list := decode[struct {
		Datasets []Linkable `json:"datasets"`
	}](t, c.do("GET", "/api/linkage/datasets?purpose=violence-and-vulnerability", nil, ""))
	for _, d := range list.Datasets {
		if d.Allowed || !strings.Contains(d.Reason, "suspended") {
			t.Errorf("dataset %s listed as linkable %v (%q) under a suspended agreement", d.ID, d.Allowed, d.Reason)
		}
	}
	denied := 0
	for _, e := range f.rec.find("access") {
		if e.Outcome == govern.OutcomeDenied && e.Target == "link.run" {
			denied++
		}
	}
	if denied == 0 {
		t.Error("the refused run is not on the audit log")
	}
	if runs, err := f.st.LinkageRuns(ctx); err != nil || len(runs) != 0 {
		t.Errorf("a refused run left %d runs (%v)", len(runs), err)
	}
}

// TestLinkageFormRefusal: the web form asking for a run that the
// agreements do not cover comes back (403) with what is missing listed
// per dataset above the form, what was chosen still chosen, the refusal
// audited and no run written; a form without a dataset says to choose
// one, beside the same form.
func TestLinkageFormRefusal(t *testing.T) {
	f, c := ownerWithoutLinkingAgreement(t)
	ctx := context.Background()
	post := func(v url.Values) (int, string) {
		v.Set("csrf", c.csrf)
		res := c.do("POST", "/linkage/runs", strings.NewReader(v.Encode()), "application/x-www-form-urlencoded")
		return res.StatusCode, readBody(t, res)
	}
	status, page := post(url.Values{"dataset": {"custody", "referrals"}, "purpose": {"violence-and-vulnerability"}, "mode": {"full"}})
	if status != http.StatusForbidden {
		t.Fatalf("a refused run's form answered %d:\n%s", status, page)
	}
	summary := regexp.MustCompile(`(?s)<div class="error" role="alert" id="linkage-refused">.*?</div>`).FindString(page)
	items := strings.Count(summary, "<li>")
	for _, w := range []string{"Nothing was linked or saved", "dataset custody (police&#39;s)", "dataset referrals (police&#39;s)", "agreement vv-police is suspended", "ask the data owners of police"} {
		if !strings.Contains(summary, w) {
			t.Errorf("the refusal lacks %q:\n%s", w, summary)
		}
	}
	if items != 3 || strings.Contains(summary, "civiclink ") {
		t.Errorf("the refusal lists %d things (want one per dataset and what to do) or names a command:\n%s", items, summary)
	}
	for _, d := range []string{"custody", "referrals"} {
		if !regexp.MustCompile(`id="ds-` + d + `" name="dataset" value="` + d + `" checked`).MatchString(page) {
			t.Errorf("dataset %s is no longer chosen on the refused form", d)
		}
	}
	if !strings.Contains(page, `<option value="violence-and-vulnerability" selected>`) {
		t.Error("the refused form lost its purpose")
	}
	t.Logf("attack: the web form linking own datasets under a suspended agreement → 403 listing %d items", items)
	if runs, err := f.st.LinkageRuns(ctx); err != nil || len(runs) != 0 {
		t.Errorf("a refused run left %d runs (%v)", len(runs), err)
	}
	if n := len(f.rec.find("link.start")); n != 1 {
		t.Errorf("%d link.start events for one refusal, want 1", n)
	}
	status, page = post(url.Values{"purpose": {"violence-and-vulnerability"}})
	if status != http.StatusBadRequest || !strings.Contains(page, `id="linkage-refused"`) || !strings.Contains(page, "choose at least one dataset") {
		t.Errorf("a form without datasets answered %d without saying to choose one", status)
	}
}
