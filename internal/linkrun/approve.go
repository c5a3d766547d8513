package linkrun

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
)

// Approval is a data owner's approval, on behalf of their partner, of a
// draft run becoming the partnership's current run. It is given against
// the adoption history as it stood (Base, the seq of the latest adoption;
// 0 when none): once the current run changes, the comparison the owner
// approved is stale and the approval no longer counts.
type Approval struct {
	RunID     int64     `json:"run"`
	PartnerID string    `json:"partner"`
	Base      int64     `json:"base"`
	By        string    `json:"by"`
	At        time.Time `json:"at"`
	Note      string    `json:"note,omitempty"`
}

// PartnerApproval is one partner whose datasets are in a run, with its
// approval when given.
type PartnerApproval struct {
	Partner  string    `json:"partner"`
	Datasets []string  `json:"datasets"`
	Approval *Approval `json:"approval,omitempty"`
}

// ApprovalState is where a draft run stands on its way to adoption by the
// data owners of every dataset in it.
type ApprovalState struct {
	Run int64 `json:"run"`
	// Current is the current run the approvals are against (0: none).
	Current  int64             `json:"current"`
	Partners []PartnerApproval `json:"partners"`
	// Missing are the partners whose data owners have not approved yet.
	Missing []string `json:"missing"`
	// Adopted says the run is the current run: the last approval adopted
	// it (or a concurrent last approval did).
	Adopted bool `json:"adopted"`
	// Comparison is what the adoption changed, when this approval adopted
	// the run.
	Comparison *Comparison `json:"comparison,omitempty"`
}

// partnersOf groups a run's datasets by owning partner, partners sorted.
func (s *Service) partnersOf(ctx context.Context, run *LinkageRun) ([]PartnerApproval, error) {
	by := map[string][]string{}
	for _, v := range run.Datasets {
		d, err := s.Store.Dataset(ctx, v.DatasetID)
		if err != nil {
			return nil, err
		}
		by[d.PartnerID] = append(by[d.PartnerID], v.DatasetID)
	}
	var out []PartnerApproval
	for p, ds := range by {
		out = append(out, PartnerApproval{Partner: p, Datasets: ds})
	}
	slices.SortFunc(out, func(a, b PartnerApproval) int { return strings.Compare(a.Partner, b.Partner) })
	return out, nil
}

// ownsPart says whether u is a data owner of a partner with a dataset in
// the run.
func ownsPart(u *govern.User, parts []PartnerApproval) bool {
	return u != nil && !u.Disabled && u.Has(govern.DataOwner) &&
		slices.ContainsFunc(parts, func(p PartnerApproval) bool { return p.Partner == u.PartnerID })
}

func partList(parts []PartnerApproval) string {
	var out []string
	for _, p := range parts {
		out = append(out, p.Partner+" ("+strings.Join(p.Datasets, ", ")+")")
	}
	return strings.Join(out, "; ")
}

// state fills in the approvals of run against the history at base.
func (s *Service) state(ctx context.Context, run *LinkageRun, parts []PartnerApproval, base, current int64) (*ApprovalState, error) {
	got, err := s.Store.Approvals(ctx, run.ID, base)
	if err != nil {
		return nil, err
	}
	st := &ApprovalState{Run: run.ID, Current: current, Adopted: current == run.ID, Missing: []string{}}
	for _, p := range parts {
		for i := range got {
			if got[i].PartnerID == p.Partner {
				p.Approval = &got[i]
			}
		}
		if p.Approval == nil {
			st.Missing = append(st.Missing, p.Partner)
		}
		st.Partners = append(st.Partners, p)
	}
	return st, nil
}

// head returns the latest adoption's seq and run (0, 0 when none).
func head(hist []Adoption) (seq, run int64) {
	if len(hist) == 0 {
		return 0, 0
	}
	last := hist[len(hist)-1]
	return last.Seq, last.RunID
}

// Approvals says which partners' data owners have approved run runID
// against the current run, and which are still to, for a user who may
// see the run.
func (s *Service) Approvals(ctx context.Context, u *govern.User, runID int64) (*ApprovalState, error) {
	run, err := s.Store.LinkageRun(ctx, runID)
	if err != nil {
		return nil, err
	}
	if err := s.CheckVisible(ctx, u, run); err != nil {
		return nil, err
	}
	parts, err := s.partnersOf(ctx, run)
	if err != nil {
		return nil, err
	}
	hist, err := s.Store.Adoptions(ctx)
	if err != nil {
		return nil, err
	}
	base, cur := head(hist)
	return s.state(ctx, run, parts, base, cur)
}

// Approve records that u, a data owner of a partner with a dataset in run
// runID, approves it becoming the partnership's current run. When a data
// owner of every such partner has approved it against the same current
// run, this last approval adopts it (audited as link.adopt with the
// approvals). A refused approval records nothing but the refusal; an
// approval that is not the last changes nothing anyone else sees.
func (s *Service) Approve(ctx context.Context, u *govern.User, runID int64, note string) (*ApprovalState, error) {
	run, err := s.Store.LinkageRun(ctx, runID)
	if err != nil {
		return nil, err
	}
	parts, err := s.partnersOf(ctx, run)
	if err != nil {
		return nil, err
	}
	if u == nil {
		return nil, fault.Errorf(fault.Forbidden, "sign in to approve linkage runs")
	}
	if !ownsPart(u, parts) {
		return nil, s.refuse(ctx, u, "link.approve", run, fault.Errorf(fault.Forbidden,
			"approving linkage run %d needs a data owner of a partner whose dataset is in it — %s; user %q is not one (a linkage steward adopts a run without approvals)",
			run.ID, partList(parts), u.ID))
	}
	hist, err := s.Store.Adoptions(ctx)
	if err != nil {
		return nil, err
	}
	base, cur := head(hist)
	if cur == run.ID {
		return nil, fault.Errorf(fault.Conflict, "linkage run %d is already the current run: there is nothing to approve", run.ID)
	}
	a := &Approval{RunID: run.ID, PartnerID: u.PartnerID, Base: base, By: u.ID, At: time.Now().UTC(), Note: note}
	if err := s.Store.AddApproval(ctx, a); err != nil {
		return nil, err
	}
	st, err := s.state(ctx, run, parts, base, cur)
	if err != nil {
		return nil, err
	}
	e := s.event(ctx, u, "link.approve", fmt.Sprintf("linkage-run:%d", run.ID), run.Purpose, run.Datasets,
		map[string]any{"partner": u.PartnerID, "current": cur, "missing": st.Missing, "note": note})
	if err := s.record(ctx, e); err != nil {
		return nil, err
	}
	if len(st.Missing) > 0 {
		return st, nil
	}
	var by []string
	for _, p := range st.Partners {
		by = append(by, p.Partner+" ("+p.Approval.By+")")
	}
	cmp, err := s.land(ctx, u, run, hist, "approved by the data owners of every dataset: "+strings.Join(by, ", "),
		map[string]any{"approvals": st.Partners})
	if fault.Code(err) == fault.Conflict {
		// A concurrent last approval may have adopted it first.
		if now, cerr := s.Store.CurrentLinkageRun(ctx); cerr == nil && now.ID == run.ID {
			st.Adopted, st.Current = true, run.ID
			return st, nil
		}
		return nil, fault.Errorf(fault.Conflict, "%s's approval of linkage run %d is recorded, but the current run changed meanwhile, so the approvals given no longer count: compare the run with the new current run and approve again", u.PartnerID, run.ID)
	}
	if err != nil {
		return nil, err
	}
	st.Adopted, st.Current, st.Comparison = true, run.ID, cmp
	return st, nil
}
