package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/programme"
)

// The claim edit form: a programme manager creates a claim or edits one
// with its figures (each an indicator or a dataset measure, compared
// between periods or over a window). Saving goes through
// [Programme.SaveClaim]: role checked, every field validated (an unknown
// indicator, dataset, period or area is refused with the choices),
// audited, all or nothing.

var figureInputs = []string{"label", "indicator", "dataset", "measure", "where", "purpose", "area", "since", "until", "compare", "stated", "rounding", "unit"}

func (s *Server) pageClaimNew(w http.ResponseWriter, r *http.Request) error {
	if !mayEditProgramme(who(r).User) {
		return editRefused("claims")
	}
	return s.claimFormPage(w, r, http.StatusOK, "", url.Values{}, nil)
}

func (s *Server) pageClaimEdit(w http.ResponseWriter, r *http.Request) error {
	if !mayEditProgramme(who(r).User) {
		return editRefused("claims")
	}
	c, err := s.findClaim(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	if c == nil {
		return fault.Errorf(fault.NotFound, "no claim %q (see /claims)", r.PathValue("id"))
	}
	return s.claimFormPage(w, r, http.StatusOK, c.ID, claimValues(c), nil)
}

// findClaim returns the claim with id, or nil.
func (s *Server) findClaim(r *http.Request, id string) (*programme.Claim, error) {
	pg, err := s.needProgramme()
	if err != nil {
		return nil, err
	}
	cs, err := pg.Claims(r.Context(), who(r).User)
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		if c.ID == id {
			return c, nil
		}
	}
	return nil, nil
}

// postClaimForm saves the form as a new claim or as the claim in the
// path; a refusal shows the form again, problems beside their inputs.
func (s *Server) postClaimForm(w http.ResponseWriter, r *http.Request) error {
	pg, err := s.needProgramme()
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return fault.Errorf(fault.Invalid, "the form could not be read: %v", err)
	}
	id := r.PathValue("id")
	v := r.PostForm
	if id != "" {
		v.Set("id", id)
	}
	c, rows := claimFromValues(v)
	if id == "" {
		var old *programme.Claim
		if old, err = s.findClaim(r, c.ID); err == nil && old != nil {
			err = fault.FieldErrorf(fault.Conflict, "id", "a claim %q exists already: choose another id, or edit it at /claims/%s/edit", c.ID, c.ID)
		}
	}
	if err == nil {
		err = pg.SaveClaim(r.Context(), who(r).User, c)
	}
	switch fault.Code(err) {
	case "":
		return seeOther(w, r, "/claims#c-"+url.PathEscape(c.ID))
	case fault.Invalid, fault.Conflict:
		return s.claimFormPage(w, r, http.StatusBadRequest, id, v, fieldErrors(err, rows))
	}
	return err
}

// claimValues is a claim as the form's values.
func claimValues(c *programme.Claim) url.Values {
	v := url.Values{"id": {c.ID}, "statement": {c.Statement}, "origin": {c.Origin}, "project": {c.Project}}
	v.Set("figures.count", strconv.Itoa(len(c.Figures)))
	for i, f := range c.Figures {
		for k, val := range map[string]string{"label": f.Label, "indicator": f.Indicator, "dataset": f.Dataset, "measure": f.Measure,
			"where": f.Where, "purpose": f.Purpose, "area": f.Area, "period": f.Period, "since": f.Since, "until": f.Until,
			"compare": strings.Join(f.Compare, ", "), "stated": joinNumbers(f.Stated), "rounding": strconv.FormatFloat(f.Rounding, 'f', -1, 64), "unit": f.Unit} {
			v.Set(fmt.Sprintf("figures[%d].%s", i, k), val)
		}
	}
	return v
}

func joinNumbers(fs []float64) string {
	s := make([]string, len(fs))
	for i, f := range fs {
		s[i] = strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strings.Join(s, ", ")
}

// claimFromValues reads a claim from the form; rows maps each saved
// figure to its row in the form.
func claimFromValues(v url.Values) (*programme.Claim, map[string][]int) {
	c := &programme.Claim{ID: strings.TrimSpace(v.Get("id")), Statement: strings.TrimSpace(v.Get("statement")),
		Origin: strings.TrimSpace(v.Get("origin")), Project: strings.TrimSpace(v.Get("project")), Figures: []programme.Figure{}}
	kept, get := rowValues(v, "figures", figureInputs)
	for _, i := range kept {
		c.Figures = append(c.Figures, programme.Figure{Label: get(i, "label"), Indicator: get(i, "indicator"), Dataset: get(i, "dataset"),
			Measure: get(i, "measure"), Where: get(i, "where"), Purpose: get(i, "purpose"), Area: get(i, "area"), Period: get(i, "period"),
			Since: get(i, "since"), Until: get(i, "until"), Compare: splitComma(get(i, "compare")),
			Stated: numbers(get(i, "stated")), Rounding: number(get(i, "rounding")), Unit: get(i, "unit")})
	}
	return c, map[string][]int{"figures": kept}
}

// claimFormPage renders the claim form with values v and errors errs.
func (s *Server) claimFormPage(w http.ResponseWriter, r *http.Request, status int, id string, v url.Values, errs map[string]string) error {
	f, err := s.claimForm(r, id, v)
	if err != nil {
		return err
	}
	f.place(errs)
	title := "New claim"
	if id != "" {
		title = "Edit claim " + id
	}
	s.render(w, r, status, "programme-edit", map[string]any{"Title": title, "Form": f})
	return nil
}

// claimForm lays out the claim form from values v.
func (s *Server) claimForm(r *http.Request, id string, v url.Values) (*editForm, error) {
	pg, err := s.needProgramme()
	if err != nil {
		return nil, err
	}
	ps, err := pg.Projects(r.Context(), who(r).User)
	if err != nil {
		return nil, err
	}
	var projects []string
	for _, p := range ps {
		projects = append(projects, p.ID)
	}
	ds, err := s.cfg.Catalog.Datasets(r.Context())
	if err != nil {
		return nil, err
	}
	var datasets []string
	for _, d := range ds {
		datasets = append(datasets, d.ID)
	}
	inds, err := indicatorNames()
	if err != nil {
		return nil, err
	}
	f := &editForm{Heading: "New claim", Action: "/claims/new", Cancel: "/claims", Submit: "Save the claim"}
	if id != "" {
		f.Heading, f.Action, f.Cancel = "Edit claim "+id, "/claims/"+id+"/edit", "/claims#c-"+id
	}
	f.Fields = []formField{
		{Name: "id", Label: "Id", Value: v.Get("id"), Type: "text", Required: true, ReadOnly: id != "", Hint: "lower-case letters, digits and hyphens; it cannot change later"},
		{Name: "statement", Label: "The sentence as it was said", Value: v.Get("statement"), Type: "textarea", Required: true},
		{Name: "origin", Label: "Where and when it was said (name no person)", Value: v.Get("origin"), Type: "text"},
		{Name: "project", Label: "Project", Type: "select", Options: options(projects, v.Get("project"), "none")},
	}
	f.Sections = []formSection{listSection(v, "figures", "Figures", "One computation per figure the sentence states: an indicator, or a dataset with a measure (count, mean:COLUMN, sum:COLUMN, share:COLUMN=VALUE, levels:COLUMN).", "figure",
		func(get func(string) string) []formField {
			return []formField{
				{Name: "label", Label: "Label", Value: get("label"), Type: "text"},
				{Name: "indicator", Label: "Indicator", Type: "select", Options: options(inds, get("indicator"), "none")},
				{Name: "dataset", Label: "or dataset", Type: "select", Options: options(datasets, get("dataset"), "none")},
				{Name: "measure", Label: "Measure", Value: get("measure"), Type: "text", Hint: "datasets only; empty counts records"},
				{Name: "where", Label: "Filter", Value: get("where"), Type: "text"},
				{Name: "purpose", Label: "Purpose", Value: get("purpose"), Type: "text", Hint: "the indicator's own when empty"},
				{Name: "area", Label: "Area", Value: get("area"), Type: "text", Hint: "county or a district code"},
				{Name: "period", Label: "Period", Type: "select", Options: options([]string{"year", "quarter", "month"}, get("period"), "none (one figure over since–until)")},
				{Name: "since", Label: "Since", Value: get("since"), Type: "date"},
				{Name: "until", Label: "Until", Value: get("until"), Type: "date"},
				{Name: "compare", Label: "Periods compared", Value: get("compare"), Type: "text", Hint: "comma-separated, e.g. 2017, 2018"},
				{Name: "stated", Label: "Values stated", Value: get("stated"), Type: "text", Hint: "comma-separated, e.g. 52, 41"},
				{Name: "rounding", Label: "Stated to within", Value: get("rounding"), Type: "number", Hint: "1 for whole numbers, 0.1 for one decimal"},
				{Name: "unit", Label: "Unit", Value: get("unit"), Type: "text"},
			}
		})}
	return f, nil
}
