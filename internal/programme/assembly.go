package programme

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/insight"
)

// Assembly is the programme's report to the Essex Assembly: per project
// its deliverables, its outcome measures as trends with intervals and a
// verdict against the target, the updates since the last Assembly, and
// the claims with their verdicts. Every figure in it came through
// insight, so it is disclosure-controlled, and states its period.
type Assembly struct {
	Title     string    `json:"title"`
	Generated time.Time `json:"generated"`
	By        string    `json:"by"`
	// Since is the last Assembly's date: updates from then on are shown.
	Since    time.Time         `json:"since"`
	Projects []AssemblyProject `json:"projects"`
	Claims   []Result          `json:"claims"`
}

// AssemblyProject is one project in the report.
type AssemblyProject struct {
	Project  *Project        `json:"project"`
	Updates  []*Update       `json:"updates"`
	Measures []MeasureResult `json:"measures"`
}

// MeasureResult is an outcome measure's county trend and its verdict
// against the target.
type MeasureResult struct {
	Measure Measure `json:"measure"`
	// Title and Period say what the figures are and when they cover.
	Title  string          `json:"title"`
	Period string          `json:"period"`
	Unit   string          `json:"unit"`
	Points []insight.Point `json:"points"`
	// Baseline and Latest are the published counts compared.
	Baseline *MeasurePoint `json:"baseline,omitempty"`
	Latest   *MeasurePoint `json:"latest,omitempty"`
	// Change is Latest against Baseline in percent.
	Change *float64 `json:"change_percent,omitempty"`
	// Verdict is "target met", "improving", "not improving" or "cannot
	// tell", with Reason saying why when it cannot.
	Verdict    string `json:"verdict"`
	Reason     string `json:"reason,omitempty"`
	Protection string `json:"protection,omitempty"`
}

// MeasurePoint is one published period of a measure.
type MeasurePoint struct {
	Period string  `json:"period"`
	Count  float64 `json:"count"`
}

// The verdicts of a measure against its target.
const (
	TargetMet    = "target met"
	Improving    = "improving"
	NotImproving = "not improving"
	CannotTell   = "cannot tell"
)

// Assembly builds the report for u, with the updates since the given
// day (the last Assembly). Each measure's trend is read through insight
// under u's agreements; one u may not read says so instead of a figure.
func (s *Service) Assembly(ctx context.Context, u *govern.User, since time.Time) (*Assembly, error) {
	if err := reader(u); err != nil {
		return nil, err
	}
	if today := s.now(); since.After(today) {
		return nil, fault.FieldErrorf(fault.Invalid, "since", "the dates are out of order: the last Assembly (%s) is after today (%s); give the date it met, in the past",
			since.Format(time.DateOnly), today.Format(time.DateOnly))
	}
	ps, err := s.Store.Projects(ctx)
	if err != nil {
		return nil, err
	}
	a := &Assembly{Title: "Report to the Essex Assembly: the partnership's Vision projects", Generated: s.now(), By: u.ID, Since: since}
	for _, p := range ps {
		ups, err := s.Store.Updates(ctx, p.ID, since)
		if err != nil {
			return nil, err
		}
		ap := AssemblyProject{Project: p, Updates: ups}
		for _, m := range p.Measures {
			ap.Measures = append(ap.Measures, s.measure(ctx, u, m))
		}
		a.Projects = append(a.Projects, ap)
	}
	if a.Claims, err = s.CheckClaims(ctx, u); err != nil {
		return nil, err
	}
	return a, s.record(ctx, u, "programme.assembly", "assembly-report", nil, map[string]any{"since": since.Format(time.DateOnly), "projects": len(ps)})
}

// periodOfLabel says whether a period label is a year, quarter or month.
func periodOfLabel(l string) string {
	switch {
	case strings.Contains(l, "-Q"):
		return "quarter"
	case strings.Contains(l, "-"):
		return "month"
	}
	return "year"
}

// measure reads a measure's county trend and judges it against the target.
func (s *Service) measure(ctx context.Context, u *govern.User, m Measure) MeasureResult {
	mr := MeasureResult{Measure: m, Title: m.Title, Verdict: CannotTell}
	ind, err := insight.FindIndicator(m.Indicator)
	if err != nil {
		mr.Reason = fault.Message(err)
		return mr
	}
	period := periodOfLabel(m.Baseline)
	if ind.VersionPeriod != "" {
		period = ind.VersionPeriod
	}
	tr, err := s.Figures.Trend(ctx, u, insight.TrendQuery{Indicator: ind, Period: period})
	if err != nil {
		mr.Reason = fault.Message(err)
		return mr
	}
	mr.Title, mr.Period, mr.Unit = ind.Title, tr.Period, tr.Unit
	if tr.Result != nil {
		mr.Protection = tr.Result.Protection.Note()
		if tr.Result.Protection.Period != "" {
			mr.Period += ", " + tr.Result.Protection.Period
		}
	}
	for _, sr := range tr.Series {
		if sr.Code == disclose.TotalLevel {
			mr.Points = sr.Points
		}
	}
	judge(&mr)
	return mr
}

// judge compares the latest published period with the baseline.
func judge(mr *MeasureResult) {
	var base, last *MeasurePoint
	for _, p := range mr.Points {
		n, err := strconv.ParseFloat(p.Count, 64)
		if err != nil {
			continue
		}
		if p.Period == mr.Measure.Baseline {
			base = &MeasurePoint{p.Period, n}
		}
		last = &MeasurePoint{p.Period, n}
	}
	switch {
	case base == nil:
		mr.Reason = fmt.Sprintf("no published figure for the baseline %s", mr.Measure.Baseline)
		return
	case last.Period == base.Period:
		mr.Reason = "no published period after the baseline yet"
		return
	case base.Count == 0:
		mr.Reason = "the baseline is 0: a change cannot be given in percent"
		return
	}
	mr.Baseline, mr.Latest = base, last
	ch := 100 * (last.Count - base.Count) / base.Count
	mr.Change = &ch
	better := ch
	if mr.Measure.Direction == Higher {
		better = -ch
	}
	target := mr.Measure.Target
	if mr.Measure.Direction == Higher {
		target = -target
	}
	switch {
	case better <= target:
		mr.Verdict = TargetMet
	case better < 0:
		mr.Verdict = Improving
	default:
		mr.Verdict = NotImproving
	}
}
