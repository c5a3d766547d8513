package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/insight"
	"github.com/civiclink/civiclink/internal/programme"
)

// The project edit form: a programme manager creates a project or edits
// one with its deliverables and outcome measures. Saving goes through
// [Programme.SaveProject], which checks the role, validates every field,
// audits the change (and any refusal) and stores all or nothing.

// mayEditProgramme is who is offered the edit forms: the service decides
// again, and audits a refusal.
func mayEditProgramme(u *govern.User) bool { return u != nil && u.Has(govern.ProgrammeManager) }

// editRefused is the reason a user without the role is refused the form.
func editRefused(what string) error {
	return fault.Errorf(fault.Forbidden, "only a programme manager edits %s: ask one, or ask your partner admin for the programme-manager role", what)
}

var (
	deliverableInputs = []string{"id", "title", "due", "status", "evidence"}
	measureInputs     = []string{"id", "title", "indicator", "baseline", "target_percent", "direction"}
)

func (s *Server) pageProjectNew(w http.ResponseWriter, r *http.Request) error {
	if !mayEditProgramme(who(r).User) {
		return editRefused("projects")
	}
	return s.projectFormPage(w, r, http.StatusOK, "", url.Values{"status": {string(programme.NotStarted)}}, nil)
}

func (s *Server) pageProjectEdit(w http.ResponseWriter, r *http.Request) error {
	if !mayEditProgramme(who(r).User) {
		return editRefused("projects")
	}
	pg, err := s.needProgramme()
	if err != nil {
		return err
	}
	p, _, err := pg.Project(r.Context(), who(r).User, r.PathValue("id"))
	if err != nil {
		return err
	}
	return s.projectFormPage(w, r, http.StatusOK, p.ID, projectValues(p), nil)
}

// postProjectForm saves the form as a new project (id "" in the path) or
// as the project in the path; a refusal shows the form again with every
// problem beside its input and everything typed.
func (s *Server) postProjectForm(w http.ResponseWriter, r *http.Request) error {
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
	p, rows := projectFromValues(v)
	if id == "" {
		err = s.refuseExisting(r, p.ID)
	}
	if err == nil {
		err = pg.SaveProject(r.Context(), who(r).User, p)
	}
	switch fault.Code(err) {
	case "":
		return seeOther(w, r, "/programme/"+url.PathEscape(p.ID))
	case fault.Invalid, fault.Conflict:
		return s.projectFormPage(w, r, http.StatusBadRequest, id, v, fieldErrors(err, rows))
	}
	return err
}

// refuseExisting refuses a new project whose id is taken: the form would
// otherwise replace it.
func (s *Server) refuseExisting(r *http.Request, id string) error {
	if id == "" {
		return nil
	}
	_, _, err := s.cfg.Programme.Project(r.Context(), who(r).User, id)
	switch fault.Code(err) {
	case fault.NotFound:
		return nil
	case "":
		return fault.FieldErrorf(fault.Conflict, "id", "a project %q exists already: choose another id, or edit it at /programme/%s/edit", id, id)
	}
	return err
}

// projectValues is a project as the form's values.
func projectValues(p *programme.Project) url.Values {
	v := url.Values{"id": {p.ID}, "title": {p.Title}, "theme": {p.Theme}, "status": {string(p.Status)},
		"summary": {strings.Join(p.Summary, "\n")}, "sponsors": p.Sponsors}
	v.Set("deliverables.count", strconv.Itoa(len(p.Deliverables)))
	for i, d := range p.Deliverables {
		for k, val := range map[string]string{"id": d.ID, "title": d.Title, "due": d.Due, "status": string(d.Status), "evidence": d.Evidence} {
			v.Set(fmt.Sprintf("deliverables[%d].%s", i, k), val)
		}
	}
	v.Set("measures.count", strconv.Itoa(len(p.Measures)))
	for i, m := range p.Measures {
		for k, val := range map[string]string{"id": m.ID, "title": m.Title, "indicator": m.Indicator, "baseline": m.Baseline,
			"target_percent": strconv.FormatFloat(m.Target, 'f', -1, 64), "direction": string(m.Direction)} {
			v.Set(fmt.Sprintf("measures[%d].%s", i, k), val)
		}
	}
	return v
}

// projectFromValues reads a project from the form; rows maps each saved
// deliverable and measure to its row in the form.
func projectFromValues(v url.Values) (*programme.Project, map[string][]int) {
	p := &programme.Project{ID: strings.TrimSpace(v.Get("id")), Title: strings.TrimSpace(v.Get("title")), Theme: strings.TrimSpace(v.Get("theme")),
		Status: programme.Status(v.Get("status")), Sponsors: v["sponsors"], Summary: []string{}, Deliverables: []programme.Deliverable{}, Measures: []programme.Measure{}}
	for _, line := range strings.Split(v.Get("summary"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			p.Summary = append(p.Summary, line)
		}
	}
	rows := map[string][]int{}
	kept, get := rowValues(v, "deliverables", []string{"id", "title", "due", "evidence"})
	for _, i := range kept {
		p.Deliverables = append(p.Deliverables, programme.Deliverable{ID: get(i, "id"), Title: get(i, "title"), Due: get(i, "due"),
			Status: programme.Status(get(i, "status")), Evidence: get(i, "evidence")})
	}
	rows["deliverables"] = kept
	kept, get = rowValues(v, "measures", []string{"id", "title", "indicator", "baseline", "target_percent"})
	for _, i := range kept {
		p.Measures = append(p.Measures, programme.Measure{ID: get(i, "id"), Title: get(i, "title"), Indicator: get(i, "indicator"), Baseline: get(i, "baseline"),
			Target: number(get(i, "target_percent")), Direction: programme.Direction(get(i, "direction"))})
	}
	rows["measures"] = kept
	return p, rows
}

// projectFormPage renders the project form with values v and errors errs
// (by input name); id is the project edited ("" for a new one).
func (s *Server) projectFormPage(w http.ResponseWriter, r *http.Request, status int, id string, v url.Values, errs map[string]string) error {
	f, err := s.projectForm(r, id, v)
	if err != nil {
		return err
	}
	f.place(errs)
	title := "New project"
	if id != "" {
		title = "Edit " + v.Get("title")
	}
	s.render(w, r, status, "programme-edit", map[string]any{"Title": title, "Form": f})
	return nil
}

// projectForm lays out the project form from values v, with the choices
// the catalogue and the shipped indicators offer.
func (s *Server) projectForm(r *http.Request, id string, v url.Values) (*editForm, error) {
	partners, err := s.cfg.Catalog.Partners(r.Context())
	if err != nil {
		return nil, err
	}
	inds, err := indicatorNames()
	if err != nil {
		return nil, err
	}
	themes, err := insight.Themes()
	if err != nil {
		return nil, err
	}
	var themeIDs []string
	for _, t := range themes {
		themeIDs = append(themeIDs, t.ID)
	}
	statuses := statusNames()
	f := &editForm{Heading: "New project", Action: "/programme/new", Cancel: "/programme", Submit: "Save the project"}
	if id != "" {
		f.Heading, f.Action, f.Cancel = "Edit project "+id, "/programme/"+id+"/edit", "/programme/"+id
	}
	f.Fields = []formField{
		{Name: "id", Label: "Id", Value: v.Get("id"), Type: "text", Required: true, ReadOnly: id != "", Hint: "lower-case letters, digits and hyphens; it cannot change later"},
		{Name: "title", Label: "Title", Value: v.Get("title"), Type: "text", Required: true},
		{Name: "theme", Label: "Theme", Type: "select", Options: options(themeIDs, v.Get("theme"), "none")},
		{Name: "status", Label: "Status", Type: "select", Options: options(statuses, v.Get("status"), "")},
		{Name: "summary", Label: "Summary points", Value: v.Get("summary"), Type: "textarea", Hint: "one point a line"},
	}
	f.Checks = &checkGroup{Name: "sponsors", Legend: "Sponsors (partners)"}
	for _, p := range partners {
		f.Checks.Options = append(f.Checks.Options, choice{Value: p.ID, Label: p.Name, Checked: slices.Contains(v["sponsors"], p.ID)})
	}
	f.Sections = []formSection{
		listSection(v, "deliverables", "Deliverables", "What will have changed, by when. Tick remove to drop one; fill the blank row to add one.", "deliverable",
			func(get func(string) string) []formField {
				return []formField{
					{Name: "id", Label: "Id", Value: get("id"), Type: "text"},
					{Name: "title", Label: "What will have changed", Value: get("title"), Type: "text"},
					{Name: "due", Label: "Due", Value: get("due"), Type: "date"},
					{Name: "status", Label: "Status", Type: "select", Options: options(statuses, get("status"), "")},
					{Name: "evidence", Label: "Evidence", Value: get("evidence"), Type: "text"},
				}
			}),
		listSection(v, "measures", "Outcome measures", "An indicator with a baseline period, a target change in percent and the direction that counts as better.", "measure",
			func(get func(string) string) []formField {
				return []formField{
					{Name: "id", Label: "Id", Value: get("id"), Type: "text"},
					{Name: "title", Label: "Title", Value: get("title"), Type: "text"},
					{Name: "indicator", Label: "Indicator", Type: "select", Options: options(inds, get("indicator"), "choose an indicator")},
					{Name: "baseline", Label: "Baseline period", Value: get("baseline"), Type: "text", Hint: "2018, 2018-Q2 or 2018-05"},
					{Name: "target_percent", Label: "Target change (%)", Value: get("target_percent"), Type: "number"},
					{Name: "direction", Label: "Better is", Type: "select", Options: options([]string{string(programme.Lower), string(programme.Higher)}, get("direction"), "")},
				}
			}),
	}
	return f, nil
}

// listSection lays out a list's rows from v, then one blank row to add an
// item; fields gives a row's inputs from a getter of its values.
func listSection(v url.Values, list, title, hint, item string, fields func(get func(string) string) []formField) formSection {
	n, _ := strconv.Atoi(v.Get(list + ".count"))
	n = min(n, 200)
	for n > 0 && blankRow(v, list, n-1) {
		n-- // the blank row posted back is drawn again below, once
	}
	sec := formSection{Name: list, Title: title, Hint: hint, Count: n + 1}
	for i := 0; i <= n; i++ {
		get := func(name string) string { return v.Get(fmt.Sprintf("%s[%d].%s", list, i, name)) }
		row := formRow{Legend: fmt.Sprintf("%s %d", item, i+1), Fields: fields(get)}
		if i == n {
			row.Legend = "add a " + item
		} else {
			row.Remove = fmt.Sprintf("%s[%d].remove", list, i)
			row.Removed = v.Get(row.Remove) != ""
		}
		for j := range row.Fields {
			row.Fields[j].Name = fmt.Sprintf("%s[%d].%s", list, i, row.Fields[j].Name)
		}
		sec.Rows = append(sec.Rows, row)
	}
	return sec
}

// indicatorNames lists the shipped indicators by name.
func indicatorNames() ([]string, error) {
	inds, err := insight.Indicators()
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(inds))
	for n := range inds {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, nil
}

func statusNames() []string {
	out := make([]string, len(programme.Statuses))
	for i, st := range programme.Statuses {
		out[i] = string(st)
	}
	return out
}

// blankRow reports whether row i of a list was posted with nothing typed.
func blankRow(v url.Values, list string, i int) bool {
	prefix := fmt.Sprintf("%s[%d].", list, i)
	for k, vals := range v {
		if strings.HasPrefix(k, prefix) && !strings.HasSuffix(k, ".status") && !strings.HasSuffix(k, ".direction") && !strings.HasSuffix(k, ".period") && strings.TrimSpace(strings.Join(vals, "")) != "" {
			return false
		}
	}
	return true
}
