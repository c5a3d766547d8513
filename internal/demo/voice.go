package demo

import (
	"context"
	"fmt"
	"slices"

	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/voice"
)

// VoiceResponses is how many synthetic responses the demo's conversation
// programme has.
const VoiceResponses = 3000

// VoiceSummary is what the citizen-voice step loaded.
type VoiceSummary struct {
	Responses, Markers, Coded, Quotes, Actions int
	// Kappa is the agreement between the analyst's manual coding and the
	// codebook's rules on the answers both coded.
	Kappa float64
}

// voice defines the synthetic programme, loads its responses, has the
// county analyst code a sample by hand (agreement with the rules
// reported as Cohen's kappa), proposes quotes that the output checker
// approves and releases, and records "you said, we did" actions against
// the programme room's projects.
func (f Flow) voice(ctx context.Context, sum *Summary) error {
	v, admin, analyst, checker := f.Voice, sum.Staff["county.admin"], sum.Staff["county.analyst"], sum.Staff["county.checker"]
	p := voice.DemoProgramme(v.Districts)
	if err := v.Define(ctx, admin, p); err != nil {
		return err
	}
	n, err := v.LoadDemo(ctx, admin, p, VoiceResponses, f.Seed)
	if err != nil {
		return err
	}
	vs := &VoiceSummary{Responses: n}
	sum.Voice = vs
	rs, err := v.Store.VoiceResponses(ctx, p.ID)
	if err != nil {
		return err
	}
	var texts []*voice.Response
	for _, r := range rs {
		if a, ok := r.Answer("say"); ok {
			vs.Markers += a.Text.Markers()
			texts = append(texts, r)
		}
	}
	fmt.Fprintf(f.Log, "  %d responses in %d sessions; %d identifiers in free text replaced by markers before storage\n", n, len(p.Sessions), vs.Markers)
	if err := f.voiceCoding(ctx, p, texts, sum.Staff["county.analyst"], vs); err != nil {
		return err
	}
	ag, err := v.Agreement(ctx, analyst, p.ID, analyst.ID, voice.RulesCoder)
	if err != nil {
		return err
	}
	vs.Kappa = ag.Kappa
	fmt.Fprintf(f.Log, "  %d answers coded by hand; agreement with the codebook's rules: Cohen's kappa %.2f\n", vs.Coded, ag.Kappa)
	for _, r := range texts {
		if vs.Quotes == 3 {
			break
		}
		a, _ := r.Answer("say")
		if !r.ConsentQuote || a.Text.Markers() > 0 {
			continue
		}
		q, err := v.ProposeQuote(ctx, analyst, r.ID, "say", "", firstTheme(p, a.Text))
		if err != nil {
			return err
		}
		if _, err := v.CheckQuote(ctx, checker, q.ID, true, "no one can be identified"); err != nil {
			return err
		}
		if _, err := v.ReleaseQuote(ctx, checker, q.ID); err != nil {
			return err
		}
		vs.Quotes++
	}
	for _, a := range voice.DemoActions() {
		a.ProgrammeID = p.ID
		if err := v.AddAction(ctx, admin, &a); err != nil {
			return err
		}
		vs.Actions++
	}
	fmt.Fprintf(f.Log, "  %d quotes released after an output check; %d \"you said, we did\" actions linked to projects\n", vs.Quotes, vs.Actions)
	return nil
}

// voiceCoding has the county analyst code 200 answers: the rules' themes,
// with one answer in ten coded differently (a theme missed or added), as
// a second human coder would.
func (f Flow) voiceCoding(ctx context.Context, p *voice.Programme, texts []*voice.Response, analyst *govern.User, vs *VoiceSummary) error {
	for i, r := range texts {
		if i == 200 {
			break
		}
		a, _ := r.Answer("say")
		themes := voice.Code(p.Codebook, a.Text)
		if i%10 == 3 {
			extra := p.Codebook[i%len(p.Codebook)].ID
			if k := slices.Index(themes, extra); k >= 0 {
				themes = slices.Delete(themes, k, k+1)
			} else {
				themes = append(themes, extra)
			}
		}
		c := voice.Coding{ProgrammeID: p.ID, ResponseID: r.ID, QuestionID: "say", Themes: themes}
		if err := f.Voice.Code(ctx, analyst, c); err != nil {
			return err
		}
		vs.Coded++
	}
	if vs.Coded == 0 {
		return fmt.Errorf("the demo programme has no free-text answers to code")
	}
	return nil
}

func firstTheme(p *voice.Programme, t voice.Text) string {
	if ths := voice.Code(p.Codebook, t); len(ths) > 0 {
		return ths[0]
	}
	return ""
}
