package web

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/programme"
)

func (s *Server) apiMaturity(w http.ResponseWriter, r *http.Request) error {
	pg, err := s.needProgramme()
	if err != nil {
		return err
	}
	m, err := pg.Maturity(r.Context(), who(r).User)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, m)
	return nil
}

func (s *Server) apiSubmitAssessment(w http.ResponseWriter, r *http.Request) error {
	pg, err := s.needProgramme()
	if err != nil {
		return err
	}
	var a programme.Assessment
	if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&a); err != nil {
		return fault.Errorf(fault.Invalid, "the body must be JSON like {\"partner\": \"county\", \"round\": \"2026-12\", \"answers\": {\"asset-register\": 3, …}}: %v", err)
	}
	if err := pg.SubmitAssessment(r.Context(), who(r).User, &a); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, a)
	return nil
}

// mayAssess says whether u answers the self-assessment (for which partner).
func mayAssess(u *govern.User) bool {
	return u != nil && (u.Has(govern.PartnerAdmin) || u.Has(govern.ProgrammeManager))
}

func (s *Server) pageAssessment(w http.ResponseWriter, r *http.Request) error {
	return s.assessmentPage(w, r, http.StatusOK, "", nil)
}

// assessmentPage shows the results, the chart of the user's partner
// against the system, and the form; msg and form are a refused answer's
// reason and what was chosen.
func (s *Server) assessmentPage(w http.ResponseWriter, r *http.Request, status int, msg string, form *programme.Assessment) error {
	pg, err := s.needProgramme()
	if err != nil {
		return err
	}
	u := who(r).User
	m, err := pg.Maturity(r.Context(), u)
	if err != nil {
		return err
	}
	if form == nil {
		form = &programme.Assessment{Partner: u.PartnerID, Round: s.cfg.Clock.Now().Format("2006-01"), Answers: map[string]int{}}
	}
	mine := m.Partners[u.PartnerID]
	var rows []assessmentRow
	for i, rs := range mine {
		row := assessmentRow{Round: rs.Round}
		for _, ar := range programme.Areas {
			row.Cells = append(row.Cells, fmt.Sprintf("%.1f", rs.Scores[ar]))
			if i > 0 {
				row.Changes = append(row.Changes, programme.Change(mine, i, ar))
			}
		}
		rows = append(rows, row)
	}
	var partners []assessmentRow
	for _, p := range sortedPartnerIDs(m) {
		rs := m.Partners[p]
		last := rs[len(rs)-1]
		row := assessmentRow{Round: p + " (" + last.Round + ")"}
		for _, ar := range programme.Areas {
			row.Cells = append(row.Cells, fmt.Sprintf("%.1f", last.Scores[ar]))
		}
		partners = append(partners, row)
	}
	var system []assessmentRow
	for _, rs := range m.System {
		row := assessmentRow{Round: fmt.Sprintf("system (%s, %d partners)", rs.Round, rs.Partners)}
		for _, ar := range programme.Areas {
			row.Cells = append(row.Cells, fmt.Sprintf("%.1f", rs.Scores[ar]))
		}
		system = append(system, row)
	}
	type option struct {
		V int
		L string
	}
	var options []option
	for v := 1; v <= 5; v++ {
		options = append(options, option{v, programme.Levels[v]})
	}
	s.render(w, r, status, "assessment", map[string]any{"System": system, "Options": options, "Title": "Data-maturity self-assessment", "Maturity": m,
		"Partner": u.PartnerID, "Mine": rows, "All": partners, "Areas": programme.Areas, "Chart": maturityChart(m, u.PartnerID),
		"MayAssess": mayAssess(u), "Form": form, "Error": msg})
	return nil
}

// assessmentRow is one row of a results table: a label, a score per area
// and, for a partner's own rounds, the change since the previous one.
type assessmentRow struct {
	Round   string
	Cells   []string
	Changes []string
}

func sortedPartnerIDs(m *programme.Maturity) []string {
	var out []string
	for p := range m.Partners {
		out = append(out, p)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func (s *Server) postAssessment(w http.ResponseWriter, r *http.Request) error {
	pg, err := s.needProgramme()
	if err != nil {
		return err
	}
	u := who(r).User
	a := &programme.Assessment{Partner: r.PostFormValue("partner"), Round: strings.TrimSpace(r.PostFormValue("round")), Answers: map[string]int{}}
	if a.Partner == "" {
		a.Partner = u.PartnerID
	}
	for _, q := range programme.Questions {
		if v, err := strconv.Atoi(r.PostFormValue("q-" + q.ID)); err == nil {
			a.Answers[q.ID] = v
		}
	}
	err = pg.SubmitAssessment(r.Context(), u, a)
	switch fault.Code(err) {
	case "":
		return seeOther(w, r, "/programme/assessment#results")
	case fault.Invalid, fault.Forbidden:
		_, st, msg := s.safe(r, err)
		return s.assessmentPage(w, r, st, msg, a)
	}
	return err
}

// maturityChart draws the partner's latest scores beside the system's, per
// area, as horizontal bars on the 1–5 scale, with the numbers written.
func maturityChart(m *programme.Maturity, partner string) template.HTML {
	rs := m.Partners[partner]
	if len(rs) == 0 || len(m.System) == 0 {
		return ""
	}
	mine := rs[len(rs)-1]
	var sys programme.RoundScores
	for _, s := range m.System {
		if s.Round == mine.Round {
			sys = s
		}
	}
	const w, left, bar = 560.0, 110.0, 16.0
	scale := (w - left - 50) / 5
	var b strings.Builder
	h := float64(len(programme.Areas))*(2*bar+18) + 24
	fmt.Fprintf(&b, `<svg role="img" aria-labelledby="chart-title" viewBox="0 0 %.0f %.0f" width="100%%" style="max-width:%.0fpx" xmlns="http://www.w3.org/2000/svg"><title id="chart-title">%s against the system, %s, on the scale 1 (beginning) to 5 (mastering)</title>`,
		w, h, w, template.HTMLEscapeString(partner), template.HTMLEscapeString(mine.Round))
	y := 8.0
	for _, ar := range programme.Areas {
		fmt.Fprintf(&b, `<text x="0" y="%.0f" font-size="13" fill="#111">%s</text>`, y+bar, ar)
		for i, v := range []float64{mine.Scores[ar], sys.Scores[ar]} {
			fill, label := "#003a70", partner
			if i == 1 {
				fill, label = "#5c5c5c", "system"
			}
			fmt.Fprintf(&b, `<rect x="%.0f" y="%.1f" width="%.1f" height="%.0f" fill="%s"><title>%s %s: %.1f</title></rect><text x="%.1f" y="%.1f" font-size="12" fill="#111">%s %.1f</text>`,
				left, y, v*scale, bar, fill, label, ar, v, left+v*scale+4, y+bar-4, template.HTMLEscapeString(label), v)
			y += bar + 2
		}
		y += 14
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
