package voice

import (
	"context"
	"slices"

	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
)

// ThemeRow is one district's count of responses that raised a theme, out
// of those that said anything in their own words.
type ThemeRow struct {
	District string `json:"district"`
	Name     string `json:"name"`
	Mentions Figure `json:"mentions"`
	Answered Figure `json:"answered"`
}

// ThemeFrequency is one codebook theme by district, after disclosure
// control; the last row is the county.
type ThemeFrequency struct {
	Theme      string              `json:"theme"`
	Label      string              `json:"label"`
	DataTheme  string              `json:"data_theme,omitempty"`
	Rows       []ThemeRow          `json:"rows"`
	Protection disclose.Protection `json:"protection"`
}

// Codes returns the themes each response raised in its free text: the
// latest manual coding of an answer where an analyst coded it, else the
// codebook's rules.
func Codes(p *Programme, rs []*Response, manual []Coding) map[string][]string {
	type item struct{ r, q string }
	byItem := map[item][]string{}
	for _, c := range manual { // in coding order: later ones win
		if c.Coder != RulesCoder {
			byItem[item{c.ResponseID, c.QuestionID}] = c.Themes
		}
	}
	out := map[string][]string{}
	for _, c := range RuleCodings(p, rs) {
		ths, ok := byItem[item{c.ResponseID, c.QuestionID}]
		if !ok {
			ths = c.Themes
		}
		for _, th := range ths {
			if !slices.Contains(out[c.ResponseID], th) {
				out[c.ResponseID] = append(out[c.ResponseID], th)
			}
		}
		if _, ok := out[c.ResponseID]; !ok {
			out[c.ResponseID] = []string{}
		}
	}
	return out
}

// Themes returns each codebook theme's frequency by district (any
// signed-in user).
func (s *Service) Themes(ctx context.Context, u *govern.User, programmeID string) ([]ThemeFrequency, error) {
	out, err := s.themes(ctx, u, programmeID)
	return out, s.record(ctx, u, "themes", "voice:"+programmeID, err, nil)
}

func (s *Service) themes(ctx context.Context, u *govern.User, programmeID string) ([]ThemeFrequency, error) {
	if err := need(u, "read conversation results"); err != nil {
		return nil, err
	}
	p, rs, err := s.load(ctx, programmeID)
	if err != nil {
		return nil, err
	}
	if len(p.Codebook) == 0 {
		return nil, fault.FieldErrorf(fault.NotFound, "codebook", "programme %s has no codebook", p.ID)
	}
	manual, err := s.Store.VoiceCodings(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	codes := Codes(p, rs, manual)
	var out []ThemeFrequency
	for _, th := range p.Codebook {
		t := disclose.NewTable("responses", disclose.Dim{Name: "district", Levels: s.Districts.Codes()}, disclose.Dim{Name: "raised", Levels: []string{"yes", "no"}})
		for _, r := range rs {
			ths, ok := codes[r.ID]
			if !ok {
				continue
			}
			raised := "no"
			if slices.Contains(ths, th.ID) {
				raised = "yes"
			}
			i, err := t.Index(r.District, raised)
			if err != nil {
				return nil, err
			}
			t.Cells[i].Count++
		}
		res, err := disclose.Apply(ctx, t, s.policy(), disclose.Options{})
		if err != nil {
			return nil, err
		}
		tf := ThemeFrequency{Theme: th.ID, Label: th.Label, DataTheme: th.DataTheme, Protection: res.Protection}
		for _, d := range append(s.Districts.Codes(), disclose.TotalLevel) {
			n, _ := res.Cell(d, disclose.TotalLevel)
			y, _ := res.Cell(d, "yes")
			name := s.Districts[d]
			if d == disclose.TotalLevel {
				name = "Essex (14 districts)"
			}
			tf.Rows = append(tf.Rows, ThemeRow{District: d, Name: name, Mentions: figure(y, &n), Answered: figure(n, nil)})
		}
		out = append(out, tf)
	}
	return out, nil
}
