package voice

import (
	"context"
	"math"
	"strconv"
	"strings"

	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
)

// TrendPoint is one wave of a repeated scale question: the share agreeing
// with its 95% Wilson interval, computed from the published counts (none
// when a count is suppressed).
type TrendPoint struct {
	Wave  int    `json:"wave"`
	N     Figure `json:"n"`
	Agree Figure `json:"agree"`
	// Share, Low and High are percentages.
	Share *float64 `json:"share,omitempty"`
	Low   *float64 `json:"low,omitempty"`
	High  *float64 `json:"high,omitempty"`
}

// Trend is a scale question asked in several waves.
type Trend struct {
	Programme  string              `json:"programme"`
	Question   string              `json:"question"`
	Prompt     string              `json:"prompt"`
	AgreeLabel string              `json:"agree_label"`
	District   string              `json:"district,omitempty"`
	Points     []TrendPoint        `json:"points"`
	Protection disclose.Protection `json:"protection"`
}

// Trend returns the share agreeing with a scale question in each wave,
// county-wide or in one district (any signed-in user).
func (s *Service) Trend(ctx context.Context, u *govern.User, programmeID, questionID, district string) (*Trend, error) {
	tr, err := s.trend(ctx, u, programmeID, questionID, district)
	return tr, s.record(ctx, u, "trend", "voice:"+programmeID+"/"+questionID, err, map[string]any{"district": district})
}

func (s *Service) trend(ctx context.Context, u *govern.User, programmeID, questionID, district string) (*Trend, error) {
	if err := need(u, "read conversation results"); err != nil {
		return nil, err
	}
	p, rs, err := s.load(ctx, programmeID)
	if err != nil {
		return nil, err
	}
	q, ok := p.Question(questionID)
	if !ok || q.Kind != Scale {
		return nil, fault.FieldErrorf(fault.Invalid, "question", "a trend needs a scale question of programme %s (%q is not one)", p.ID, clip(questionID))
	}
	if district != "" {
		if _, ok := s.Districts[district]; !ok {
			return nil, fault.FieldErrorf(fault.Invalid, "district", "district %q is not one of the 14 districts' codes", clip(district))
		}
	}
	agree := q.Options[len(q.Options)-q.Agree:]
	ws := waves(p)
	t := disclose.NewTable("responses", disclose.Dim{Name: "wave", Levels: ws}, disclose.Dim{Name: "agrees", Levels: []string{"yes", "no"}})
	for _, r := range rs {
		a, ok := r.Answer(q.ID)
		if !ok || (district != "" && r.District != district) {
			continue
		}
		yes := "no"
		for _, o := range agree {
			if o == a.Option {
				yes = "yes"
			}
		}
		i, err := t.Index(levelsOf(p, r, []string{ByWave})[0], yes)
		if err != nil {
			return nil, err
		}
		t.Cells[i].Count++
	}
	out, err := disclose.Apply(ctx, t, s.policy(), disclose.Options{})
	if err != nil {
		return nil, err
	}
	tr := &Trend{Programme: p.ID, Question: q.ID, Prompt: q.Prompt, AgreeLabel: strings.Join(agree, " or "), District: district, Protection: out.Protection}
	for _, w := range ws {
		n, _ := out.Cell(w, disclose.TotalLevel)
		y, _ := out.Cell(w, "yes")
		wn, _ := strconv.Atoi(w)
		pt := TrendPoint{Wave: wn, N: figure(n, nil), Agree: figure(y, &n)}
		if pt.Agree.Share != nil {
			lo, hi := Wilson(y.Count, n.Count)
			pt.Share, pt.Low, pt.High = pt.Agree.Share, &lo, &hi
		}
		tr.Points = append(tr.Points, pt)
	}
	return tr, nil
}

// Wilson returns the 95% Wilson score interval for k successes in n
// trials, in percent, to one decimal place.
func Wilson(k, n int64) (lo, hi float64) {
	if n <= 0 {
		return 0, 100
	}
	const z = 1.959963984540054
	p, fn := float64(k)/float64(n), float64(n)
	den := 1 + z*z/fn
	mid := (p + z*z/(2*fn)) / den
	half := z * math.Sqrt(p*(1-p)/fn+z*z/(4*fn*fn)) / den
	round := func(v float64) float64 { return math.Round(1000*v) / 10 }
	return round(math.Max(0, mid-half)), round(math.Min(1, mid+half))
}
