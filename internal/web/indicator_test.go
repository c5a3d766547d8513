package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/ingest"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/publish"
)

func TestIndicatorByDistrict(t *testing.T) {
	f := newFixture(t)
	f.load(t, "incidents.csv")
	owner := f.client(t)
	owner.signIn(ownerID, password)

	var list struct{ Indicators []publish.Indicator }
	json.Unmarshal([]byte(readBody(t, owner.do("GET", "/api/indicators", nil, ""))), &list)
	if len(list.Indicators) != 1 || list.Indicators[0].ID != "records-incidents" {
		t.Fatalf("indicators = %+v, want records-incidents", list.Indicators)
	}
	res := owner.do("GET", "/api/indicators/records-incidents", nil, "")
	if got, want := res.StatusCode, http.StatusOK; got != want {
		t.Fatalf("status = %d, want %d", got, want)
	}
	var tab publish.DistrictTable
	if err := json.Unmarshal([]byte(readBody(t, res)), &tab); err != nil {
		t.Fatal(err)
	}
	if got, want := len(tab.Values), 14; got != want {
		t.Fatalf("%d districts, want %d", got, want)
	}
	by := map[string]publish.DistrictValue{}
	for _, v := range tab.Values {
		by[v.Code] = v
	}
	// testdata/incidents.csv has 4 in Braintree and 4 in Maldon: 1 to 7
	// after perturbation, below the threshold of 10, so suppressed.
	for _, code := range []string{"E07000067", "E07000074"} {
		if v := by[code]; !v.Suppressed || v.Display != "[c]" || v.Value != nil {
			t.Errorf("%s = %+v, want suppressed as [c]", code, v)
		}
	}
	if v := by["E07000070"]; v.Suppressed || v.Value == nil || *v.Value < 27 || *v.Value > 33 || v.Name != "Chelmsford" {
		t.Errorf("Chelmsford = %+v, want 30 perturbed by at most 3, shown", v)
	}
	if len(f.rec.find("access")) == 0 {
		t.Error("the read was not put on the audit log by govern")
	}
}

func TestIndicatorNeedsAgreement(t *testing.T) {
	f := newFixture(t)
	f.load(t, "incidents.csv")
	other := f.client(t)
	other.signIn(analystID, password)
	res := other.do("GET", "/api/indicators/records-incidents", nil, "")
	if got, want := res.StatusCode, http.StatusForbidden; got != want {
		t.Fatalf("status = %d, want %d", got, want)
	}
	code, msg := errorCode(t, res)
	if code != fault.Forbidden || !strings.Contains(msg, "agreement") {
		t.Errorf("error = %q %q, want forbidden with the reason", code, msg)
	}
	// The page shows the reason instead of the table.
	page := readBody(t, other.do("GET", "/", nil, ""))
	if !strings.Contains(page, "no agreement") {
		t.Error("the overview does not say why the figures are withheld")
	}
}

func TestIndicatorErrors(t *testing.T) {
	f := newFixture(t)
	owner := f.client(t)
	owner.signIn(ownerID, password)
	tests := []struct {
		name, path string
		want       int
	}{
		{"unknown indicator", "/api/indicators/nope", http.StatusNotFound},
		{"no version yet", "/api/indicators/records-incidents", http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := owner.do("GET", tt.path, nil, "").StatusCode; got != tt.want {
				t.Fatalf("status = %d, want %d", got, tt.want)
			}
		})
	}
	f.load(t, "incidents.csv")
	res := owner.do("GET", "/api/indicators/records-incidents?purpose=curiosity", nil, "")
	if got, want := res.StatusCode, http.StatusForbidden; got != want {
		t.Fatalf("unknown purpose: status = %d, want %d", got, want)
	}
	if _, msg := errorCode(t, res); !strings.Contains(msg, "curiosity") {
		t.Errorf("message %q does not name the purpose", msg)
	}
}

// TestIndicatorLSOARollUp places records by LSOA and checks they are
// counted in their districts, small districts suppressed, and records
// outside the county left out with a note.
func TestIndicatorLSOARollUp(t *testing.T) {
	f := newFixture(t)
	c, _ := loadGeo(t)
	ctx := t.Context()
	sc := &catalog.Schema{Columns: []catalog.Column{
		{Name: "call_id", Type: catalog.TypeString, Role: catalog.RoleRecordID, Required: true},
		{Name: "lsoa", Type: catalog.TypeLSOA, Role: catalog.RoleGeography},
	}}
	if err := f.st.CreateDataset(ctx, &catalog.Dataset{ID: "calls", PartnerID: "police", Name: "Calls", Schema: sc}); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{}
	var b strings.Builder
	b.WriteString("call_id,lsoa\n")
	n := 0
	for i, lad := range c.LADCodes() {
		count := 11 + i // every district publishable...
		if lad == "E07000074" {
			count = 4 // ...but Maldon
		}
		lsoas := c.LSOAsIn(lad)
		for k := 0; k < count; k++ {
			n++
			fmt.Fprintf(&b, "c%d,%s\n", n, lsoas[k%len(lsoas)].Code)
		}
		want[lad] = count
	}
	for k := 0; k < 3; k++ { // City of London: not in the county
		n++
		fmt.Fprintf(&b, "c%d,E01000001\n", n)
	}
	path := filepath.Join(t.TempDir(), "calls.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ingest.Run(ctx, f.st, ingest.Request{DatasetID: "calls", Path: path, User: ownerID}); err != nil {
		t.Fatal(err)
	}
	owner := f.client(t)
	owner.signIn(ownerID, password)
	var tab publish.DistrictTable
	json.Unmarshal([]byte(readBody(t, owner.do("GET", "/api/indicators/records-calls", nil, ""))), &tab)
	if got, want := len(tab.Values), 14; got != want {
		t.Fatalf("%d districts, want %d", got, want)
	}
	shown := 0
	for _, v := range tab.Values {
		switch {
		case v.Code == "E07000074":
			if !v.Suppressed || v.Display != "[c]" {
				t.Errorf("Maldon = %+v, want [c]", v)
			}
		case !v.Suppressed:
			shown++
			if d := int(*v.Value) - want[v.Code]; d < -3 || d > 3 {
				t.Errorf("%s = %v, want %d perturbed by at most 3", v.Code, *v.Value, want[v.Code])
			}
		}
	}
	if shown < 12 {
		t.Errorf("only %d districts shown, want at least 12", shown)
	}
	if !strings.Contains(strings.Join(tab.Notes, " "), "outside the county") {
		t.Errorf("notes %q do not mention the records outside the county", tab.Notes)
	}

	// A repeat view is served from the cache, but access is still decided
	// per request: another partner is refused.
	other := f.client(t)
	other.signIn(analystID, password)
	if got, want := other.do("GET", "/api/indicators/records-calls", nil, "").StatusCode, http.StatusForbidden; got != want {
		t.Fatalf("other partner after a cached view: status = %d, want %d", got, want)
	}
	// A new version is a new release: Maldon grows past the threshold.
	for k := 0; k < 10; k++ {
		n++
		fmt.Fprintf(&b, "c%d,%s\n", n, c.LSOAsIn("E07000074")[0].Code)
	}
	path2 := filepath.Join(t.TempDir(), "calls2.csv")
	os.WriteFile(path2, []byte(b.String()), 0o644)
	if _, err := ingest.Run(ctx, f.st, ingest.Request{DatasetID: "calls", Path: path2, User: ownerID}); err != nil {
		t.Fatal(err)
	}
	var tab2 publish.DistrictTable
	json.Unmarshal([]byte(readBody(t, owner.do("GET", "/api/indicators/records-calls", nil, ""))), &tab2)
	for _, v := range tab2.Values {
		if v.Code == "E07000074" && (v.Suppressed || v.Value == nil || *v.Value < 11 || *v.Value > 17) {
			t.Errorf("Maldon in version 2 = %+v, want 14 perturbed by at most 3, shown", v)
		}
	}
}

func TestDistrictBoundaries(t *testing.T) {
	f := newFixture(t)
	res := f.client(t).do("GET", "/api/boundaries/districts", nil, "", "Authorization", "Bearer "+f.token)
	if got, want := res.Header.Get("Content-Type"), "application/geo+json"; got != want {
		t.Fatalf("content type = %q, want %q", got, want)
	}
	var fc struct {
		Features []struct {
			Properties map[string]string `json:"properties"`
			Geometry   struct{ Type string }
		}
	}
	if err := json.Unmarshal([]byte(readBody(t, res)), &fc); err != nil {
		t.Fatal(err)
	}
	if got, want := len(fc.Features), 14; got != want {
		t.Fatalf("%d features, want %d", got, want)
	}
	for _, ft := range fc.Features {
		if ft.Properties["code"] == "" || ft.Properties["name"] == "" || !strings.Contains(ft.Geometry.Type, "Polygon") {
			t.Errorf("feature %+v lacks code, name or polygon", ft)
		}
	}
}

func TestPages(t *testing.T) {
	f := newFixture(t)
	f.load(t, "incidents.csv")
	owner := f.client(t)
	owner.signIn(ownerID, password)
	other := f.client(t)
	other.signIn(analystID, password)
	tests := []struct {
		name string
		c    *client
		path string
		want int
		has  string
	}{
		{"overview", owner, "/", 200, `<td class="num supp">[c]</td>`},
		{"datasets", owner, "/datasets", 200, "Police incidents"},
		{"dataset", owner, "/datasets/incidents", 200, "Quality report, version 1"},
		{"dataset by district", owner, "/datasets/incidents", 200, "[c]"},
		{"dataset of another partner", other, "/datasets/incidents", 200, "Schema"},
		{"upload form", owner, "/datasets/incidents/upload", 200, `type="file"`},
		{"upload form refused", other, "/datasets/incidents/upload", 403, "only a data owner"},
		{"missing dataset", owner, "/datasets/nope", 404, "no dataset"},
		{"missing job", owner, "/jobs/nope", 404, "is not known to this server"},
		{"sign-in page when signed in", owner, "/signin", 303, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := tt.c.do("GET", tt.path, nil, "")
			if got := res.StatusCode; got != tt.want {
				t.Fatalf("status = %d, want %d", got, tt.want)
			}
			if body := readBody(t, res); !strings.Contains(body, tt.has) {
				t.Errorf("page does not contain %q", tt.has)
			}
		})
	}
}

func TestAssets(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	c.signIn(ownerID, password)
	page := readBody(t, c.do("GET", "/", nil, ""))
	if f.srv.built {
		if strings.Contains(page, "UI assets not built") || !strings.Contains(page, `src="`+f.srv.bundle.Script+`"`) {
			t.Errorf("the page does not load the bundle %q", f.srv.bundle.Script)
		}
		return
	}
	if res := c.do("GET", "/assets/app.js", nil, ""); res.StatusCode != http.StatusNotFound {
		t.Fatalf("bundle status = %d, want %d", res.StatusCode, http.StatusNotFound)
	}
	if !strings.Contains(page, "UI assets not built: run <code>make build</code>") {
		t.Error("the page does not say how to build the missing bundle")
	}
}

func TestTemplatesParse(t *testing.T) {
	pages, err := parsePages()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"signin", "overview", "datasets", "dataset", "upload", "job", "error"} {
		if pages[name] == nil {
			t.Errorf("page %q is missing", name)
		}
	}
}
