package web

import (
	"net/http"
	"slices"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/voice"
)

func (s *Server) pageVoiceList(w http.ResponseWriter, r *http.Request) error {
	v, err := s.voiceSvc()
	if err != nil {
		return err
	}
	ps, err := v.List(r.Context(), who(r).User)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "voice-list", map[string]any{"Title": "Citizen voice", "Programmes": ps})
	return nil
}

// voiceQuestionView is one question's results on the results page.
type voiceQuestionView struct {
	Results *voice.Results
	Chart   divergingChart
	Trend   *trendChart
	Error   string
}

func (s *Server) pageVoice(w http.ResponseWriter, r *http.Request) error {
	v, p, err := s.voiceProgramme(r)
	if err != nil {
		return err
	}
	ctx, u := r.Context(), who(r).User
	by := r.URL.Query().Get("by")
	if !slices.Contains([]string{voice.ByDistrict, voice.ByAgeBand, voice.ByWave}, by) {
		by = voice.ByDistrict
	}
	var qs []voiceQuestionView
	for _, q := range p.Questions {
		if q.Kind == voice.FreeText {
			continue
		}
		qv := voiceQuestionView{}
		res, err := v.Results(ctx, u, voice.ResultSpec{ProgrammeID: p.ID, QuestionID: q.ID, By: []string{by}})
		if err != nil {
			qv.Error = fault.Message(err)
		} else {
			qv.Results, qv.Chart = res, newDivergingChart(res)
		}
		if q.Kind == voice.Scale && len(waveSet(p)) > 1 {
			if tr, err := v.Trend(ctx, u, p.ID, q.ID, ""); err == nil {
				qv.Trend = newTrendChart(tr)
			}
		}
		qs = append(qs, qv)
	}
	data := map[string]any{"Title": p.Title, "Programme": p, "Questions": qs, "By": by, "DistrictNames": v.Districts}
	if len(p.Codebook) > 0 {
		ths, err := v.Themes(ctx, u, p.ID)
		if err != nil {
			data["ThemesError"] = fault.Message(err)
		}
		data["Themes"] = ths
	}
	quotes, err := v.Quotes(ctx, u, p.ID)
	if err != nil {
		return err
	}
	data["Quotes"] = slices.DeleteFunc(quotes, func(q *voice.Quote) bool { return q.State != voice.QuoteReleased })
	actions, err := v.Actions(ctx, u, p.ID)
	if err != nil {
		return err
	}
	data["Actions"] = actions
	s.render(w, r, http.StatusOK, "voice", data)
	return nil
}

func waveSet(p *voice.Programme) []int {
	var ws []int
	for _, ss := range p.Sessions {
		if !slices.Contains(ws, ss.Wave) {
			ws = append(ws, ss.Wave)
		}
	}
	return ws
}

// captureForm is what the capture page shows: the programme, a fresh
// response id (the form's retries send the same one), the choices.
func (s *Server) captureData(r *http.Request, p *voice.Programme, v *voice.Service) map[string]any {
	return map[string]any{"Title": "Capture · " + p.Title, "Programme": p, "ResponseID": voice.NewResponseID(),
		"AgeBands": voice.AgeBands, "Districts": v.Districts, "Codes": v.Districts.Codes(), "MaxText": voice.MaxTextLen}
}

// voiceProgramme returns the voice room and the programme the path names.
func (s *Server) voiceProgramme(r *http.Request) (*voice.Service, *voice.Programme, error) {
	v, err := s.voiceSvc()
	if err != nil {
		return nil, nil, err
	}
	p, err := v.Programme(r.Context(), who(r).User, r.PathValue("id"))
	return v, p, err
}

func (s *Server) pageVoiceCapture(w http.ResponseWriter, r *http.Request) error {
	v, p, err := s.voiceProgramme(r)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "voice-capture", s.captureData(r, p, v))
	return nil
}

// postVoiceCapture is the form post without script: the same capture as
// the API, then the form again with what happened.
func (s *Server) postVoiceCapture(w http.ResponseWriter, r *http.Request) error {
	v, p, err := s.voiceProgramme(r)
	if err != nil {
		return err
	}
	ctx, u := r.Context(), who(r).User
	if err := r.ParseForm(); err != nil {
		return fault.Errorf(fault.Invalid, "the form could not be read: send it again")
	}
	in := voice.Input{ID: r.PostFormValue("id"), SessionID: r.PostFormValue("session"), District: r.PostFormValue("district"),
		AgeBand: r.PostFormValue("age_band"), ConsentStore: r.PostFormValue("consent_store") == "yes",
		ConsentQuote: r.PostFormValue("consent_quote") == "yes", Answers: map[string]string{}}
	for _, q := range p.Questions {
		if a := r.PostFormValue("q_" + q.ID); a != "" {
			in.Answers[q.ID] = a
		}
	}
	data := s.captureData(r, p, v)
	status := http.StatusOK
	if resp, _, err := v.Capture(ctx, u, p.ID, in); err != nil {
		if fault.Code(err) != fault.Invalid && fault.Code(err) != fault.NotFound {
			return err
		}
		status, data["Error"] = http.StatusUnprocessableEntity, fault.Message(err)
	} else {
		data["Saved"] = resp.ID
	}
	s.render(w, r, status, "voice-capture", data)
	return nil
}

// voiceBesideItem is one programme theme that sits beside a data theme:
// how often residents raised it by district, released quotes about it and
// what was done.
type voiceBesideItem struct {
	Programme voice.ProgrammeSummary
	Theme     voice.ThemeFrequency
	Quotes    []*voice.Quote
	Actions   []*voice.Action
}

// voiceBeside returns what residents said about the data theme themeID in
// every programme whose codebook links a theme to it; nil when none does
// or the server has no voice room.
func (s *Server) voiceBeside(r *http.Request, themeID string) []voiceBesideItem {
	v := s.cfg.Voice
	if v == nil {
		return nil
	}
	ctx, u := r.Context(), who(r).User
	ps, err := v.List(ctx, u)
	if err != nil {
		return nil
	}
	var out []voiceBesideItem
	for _, p := range ps {
		ths, err := v.Themes(ctx, u, p.ID)
		if err != nil {
			continue
		}
		quotes, _ := v.Quotes(ctx, u, p.ID)
		actions, _ := v.Actions(ctx, u, p.ID)
		for _, th := range ths {
			if th.DataTheme != themeID {
				continue
			}
			it := voiceBesideItem{Programme: p, Theme: th}
			for _, q := range quotes {
				if q.Theme == th.Theme && q.State == voice.QuoteReleased {
					it.Quotes = append(it.Quotes, q)
				}
			}
			for _, a := range actions {
				if a.ThemeID == th.Theme {
					it.Actions = append(it.Actions, a)
				}
			}
			out = append(out, it)
		}
	}
	return out
}
