package programme

import (
	"context"
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/civiclink/civiclink/internal/audit"
	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/clock"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/insight"
)

// Store keeps the programme. The store package implements it; its
// contract tests are in storetest.
type Store interface {
	// SaveProject creates or replaces a project with its deliverables and
	// measures, all at once.
	SaveProject(ctx context.Context, p *Project) error
	// Project returns a project (NotFound if none); Projects all, by id.
	Project(ctx context.Context, id string) (*Project, error)
	Projects(ctx context.Context) ([]*Project, error)
	// AddUpdate stores an update and, when it changes a deliverable's
	// status, the new status: only if the deliverable is still in u.From
	// (Conflict otherwise), all or nothing.
	AddUpdate(ctx context.Context, u *Update) error
	// Updates returns a project's updates ("" for all) at or after since,
	// oldest first.
	Updates(ctx context.Context, project string, since time.Time) ([]*Update, error)
	// SaveClaim creates or replaces a claim; Claims returns all, by id.
	SaveClaim(ctx context.Context, c *Claim) error
	Claims(ctx context.Context) ([]*Claim, error)
	// SaveAssessment adds a self-assessment (earlier ones are kept);
	// Assessments returns all, oldest first.
	SaveAssessment(ctx context.Context, a *Assessment) error
	Assessments(ctx context.Context) ([]*Assessment, error)
}

// Catalog is what the programme reads of the catalogue: the partners who
// sponsor projects and the datasets claims are computed from.
type Catalog interface {
	Partners(ctx context.Context) ([]*catalog.Partner, error)
	Datasets(ctx context.Context) ([]*catalog.Dataset, error)
	Dataset(ctx context.Context, id string) (*catalog.Dataset, error)
}

// Service is the programme for its users: it checks roles and input,
// records every change in the audit log and checks claims through
// [Figures].
type Service struct {
	Store   Store
	Catalog Catalog
	Figures Figures
	Audit   audit.Log
	Clock   clock.Clock
	// Areas are the district codes a figure may name.
	Areas []string
	// Outputs keeps the Assembly report as an output (draft, check,
	// release); without it there is no released report.
	Outputs Outputs
}

// Audit actions of the programme.
const (
	ActionProject = "programme.project"
	ActionUpdate  = "programme.update"
	ActionClaim   = "programme.claim"
	ActionCheck   = "programme.claims-check"
	ActionAssess  = "programme.assessment"
)

func (s *Service) now() time.Time {
	if s.Clock == nil {
		return time.Now().UTC()
	}
	return s.Clock.Now().UTC()
}

// record appends one programme event to the audit log.
func (s *Service) record(ctx context.Context, u *govern.User, action, target string, err error, details any) error {
	e := audit.Event{User: u.ID, Partner: u.PartnerID, Action: action, Target: target, Outcome: audit.Allowed}
	if err != nil {
		e.Outcome, e.Reason = audit.Denied, fault.Message(err)
		if c := fault.Code(err); c == fault.Invalid || c == fault.Internal || c == fault.Conflict {
			e.Outcome = audit.Error
		}
	}
	if details != nil {
		e.Details, _ = json.Marshal(details)
	}
	_, aerr := s.Audit.Append(ctx, e)
	return aerr
}

// refuse records a refused change and returns err.
func (s *Service) refuse(ctx context.Context, u *govern.User, action, target string, err error) error {
	if aerr := s.record(ctx, u, action, target, err, nil); aerr != nil {
		return aerr
	}
	return err
}

// reader checks that someone is signed in: every signed-in user reads
// the programme.
func reader(u *govern.User) error {
	if u == nil {
		return fault.Errorf(fault.Unauthorized, "sign in to read the programme (the public page shows its summary)")
	}
	return nil
}

// Projects returns every project, by id.
func (s *Service) Projects(ctx context.Context, u *govern.User) ([]*Project, error) {
	if err := reader(u); err != nil {
		return nil, err
	}
	return s.Store.Projects(ctx)
}

// Project returns one project with its updates, oldest first.
func (s *Service) Project(ctx context.Context, u *govern.User, id string) (*Project, []*Update, error) {
	if err := reader(u); err != nil {
		return nil, nil, err
	}
	p, err := s.Store.Project(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	ups, err := s.Store.Updates(ctx, id, time.Time{})
	return p, ups, err
}

// check returns what validation needs: partners and indicators.
func (s *Service) check(ctx context.Context) (Check, error) {
	ps, err := s.Catalog.Partners(ctx)
	if err != nil {
		return Check{}, err
	}
	var c Check
	for _, p := range ps {
		c.Partners = append(c.Partners, p.ID)
	}
	inds, err := insight.Indicators()
	if err != nil {
		return Check{}, err
	}
	c.Indicators = sortedKeys(inds)
	return c, nil
}

// SaveProject creates or replaces a project: programme managers only;
// refused field by field, nothing stored unless every field is right.
func (s *Service) SaveProject(ctx context.Context, u *govern.User, p *Project) error {
	if err := reader(u); err != nil {
		return err
	}
	if !u.Has(govern.ProgrammeManager) {
		return s.refuse(ctx, u, ActionProject, p.ID, fault.Errorf(fault.Forbidden, "only a programme manager edits projects: ask one, or ask your partner admin for the programme-manager role"))
	}
	c, err := s.check(ctx)
	if err != nil {
		return err
	}
	if err := p.Validate(c); err != nil {
		return s.refuse(ctx, u, ActionProject, p.ID, err)
	}
	p.UpdatedBy, p.UpdatedAt = u.ID, s.now()
	if err := s.Store.SaveProject(ctx, p); err != nil {
		return err
	}
	return s.record(ctx, u, ActionProject, p.ID, nil, map[string]any{"status": p.Status, "deliverables": len(p.Deliverables), "measures": len(p.Measures)})
}

// PostUpdate adds a dated update to a project, changing a deliverable's
// status when it says so. A programme manager may post to any project, a
// partner admin to the projects their partner sponsors; anyone else is
// refused with the reason.
func (s *Service) PostUpdate(ctx context.Context, u *govern.User, up *Update) error {
	if err := reader(u); err != nil {
		return err
	}
	p, err := s.Store.Project(ctx, up.Project)
	if err != nil {
		return err
	}
	if err := mayUpdate(u, p); err != nil {
		return s.refuse(ctx, u, ActionUpdate, p.ID, err)
	}
	if err := up.Validate(p); err != nil {
		return s.refuse(ctx, u, ActionUpdate, p.ID, err)
	}
	up.Author, up.Partner, up.At = u.ID, u.PartnerID, s.now()
	if err := s.Store.AddUpdate(ctx, up); err != nil {
		return err
	}
	return s.record(ctx, u, ActionUpdate, p.ID, nil, map[string]any{"update": up.ID, "deliverable": up.Deliverable, "from": up.From, "to": up.To})
}

// mayUpdate says whether u may post updates to p, and if not why.
func mayUpdate(u *govern.User, p *Project) error {
	if u.Has(govern.ProgrammeManager) {
		return nil
	}
	if !slices.Contains(p.Sponsors, u.PartnerID) {
		return fault.Errorf(fault.Forbidden, "%s does not sponsor project %s (its sponsors are %s): only its sponsors' partner admins and programme managers post updates", u.PartnerID, p.ID, strings.Join(p.Sponsors, ", "))
	}
	if !u.Has(govern.PartnerAdmin) {
		return fault.Errorf(fault.Forbidden, "only a partner admin of a sponsor posts updates to project %s: ask your partner admin", p.ID)
	}
	return nil
}

// MayUpdate reports whether u may post updates to p (for pages that
// offer the form only to those who may use it).
func MayUpdate(u *govern.User, p *Project) bool { return u != nil && mayUpdate(u, p) == nil }

// WhyNoUpdate says why u may not post updates to p ("" when u may), so a
// page can say it where the form would be.
func WhyNoUpdate(u *govern.User, p *Project) string {
	if u == nil {
		return "sign in to post updates"
	}
	return fault.Message(mayUpdate(u, p))
}

// Updates returns every project's updates since a time, oldest first.
func (s *Service) Updates(ctx context.Context, u *govern.User, since time.Time) ([]*Update, error) {
	if err := reader(u); err != nil {
		return nil, err
	}
	return s.Store.Updates(ctx, "", since)
}

// Claims returns every claim, by id.
func (s *Service) Claims(ctx context.Context, u *govern.User) ([]*Claim, error) {
	if err := reader(u); err != nil {
		return nil, err
	}
	return s.Store.Claims(ctx)
}

// claimCheck returns what claim validation needs.
func (s *Service) claimCheck(ctx context.Context) (ClaimCheck, error) {
	c, err := s.check(ctx)
	if err != nil {
		return ClaimCheck{}, err
	}
	k := ClaimCheck{Indicators: c.Indicators, Areas: s.Areas}
	ds, err := s.Catalog.Datasets(ctx)
	if err != nil {
		return k, err
	}
	for _, d := range ds {
		k.Datasets = append(k.Datasets, d.ID)
	}
	ps, err := s.Store.Projects(ctx)
	if err != nil {
		return k, err
	}
	for _, p := range ps {
		k.Projects = append(k.Projects, p.ID)
	}
	sort.Strings(k.Datasets)
	return k, nil
}

// SaveClaim creates or replaces a claim: programme managers only; an
// unknown indicator, dataset, period or area is refused with the choices.
func (s *Service) SaveClaim(ctx context.Context, u *govern.User, c *Claim) error {
	if err := reader(u); err != nil {
		return err
	}
	if !u.Has(govern.ProgrammeManager) {
		return s.refuse(ctx, u, ActionClaim, c.ID, fault.Errorf(fault.Forbidden, "only a programme manager edits claims: ask one"))
	}
	k, err := s.claimCheck(ctx)
	if err != nil {
		return err
	}
	if err := c.Validate(k); err != nil {
		return s.refuse(ctx, u, ActionClaim, c.ID, err)
	}
	c.UpdatedBy, c.UpdatedAt = u.ID, s.now()
	if err := s.Store.SaveClaim(ctx, c); err != nil {
		return err
	}
	return s.record(ctx, u, ActionClaim, c.ID, nil, map[string]any{"figures": len(c.Figures)})
}

// CheckClaims checks every claim against the data for u: each figure is
// read through insight under u's agreements, so a figure u may not read
// is "cannot check" with the refusal's reason.
func (s *Service) CheckClaims(ctx context.Context, u *govern.User) ([]Result, error) {
	if err := reader(u); err != nil {
		return nil, err
	}
	cs, err := s.Store.Claims(ctx)
	if err != nil {
		return nil, err
	}
	ev := Evaluator{Figures: s.Figures, Dataset: s.Catalog.Dataset}
	out := make([]Result, 0, len(cs))
	count := map[Verdict]int{}
	for _, c := range cs {
		r := ev.Evaluate(ctx, u, c)
		count[r.Status]++
		out = append(out, r)
	}
	return out, s.record(ctx, u, ActionCheck, "claims", nil, count)
}

// Public returns what the public page shows without sign-in: each
// project's title, summary, sponsors, status and deliverables. It holds
// no figure: figures reach the public only in a released report.
func (s *Service) Public(ctx context.Context) ([]*Project, error) {
	ps, err := s.Store.Projects(ctx)
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		p.UpdatedBy = ""
		for i := range p.Deliverables {
			p.Deliverables[i].Evidence = ""
		}
	}
	return ps, nil
}

// SubmitAssessment records a partner's self-assessment for a round: a
// partner admin answers for their own partner, a programme manager for
// any; refused field by field, nothing stored unless all is right.
func (s *Service) SubmitAssessment(ctx context.Context, u *govern.User, a *Assessment) error {
	if err := reader(u); err != nil {
		return err
	}
	if !u.Has(govern.ProgrammeManager) && !(u.Has(govern.PartnerAdmin) && u.PartnerID == a.Partner) {
		return s.refuse(ctx, u, ActionAssess, a.Partner, fault.Errorf(fault.Forbidden, "only %s's partner admins (or a programme manager) answer its self-assessment", a.Partner))
	}
	c, err := s.check(ctx)
	if err != nil {
		return err
	}
	if err := a.Validate(c.Partners); err != nil {
		return s.refuse(ctx, u, ActionAssess, a.Partner, err)
	}
	a.By, a.At = u.ID, s.now()
	if err := s.Store.SaveAssessment(ctx, a); err != nil {
		return err
	}
	return s.record(ctx, u, ActionAssess, a.Partner, nil, map[string]any{"round": a.Round, "assessment": a.ID})
}

// Maturity returns the self-assessment's results: every signed-in user
// sees each partner's scores beside the system's.
func (s *Service) Maturity(ctx context.Context, u *govern.User) (*Maturity, error) {
	if err := reader(u); err != nil {
		return nil, err
	}
	as, err := s.Store.Assessments(ctx)
	if err != nil {
		return nil, err
	}
	return Results(as), nil
}
