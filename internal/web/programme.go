package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/output"
	"github.com/civiclink/civiclink/internal/programme"
)

// Programme is the partnership's programme as the web shows it
// ([programme.Service]): it checks roles, validates and audits every
// change, and computes claims' figures through insight.
type Programme interface {
	Projects(ctx context.Context, u *govern.User) ([]*programme.Project, error)
	Project(ctx context.Context, u *govern.User, id string) (*programme.Project, []*programme.Update, error)
	SaveProject(ctx context.Context, u *govern.User, p *programme.Project) error
	Claims(ctx context.Context, u *govern.User) ([]*programme.Claim, error)
	SaveClaim(ctx context.Context, u *govern.User, c *programme.Claim) error
	PostUpdate(ctx context.Context, u *govern.User, up *programme.Update) error
	CheckClaims(ctx context.Context, u *govern.User) ([]programme.Result, error)
	Public(ctx context.Context) ([]*programme.Project, error)
	Assembly(ctx context.Context, u *govern.User, since time.Time) (*programme.Assembly, error)
	SubmitAssessment(ctx context.Context, u *govern.User, a *programme.Assessment) error
	Maturity(ctx context.Context, u *govern.User) (*programme.Maturity, error)
	// DraftReport keeps the Assembly report as a draft output for
	// checking; Released is the newest released report's figures (nil
	// when none).
	DraftReport(ctx context.Context, u *govern.User, since time.Time) (*output.Output, error)
	Released(ctx context.Context) (*programme.PublicReport, error)
	// LastAssembly is when the newest released report was drafted (three
	// months ago when none): the next report's updates run from then.
	LastAssembly(ctx context.Context) (time.Time, error)
}

var _ Programme = (*programme.Service)(nil)

func (s *Server) programmeRoutes() []route {
	return []route{
		{method: "GET", path: "/api/programme", api: true, summary: "The programme's projects with deliverables and outcome measures (every signed-in user)", result: "ProjectList", handle: s.apiProjects},
		{method: "GET", path: "/api/programme/{id}", api: true, summary: "A project with its updates, oldest first", result: "ProjectDetail", handle: s.apiProject},
		{method: "PUT", path: "/api/programme/{id}", api: true, body: "json", summary: "Replace a project (programme managers); refused field by field", result: "Project", handle: s.apiSaveProject},
		{method: "POST", path: "/api/programme/{id}/updates", api: true, body: "json", summary: "Post a dated update, optionally changing a deliverable's status; body {\"text\", \"deliverable\", \"to\"} (programme managers, sponsors' partner admins; 201)", result: "Update", handle: s.apiPostUpdate},
		{method: "GET", path: "/api/programme/assembly", api: true, summary: "The report to the Essex Assembly as JSON (?since=YYYY-MM-DD, the last Assembly; default when the newest released report was drafted, else three months ago): projects, measures' trends and verdicts, updates, claims", result: "Assembly", handle: s.apiAssembly},
		{method: "GET", path: "/api/programme/assessments", api: true, summary: "The data-maturity self-assessment: each partner's scores per round beside the system's", result: "Maturity", handle: s.apiMaturity},
		{method: "POST", path: "/api/programme/assessments", api: true, body: "json", summary: "Answer the self-assessment for a partner and round; body {\"partner\", \"round\": \"YYYY-MM\", \"answers\": {question: 1–5}} (the partner's admins, programme managers; 201)", result: "Assessment", handle: s.apiSubmitAssessment},
		{method: "PUT", path: "/api/claims/{id}", api: true, body: "json", summary: "Create or replace an outcome claim with its computations (programme managers); an unknown indicator, dataset, period or area is refused with the choices, field by field", result: "Claim", handle: s.apiSaveClaim},
		{method: "GET", path: "/api/claims", api: true, summary: "Every public outcome claim checked against the data as the signed-in user: confirmed, differs or cannot check", result: "ClaimResultList", handle: s.apiClaims},
		{method: "GET", path: "/api/public/programme", api: true, open: true, summary: "The programme's summary without sign-in: projects, sponsors, deliverables' status, and the figures of the newest released report to the Assembly (report null and report_note saying so until one is released)", result: "PublicProgramme", handle: s.apiPublicProgramme},
		{method: "POST", path: "/api/programme/assembly/draft", api: true, summary: "Keep the report to the Assembly as a draft output for output checking (?since=YYYY-MM-DD; analysts, programme managers; 201); check and release it at /api/outputs/{id}", result: "Output", handle: s.apiDraftReport},

		{method: "GET", path: "/programme", summary: "The programme: projects, sponsors, deliverables' progress", handle: s.pageProgramme},
		{method: "GET", path: "/programme/new", summary: "The form for a new project (programme managers)", handle: s.pageProjectNew},
		{method: "POST", path: "/programme/new", summary: "Create a project (form post; programme managers)", handle: s.postProjectForm},
		{method: "GET", path: "/programme/{id}/edit", summary: "Edit a project with its deliverables and outcome measures (programme managers)", handle: s.pageProjectEdit},
		{method: "POST", path: "/programme/{id}/edit", summary: "Save a project (form post; programme managers)", handle: s.postProjectForm},
		{method: "GET", path: "/claims/new", summary: "The form for a new claim (programme managers)", handle: s.pageClaimNew},
		{method: "POST", path: "/claims/new", summary: "Create a claim (form post; programme managers)", handle: s.postClaimForm},
		{method: "GET", path: "/claims/{id}/edit", summary: "Edit a claim with its figures (programme managers)", handle: s.pageClaimEdit},
		{method: "POST", path: "/claims/{id}/edit", summary: "Save a claim (form post; programme managers)", handle: s.postClaimForm},
		{method: "GET", path: "/programme/{id}", summary: "A project: deliverables, outcome measures, updates", handle: s.pageProject},
		{method: "POST", path: "/programme/{id}/updates", summary: "Post an update (form post)", handle: s.postProjectUpdate},
		{method: "POST", path: "/programme/assembly/draft", summary: "Send the report to the Assembly for output checking (form post)", handle: s.postDraftReport},
		{method: "GET", path: "/outputs/{id}/report", summary: "A report output as it will be published (its author and output checkers until released, then everyone signed in)", handle: s.pageReportOutput},
		{method: "GET", path: "/programme/assembly", summary: "The report to the Essex Assembly (a draft for output checking; ?since=YYYY-MM-DD)", handle: s.pageAssembly},
		{method: "GET", path: "/programme/assessment", summary: "The data-maturity self-assessment: results with a chart, and the form", handle: s.pageAssessment},
		{method: "POST", path: "/programme/assessment", summary: "Answer the self-assessment (form post)", handle: s.postAssessment},
		{method: "GET", path: "/claims", summary: "Public claims checked against the data", handle: s.pageClaims},
		{method: "GET", path: "/public/programme", open: true, summary: "The programme's public summary (no sign-in)", handle: s.pagePublicProgramme},
	}
}

// needProgramme returns the programme, or says the server has none.
func (s *Server) needProgramme() (Programme, error) {
	if s.cfg.Programme == nil {
		return nil, fault.Errorf(fault.NotFound, "this server has no programme")
	}
	return s.cfg.Programme, nil
}

func (s *Server) apiProjects(w http.ResponseWriter, r *http.Request) error {
	pg, err := s.needProgramme()
	if err != nil {
		return err
	}
	ps, err := pg.Projects(r.Context(), who(r).User)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"projects": nonNilSlice(ps)})
	return nil
}

func (s *Server) apiPublicProgramme(w http.ResponseWriter, r *http.Request) error {
	pg, err := s.needProgramme()
	if err != nil {
		return err
	}
	ps, err := pg.Public(r.Context())
	if err != nil {
		return err
	}
	rep, err := pg.Released(r.Context())
	if err != nil {
		return err
	}
	body := map[string]any{"projects": nonNilSlice(ps), "report": rep}
	if rep == nil {
		body["report_note"] = programme.NoReport
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}

func (s *Server) apiProject(w http.ResponseWriter, r *http.Request) error {
	pg, err := s.needProgramme()
	if err != nil {
		return err
	}
	p, ups, err := pg.Project(r.Context(), who(r).User, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"project": p, "updates": nonNilSlice(ups), "may_update": programme.MayUpdate(who(r).User, p),
		"update_note": programme.WhyNoUpdate(who(r).User, p)})
	return nil
}

func (s *Server) apiSaveProject(w http.ResponseWriter, r *http.Request) error {
	pg, err := s.needProgramme()
	if err != nil {
		return err
	}
	var p programme.Project
	if err := decodeEdit(r, &p, "a project as JSON (GET /api/programme/{id} shows one)"); err != nil {
		return err
	}
	if err := samePathID(r, "project", p.ID); err != nil {
		return err
	}
	if err := pg.SaveProject(r.Context(), who(r).User, &p); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (s *Server) apiSaveClaim(w http.ResponseWriter, r *http.Request) error {
	pg, err := s.needProgramme()
	if err != nil {
		return err
	}
	var c programme.Claim
	if err := decodeEdit(r, &c, "a claim as JSON: {\"id\", \"statement\", \"project\", \"figures\": [{\"label\", \"indicator\" or \"dataset\", \"period\", \"compare\", \"stated\", \"rounding\"}]}"); err != nil {
		return err
	}
	if err := samePathID(r, "claim", c.ID); err != nil {
		return err
	}
	if err := pg.SaveClaim(r.Context(), who(r).User, &c); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

// decodeEdit reads a programme edit's JSON body (at most 1 MiB, no field
// it does not know) into v; what says what the body must be.
func decodeEdit(r *http.Request, v any, what string) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fault.Errorf(fault.Invalid, "the body must be %s: %v", what, err)
	}
	return nil
}

// samePathID refuses a body whose id is not the one in the path.
func samePathID(r *http.Request, kind, id string) error {
	if id != r.PathValue("id") {
		return fault.FieldErrorf(fault.Invalid, "id", "the body's id %q is not the %s in the path %q", id, kind, r.PathValue("id"))
	}
	return nil
}

func (s *Server) apiPostUpdate(w http.ResponseWriter, r *http.Request) error {
	pg, err := s.needProgramme()
	if err != nil {
		return err
	}
	var body struct {
		Text        string `json:"text"`
		Deliverable string `json:"deliverable"`
		To          string `json:"to"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&body); err != nil {
		return fault.Errorf(fault.Invalid, "the body must be JSON like {\"text\": \"…\", \"deliverable\": \"roadmap\", \"to\": \"done\"}: %v", err)
	}
	up := &programme.Update{Project: r.PathValue("id"), Text: body.Text, Deliverable: body.Deliverable, To: programme.Status(body.To)}
	if err := pg.PostUpdate(r.Context(), who(r).User, up); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, up)
	return nil
}

func (s *Server) apiClaims(w http.ResponseWriter, r *http.Request) error {
	pg, err := s.needProgramme()
	if err != nil {
		return err
	}
	rs, err := pg.CheckClaims(r.Context(), who(r).User)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"claims": nonNilSlice(rs)})
	return nil
}

// projectRow is a project on the programme page with its deliverables
// counted by status.
type projectRow struct {
	*programme.Project
	Progress []statusCount
}

type statusCount struct {
	Status programme.Status
	N      int
}

func rowsOf(ps []*programme.Project) []projectRow {
	out := make([]projectRow, len(ps))
	for i, p := range ps {
		n := map[programme.Status]int{}
		for _, d := range p.Deliverables {
			n[d.Status]++
		}
		out[i] = projectRow{Project: p}
		for _, st := range programme.Statuses {
			if n[st] > 0 {
				out[i].Progress = append(out[i].Progress, statusCount{st, n[st]})
			}
		}
	}
	return out
}

func (s *Server) pageProgramme(w http.ResponseWriter, r *http.Request) error {
	pg, err := s.needProgramme()
	if err != nil {
		return err
	}
	ps, err := pg.Projects(r.Context(), who(r).User)
	if err != nil {
		return err
	}
	u := who(r).User
	last, err := pg.LastAssembly(r.Context())
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "programme", map[string]any{"Title": "Programme", "Projects": rowsOf(ps),
		"MayDraft": u.HasAny(govern.Analyst, govern.ProgrammeManager), "MayEdit": mayEditProgramme(u), "Since": last.Format(time.DateOnly)})
	return nil
}

func (s *Server) pagePublicProgramme(w http.ResponseWriter, r *http.Request) error {
	pg, err := s.needProgramme()
	if err != nil {
		return err
	}
	ps, err := pg.Public(r.Context())
	if err != nil {
		return err
	}
	rep, err := pg.Released(r.Context())
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "programme-public", map[string]any{"Title": "The partnership's programme", "Projects": rowsOf(ps),
		"Report": rep, "NoReport": programme.NoReport})
	return nil
}

func (s *Server) pageProject(w http.ResponseWriter, r *http.Request) error {
	return s.projectPage(w, r, http.StatusOK, "", nil)
}

// projectPage shows a project; msg and form are a refused update's reason
// and what the user typed.
func (s *Server) projectPage(w http.ResponseWriter, r *http.Request, status int, msg string, form *programme.Update) error {
	pg, err := s.needProgramme()
	if err != nil {
		return err
	}
	u := who(r).User
	p, ups, err := pg.Project(r.Context(), u, r.PathValue("id"))
	if err != nil {
		return err
	}
	if form == nil {
		form = &programme.Update{}
	}
	s.render(w, r, status, "project", map[string]any{"Title": p.Title, "Project": p, "Updates": ups,
		"MayUpdate": programme.MayUpdate(u, p), "WhyNoUpdate": programme.WhyNoUpdate(u, p), "Statuses": programme.Statuses, "Error": msg, "Form": form, "MayEdit": mayEditProgramme(u)})
	return nil
}

func (s *Server) postProjectUpdate(w http.ResponseWriter, r *http.Request) error {
	pg, err := s.needProgramme()
	if err != nil {
		return err
	}
	up := &programme.Update{Project: r.PathValue("id"), Text: strings.TrimSpace(r.PostFormValue("text")),
		Deliverable: r.PostFormValue("deliverable"), To: programme.Status(r.PostFormValue("to"))}
	if up.Deliverable == "" {
		up.To = ""
	}
	err = pg.PostUpdate(r.Context(), who(r).User, up)
	switch fault.Code(err) {
	case "":
		return seeOther(w, r, "/programme/"+up.Project+"#updates")
	case fault.Invalid, fault.Forbidden, fault.Conflict:
		_, st, msg := s.safe(r, err)
		return s.projectPage(w, r, st, msg, up)
	}
	return err
}

func (s *Server) pageClaims(w http.ResponseWriter, r *http.Request) error {
	pg, err := s.needProgramme()
	if err != nil {
		return err
	}
	rs, err := pg.CheckClaims(r.Context(), who(r).User)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "claims", map[string]any{"Title": "Claims checked against the data", "Claims": rs, "MayEdit": mayEditProgramme(who(r).User)})
	return nil
}

// assembly builds the Assembly report for the signed-in user, with the
// updates since ?since (by default the last Assembly's: see
// [Server.assemblySince]).
func (s *Server) assembly(r *http.Request) (*programme.Assembly, error) {
	pg, since, err := s.assemblySince(r, r.URL.Query().Get("since"))
	if err != nil {
		return nil, err
	}
	return pg.Assembly(r.Context(), who(r).User, since)
}

// assemblySince returns the programme and the last Assembly's date v
// (by default when the newest released report was drafted, else three
// months ago).
func (s *Server) assemblySince(r *http.Request, v string) (Programme, time.Time, error) {
	pg, err := s.needProgramme()
	if err != nil {
		return nil, time.Time{}, err
	}
	if v == "" {
		since, err := pg.LastAssembly(r.Context())
		return pg, since, err
	}
	since, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return nil, since, fault.FieldErrorf(fault.Invalid, "since", "give the last Assembly's date as YYYY-MM-DD (got %q)", v)
	}
	return pg, since, nil
}

// draftReport keeps the Assembly report as a draft output as the
// signed-in user.
func (s *Server) draftReport(r *http.Request, since string) (*output.Output, error) {
	pg, day, err := s.assemblySince(r, since)
	if err != nil {
		return nil, err
	}
	return pg.DraftReport(r.Context(), who(r).User, day)
}

func (s *Server) apiDraftReport(w http.ResponseWriter, r *http.Request) error {
	o, err := s.draftReport(r, r.URL.Query().Get("since"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, o)
	return nil
}

func (s *Server) postDraftReport(w http.ResponseWriter, r *http.Request) error {
	o, err := s.draftReport(r, strings.TrimSpace(r.PostFormValue("since")))
	if err != nil {
		return err
	}
	return seeOther(w, r, fmt.Sprintf("/outputs/%d", o.ID))
}

// pageReportOutput serves a report output as the page it will be
// published as, to whoever the output lifecycle lets see its figures,
// with a banner saying whether it is a draft or released.
func (s *Server) pageReportOutput(w http.ResponseWriter, r *http.Request) error {
	o, err := s.viewOutput(r)
	if err != nil {
		return err
	}
	a, err := programme.ReportOf(o)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := a.WriteHTML(&buf, programme.Banner(o)); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, err = buf.WriteTo(w)
	return err
}

func (s *Server) apiAssembly(w http.ResponseWriter, r *http.Request) error {
	a, err := s.assembly(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

// pageAssembly serves the report as the same self-contained page the CLI
// writes, so it prints as it is.
func (s *Server) pageAssembly(w http.ResponseWriter, r *http.Request) error {
	a, err := s.assembly(r)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := a.WriteHTML(&buf, programme.Draft); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, err = buf.WriteTo(w)
	return err
}
