package programme

import (
	"math"
	"testing"
)

func answers(v int) map[string]int {
	m := map[string]int{}
	for _, q := range Questions {
		m[q.ID] = v
	}
	return m
}

// TestAssessmentValidate refuses a missing answer, one off the scale, an
// unknown question, partner or round, field by field.
func TestAssessmentValidate(t *testing.T) {
	partners := []string{"county", "police"}
	for _, c := range []struct {
		name   string
		edit   func(a *Assessment)
		fields []string
	}{
		{"good", func(*Assessment) {}, nil},
		{"unknown partner", func(a *Assessment) { a.Partner = "nasa" }, []string{"partner"}},
		{"bad round", func(a *Assessment) { a.Round = "2026-13" }, []string{"round"}},
		{"missing answer", func(a *Assessment) { delete(a.Answers, "asset-quality") }, []string{"answers.asset-quality"}},
		{"off the scale", func(a *Assessment) { a.Answers["capacity-people"] = 6 }, []string{"answers.capacity-people"}},
		{"unknown question", func(a *Assessment) { a.Answers["vibes"] = 3 }, []string{"answers.vibes"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := &Assessment{Partner: "county", Round: "2026-12", Answers: answers(3)}
			c.edit(a)
			assertFields(t, a.Validate(partners), c.fields)
		})
	}
}

// TestMaturityResults: a partner's rounds in order with their change, the
// system's mean per round, a resubmission replacing the earlier answers.
func TestMaturityResults(t *testing.T) {
	low, high := answers(2), answers(4)
	high["capacity-people"], high["capacity-leadership"], high["capacity-partnership"] = 1, 2, 3
	m := Results([]*Assessment{
		{Partner: "county", Round: "2026-06", Answers: answers(1)},
		{Partner: "county", Round: "2026-06", Answers: low}, // replaces the first
		{Partner: "police", Round: "2026-06", Answers: answers(4)},
		{Partner: "county", Round: "2026-12", Answers: high},
	})
	county := m.Partners["county"]
	if len(county) != 2 || county[0].Round != "2026-06" || county[0].Scores[Assets] != 2 {
		t.Fatalf("county's rounds = %+v", county)
	}
	if county[1].Scores[Capacity] != 2 || county[1].Scores[Assets] != 4 {
		t.Errorf("county 2026-12 = %+v, want assets 4, capacity 2", county[1].Scores)
	}
	if got := Change(county, 1, Assets); got != "+2.0 since 2026-06" {
		t.Errorf("change = %q", got)
	}
	if len(m.System) != 2 || m.System[0].Partners != 2 || math.Abs(m.System[0].Scores[Assets]-3) > 1e-9 {
		t.Errorf("system = %+v, want 2026-06 the mean of county (2) and police (4)", m.System)
	}
}
