package govern

import (
	"slices"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/fault"
)

// Validate checks the agreement's own content, without the catalogue (see
// [Agreement.CheckCatalog]).
func (a *Agreement) Validate() error {
	if err := catalog.ValidateID("agreement", a.ID); err != nil {
		return err
	}
	if a.Title == "" {
		return fault.Errorf(fault.Invalid, "agreement %q needs a title", a.ID)
	}
	if a.Purpose == "" {
		return fault.Errorf(fault.Invalid, "agreement %q needs a purpose from the register (see `civiclink purpose list`)", a.ID)
	}
	for _, check := range []func() error{a.validateParties, a.validateDatasets, a.validateOutputs, a.validateDates} {
		if err := check(); err != nil {
			return err
		}
	}
	return nil
}

func (a *Agreement) validateParties() error {
	owners, recipients := 0, 0
	seen := map[string]bool{}
	for _, p := range a.Parties {
		if err := catalog.ValidateID("partner", p.Partner); err != nil {
			return fault.Errorf(fault.Invalid, "agreement %q: %s", a.ID, fault.Message(err))
		}
		if seen[p.Partner] {
			return fault.Errorf(fault.Invalid, "agreement %q lists party %q twice: merge the entries", a.ID, p.Partner)
		}
		seen[p.Partner] = true
		if !p.Owner && !p.Recipient {
			return fault.Errorf(fault.Invalid, "agreement %q: party %q is neither owner nor recipient", a.ID, p.Partner)
		}
		if p.Owner {
			owners++
		}
		if p.Recipient {
			recipients++
		}
		if err := a.validateBasis(p); err != nil {
			return err
		}
	}
	if owners == 0 || recipients == 0 {
		return fault.Errorf(fault.Invalid, "agreement %q needs at least one owner party and one recipient party", a.ID)
	}
	return nil
}

func (a *Agreement) validateBasis(p Party) error {
	art6 := false
	for _, id := range p.LawfulBasis {
		b, err := LookupBasis(id)
		if err != nil {
			return fault.Errorf(fault.Invalid, "agreement %q, party %q: %s", a.ID, p.Partner, fault.Message(err))
		}
		art6 = art6 || b.Article6
	}
	if !art6 {
		return fault.Errorf(fault.Invalid, "agreement %q: party %q needs a UK GDPR Art 6 lawful basis (e.g. uk-gdpr-6-1-e, public task)", a.ID, p.Partner)
	}
	return nil
}

func (a *Agreement) validateDatasets() error {
	if len(a.Datasets) == 0 {
		return fault.Errorf(fault.Invalid, "agreement %q shares no datasets", a.ID)
	}
	seen := map[string]bool{}
	for _, s := range a.Datasets {
		if seen[s.Dataset] {
			return fault.Errorf(fault.Invalid, "agreement %q lists dataset %q twice", a.ID, s.Dataset)
		}
		seen[s.Dataset] = true
		if s.Budget != nil {
			if err := s.Budget.Validate(s.Dataset); err != nil {
				return err
			}
		}
		if len(s.Columns) == 0 {
			return fault.Errorf(fault.Invalid, "agreement %q shares dataset %q without naming its columns: list exactly the columns shared", a.ID, s.Dataset)
		}
		cols := map[string]bool{}
		for _, c := range s.Columns {
			if cols[c] || c == "" {
				return fault.Errorf(fault.Invalid, "agreement %q: dataset %q lists column %q twice or empty", a.ID, s.Dataset, c)
			}
			cols[c] = true
		}
	}
	return nil
}

func (a *Agreement) validateOutputs() error {
	if len(a.Outputs) == 0 {
		return fault.Errorf(fault.Invalid, "agreement %q permits no outputs: use [\"aggregate\"] or [\"aggregate\", \"record-level\"]", a.ID)
	}
	for _, o := range a.Outputs {
		if o != Aggregate && o != RecordLevel {
			return fault.Errorf(fault.Invalid, "agreement %q: output %q cannot be permitted: use aggregate or record-level", a.ID, o)
		}
	}
	if slices.Contains(a.Outputs, RecordLevel) && !slices.ContainsFunc(a.Parties, func(p Party) bool { return p.Owner && p.Recipient }) {
		return fault.Errorf(fault.Invalid, "agreement %q permits record-level output, which goes back only to an owning partner, but no party is both owner and recipient", a.ID)
	}
	if a.Threshold < MinThreshold {
		return fault.Errorf(fault.Invalid, "agreement %q: disclosure threshold %d is below the minimum %d", a.ID, a.Threshold, MinThreshold)
	}
	return nil
}

func (a *Agreement) validateDates() error {
	if a.RetentionDays <= 0 {
		return fault.Errorf(fault.Invalid, "agreement %q needs retention_days > 0: how long shared data is kept after loading", a.ID)
	}
	if a.Start.IsZero() || a.End.IsZero() || a.Review.IsZero() {
		return fault.Errorf(fault.Invalid, "agreement %q needs start, end and review dates (YYYY-MM-DD)", a.ID)
	}
	if a.End.Before(a.Start.Time) {
		return fault.Errorf(fault.Invalid, "agreement %q ends (%s) before it starts (%s)", a.ID, a.End, a.Start)
	}
	if a.Review.Before(a.Start.Time) || a.Review.After(a.End.Time) {
		return fault.Errorf(fault.Invalid, "agreement %q: review date %s must fall between start %s and end %s", a.ID, a.Review, a.Start, a.End)
	}
	return nil
}
