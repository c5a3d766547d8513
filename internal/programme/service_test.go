package programme_test

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/audit"
	"github.com/civiclink/civiclink/internal/demo/demotest"
	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/geo"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/insight"
	"github.com/civiclink/civiclink/internal/programme"
	"github.com/civiclink/civiclink/internal/store"
)

// fixture is a small demo county with the programme loaded, and the
// programme service over it.
type fixture struct {
	county *demotest.County
	svc    *programme.Service
	users  map[string]*govern.User
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	c := demotest.New(t, 1000, 8)
	gov := govern.NewService(c.Store, govern.AuditRecorder{Log: c.Audit})
	county, err := geo.Load()
	if err != nil {
		t.Fatal(err)
	}
	e := &insight.Engine{Store: c.Store, Gov: gov, Geo: county, Ledger: c.Store}
	return &fixture{county: c, users: c.Summary.Staff,
		svc: &programme.Service{Store: c.Store, Catalog: c.Store, Figures: e, Audit: c.Audit, Areas: county.LADCodes()}}
}

var _ programme.Store = (*store.Store)(nil)

// realDfT are the Essex Police area's figures in DfT's STATS19 casualty
// files the demo loads (2015 to 2018).
var realDfT = map[string]map[string]float64{
	"road-deaths": {"2015": 44, "2016": 63, "2017": 46, "2018": 49},
	"road-ksi":    {"2015": 778, "2016": 1025, "2017": 927, "2018": 931},
}

// TestClaimsOnDemo checks the six shipped claims on a fresh demo county:
// the road claims differ from the real DfT data, whose nearest years'
// published figures are shown (within the perturbation of the real
// counts), and the claims the synthetic county holds data for evaluate
// from that data.
func TestClaimsOnDemo(t *testing.T) {
	f := newFixture(t)
	rs := f.county.Summary.Claims
	if len(rs) != 6 {
		t.Fatalf("the demo checked %d claims, want the 6 shipped", len(rs))
	}
	byID := map[string]programme.Result{}
	for _, r := range rs {
		byID[r.ID] = r
	}
	for id, real := range realDfT {
		r := byID[id]
		if r.Status != programme.Differs {
			t.Errorf("%s: %s, want differs (%+v)", id, r.Status, r.Figures)
			continue
		}
		fr := r.Figures[0]
		if len(fr.Computed) != 2 || len(fr.Series) != 4 {
			t.Fatalf("%s: computed %v, series %v", id, fr.Computed, fr.Series)
		}
		// Claims are judged within the perturbation's likely shift
		// (fr.Shift); a published count may still lie anywhere in its
		// range, the shipped table's largest shift.
		largest := float64(disclose.DefaultPTable().MaxPerturbation())
		for _, v := range fr.Series {
			if fr.Shift == 0 || fr.Shift > largest || math.Abs(v.Value-real[v.Period]) > largest {
				t.Errorf("%s %s: published %v, real %v: more than the perturbation's largest shift (%v) apart (likely shift %v)", id, v.Period, v.Value, real[v.Period], largest, fr.Shift)
			}
		}
		if fr.Gap == "" || !strings.Contains(fr.Gap, fr.Computed[0].Period) {
			t.Errorf("%s: the gap %q does not name the years compared", id, fr.Gap)
		}
	}
	for _, id := range []string{"encampment-duration", "supported-policing", "school-education-reach"} {
		r := byID[id]
		for _, fr := range r.Figures {
			if fr.Status == programme.CannotCheck || len(fr.Computed) == 0 {
				t.Errorf("%s %s: %s (%s): the synthetic county holds this data", id, fr.Label, fr.Status, fr.Reason)
			}
		}
	}
	enc := byID["encampment-duration"].Figures[0]
	if len(enc.Computed) == 2 && !(enc.Computed[0].Value > 5*enc.Computed[1].Value) {
		t.Errorf("encampments: %v then %v days; the unit should shorten them several-fold", enc.Computed[0].Value, enc.Computed[1].Value)
	}
}

// TestClaimsCheckRefusedWithoutAgreement: a user under no agreement gets
// "cannot check" with the refusal's reason, never a figure.
func TestClaimsCheckRefusedWithoutAgreement(t *testing.T) {
	f := newFixture(t)
	outsider := &govern.User{ID: "visitor", PartnerID: "university", Roles: []govern.Role{govern.Caseworker}}
	rs, err := f.svc.CheckClaims(context.Background(), outsider)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if r.Status != programme.CannotCheck || len(r.Computed) != 0 {
			t.Errorf("%s: %s with %v for a user no agreement lets read it", r.ID, r.Status, r.Computed)
		}
		if r.Figures[0].Reason == "" {
			t.Errorf("%s: cannot check without a reason", r.ID)
		}
	}
}

// TestWhoMayDoWhat: programme managers edit; sponsors' partner admins
// post updates to their projects; others are refused with the reason;
// every change and refusal is audited.
func TestWhoMayDoWhat(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	u := f.users
	cases := []struct {
		name string
		do   func() error
		code string
		says string
	}{
		{"analyst edits a project", func() error {
			p, _, _ := f.svc.Project(ctx, u["county.analyst"], "homelessness")
			return f.svc.SaveProject(ctx, u["county.analyst"], p)
		}, fault.Forbidden, "programme manager"},
		{"police admin updates a districts project", func() error {
			return f.svc.PostUpdate(ctx, u["police.admin"], &programme.Update{Project: "homelessness", Text: "hello"})
		}, fault.Forbidden, "does not sponsor"},
		{"districts analyst updates its project", func() error {
			return f.svc.PostUpdate(ctx, u["districts.analyst"], &programme.Update{Project: "homelessness", Text: "hello"})
		}, fault.Forbidden, "partner admin"},
		{"districts admin updates its project", func() error {
			return f.svc.PostUpdate(ctx, u["districts.admin"], &programme.Update{Project: "homelessness", Text: "risk insight shared", Deliverable: "risk-insight", To: programme.Done})
		}, "", ""},
		{"manager saves a claim on an unknown indicator", func() error {
			return f.svc.SaveClaim(ctx, u["county.programme"], &programme.Claim{ID: "x", Statement: "s",
				Figures: []programme.Figure{{Label: "l", Indicator: "nope", Period: "year", Stated: []float64{1, 2}, Rounding: 1}}})
		}, fault.Invalid, "road-deaths-dft"},
		{"manager edits a project", func() error {
			p, _, _ := f.svc.Project(ctx, u["county.programme"], "civic-pride")
			p.Status = programme.AtRisk
			return f.svc.SaveProject(ctx, u["county.programme"], p)
		}, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.do()
			if fault.Code(err) != c.code || !strings.Contains(fault.Message(err), c.says) {
				t.Errorf("got %v (%s), want %q saying %q", err, fault.Code(err), c.code, c.says)
			}
		})
	}
	p, ups, err := f.svc.Project(ctx, u["voluntary.analyst"], "homelessness")
	if err != nil {
		t.Fatal(err)
	}
	if len(ups) != 1 || ups[0].From != programme.OnTrack || ups[0].To != programme.Done || p.Deliverables[1].Status != programme.Done {
		t.Errorf("after the admin's update: %+v, %+v", ups, p.Deliverables)
	}
	es, err := f.county.Audit.(*store.Audit).Entries(ctx, audit.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, e := range es {
		if strings.HasPrefix(e.Event.Action, "programme.") {
			seen[e.Event.Action+"/"+e.Event.Outcome]++
		}
	}
	for _, k := range []string{"programme.project/denied", "programme.update/denied", "programme.update/allowed", "programme.claim/error", "programme.project/allowed"} {
		if seen[k] == 0 {
			t.Errorf("no %s entry in the audit log (saw %v)", k, seen)
		}
	}
}
