package voice

import (
	"context"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
)

// The dimensions results can be broken down by.
const (
	ByDistrict = "district"
	ByAgeBand  = "age_band"
	ByWave     = "wave"
)

// NotGiven is the age-band level of responses that gave none.
const NotGiven = "not given"

// ResultSpec asks for one question's answers broken down by up to two of
// [ByDistrict], [ByAgeBand] and [ByWave].
type ResultSpec struct {
	ProgrammeID string
	QuestionID  string
	By          []string
}

// Figure is one published count: its value, how it is written ([c] when
// suppressed) and its share of its group's published total, when both are
// shown.
type Figure struct {
	Count      int64    `json:"count"`
	Display    string   `json:"display"`
	Suppressed bool     `json:"suppressed,omitempty"`
	Share      *float64 `json:"share,omitempty"` // percent
}

// ResultRow is one group's answers: a count per option and the group's
// total. A group of all "Total" levels is everyone.
type ResultRow struct {
	Group   []string `json:"group"`
	Labels  []string `json:"labels"`
	Options []Figure `json:"options"`
	Total   Figure   `json:"total"`
}

// Results are one question's answers after disclosure control.
type Results struct {
	Programme  string              `json:"programme"`
	Question   string              `json:"question"`
	Prompt     string              `json:"prompt"`
	Kind       Kind                `json:"kind"`
	Options    []string            `json:"options"`
	By         []string            `json:"by"`
	Rows       []ResultRow         `json:"rows"`
	Protection disclose.Protection `json:"protection"`
}

func (s *Service) policy() disclose.Policy {
	return disclose.Policy{Threshold: s.Threshold}
}

// Results returns a scale or choice question's answers by the spec's
// dimensions, small groups suppressed (any signed-in user).
func (s *Service) Results(ctx context.Context, u *govern.User, spec ResultSpec) (*Results, error) {
	res, err := s.results(ctx, u, spec)
	return res, s.record(ctx, u, "results", "voice:"+spec.ProgrammeID+"/"+spec.QuestionID, err, map[string]any{"by": strings.Join(spec.By, ",")})
}

func (s *Service) results(ctx context.Context, u *govern.User, spec ResultSpec) (*Results, error) {
	if err := need(u, "read conversation results"); err != nil {
		return nil, err
	}
	p, rs, err := s.load(ctx, spec.ProgrammeID)
	if err != nil {
		return nil, err
	}
	q, ok := p.Question(spec.QuestionID)
	if !ok {
		return nil, fault.FieldErrorf(fault.NotFound, "question", "programme %s asks no question %q", p.ID, clip(spec.QuestionID))
	}
	if q.Kind == FreeText {
		return nil, fault.FieldErrorf(fault.Invalid, "question", "question %s is free text: read its themes instead", q.ID)
	}
	dims, err := s.dims(p, spec.By)
	if err != nil {
		return nil, err
	}
	t := disclose.NewTable("responses", append(dims, disclose.Dim{Name: "answer", Levels: q.Options})...)
	for _, r := range rs {
		a, ok := r.Answer(q.ID)
		if !ok {
			continue
		}
		i, err := t.Index(append(levelsOf(p, r, spec.By), a.Option)...)
		if err != nil {
			return nil, err
		}
		t.Cells[i].Count++
	}
	out, err := disclose.Apply(ctx, t, s.policy(), disclose.Options{})
	if err != nil {
		return nil, err
	}
	res := &Results{Programme: p.ID, Question: q.ID, Prompt: q.Prompt, Kind: q.Kind, Options: q.Options, By: spec.By, Protection: out.Protection}
	for _, g := range groups(dims) {
		row := ResultRow{Group: g, Labels: s.labels(spec.By, g)}
		tot, _ := out.Cell(append(slices.Clone(g), disclose.TotalLevel)...)
		row.Total = figure(tot, nil)
		for _, o := range q.Options {
			c, _ := out.Cell(append(slices.Clone(g), o)...)
			row.Options = append(row.Options, figure(c, &tot))
		}
		res.Rows = append(res.Rows, row)
	}
	return res, nil
}

// load returns a programme and its responses.
func (s *Service) load(ctx context.Context, id string) (*Programme, []*Response, error) {
	p, err := s.Store.VoiceProgramme(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	rs, err := s.Store.VoiceResponses(ctx, id)
	return p, rs, err
}

// dims returns the table dimensions for by.
func (s *Service) dims(p *Programme, by []string) ([]disclose.Dim, error) {
	if len(by) > 2 {
		return nil, fault.FieldErrorf(fault.Invalid, "by", "break results down by at most two of district, age_band, wave (got %d)", len(by))
	}
	var dims []disclose.Dim
	for i, b := range by {
		if slices.Contains(by[:i], b) {
			return nil, fault.FieldErrorf(fault.Invalid, "by", "%s is given twice", b)
		}
		switch b {
		case ByDistrict:
			dims = append(dims, disclose.Dim{Name: b, Levels: s.Districts.Codes()})
		case ByAgeBand:
			dims = append(dims, disclose.Dim{Name: b, Levels: append(slices.Clone(AgeBands), NotGiven)})
		case ByWave:
			dims = append(dims, disclose.Dim{Name: b, Levels: waves(p)})
		default:
			return nil, fault.FieldErrorf(fault.Invalid, "by", "cannot break results down by %q: use district, age_band or wave", clip(b))
		}
	}
	if len(dims) == 0 {
		dims = append(dims, disclose.Dim{Name: "all", Levels: []string{"all"}})
	}
	return dims, nil
}

func waves(p *Programme) []string {
	var ws []int
	for _, s := range p.Sessions {
		if !slices.Contains(ws, s.Wave) {
			ws = append(ws, s.Wave)
		}
	}
	slices.Sort(ws)
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = strconv.Itoa(w)
	}
	if len(out) == 0 {
		out = []string{"1"}
	}
	return out
}

// levelsOf returns r's level in each dimension of by.
func levelsOf(p *Programme, r *Response, by []string) []string {
	var out []string
	for _, b := range by {
		switch b {
		case ByDistrict:
			out = append(out, r.District)
		case ByAgeBand:
			if r.AgeBand == "" {
				out = append(out, NotGiven)
			} else {
				out = append(out, r.AgeBand)
			}
		case ByWave:
			w := 1
			if ss, ok := p.Session(r.SessionID); ok {
				w = ss.Wave
			}
			out = append(out, strconv.Itoa(w))
		}
	}
	if len(by) == 0 {
		out = []string{"all"}
	}
	return out
}

// groups returns every interior combination of the dimensions' levels,
// then the grand total.
func groups(dims []disclose.Dim) [][]string {
	out := [][]string{{}}
	for _, d := range dims {
		var next [][]string
		for _, g := range out {
			for _, l := range d.Levels {
				next = append(next, append(slices.Clone(g), l))
			}
		}
		out = next
	}
	if len(dims) == 1 && len(dims[0].Levels) == 1 {
		return out // "all": its total is itself
	}
	tot := make([]string, len(dims))
	for i := range tot {
		tot[i] = disclose.TotalLevel
	}
	return append(out, tot)
}

// labels names a group for people: district names, "All" for totals.
func (s *Service) labels(by []string, g []string) []string {
	out := make([]string, len(g))
	for i, l := range g {
		switch {
		case l == disclose.TotalLevel || l == "all":
			out[i] = "All"
		case i < len(by) && by[i] == ByDistrict:
			out[i] = s.Districts[l]
		case i < len(by) && by[i] == ByWave:
			out[i] = "Wave " + l
		default:
			out[i] = l
		}
	}
	return out
}

// figure is a published cell, with its share of total when both show.
func figure(c disclose.OutCell, total *disclose.OutCell) Figure {
	f := Figure{Count: c.Count, Display: c.Display(), Suppressed: c.Status.Suppressed()}
	if f.Suppressed {
		f.Count = 0
	}
	if total != nil && !f.Suppressed && !total.Status.Suppressed() && total.Count > 0 {
		v := math.Round(1000*float64(c.Count)/float64(total.Count)) / 10
		f.Share = &v
	}
	return f
}

// Percent returns the share as written, "12.3%", or "" when there is
// none (suppressed, or its total is).
func (f Figure) Percent() string {
	if f.Share == nil {
		return ""
	}
	return strconv.FormatFloat(*f.Share, 'f', 1, 64) + "%"
}
