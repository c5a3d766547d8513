package web

import (
	"encoding/json"
	"io"
	"math"
	"net/http"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/voice"
)

// voiceReviewRoutes are the analysts' and output checkers' routes: manual
// coding, agreement between coders, and quotes from proposal to release.
func (s *Server) voiceReviewRoutes() []route {
	return []route{
		{method: "POST", path: "/api/voice/programmes/{id}/codings", api: true, body: "json", summary: "Code one free-text answer against the codebook (analysts); body {response, question, themes}", result: "VoiceCoding", handle: s.apiVoiceCode},
		{method: "GET", path: "/api/voice/programmes/{id}/agreement", api: true, summary: "Cohen's kappa between two coders on the answers both coded (?coders=a,b; \"rules\" is the codebook's rules; analysts)", result: "VoiceAgreement", handle: s.apiVoiceAgreement},
		{method: "POST", path: "/api/voice/responses/{id}/quotes", api: true, body: "json", summary: "Propose (part of) a free-text answer as a quote (analysts; needs the resident's quote consent); body {question, excerpt, theme}", result: "VoiceQuote", handle: s.apiVoiceProposeQuote},
		{method: "POST", path: "/api/voice/quotes/{id}/{action}", api: true, body: "json", summary: "approve, reject or release a quote (output checkers other than the proposer); a released quote never changes; body {\"note\": \"…\"}", result: "VoiceQuote", handle: s.apiVoiceQuoteStep},
	}
}

// decodeVoice reads a small JSON body into v without echoing it.
func decodeVoice(r *http.Request, v any, shape string) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil && err != io.EOF {
		return fault.Errorf(fault.Invalid, "the body must be JSON like %s", shape)
	}
	return nil
}

func (s *Server) apiVoiceCode(w http.ResponseWriter, r *http.Request) error {
	v, err := s.voiceSvc()
	if err != nil {
		return err
	}
	var body struct {
		Response string   `json:"response"`
		Question string   `json:"question"`
		Themes   []string `json:"themes"`
	}
	if err := decodeVoice(r, &body, `{"response": "…", "question": "…", "themes": ["…"]}`); err != nil {
		return err
	}
	c := voice.Coding{ProgrammeID: r.PathValue("id"), ResponseID: body.Response, QuestionID: body.Question, Themes: body.Themes}
	if err := v.Code(r.Context(), who(r).User, c); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"programme": c.ProgrammeID, "response": c.ResponseID, "question": c.QuestionID, "coder": who(r).User.ID, "themes": c.Themes})
	return nil
}

// kappaJSON is a kappa for JSON: null when undefined.
func kappaJSON(k float64) *float64 {
	if math.IsNaN(k) {
		return nil
	}
	k = math.Round(k*1000) / 1000
	return &k
}

func (s *Server) apiVoiceAgreement(w http.ResponseWriter, r *http.Request) error {
	return voiceJSON(s, func(r *http.Request, v *voice.Service, u *govern.User) (map[string]any, error) {
		cs := splitComma(r.URL.Query().Get("coders"))
		if len(cs) != 2 {
			return nil, fault.FieldErrorf(fault.Invalid, "coders", "give two coders, e.g. ?coders=ann,rules")
		}
		ag, err := v.Agreement(r.Context(), u, r.PathValue("id"), cs[0], cs[1])
		if err != nil {
			return nil, err
		}
		themes := make([]map[string]any, len(ag.Themes))
		for i, t := range ag.Themes {
			themes[i] = map[string]any{"theme": t.Theme, "both": t.Both, "only_a": t.OnlyA, "only_b": t.OnlyB, "neither": t.Neither, "kappa": kappaJSON(t.Kappa)}
		}
		return map[string]any{"coder_a": ag.CoderA, "coder_b": ag.CoderB, "items": ag.Items, "kappa": kappaJSON(ag.Kappa),
			"observed": math.Round(ag.Observed*1000) / 1000, "themes": themes}, nil
	})(w, r)
}

func (s *Server) apiVoiceProposeQuote(w http.ResponseWriter, r *http.Request) error {
	v, err := s.voiceSvc()
	if err != nil {
		return err
	}
	var body struct {
		Question string `json:"question"`
		Excerpt  string `json:"excerpt"`
		Theme    string `json:"theme"`
	}
	if err := decodeVoice(r, &body, `{"question": "…", "excerpt": "…", "theme": "…"}`); err != nil {
		return err
	}
	q, err := v.ProposeQuote(r.Context(), who(r).User, r.PathValue("id"), body.Question, body.Excerpt, body.Theme)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, q)
	return nil
}

func (s *Server) apiVoiceQuoteStep(w http.ResponseWriter, r *http.Request) error {
	return voiceJSON(s, func(r *http.Request, v *voice.Service, u *govern.User) (*voice.Quote, error) {
		var body struct {
			Note string `json:"note"`
		}
		if err := decodeVoice(r, &body, `{"note": "…"}`); err != nil {
			return nil, err
		}
		id := r.PathValue("id")
		switch r.PathValue("action") {
		case "approve":
			return v.CheckQuote(r.Context(), u, id, true, body.Note)
		case "reject":
			return v.CheckQuote(r.Context(), u, id, false, body.Note)
		case "release":
			return v.ReleaseQuote(r.Context(), u, id)
		}
		return nil, fault.FieldErrorf(fault.NotFound, "action", "a quote can be approved, rejected or released, not %q", r.PathValue("action"))
	})(w, r)
}
