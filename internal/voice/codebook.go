package voice

import (
	"context"
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/civiclink/civiclink/internal/fault"
)

// RulesCoder is the coder name of codes the codebook's rules give.
const RulesCoder = "rules"

// Theme is one theme of a programme's codebook: what residents talk about
// (safety, trust, belonging…), the words and phrases that mark it, and the
// platform theme page its figures are on.
type Theme struct {
	ID    string `json:"id"`
	Label string `json:"label"`
	// Rules are lower-case words or phrases matched on word boundaries; a
	// trailing * matches any ending ("safe*": safe, safer, safety).
	Rules []string `json:"rules,omitempty"`
	// DataTheme is the slug of the theme page whose indicators this
	// theme sits beside (e.g. "violence-and-vulnerability"), if any.
	DataTheme string `json:"data_theme,omitempty"`

	res []*regexp.Regexp
}

// Coding is one coder's themes for one free-text answer.
type Coding struct {
	ProgrammeID string    `json:"programme"`
	ResponseID  string    `json:"response"`
	QuestionID  string    `json:"question"`
	Coder       string    `json:"coder"`
	Themes      []string  `json:"themes"`
	At          time.Time `json:"at"`
}

// CodingStore keeps analysts' manual codings; a coder's new coding of an
// answer replaces their earlier one.
type CodingStore interface {
	AddVoiceCodings(ctx context.Context, cs []Coding) error
	VoiceCodings(ctx context.Context, programmeID string) ([]Coding, error)
}

func validateCodebook(themes []Theme) error {
	seen := map[string]bool{}
	for i := range themes {
		th := &themes[i]
		if err := checkID("theme", th.ID); err != nil {
			return err
		}
		if seen[th.ID] {
			return fault.FieldErrorf(fault.Invalid, "codebook", "theme %s is repeated", th.ID)
		}
		seen[th.ID] = true
		if strings.TrimSpace(th.Label) == "" {
			return fault.FieldErrorf(fault.Invalid, "codebook", "theme %s needs a label", th.ID)
		}
		for _, r := range th.Rules {
			if strings.TrimSpace(strings.TrimSuffix(r, "*")) == "" {
				return fault.FieldErrorf(fault.Invalid, "codebook", "theme %s has an empty rule", th.ID)
			}
		}
	}
	return nil
}

func (th *Theme) compile() {
	if th.res != nil || len(th.Rules) == 0 {
		return
	}
	for _, r := range th.Rules {
		r = strings.ToLower(strings.TrimSpace(r))
		stem := strings.HasSuffix(r, "*")
		words := strings.Fields(strings.TrimSuffix(r, "*"))
		for i, w := range words {
			words[i] = regexp.QuoteMeta(w)
		}
		pat := `\b` + strings.Join(words, `\s+`)
		if stem {
			pat += `\w*`
		}
		th.res = append(th.res, regexp.MustCompile(`(?i)`+pat+`\b`))
	}
}

// Matches reports whether any of the theme's rules matches t.
func (th *Theme) Matches(t Text) bool {
	th.compile()
	for _, re := range th.res {
		if re.MatchString(t.s) {
			return true
		}
	}
	return false
}

// Code returns the ids of the themes whose rules match t, in codebook
// order.
func Code(codebook []Theme, t Text) []string {
	var out []string
	for i := range codebook {
		if codebook[i].Matches(t) {
			out = append(out, codebook[i].ID)
		}
	}
	return out
}

// RuleCodings codes every free-text answer of rs by the codebook's rules,
// as coder [RulesCoder].
func RuleCodings(p *Programme, rs []*Response) []Coding {
	var out []Coding
	for _, r := range rs {
		for _, a := range r.Answers {
			if a.Text.IsZero() {
				continue
			}
			out = append(out, Coding{ProgrammeID: p.ID, ResponseID: r.ID, QuestionID: a.QuestionID,
				Coder: RulesCoder, Themes: Code(p.Codebook, a.Text), At: r.CapturedAt})
		}
	}
	return out
}

// Agreement is how far two coders agree: Cohen's kappa per theme and
// pooled over every (answer, theme) decision, on the answers both coded.
type Agreement struct {
	CoderA, CoderB string
	// Items is how many answers both coded.
	Items int
	// Kappa is the pooled kappa; NaN when undefined (both coders gave
	// one same decision throughout).
	Kappa float64
	// Observed is the share of (answer, theme) decisions they agree on.
	Observed float64
	Themes   []ThemeAgreement
}

// ThemeAgreement is two coders' agreement on one theme.
type ThemeAgreement struct {
	Theme string
	// Both, OnlyA, OnlyB and Neither count the answers by who applied the
	// theme.
	Both, OnlyA, OnlyB, Neither int
	Kappa                       float64
}

// Kappa returns Cohen's kappa for a 2×2 table of decisions: both said
// yes, only the first, only the second, neither. NaN when chance
// agreement is total.
func Kappa(both, onlyA, onlyB, neither int) float64 {
	n := float64(both + onlyA + onlyB + neither)
	if n == 0 {
		return math.NaN()
	}
	po := float64(both+neither) / n
	aYes, bYes := float64(both+onlyA)/n, float64(both+onlyB)/n
	pe := aYes*bYes + (1-aYes)*(1-bYes)
	if pe >= 1 {
		return math.NaN()
	}
	return (po - pe) / (1 - pe)
}

// CompareCoders measures the agreement between coders a and b over the
// codebook's themes, on the answers both coded.
func CompareCoders(codebook []Theme, cs []Coding, a, b string) (*Agreement, error) {
	if a == b {
		return nil, fault.FieldErrorf(fault.Invalid, "coders", "agreement needs two different coders (got %s twice)", a)
	}
	type item struct{ r, q string }
	byA, byB := map[item][]string{}, map[item][]string{}
	for _, c := range cs {
		switch c.Coder {
		case a:
			byA[item{c.ResponseID, c.QuestionID}] = c.Themes
		case b:
			byB[item{c.ResponseID, c.QuestionID}] = c.Themes
		}
	}
	var items []item
	for it := range byA {
		if _, ok := byB[it]; ok {
			items = append(items, it)
		}
	}
	if len(items) == 0 {
		return nil, fault.FieldErrorf(fault.NotFound, "coders", "coders %s and %s have coded no answer in common", a, b)
	}
	sort.Slice(items, func(i, j int) bool { return items[i].r+items[i].q < items[j].r+items[j].q })
	ag := &Agreement{CoderA: a, CoderB: b, Items: len(items)}
	var tot ThemeAgreement
	for _, th := range codebook {
		ta := ThemeAgreement{Theme: th.ID}
		for _, it := range items {
			inA, inB := slices.Contains(byA[it], th.ID), slices.Contains(byB[it], th.ID)
			switch {
			case inA && inB:
				ta.Both++
			case inA:
				ta.OnlyA++
			case inB:
				ta.OnlyB++
			default:
				ta.Neither++
			}
		}
		ta.Kappa = Kappa(ta.Both, ta.OnlyA, ta.OnlyB, ta.Neither)
		tot.Both, tot.OnlyA, tot.OnlyB, tot.Neither = tot.Both+ta.Both, tot.OnlyA+ta.OnlyA, tot.OnlyB+ta.OnlyB, tot.Neither+ta.Neither
		ag.Themes = append(ag.Themes, ta)
	}
	ag.Kappa = Kappa(tot.Both, tot.OnlyA, tot.OnlyB, tot.Neither)
	if n := tot.Both + tot.OnlyA + tot.OnlyB + tot.Neither; n > 0 {
		ag.Observed = float64(tot.Both+tot.Neither) / float64(n)
	}
	return ag, nil
}
