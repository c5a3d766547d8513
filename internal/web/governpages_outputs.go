package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/insight"
	"github.com/civiclink/civiclink/internal/output"
)

// The output pages and the /api/outputs routes call the same [Outputs]
// methods; release.Service asks governance before it shows figures or
// findings and records every view, check, release and export.

// outputView is an output as the API returns it: its record, its
// disclosure-controlled table in the JSON export form ([c] for a withheld
// value), the findings when the user is an output checker, and the export
// links once released.
type outputView struct {
	Output *output.Output  `json:"output"`
	Table  json.RawMessage `json:"table"`
	// Report is a report output's content (the figures it holds), null
	// for a table.
	Report   json.RawMessage  `json:"report,omitempty"`
	Findings *disclose.Report `json:"findings,omitempty"`
	Exports  []string         `json:"exports,omitempty"`
}

// outputID parses the output id in the path.
func outputID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, fault.Errorf(fault.NotFound, "no output %q: output ids are numbers (see /outputs)", r.PathValue("id"))
	}
	return id, nil
}

func (s *Server) apiOutputs(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.needOutputs()
	if err != nil {
		return err
	}
	os, err := svc.List(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"outputs": nonNilSlice(os)})
	return nil
}

func (s *Server) apiDraftOutput(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Indicator string   `json:"indicator"`
		By        []string `json:"by"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&body); err != nil {
		return fault.Errorf(fault.Invalid, "the body must be JSON like {\"indicator\": \"domestic-abuse-victims\", \"by\": [\"district\"]}: %v", err)
	}
	o, err := s.draftOutput(r, body.Indicator, body.By)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, o)
	return nil
}

// draftOutput drafts a named indicator as the signed-in user.
func (s *Server) draftOutput(r *http.Request, indicator string, by []string) (*output.Output, error) {
	svc, err := s.needOutputs()
	if err != nil {
		return nil, err
	}
	ind, err := insight.FindIndicator(indicator)
	if err != nil {
		return nil, err
	}
	return svc.Draft(r.Context(), who(r).User, ind, by)
}

func (s *Server) apiOutput(w http.ResponseWriter, r *http.Request) error {
	o, err := s.viewOutput(r)
	if err != nil {
		return err
	}
	v := outputView{Output: o, Table: json.RawMessage("null"), Findings: o.Report, Report: o.Document}
	if !o.IsReport() {
		var table bytes.Buffer
		if err := disclose.WriteJSON(&table, o.Table); err != nil {
			return err
		}
		v.Table = table.Bytes()
	}
	if o.Status == output.Released {
		for _, f := range exportFormats(o) {
			v.Exports = append(v.Exports, fmt.Sprintf("/api/outputs/%d/export/%s", o.ID, f))
		}
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// viewOutput returns the output in the path with what the user may see.
func (s *Server) viewOutput(r *http.Request) (*output.Output, error) {
	svc, id, err := s.outputInPath(r)
	if err != nil {
		return nil, err
	}
	return svc.View(r.Context(), who(r).User, id)
}

// outputInPath returns the output service and the output id the path
// names.
func (s *Server) outputInPath(r *http.Request) (Outputs, int64, error) {
	svc, err := s.needOutputs()
	if err != nil {
		return nil, 0, err
	}
	id, err := outputID(r)
	return svc, id, err
}

func (s *Server) apiCheckOutput(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Approve *bool  `json:"approve"`
		Note    string `json:"note"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&body); err != nil || body.Approve == nil {
		return fault.Errorf(fault.Invalid, "the body must be JSON like {\"approve\": true, \"note\": \"why\"}")
	}
	o, err := s.checkOutput(r, *body.Approve, body.Note)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, o)
	return nil
}

func (s *Server) checkOutput(r *http.Request, approve bool, note string) (*output.Output, error) {
	svc, id, err := s.outputInPath(r)
	if err != nil {
		return nil, err
	}
	return svc.Check(r.Context(), who(r).User, id, approve, note)
}

func (s *Server) apiReleaseOutput(w http.ResponseWriter, r *http.Request) error {
	o, err := s.releaseOutput(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, o)
	return nil
}

func (s *Server) releaseOutput(r *http.Request) (*output.Output, error) {
	svc, id, err := s.outputInPath(r)
	if err != nil {
		return nil, err
	}
	return svc.Release(r.Context(), who(r).User, id)
}

// exportFormats are the formats o exports in: a report as JSON only.
func exportFormats(o *output.Output) []string {
	if o.IsReport() {
		return []string{"json"}
	}
	return output.Formats
}

// exportTypes are the media types of the export formats.
var exportTypes = map[string]string{"csv": "text/csv; charset=utf-8", "json": "application/json", "geojson": "application/geo+json"}

// exportOutput sends a released output as a file (page and API alike).
func (s *Server) exportOutput(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.needOutputs()
	if err != nil {
		return err
	}
	id, err := outputID(r)
	if err != nil {
		return err
	}
	format := r.PathValue("format")
	if !slices.Contains(output.Formats, format) {
		return fault.Errorf(fault.Invalid, "unknown export format %q: use csv, json or geojson", format)
	}
	o, err := svc.Exported(r.Context(), who(r).User, id, format)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := output.Write(&b, o, format, s.cfg.Districts); err != nil {
		return err
	}
	w.Header().Set("Content-Type", exportTypes[format])
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", fmt.Sprintf("%s-v%d.%s", o.Series, o.Version, format)))
	w.Header().Set("Cache-Control", "no-store")
	w.Write(b.Bytes())
	return nil
}

// canDraftOutputs is who sees the draft form: governance still decides
// each read when the indicator is computed.
func canDraftOutputs(u *govern.User) bool { return u.HasAny(govern.Analyst, govern.DataOwner) }

func (s *Server) pageOutputs(w http.ResponseWriter, r *http.Request) error {
	return s.outputsPage(w, r, http.StatusOK, "")
}

// outputsPage lists the outputs by stage, with the draft form; msg is
// why a draft just failed.
func (s *Server) outputsPage(w http.ResponseWriter, r *http.Request, status int, msg string) error {
	svc, err := s.needOutputs()
	if err != nil {
		return err
	}
	os, err := svc.List(r.Context())
	if err != nil {
		return err
	}
	stages := []struct {
		Status  output.Status
		Title   string
		Outputs []*output.Output
	}{{output.Draft, "Drafts waiting for an output checker", nil}, {output.Checked, "Checked, waiting for release", nil},
		{output.Released, "Released", nil}, {output.Rejected, "Rejected", nil}}
	for _, o := range os {
		for i := range stages {
			if stages[i].Status == o.Status {
				stages[i].Outputs = append(stages[i].Outputs, o)
			}
		}
	}
	data := map[string]any{"Title": "Outputs", "Stages": stages, "Error": msg, "Any": len(os) > 0}
	if canDraftOutputs(who(r).User) {
		inds, err := insight.Indicators()
		if err != nil {
			return err
		}
		list := make([]*insight.Indicator, 0, len(inds))
		for _, in := range inds {
			list = append(list, in)
		}
		sort.Slice(list, func(i, j int) bool { return list[i].Title < list[j].Title })
		data["Indicators"] = list
	}
	s.render(w, r, status, "outputs", data)
	return nil
}

func (s *Server) postOutputDraft(w http.ResponseWriter, r *http.Request) error {
	o, err := s.draftOutput(r, r.PostFormValue("indicator"), strings.Split(r.PostFormValue("by"), ","))
	switch fault.Code(err) {
	case "":
		return seeOther(w, r, fmt.Sprintf("/outputs/%d", o.ID))
	case fault.Invalid, fault.Forbidden, fault.Disclosure, fault.NotFound:
		_, st, msg := s.safe(r, err)
		return s.outputsPage(w, r, st, msg)
	}
	return err
}
