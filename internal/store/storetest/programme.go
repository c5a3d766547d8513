package storetest

import (
	"context"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/programme"
)

// ProgrammeStore is a backend under the programme's contract.
type ProgrammeStore interface {
	programme.Store
}

// RunProgramme runs the programme contract against backends made by
// open, a fresh one per subtest: projects saved and replaced whole,
// updates that change a deliverable's status only from the status they
// saw, and claims.
func RunProgramme(t *testing.T, open func(t *testing.T) ProgrammeStore) {
	t.Run("projects", func(t *testing.T) { programmeProjects(t, open(t)) })
	t.Run("updates", func(t *testing.T) { programmeUpdates(t, open(t)) })
	t.Run("claims", func(t *testing.T) { programmeClaims(t, open(t)) })
	t.Run("assessments", func(t *testing.T) { programmeAssessments(t, open(t)) })
	t.Run("parallel updates", func(t *testing.T) { programmeParallelUpdates(t, open(t)) })
}

// programmeParallelUpdates: of eight partner admins changing the same
// deliverable from the status they all saw, exactly one lands; the others
// are told someone changed it first, and store nothing.
func programmeParallelUpdates(t *testing.T, st ProgrammeStore) {
	ctx := context.Background()
	if err := st.SaveProject(ctx, sampleProject()); err != nil {
		t.Fatal(err)
	}
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = st.AddUpdate(ctx, &programme.Update{Project: "homelessness", Author: "districts.admin", Partner: "districts",
				At: time.Date(2026, 3, 1, 9, i, 0, 0, time.UTC), Text: "agreed", Deliverable: "roadmap", From: programme.NotStarted, To: programme.Done})
		}()
	}
	wg.Wait()
	landed := 0
	for i, err := range errs {
		switch fault.Code(err) {
		case "":
			landed++
		case fault.Conflict:
		default:
			t.Errorf("update %d: got %v, want it to land or a conflict", i, err)
		}
	}
	ups, err := st.Updates(ctx, "homelessness", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if landed != 1 || len(ups) != 1 {
		t.Errorf("%d of %d parallel changes landed and %d updates are stored, want 1 and 1", landed, n, len(ups))
	}
}

func programmeAssessments(t *testing.T, st ProgrammeStore) {
	ctx := context.Background()
	at := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	for i, a := range []*programme.Assessment{
		{Partner: "county", Round: "2026-06", Answers: map[string]int{"asset-register": 2}, By: "county.admin", At: at},
		{Partner: "county", Round: "2026-12", Answers: map[string]int{"asset-register": 4}, By: "county.admin", At: at.AddDate(0, 6, 0)},
	} {
		if err := st.SaveAssessment(ctx, a); err != nil {
			t.Fatal(err)
		}
		if a.ID == 0 {
			t.Errorf("assessment %d got no id", i)
		}
	}
	as, err := st.Assessments(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(as) != 2 || as[0].Round != "2026-06" || as[1].Answers["asset-register"] != 4 || as[1].By != "county.admin" || !as[1].At.Equal(at.AddDate(0, 6, 0)) {
		t.Errorf("assessments read back: %+v", as)
	}
}

func sampleProject() *programme.Project {
	return &programme.Project{ID: "homelessness", Title: "Countywide homelessness reduction", Theme: "homelessness",
		Summary: []string{"One roadmap."}, Sponsors: []string{"districts", "county"}, Status: programme.OnTrack,
		Deliverables: []programme.Deliverable{
			{ID: "roadmap", Title: "A roadmap agreed", Due: "2026-12-31", Status: programme.NotStarted},
			{ID: "insight", Title: "Insight shared", Due: "2027-03-31", Status: programme.OnTrack, Evidence: "monthly"}},
		Measures:  []programme.Measure{{ID: "presentations", Title: "Presentations", Indicator: "homelessness-presentations", Baseline: "2018", Target: -10, Direction: programme.Lower}},
		UpdatedBy: "county.programme", UpdatedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func programmeProjects(t *testing.T, st ProgrammeStore) {
	ctx := context.Background()
	p := sampleProject()
	if err := st.SaveProject(ctx, p); err != nil {
		t.Fatal(err)
	}
	got, err := st.Project(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	got.UpdatedAt = got.UpdatedAt.UTC()
	if !reflect.DeepEqual(got, p) {
		t.Errorf("project read back\n got %+v\nwant %+v", got, p)
	}
	// Replacing drops what the new version no longer lists.
	p.Deliverables, p.Measures, p.Title = p.Deliverables[1:], nil, "Homelessness"
	if err := st.SaveProject(ctx, p); err != nil {
		t.Fatal(err)
	}
	all, err := st.Projects(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 1 || all[0].Title != "Homelessness" || len(all[0].Deliverables) != 1 || len(all[0].Measures) != 0 {
		t.Errorf("after replacing: %+v", all)
	}
	if _, err := st.Project(ctx, "nope"); fault.Code(err) != fault.NotFound {
		t.Errorf("unknown project: got %v, want not found", err)
	}
}

func programmeUpdates(t *testing.T, st ProgrammeStore) {
	ctx := context.Background()
	if err := st.SaveProject(ctx, sampleProject()); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	u := &programme.Update{Project: "homelessness", Author: "districts.admin", Partner: "districts", At: at, Text: "agreed",
		Deliverable: "roadmap", From: programme.NotStarted, To: programme.Done}
	if err := st.AddUpdate(ctx, u); err != nil {
		t.Fatal(err)
	}
	if u.ID == 0 {
		t.Error("the update got no id")
	}
	p, _ := st.Project(ctx, "homelessness")
	if p.Deliverables[0].Status != programme.Done {
		t.Errorf("deliverable status = %s, want done", p.Deliverables[0].Status)
	}
	// A second change from the old status is refused and stores nothing.
	stale := *u
	stale.ID, stale.To = 0, programme.AtRisk
	if err := st.AddUpdate(ctx, &stale); fault.Code(err) != fault.Conflict {
		t.Errorf("stale change: got %v, want conflict", err)
	}
	plain := &programme.Update{Project: "homelessness", Author: "county.programme", At: at.Add(time.Hour), Text: "note"}
	if err := st.AddUpdate(ctx, plain); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		since time.Time
		want  int
	}{{time.Time{}, 2}, {at.Add(time.Minute), 1}, {at.Add(2 * time.Hour), 0}} {
		ups, err := st.Updates(ctx, "homelessness", c.since)
		if err != nil {
			t.Fatal(err)
		}
		if len(ups) != c.want {
			t.Errorf("updates since %v: got %d, want %d", c.since, len(ups), c.want)
		}
	}
	ups, _ := st.Updates(ctx, "", time.Time{})
	if len(ups) != 2 || ups[0].Text != "agreed" || ups[0].From != programme.NotStarted || ups[0].To != programme.Done || !ups[0].At.Equal(at) {
		t.Errorf("updates read back: %+v", ups)
	}
}

func programmeClaims(t *testing.T, st ProgrammeStore) {
	ctx := context.Background()
	c := &programme.Claim{ID: "road-deaths", Statement: "Road deaths fell from 52 to 41.", Project: "safer-communities",
		Figures:   []programme.Figure{{Label: "road deaths", Indicator: "road-deaths-dft", Period: "year", Stated: []float64{52, 41}, Rounding: 1}},
		UpdatedBy: "county.programme", UpdatedAt: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)}
	if err := st.SaveClaim(ctx, c); err != nil {
		t.Fatal(err)
	}
	c.Statement = "Road deaths fell."
	if err := st.SaveClaim(ctx, c); err != nil {
		t.Fatal(err)
	}
	cs, err := st.Claims(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 1 {
		t.Fatalf("got %d claims, want 1", len(cs))
	}
	cs[0].UpdatedAt = cs[0].UpdatedAt.UTC()
	if !reflect.DeepEqual(cs[0], c) {
		t.Errorf("claim read back\n got %+v\nwant %+v", cs[0], c)
	}
}
