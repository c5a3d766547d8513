package programme

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/insight"
	"github.com/civiclink/civiclink/internal/output"
)

// ReportSeries is the output series the Assembly report is kept under:
// each draft is its next version.
const ReportSeries = "programme-report"

// Outputs is the output lifecycle as the programme uses it (package
// release): a report goes in as a draft, an output checker other than its
// author checks it, and only a released version is shown to the public.
type Outputs interface {
	DraftReport(ctx context.Context, u *govern.User, o *output.Output) (*output.Output, error)
	Latest(ctx context.Context, series string) (*output.Output, error)
}

// Reads names what a figure reads, so a report kept for checking can say
// which datasets and columns an output checker must be allowed to check.
// The insight engine implements it.
type Reads interface {
	IndicatorReads(ctx context.Context, ind *insight.Indicator, by []string) ([]govern.Read, error)
	AggregateReads(ctx context.Context, q insight.AggregateQuery) ([]govern.Read, error)
}

// DraftReport builds the Assembly report for u and keeps it as a draft
// output (the next version of [ReportSeries]): its scopes are every
// purpose and dataset its figures read, its findings the automatic
// disclosure checks of every table behind it. Analysts and programme
// managers draft it; nothing of it is public until an output checker
// other than its author has checked it and it is released.
func (s *Service) DraftReport(ctx context.Context, u *govern.User, since time.Time) (*output.Output, error) {
	if err := reader(u); err != nil {
		return nil, err
	}
	if !u.Has(govern.Analyst) && !u.Has(govern.ProgrammeManager) {
		return nil, s.refuse(ctx, u, "programme.report", ReportSeries, fault.Errorf(fault.Forbidden,
			"drafting the Assembly report for output checking needs the analyst or programme-manager role"))
	}
	if s.Outputs == nil {
		return nil, fault.Errorf(fault.Internal, "this programme has no output lifecycle to keep the report in")
	}
	rd, ok := s.Figures.(Reads)
	if !ok {
		return nil, fault.Errorf(fault.Internal, "the programme's figures cannot name their reads, so the report cannot be checked")
	}
	rec := &recorder{Figures: s.Figures, reads: rd}
	cp := *s
	cp.Figures = rec
	a, err := cp.Assembly(ctx, u, since)
	if err != nil {
		return nil, err
	}
	doc, err := json.Marshal(a)
	if err != nil {
		return nil, err
	}
	o := &output.Output{Series: ReportSeries, Title: a.Title, Indicator: ReportSeries, By: []string{"project"},
		Document: doc, Scopes: rec.scopes, Report: rec.findings()}
	return s.Outputs.DraftReport(ctx, u, o)
}

// recorder passes figures through to insight and keeps, for each, the
// purpose and reads behind it and its automatic disclosure findings.
type recorder struct {
	Figures
	reads Reads

	mu     sync.Mutex
	scopes []output.Scope
	tables []titled
}

type titled struct {
	name string
	rep  disclose.Report
}

func (r *recorder) Trend(ctx context.Context, u *govern.User, q insight.TrendQuery) (*insight.Trend, error) {
	tr, err := r.Figures.Trend(ctx, u, q)
	if err != nil {
		return nil, err
	}
	by := []string{tr.Period}
	if q.ByDistrict {
		by = append(by, insight.DimDistrict)
	}
	reads, err := r.reads.IndicatorReads(ctx, q.Indicator, by)
	if err != nil {
		return nil, err
	}
	r.keep(q.Indicator.Purpose, reads, q.Indicator.Name+" by "+tr.Period, tr.Result)
	return tr, nil
}

func (r *recorder) Aggregate(ctx context.Context, u *govern.User, q insight.AggregateQuery) (*disclose.Result, error) {
	res, err := r.Figures.Aggregate(ctx, u, q)
	if err != nil {
		return nil, err
	}
	reads, err := r.reads.AggregateReads(ctx, q)
	if err != nil {
		return nil, err
	}
	r.keep(q.Purpose, reads, fmt.Sprintf("%s by %v", q.Dataset, q.By), res)
	return res, nil
}

// keep adds a figure's reads to its purpose's scope and its findings.
func (r *recorder) keep(purpose string, reads []govern.Read, name string, res *disclose.Result) {
	r.mu.Lock()
	defer r.mu.Unlock()
	i := slices.IndexFunc(r.scopes, func(s output.Scope) bool { return s.Purpose == purpose })
	if i < 0 {
		r.scopes = append(r.scopes, output.Scope{Purpose: purpose, Columns: map[string][]string{}})
		i = len(r.scopes) - 1
	}
	sc := &r.scopes[i]
	for _, rd := range reads {
		if !slices.Contains(sc.Datasets, rd.Dataset) {
			sc.Datasets = append(sc.Datasets, rd.Dataset)
		}
		for _, c := range rd.Columns {
			if !slices.Contains(sc.Columns[rd.Dataset], c) {
				sc.Columns[rd.Dataset] = append(sc.Columns[rd.Dataset], c)
			}
		}
	}
	if res != nil {
		r.tables = append(r.tables, titled{name, res.Report})
	}
}

// findings merges the tables' automatic checks into one report for the
// output checker: counts added up, each finding named by its table.
func (r *recorder) findings() *disclose.Report {
	m := &disclose.Report{Findings: []disclose.Finding{}, Exact: len(r.tables) > 0}
	for _, t := range r.tables {
		m.Cells += t.rep.Cells
		m.Margins += t.rep.Margins
		m.Primary += t.rep.Primary
		m.Secondary += t.rep.Secondary
		m.Threshold = max(m.Threshold, t.rep.Threshold)
		m.RoundTo = max(m.RoundTo, t.rep.RoundTo)
		if t.rep.MinShown > 0 && (m.MinShown == 0 || t.rep.MinShown < m.MinShown) {
			m.MinShown = t.rep.MinShown
		}
		m.Exact = m.Exact && t.rep.Exact
		if m.Mechanism == "" {
			m.Mechanism = t.rep.Mechanism
		}
		for _, f := range t.rep.Findings {
			f.Detail = t.name + ": " + f.Detail
			m.Findings = append(m.Findings, f)
		}
	}
	return m
}

// PublicReport is the released Assembly report's figures, for everyone:
// each outcome measure with its period, trend, verdict and protection,
// and each claim's verdict. Nothing in it is computed when it is read.
type PublicReport struct {
	Output     int64           `json:"output"`
	Version    int             `json:"version"`
	ReleasedAt time.Time       `json:"released_at"`
	Generated  time.Time       `json:"generated"`
	Since      time.Time       `json:"since"`
	Measures   []PublicMeasure `json:"measures"`
	Claims     []Result        `json:"claims"`
}

// PublicMeasure is one project's outcome measure as released.
type PublicMeasure struct {
	Project      string `json:"project"`
	ProjectTitle string `json:"project_title"`
	MeasureResult
}

// NoReport says why the public page has no figures.
const NoReport = "No report to the Assembly has been released yet: figures appear here once an output checker has checked a report and it is released."

// LastAssembly is when the last report to the Assembly was drafted (the
// newest released one's), so the next report's updates run from then;
// three months ago when none has been released.
func (s *Service) LastAssembly(ctx context.Context) (time.Time, error) {
	rep, err := s.Released(ctx)
	if err != nil {
		return time.Time{}, err
	}
	if rep == nil {
		return s.now().AddDate(0, -3, 0), nil
	}
	return rep.Generated, nil
}

// Released returns the newest released Assembly report's figures, or nil
// when none has been released yet. It reads only the released output: a
// draft or checked report never reaches it.
func (s *Service) Released(ctx context.Context) (*PublicReport, error) {
	if s.Outputs == nil {
		return nil, nil
	}
	o, err := s.Outputs.Latest(ctx, ReportSeries)
	if fault.Code(err) == fault.NotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if o.Status != output.Released {
		return nil, fault.Errorf(fault.Internal, "output %d is %s, not released", o.ID, o.Status)
	}
	a, err := ReportOf(o)
	if err != nil {
		return nil, err
	}
	pr := &PublicReport{Output: o.ID, Version: o.Version, ReleasedAt: o.ReleasedAt, Generated: a.Generated, Since: a.Since,
		Measures: []PublicMeasure{}, Claims: a.Claims}
	for _, p := range a.Projects {
		for _, m := range p.Measures {
			pr.Measures = append(pr.Measures, PublicMeasure{Project: p.Project.ID, ProjectTitle: p.Project.Title, MeasureResult: m})
		}
	}
	if pr.Claims == nil {
		pr.Claims = []Result{}
	}
	return pr, nil
}

// ReportOf reads a report output's document as the Assembly report.
func ReportOf(o *output.Output) (*Assembly, error) {
	if !o.IsReport() || o.Series != ReportSeries {
		return nil, fault.Errorf(fault.Invalid, "output %d is not a report to the Assembly", o.ID)
	}
	var a Assembly
	if err := json.Unmarshal(o.Document, &a); err != nil {
		return nil, fault.Wrap(err, fault.Internal, "output %d's report cannot be read", o.ID)
	}
	return &a, nil
}

// Banner is the status line printed at the top of a report output: a
// draft's warning, or who released which version when.
func Banner(o *output.Output) string {
	if o.Status != output.Released {
		return fmt.Sprintf("%s (output %d, version %d, %s)", Draft, o.ID, o.Version, o.Status)
	}
	return fmt.Sprintf("Released on %s after output checking (output %d, version %d); every figure is disclosure-controlled.",
		o.ReleasedAt.UTC().Format("2 January 2006"), o.ID, o.Version)
}
