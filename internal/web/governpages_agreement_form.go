package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
)

// agreementForm is the draft-agreement form: the values a user entered
// (or the defaults) and the choices the catalogue offers.
type agreementForm struct {
	ID, Title, Purpose, Description string
	Threshold, RetentionDays        string
	Start, End, Review              string
	Purposes                        []govern.Purpose
	Outputs                         []choice
	Partners                        []partnerField
	Datasets                        []datasetField
}

// choice is one checkbox or option.
type choice struct {
	Value, Label string
	Checked      bool
}

// partnerField is a partner's line of the form: recipient or not, and the
// lawful bases it relies on.
type partnerField struct {
	ID, Name  string
	Recipient bool
	Bases     []choice
}

// datasetField is a dataset's columns to share.
type datasetField struct {
	ID, Name, Partner string
	Columns           []choice
}

// canDraft is govern's rule for who may propose agreements, before the
// parties are known.
func canDraft(u *govern.User) error {
	if u.HasAny(govern.PartnerAdmin, govern.DataOwner) {
		return nil
	}
	return fault.Errorf(fault.Forbidden, "user %q cannot draft agreements: it needs the partner-admin or data-owner role (ask your partner admin)", u.ID)
}

func (s *Server) pageAgreementNew(w http.ResponseWriter, r *http.Request) error {
	u := who(r).User
	if err := canDraft(u); err != nil {
		return err
	}
	today := s.cfg.Clock.Now().UTC()
	v := url.Values{
		"threshold": {strconv.Itoa(govern.DefaultThreshold)}, "retention_days": {"365"},
		"start": {today.Format("2006-01-02")}, "end": {today.AddDate(1, 0, 0).Format("2006-01-02")},
		"review":  {today.AddDate(0, 6, 0).Format("2006-01-02")},
		"outputs": {string(govern.Aggregate)}, "recipient": {u.PartnerID},
	}
	return s.agreementFormPage(w, r, http.StatusOK, v, "")
}

// postAgreement drafts an agreement from the form through the same parser
// and service call as POST /api/agreements; a refusal shows the form again
// with the reason.
func (s *Server) postAgreement(w http.ResponseWriter, r *http.Request) error {
	u := who(r).User
	if err := canDraft(u); err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return fault.Errorf(fault.Invalid, "the form could not be read: %v", err)
	}
	a, err := s.agreementFromForm(r)
	if err == nil {
		err = s.cfg.Govern.CreateAgreement(r.Context(), u, a)
	}
	switch fault.Code(err) {
	case "":
		return seeOther(w, r, "/agreements/"+url.PathEscape(a.ID))
	case fault.Invalid, fault.Forbidden, fault.Conflict:
		_, st, msg := s.safe(r, err)
		return s.agreementFormPage(w, r, st, r.PostForm, msg)
	}
	return err
}

// agreementFromForm turns the form into agreement JSON and parses it as
// the API does.
func (s *Server) agreementFromForm(r *http.Request) (*govern.Agreement, error) {
	f := r.PostForm
	threshold, err := wholeNumber(f.Get("threshold"), "threshold")
	if err != nil {
		return nil, err
	}
	retention, err := wholeNumber(f.Get("retention_days"), "retention (days)")
	if err != nil {
		return nil, err
	}
	owners, _, err := s.ownersAndNames(r.Context())
	if err != nil {
		return nil, err
	}
	var shares []govern.Share
	owning := map[string]bool{}
	for key, cols := range f {
		if ds, ok := strings.CutPrefix(key, "columns."); ok && len(cols) > 0 {
			shares = append(shares, govern.Share{Dataset: ds, Columns: cols})
			owning[owners[ds]] = true
		}
	}
	slices.SortFunc(shares, func(a, b govern.Share) int { return strings.Compare(a.Dataset, b.Dataset) })
	ps, err := s.cfg.Catalog.Partners(r.Context())
	if err != nil {
		return nil, err
	}
	var parties []govern.Party
	for _, p := range ps {
		recipient := slices.Contains(f["recipient"], p.ID)
		if recipient || owning[p.ID] {
			parties = append(parties, govern.Party{Partner: p.ID, Owner: owning[p.ID], Recipient: recipient, LawfulBasis: nonNilSlice(f["basis."+p.ID])})
		}
	}
	doc := map[string]any{
		"id": strings.TrimSpace(f.Get("id")), "title": strings.TrimSpace(f.Get("title")), "purpose": f.Get("purpose"),
		"description": strings.TrimSpace(f.Get("description")), "parties": nonNilSlice(parties), "datasets": nonNilSlice(shares),
		"outputs": nonNilSlice(f["outputs"]), "threshold": threshold, "retention_days": retention,
		"start": f.Get("start"), "end": f.Get("end"), "review": f.Get("review"),
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	return govern.ParseAgreement(bytes.NewReader(b))
}

// agreementFormPage renders the form with the values v and an error.
func (s *Server) agreementFormPage(w http.ResponseWriter, r *http.Request, status int, v url.Values, msg string) error {
	form, err := s.agreementChoices(r, v)
	if err != nil {
		return err
	}
	s.render(w, r, status, "agreement", map[string]any{"Title": "Draft an agreement", "Form": form, "Error": msg})
	return nil
}

// agreementChoices fills the form's choices from the register and the
// catalogue, checked as v says.
func (s *Server) agreementChoices(r *http.Request, v url.Values) (*agreementForm, error) {
	ctx := r.Context()
	reg, err := s.cfg.Govern.Register(ctx)
	if err != nil {
		return nil, err
	}
	ps, err := s.cfg.Catalog.Partners(ctx)
	if err != nil {
		return nil, err
	}
	ds, err := s.cfg.Catalog.Datasets(ctx)
	if err != nil {
		return nil, err
	}
	f := &agreementForm{ID: v.Get("id"), Title: v.Get("title"), Purpose: v.Get("purpose"), Description: v.Get("description"),
		Threshold: v.Get("threshold"), RetentionDays: v.Get("retention_days"), Start: v.Get("start"), End: v.Get("end"), Review: v.Get("review"),
		Purposes: sortedPurposes(reg)}
	for _, k := range []govern.OutputKind{govern.Aggregate, govern.RecordLevel} {
		f.Outputs = append(f.Outputs, choice{Value: string(k), Label: string(k), Checked: slices.Contains(v["outputs"], string(k))})
	}
	for _, p := range ps {
		pf := partnerField{ID: p.ID, Name: p.Name, Recipient: slices.Contains(v["recipient"], p.ID)}
		for _, b := range govern.LawfulBases {
			pf.Bases = append(pf.Bases, choice{Value: b.ID, Label: b.Text, Checked: slices.Contains(v["basis."+p.ID], b.ID)})
		}
		f.Partners = append(f.Partners, pf)
	}
	for _, d := range ds {
		df := datasetField{ID: d.ID, Name: d.Name, Partner: d.PartnerID}
		for _, c := range d.Schema.Columns {
			df.Columns = append(df.Columns, choice{Value: c.Name, Label: c.Name, Checked: slices.Contains(v["columns."+d.ID], c.Name)})
		}
		f.Datasets = append(f.Datasets, df)
	}
	return f, nil
}

// wholeNumber parses a form's number field; empty is 0 (the default).
func wholeNumber(s, what string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, fault.Errorf(fault.Invalid, "%s must be a whole number, not %q", what, s)
	}
	return n, nil
}

// nonNilSlice makes a nil slice empty, so it is [] in JSON.
func nonNilSlice[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
