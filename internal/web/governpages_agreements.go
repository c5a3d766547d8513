package web

import (
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
)

// The agreement pages use the same Go functions as the agreements API
// (agreements.go): s.agreement and the governance service's
// ListAgreements, ViewAgreement, CreateAgreement and ChangeAgreement, which
// check who may see or change an agreement and record every view, change
// and refusal in the audit log (once per request: a page does not also
// call the API).

// agreementRow is one line of the agreements page.
type agreementRow struct {
	*govern.Agreement
	Parties   []partyView
	Pending   []string // owning partners yet to approve
	ReviewDue bool
}

// partyView is a party with its partner's name.
type partyView struct {
	govern.Party
	Name string
}

// agreementAction is a lifecycle action the signed-in user may take.
type agreementAction struct {
	Action, Label, Hint string
}

// lifecycle lists the actions in the order the page offers them.
var lifecycle = []agreementAction{
	{govern.ActionApprove, "Approve", "approve for your partner as its data owner"},
	{govern.ActionActivate, "Activate", "let reads under the agreement begin (again)"},
	{govern.ActionSuspend, "Suspend", "stop every read under the agreement until it is activated again"},
	{govern.ActionEnd, "End", "end the agreement for good"},
}

func (s *Server) pageAgreements(w http.ResponseWriter, r *http.Request) error {
	u := who(r).User
	shown, err := s.cfg.Govern.ListAgreements(r.Context(), u)
	if err != nil {
		return err
	}
	owners, names, err := s.ownersAndNames(r.Context())
	if err != nil {
		return err
	}
	now := s.cfg.Clock.Now()
	var rows []agreementRow
	for _, a := range shown {
		rows = append(rows, agreementRow{Agreement: a, Parties: parties(a, names),
			Pending: a.PendingApprovals(owners), ReviewDue: a.ReviewDue(now)})
	}
	s.render(w, r, http.StatusOK, "agreements", map[string]any{"Title": "Agreements", "Rows": rows,
		"CanDraft": canDraft(u) == nil, "Auditor": u.Has(govern.Auditor)})
	return nil
}

func (s *Server) pageAgreement(w http.ResponseWriter, r *http.Request) error {
	a, err := s.agreement(r)
	if err != nil {
		return err
	}
	return s.showAgreement(w, r, http.StatusOK, a, refused{})
}

// refused is an action the page just failed to take: the reason, and the
// note the user typed (offered again in that action's form).
type refused struct {
	Action, Note, Reason string
}

// showAgreement renders an agreement with the actions the user may take
// and, after a refusal, why it was refused.
func (s *Server) showAgreement(w http.ResponseWriter, r *http.Request, status int, a *govern.Agreement, why refused) error {
	owners, names, err := s.ownersAndNames(r.Context())
	if err != nil {
		return err
	}
	actions, whyNot := allowedActions(who(r).User, a, owners, s.cfg.Clock.Now())
	budgets, err := s.budgets(r.Context(), a)
	if err != nil {
		return err
	}
	s.render(w, r, status, "agreement", map[string]any{
		"Title": a.Title, "Agreement": a, "Parties": parties(a, names), "Names": names,
		"Pending": a.PendingApprovals(owners), "Owning": a.OwningPartners(owners),
		"Actions": actions, "WhyNot": whyNot, "Refusal": why.Reason, "Refused": why, "ReviewDue": a.ReviewDue(s.cfg.Clock.Now()),
		"MaxNote": govern.MaxNoteLength, "Budgets": budgets,
	})
	return nil
}

// postAgreementAction applies a lifecycle action from the page's form;
// governance checks and records it as for the API. A refusal shows the
// agreement again with the reason (that showing is a view, recorded too).
func (s *Server) postAgreementAction(w http.ResponseWriter, r *http.Request) error {
	id, action, note := r.PathValue("id"), r.PathValue("action"), r.PostFormValue("note")
	_, err := s.cfg.Govern.ChangeAgreement(r.Context(), who(r).User, id, action, note)
	switch fault.Code(err) {
	case "":
		return seeOther(w, r, "/agreements/"+id+"#history")
	case fault.Forbidden, fault.Conflict, fault.Invalid:
		a, aerr := s.agreement(r)
		if aerr != nil {
			return aerr
		}
		_, st, msg := s.safe(r, err)
		return s.showAgreement(w, r, st, a, refused{Action: action, Note: note, Reason: msg})
	}
	return err
}

// allowedActions tries each lifecycle action on a copy of a, as u at now:
// the ones that would succeed are offered; whyNot says why the user can
// take none when governance forbids them (not when the state does).
func allowedActions(u *govern.User, a *govern.Agreement, owners govern.Owners, now time.Time) (ok []agreementAction, whyNot string) {
	for _, act := range lifecycle {
		cp := *a
		cp.Approvals, cp.History = slices.Clone(a.Approvals), slices.Clone(a.History)
		var err error
		switch act.Action {
		case govern.ActionApprove:
			err = cp.Approve(u, owners, now, "")
		case govern.ActionActivate:
			err = cp.Activate(u, now, "")
		case govern.ActionSuspend:
			err = cp.Suspend(u, now, "")
		case govern.ActionEnd:
			err = cp.Terminate(u, now, "")
		}
		switch {
		case err == nil:
			ok = append(ok, act)
		case fault.Code(err) == fault.Forbidden && whyNot == "":
			whyNot = webWords(fault.Message(err))
		}
	}
	if len(ok) > 0 {
		whyNot = ""
	}
	return ok, whyNot
}

// ownersAndNames returns who owns each dataset and each partner's name.
func (s *Server) ownersAndNames(ctx context.Context) (govern.Owners, map[string]string, error) {
	ds, err := s.cfg.Catalog.Datasets(ctx)
	if err != nil {
		return nil, nil, err
	}
	owners := govern.Owners{}
	for _, d := range ds {
		owners[d.ID] = d.PartnerID
	}
	names := map[string]string{}
	ps, err := s.cfg.Catalog.Partners(ctx)
	if err != nil {
		return nil, nil, err
	}
	for _, p := range ps {
		names[p.ID] = p.Name
	}
	return owners, names, nil
}

// parties returns a's parties with their partners' names.
func parties(a *govern.Agreement, names map[string]string) []partyView {
	out := make([]partyView, len(a.Parties))
	for i, p := range a.Parties {
		out[i] = partyView{Party: p, Name: names[p.Partner]}
	}
	return out
}
