package demo

import (
	"context"
	"fmt"

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
