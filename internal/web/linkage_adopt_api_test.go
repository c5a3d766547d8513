package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/civiclink/civiclink/internal/linkrun"
)

// TestLinkageAdoptAPI: a script compares a draft run with the current one
// and adopts it with an API token; another partner's analyst is refused
// (403 in the JSON error format, nothing changes); a bad body names the
// field; of parallel adoptions of the same run exactly one lands (the
// rest are 409 and not audited as adoptions); a rollback needs the same
// as adopting the earlier run; the routes are in the OpenAPI document.
func TestLinkageAdoptAPI(t *testing.T) {
	f := newFixture(t)
	f.addLinkable(t)
	c := f.client(t)
	c.signIn(ownerID, password)
	first := startRun(t, c)
	second := startRun(t, c)
	api := func(cl *client, method, path, body string) *http.Response {
		var rd *strings.Reader
		if body != "" {
			rd = strings.NewReader(body)
		} else {
			rd = strings.NewReader("")
		}
		return cl.do(method, path, rd, "application/json", csrfHeader, cl.csrf)
	}
	script := f.client(t) // an API token, no session
	bearer := func(method, path, body string) *http.Response {
		return script.do(method, path, strings.NewReader(body), "application/json", "Authorization", "Bearer "+f.token)
	}
	base := fmt.Sprintf("/api/linkage/runs/%d", second.RunID)

	res := bearer("GET", "/api/linkage/current", "")
	cur := decode[linkrun.LinkageRun](t, res)
	if cur.ID != first.RunID {
		t.Fatalf("current run %d, want the first, %d", cur.ID, first.RunID)
	}
	res = bearer("GET", base+"/compare", "")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("compare: %d %s", res.StatusCode, readBody(t, res))
	}
	cmp := decode[linkrun.Comparison](t, res)
	if cmp.Run != second.RunID || cmp.Current != first.RunID || cmp.Records == 0 || cmp.Unchanged+cmp.Gained+cmp.Merged != cmp.Entities {
		t.Fatalf("comparison %+v does not add up", cmp)
	}

	other := f.client(t)
	other.signIn(analystID, password)
	res = api(other, "POST", base+"/adopt", `{"note": "mine now"}`)
	if code, _ := errorCode(t, res); res.StatusCode != http.StatusForbidden || code != "forbidden" {
		t.Fatalf("another partner's analyst adopts: %d %s", res.StatusCode, code)
	}
	if res := bearer("POST", base+"/adopt", `{"notes": "typo"}`); res.StatusCode != http.StatusBadRequest {
		t.Fatalf("an unknown field: %d, want 400", res.StatusCode)
	}
	if got, _ := f.st.CurrentLinkageRun(context.Background()); got.ID != first.RunID {
		t.Fatalf("a refused adoption changed the current run to %d", got.ID)
	}

	var wg sync.WaitGroup
	codes := make([]int, 8)
	for i := range codes {
		wg.Go(func() { codes[i] = bearer("POST", base+"/adopt", `{"note": "checked the comparison"}`).StatusCode })
	}
	wg.Wait()
	won := 0
	for _, code := range codes {
		switch code {
		case http.StatusOK:
			won++
		case http.StatusConflict:
		default:
			t.Errorf("parallel adoptions answered %v, want one 200 and the rest 409\n%s", codes, f.logs)
		}
	}
	if won != 1 {
		t.Errorf("%d of 8 parallel adoptions of one run landed, want 1 (%v)", won, codes)
	}
	if got, _ := f.st.CurrentLinkageRun(context.Background()); got.ID != second.RunID {
		t.Fatalf("after adoption the current run is %d, want %d", got.ID, second.RunID)
	}
	if res := api(other, "POST", "/api/linkage/rollback", ""); res.StatusCode != http.StatusForbidden {
		t.Errorf("another partner's analyst rolls back: %d, want 403", res.StatusCode)
	}
	if res := bearer("POST", "/api/linkage/rollback", `{"note": "back"}`); res.StatusCode != http.StatusOK {
		t.Errorf("the data owner of the earlier run's datasets rolls back: %d, want 200", res.StatusCode)
	}
	if got, _ := f.st.CurrentLinkageRun(context.Background()); got.ID != first.RunID {
		t.Errorf("after the rollback the current run is %d, want %d", got.ID, first.RunID)
	}
	if res := bearer("GET", "/api/linkage/runs/9999/compare", ""); res.StatusCode != http.StatusNotFound {
		t.Errorf("comparing a run that does not exist: %d, want 404", res.StatusCode)
	}
	doc := readBody(t, script.do("GET", "/api/openapi.json", nil, ""))
	for _, p := range []string{`"/api/linkage/current"`, `"/api/linkage/runs/{id}/compare"`, `"/api/linkage/runs/{id}/adopt"`, `"/api/linkage/rollback"`, `"LinkageComparison"`} {
		if !strings.Contains(doc, p) {
			t.Errorf("the OpenAPI document lacks %s", p)
		}
	}
	var adopted int
	for _, e := range f.rec.find("link.adopt") {
		if e.Outcome == "allowed" {
			adopted++
		}
	}
	if adopted != 1 {
		t.Errorf("%d adoptions on the audit log, want the one that landed", adopted)
	}
}
