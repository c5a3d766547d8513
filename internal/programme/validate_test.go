package programme

import (
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/fault"
)

var testCheck = Check{Partners: []string{"county", "police", "districts"}, Indicators: []string{"road-ksi", "homelessness-presentations"}}

func goodProject() *Project {
	return &Project{ID: "homelessness", Title: "Homelessness", Sponsors: []string{"districts"}, Status: OnTrack,
		Deliverables: []Deliverable{{ID: "roadmap", Title: "A roadmap", Due: "2026-12-31", Status: NotStarted}},
		Measures:     []Measure{{ID: "presentations", Title: "Presentations", Indicator: "homelessness-presentations", Baseline: "2018", Target: -10, Direction: Lower}}}
}

// TestProjectValidate refuses each bad field by name, all at once.
func TestProjectValidate(t *testing.T) {
	for _, c := range []struct {
		name   string
		edit   func(p *Project)
		fields []string
	}{
		{"good", func(*Project) {}, nil},
		{"empty title", func(p *Project) { p.Title = " " }, []string{"title"}},
		{"unknown status", func(p *Project) { p.Status = "finished" }, []string{"status"}},
		{"unknown sponsor", func(p *Project) { p.Sponsors = []string{"nasa"} }, []string{"sponsors[0]"}},
		{"no sponsor", func(p *Project) { p.Sponsors = nil }, []string{"sponsors"}},
		{"bad due date", func(p *Project) { p.Deliverables[0].Due = "31/12/2026" }, []string{"deliverables[0].due"}},
		{"deliverable status", func(p *Project) { p.Deliverables[0].Status = "late" }, []string{"deliverables[0].status"}},
		{"unknown indicator", func(p *Project) { p.Measures[0].Indicator = "happiness" }, []string{"measures[0].indicator"}},
		{"bad baseline", func(p *Project) { p.Measures[0].Baseline = "last year" }, []string{"measures[0].baseline"}},
		{"direction", func(p *Project) { p.Measures[0].Direction = "up" }, []string{"measures[0].direction"}},
		{"several at once", func(p *Project) { p.Title, p.Deliverables[0].Title = "", "" }, []string{"title", "deliverables[0].title"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := goodProject()
			c.edit(p)
			assertFields(t, p.Validate(testCheck), c.fields)
		})
	}
}

func assertFields(t *testing.T, err error, want []string) {
	t.Helper()
	if len(want) == 0 {
		if err != nil {
			t.Fatalf("refused a good input: %v", err)
		}
		return
	}
	ps, ok := err.(Problems)
	if !ok {
		t.Fatalf("got %v, want problems with %v", err, want)
	}
	var got []string
	for _, p := range ps {
		got = append(got, p.Field)
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("fields refused = %v, want %v (%v)", got, want, err)
	}
	if fault.Code(err) != fault.Invalid || fault.Field(err) != want[0] {
		t.Errorf("fault code %q field %q, want invalid %q", fault.Code(err), fault.Field(err), want[0])
	}
}

// TestUpdateValidate refuses an update field by field and records the
// status it changes from.
func TestUpdateValidate(t *testing.T) {
	for _, c := range []struct {
		name   string
		up     Update
		fields []string
	}{
		{"note", Update{Text: "met"}, nil},
		{"status change", Update{Text: "agreed", Deliverable: "roadmap", To: Done}, nil},
		{"empty text", Update{Text: ""}, []string{"text"}},
		{"unknown deliverable", Update{Text: "x", Deliverable: "moon", To: Done}, []string{"deliverable"}},
		{"unknown status", Update{Text: "x", Deliverable: "roadmap", To: "finished"}, []string{"status"}},
		{"status without deliverable", Update{Text: "x", To: Done}, []string{"deliverable"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			up := c.up
			assertFields(t, up.Validate(goodProject()), c.fields)
			if c.fields == nil && up.Deliverable != "" && up.From != NotStarted {
				t.Errorf("from = %q, want the deliverable's status not-started", up.From)
			}
		})
	}
}

var testClaimCheck = ClaimCheck{Indicators: []string{"road-deaths-dft"}, Datasets: []string{"supported_policing"}, Areas: []string{"E07000066"}, Projects: []string{"safer-communities"}}

func goodClaim() *Claim {
	return &Claim{ID: "road-deaths", Statement: "Deaths fell from 52 to 41.", Project: "safer-communities",
		Figures: []Figure{{Label: "deaths", Indicator: "road-deaths-dft", Period: "year", Stated: []float64{52, 41}, Rounding: 1}}}
}

// TestClaimValidate refuses an unknown indicator, period or area with the
// choices, and dates or periods out of order.
func TestClaimValidate(t *testing.T) {
	for _, c := range []struct {
		name   string
		edit   func(c *Claim)
		fields []string
		says   string
	}{
		{"good", func(*Claim) {}, nil, ""},
		{"empty statement", func(c *Claim) { c.Statement = "" }, []string{"statement"}, "sentence"},
		{"unknown indicator", func(c *Claim) { c.Figures[0].Indicator = "deaths" }, []string{"figures[0].indicator"}, "road-deaths-dft"},
		{"unknown period", func(c *Claim) { c.Figures[0].Period = "decade" }, []string{"figures[0].period"}, "year, quarter or month"},
		{"unknown area", func(c *Claim) { c.Figures[0].Area = "E99" }, []string{"figures[0].area"}, "E07000066"},
		{"compare out of order", func(c *Claim) { c.Figures[0].Compare = []string{"2018", "2017"} }, []string{"figures[0].compare[1]"}, "out of order"},
		{"compare not a year", func(c *Claim) { c.Figures[0].Compare = []string{"2017", "2018-05"} }, []string{"figures[0].compare[1]"}, "not a year"},
		{"dates out of order", func(c *Claim) {
			c.Figures[0] = Figure{Label: "n", Dataset: "supported_policing", Since: "2020-01-01", Until: "2019-01-01", Stated: []float64{57}, Rounding: 1}
		}, []string{"figures[0].until"}, "out of order"},
		{"unknown dataset", func(c *Claim) {
			c.Figures[0] = Figure{Label: "n", Dataset: "constables", Stated: []float64{57}, Rounding: 1}
		}, []string{"figures[0].dataset"}, "supported_policing"},
		{"unknown measure", func(c *Claim) {
			c.Figures[0] = Figure{Label: "n", Dataset: "supported_policing", Measure: "median:x", Stated: []float64{57}, Rounding: 1}
		}, []string{"figures[0].measure"}, "mean:COLUMN"},
		{"no rounding", func(c *Claim) { c.Figures[0].Rounding = 0 }, []string{"figures[0].rounding"}, "precisely"},
		{"unknown project", func(c *Claim) { c.Project = "moonshot" }, []string{"project"}, "safer-communities"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cl := goodClaim()
			c.edit(cl)
			err := cl.Validate(testClaimCheck)
			assertFields(t, err, c.fields)
			if c.says != "" && !strings.Contains(fault.Message(err), c.says) {
				t.Errorf("message %q does not say %q", fault.Message(err), c.says)
			}
		})
	}
}

// TestNearestPair shows the consecutive periods nearest a "year on year"
// claim, as the data give them.
func TestNearestPair(t *testing.T) {
	pts := func(vs ...float64) []point {
		var out []point
		for i, v := range vs {
			out = append(out, point{period: string(rune('0' + i)), lo: v, hi: v, published: true})
		}
		return out
	}
	for _, c := range []struct {
		name   string
		stated []float64
		data   []point
		want   string
	}{
		{"deaths 2015-2018", []float64{52, 41}, pts(44, 63, 46, 49), "23"},
		{"ksi 2015-2018", []float64{980, 890}, pts(778, 1025, 927, 931), "12"},
		{"exact", []float64{46, 49}, pts(44, 63, 46, 49), "23"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, reason := nearestPair(&Figure{Stated: c.stated}, c.data)
			if reason != "" || got[0].period+got[1].period != c.want {
				t.Errorf("got %v %q, want periods %s", got, reason, c.want)
			}
		})
	}
	withheld := pts(44, 63, 46)
	withheld[1].published = false
	if _, reason := nearestPair(&Figure{Stated: []float64{52, 41}}, withheld); reason == "" {
		t.Error("no consecutive published pair, yet a pair was picked")
	}
}
