package web

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/output"
)

// figureRow is one published cell of an output's table, as the page shows
// it: withheld values are [c], never 0.
type figureRow struct {
	Levels     []string
	Display    string
	Sum, Mean  string
	Suppressed bool
	Margin     bool
}

// figures is an output's table for the page.
type figures struct {
	Columns []string // the dimensions, then the measures
	Rows    []figureRow
	HasSum  bool
	// Note says how the figures were protected, for the footnote.
	Note string
}

func (s *Server) pageOutput(w http.ResponseWriter, r *http.Request) error {
	return s.outputPage(w, r, http.StatusOK, "")
}

// outputPage shows an output: its record always (it is in the list for
// everyone), its figures and findings as [Outputs.View] allows, and the
// check and release forms when the user's role allows; refusal is why an
// action just failed.
func (s *Server) outputPage(w http.ResponseWriter, r *http.Request, status int, refusal string) error {
	svc, err := s.needOutputs()
	if err != nil {
		return err
	}
	id, err := outputID(r)
	if err != nil {
		return err
	}
	os, err := svc.List(r.Context())
	if err != nil {
		return err
	}
	var meta *output.Output
	for _, o := range os {
		if o.ID == id {
			meta = o
		}
	}
	if meta == nil {
		return fault.Errorf(fault.NotFound, "no output %d (see /outputs)", id)
	}
	u := who(r).User
	data := map[string]any{"Title": fmt.Sprintf("Output %d: %s", meta.ID, meta.Title), "Output": meta, "Refusal": refusal}
	o, err := svc.View(r.Context(), u, id)
	switch fault.Code(err) {
	case "":
		data["Output"], data["Figures"], data["Findings"] = o, s.figures(o.Table), o.Report
		data["Readable"] = o.IsReport()
	case fault.Forbidden:
		data["FiguresError"] = webWords(fault.Message(err))
		if status == http.StatusOK {
			status = http.StatusForbidden
		}
	default:
		return err
	}
	data["CanCheck"] = meta.Status == output.Draft && u.Has(govern.OutputChecker) && meta.CreatedBy != u.ID && data["Figures"] != nil
	data["CanRelease"] = meta.Status == output.Checked && (meta.CreatedBy == u.ID || u.Has(govern.OutputChecker))
	if meta.Status == output.Released {
		data["Formats"] = exportFormats(meta)
	}
	s.render(w, r, status, "output", data)
	return nil
}

// figures lays out a disclosure-controlled table for the page, naming
// districts.
func (s *Server) figures(t *disclose.Result) *figures {
	if t == nil {
		return nil
	}
	names := map[string]string{}
	if s.cfg.Districts != nil {
		for _, a := range s.cfg.Districts.Areas {
			names[a.Code] = a.Name
		}
	}
	f := &figures{HasSum: t.SumName != "", Note: t.Protection.Note()}
	for _, d := range t.Dims {
		f.Columns = append(f.Columns, d.Name)
	}
	f.Columns = append(f.Columns, t.Measure)
	if f.HasSum {
		f.Columns = append(f.Columns, t.SumName, "mean "+t.SumName)
	}
	for _, c := range t.Cells {
		row := figureRow{Display: c.Display(), Suppressed: c.Status.Suppressed(), Margin: c.Margin}
		for _, l := range c.Levels {
			if n := names[l]; n != "" {
				l = n + " (" + l + ")"
			}
			row.Levels = append(row.Levels, l)
		}
		if f.HasSum {
			row.Sum, row.Mean = c.DisplaySum(), c.DisplayMean()
		}
		f.Rows = append(f.Rows, row)
	}
	return f
}

func (s *Server) postOutputCheck(w http.ResponseWriter, r *http.Request) error {
	var approve bool
	switch r.PostFormValue("decision") {
	case "approve":
		approve = true
	case "reject":
	default:
		return s.outputPage(w, r, http.StatusBadRequest, "choose approve or reject")
	}
	_, err := s.checkOutput(r, approve, strings.TrimSpace(r.PostFormValue("note")))
	return s.afterOutputAction(w, r, err)
}

func (s *Server) postOutputRelease(w http.ResponseWriter, r *http.Request) error {
	_, err := s.releaseOutput(r)
	return s.afterOutputAction(w, r, err)
}

// afterOutputAction sends the browser back to the output, or shows it
// again with the refusal.
func (s *Server) afterOutputAction(w http.ResponseWriter, r *http.Request, err error) error {
	switch fault.Code(err) {
	case "":
		return seeOther(w, r, "/outputs/"+r.PathValue("id"))
	case fault.Forbidden, fault.Conflict, fault.Invalid:
		_, st, msg := s.safe(r, err)
		return s.outputPage(w, r, st, msg)
	}
	return err
}
