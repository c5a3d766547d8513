package demo

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/civiclink/civiclink/internal/programme"
	"github.com/civiclink/civiclink/internal/synth"
)

// ProgrammeManager is the demo's programme manager account.
const ProgrammeManager = "county.programme"

// programmeData writes the programme's agency datasets (encampments, the
// supported-policing scheme, school education visits) beside the county
// and shares them as their partners would: they hold no identities.
func (f Flow) programmeData(ctx context.Context, st Store, dir string) error {
	cfg := synth.DefaultConfig(f.People, f.Seed)
	es, err := synth.WriteProgrammeData(cfg, dir)
	if err != nil {
		return err
	}
	m := &synth.Manifest{Dir: dir, Datasets: es}
	for _, d := range es {
		if err := loadDataset(ctx, st, m, d, nil, CountyOptions{User: f.User, Log: f.Log}); err != nil {
			return fmt.Errorf("dataset %s: %w", d.ID, err)
		}
	}
	return nil
}

// programme loads the shipped projects and claims as the programme
// manager, then checks every claim as the county's analyst.
func (f Flow) programme(ctx context.Context, sum *Summary) error {
	np, nc, err := f.Programme.LoadShipped(ctx, sum.Staff[ProgrammeManager])
	if err != nil {
		return err
	}
	fmt.Fprintf(f.Log, "  %d Vision projects and %d public claims loaded\n", np, nc)
	n, err := f.assessments(ctx, sum.Staff)
	if err != nil {
		return err
	}
	fmt.Fprintf(f.Log, "  %d data-maturity self-assessments (two rounds) answered by the partners' admins\n", n)
	rs, err := f.Programme.CheckClaims(ctx, sum.Staff["county.analyst"])
	if err != nil {
		return err
	}
	sum.Claims = rs
	for _, r := range rs {
		fmt.Fprintf(f.Log, "  %-24s %-12s %s\n", r.ID, r.Status, gapOf(r))
	}
	return nil
}

func gapOf(r programme.Result) string {
	for _, f := range r.Figures {
		if f.Status != programme.Confirmed {
			if f.Reason != "" {
				return f.Reason
			}
			return f.Gap
		}
	}
	if len(r.Figures) > 0 {
		return r.Figures[0].Gap
	}
	return ""
}

// assessments has every partner's admin answer the data-maturity
// self-assessment six months ago, and the county and police again this
// month: synthetic answers, seeded, a little higher the second time.
func (f Flow) assessments(ctx context.Context, staff Staff) (int, error) {
	now := f.Clock.Now()
	first, second := now.AddDate(0, -6, 0).Format("2006-01"), now.Format("2006-01")
	r := rand.New(rand.NewPCG(f.Seed, 0xa55e55))
	n := 0
	for _, p := range Partners {
		u := staff[p.ID+".admin"]
		if u == nil {
			continue
		}
		a := &programme.Assessment{Partner: p.ID, Round: first, Answers: map[string]int{}}
		for _, q := range programme.Questions {
			a.Answers[q.ID] = 1 + r.IntN(4)
		}
		if err := f.Programme.SubmitAssessment(ctx, u, a); err != nil {
			return n, fmt.Errorf("self-assessment of %s: %w", p.ID, err)
		}
		n++
		if p.ID != "county" && p.ID != "police" {
			continue
		}
		b := &programme.Assessment{Partner: p.ID, Round: second, Answers: map[string]int{}}
		for id, v := range a.Answers {
			b.Answers[id] = min(5, v+r.IntN(2))
		}
		if err := f.Programme.SubmitAssessment(ctx, u, b); err != nil {
			return n, fmt.Errorf("self-assessment of %s: %w", p.ID, err)
		}
		n++
	}
	return n, nil
}
