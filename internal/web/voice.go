package web

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/voice"
)

// voiceRoutes lists the citizen-voice routes: the capture form and its
// API, results, themes, trends and released quotes. Every one goes
// through the voice service, which checks the user's role and records
// the action; free text is redacted there before it is stored.
func (s *Server) voiceRoutes() []route {
	return append(append([]route{
		{method: "GET", path: "/api/voice/programmes", api: true, summary: "Conversation programmes with their counts", result: "VoiceProgrammeList", handle: s.apiVoiceProgrammes},
		{method: "GET", path: "/api/voice/programmes/{id}", api: true, summary: "A conversation programme: questions, sessions, codebook", result: "VoiceProgramme", handle: s.apiVoiceProgramme},
		{method: "POST", path: "/api/voice/programmes/{id}/responses", api: true, body: "json", summary: "Capture one response (free text redacted before it is stored; 201, or 200 when a response with this id was already received)", result: "VoiceResponse", handle: s.apiVoiceCapture},
		{method: "GET", path: "/api/voice/programmes/{id}/results", api: true, summary: "A scale or choice question's answers (?question=, ?by=district,age_band,wave), small groups suppressed", result: "VoiceResults", handle: s.apiVoiceResults},
		{method: "GET", path: "/api/voice/programmes/{id}/trend", api: true, summary: "The share agreeing with a scale question per wave with 95% intervals (?question=, ?district=)", result: "VoiceTrend", handle: s.apiVoiceTrend},
		{method: "GET", path: "/api/voice/programmes/{id}/themes", api: true, summary: "How often residents raised each codebook theme, by district, small groups suppressed", result: "VoiceThemes", handle: s.apiVoiceThemes},
		{method: "GET", path: "/api/voice/programmes/{id}/quotes", api: true, summary: "Quotes: released ones (all states for analysts and output checkers)", result: "VoiceQuotes", handle: s.apiVoiceQuotes},
	}, s.voiceReviewRoutes()...), []route{
		{method: "GET", path: "/voice", summary: "Citizen voice: conversation programmes", handle: s.pageVoiceList},
		{method: "GET", path: "/voice/{id}", summary: "A programme's results: answers as diverging bars, trends, themes, quotes, you said we did", handle: s.pageVoice},
		{method: "GET", path: "/voice/{id}/capture", summary: "Capture form (works on a phone; keeps a draft if the connection drops)", handle: s.pageVoiceCapture},
		{method: "POST", path: "/voice/{id}/capture", summary: "Capture (form post without script)", handle: s.postVoiceCapture},
	}...)
}

// voiceSvc returns the voice room, or why there is none.
func (s *Server) voiceSvc() (*voice.Service, error) {
	if s.cfg.Voice == nil {
		return nil, fault.Errorf(fault.NotFound, "this server has no citizen voice programmes")
	}
	return s.cfg.Voice, nil
}

// voiceJSON makes an API handler that asks the voice room for one thing
// and writes it as JSON.
func voiceJSON[T any](s *Server, get func(r *http.Request, v *voice.Service, u *govern.User) (T, error)) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		v, err := s.voiceSvc()
		if err != nil {
			return err
		}
		out, err := get(r, v, who(r).User)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, out)
		return nil
	}
}

func (s *Server) apiVoiceProgrammes(w http.ResponseWriter, r *http.Request) error {
	return voiceJSON(s, func(r *http.Request, v *voice.Service, u *govern.User) (map[string]any, error) {
		ps, err := v.List(r.Context(), u)
		if ps == nil {
			ps = []voice.ProgrammeSummary{}
		}
		return map[string]any{"programmes": ps}, err
	})(w, r)
}

func (s *Server) apiVoiceProgramme(w http.ResponseWriter, r *http.Request) error {
	return voiceJSON(s, func(r *http.Request, v *voice.Service, u *govern.User) (*voice.Programme, error) {
		return v.Programme(r.Context(), u, r.PathValue("id"))
	})(w, r)
}

// maxVoiceBody caps a captured response's JSON: every free-text answer at
// its limit, with room.
const maxVoiceBody = 256 << 10

func (s *Server) apiVoiceCapture(w http.ResponseWriter, r *http.Request) error {
	v, err := s.voiceSvc()
	if err != nil {
		return err
	}
	var in voice.Input
	dec := json.NewDecoder(io.LimitReader(r.Body, maxVoiceBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		// The decoder's message may quote the body: never pass it on.
		return fault.Errorf(fault.Invalid, "the body must be a JSON response like {\"session\": \"…\", \"consent_store\": true, \"consent_quote\": false, \"answers\": {\"question\": \"answer\"}}")
	}
	resp, dup, err := v.Capture(r.Context(), who(r).User, r.PathValue("id"), in)
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if dup {
		status = http.StatusOK
	}
	writeJSON(w, status, resp)
	return nil
}

func (s *Server) apiVoiceResults(w http.ResponseWriter, r *http.Request) error {
	return voiceJSON(s, func(r *http.Request, v *voice.Service, u *govern.User) (*voice.Results, error) {
		q := r.URL.Query()
		return v.Results(r.Context(), u, voice.ResultSpec{ProgrammeID: r.PathValue("id"), QuestionID: q.Get("question"), By: splitComma(q.Get("by"))})
	})(w, r)
}

func (s *Server) apiVoiceTrend(w http.ResponseWriter, r *http.Request) error {
	return voiceJSON(s, func(r *http.Request, v *voice.Service, u *govern.User) (*voice.Trend, error) {
		return v.Trend(r.Context(), u, r.PathValue("id"), r.URL.Query().Get("question"), r.URL.Query().Get("district"))
	})(w, r)
}

func (s *Server) apiVoiceThemes(w http.ResponseWriter, r *http.Request) error {
	return voiceJSON(s, func(r *http.Request, v *voice.Service, u *govern.User) (map[string]any, error) {
		ths, err := v.Themes(r.Context(), u, r.PathValue("id"))
		return map[string]any{"themes": ths}, err
	})(w, r)
}

func (s *Server) apiVoiceQuotes(w http.ResponseWriter, r *http.Request) error {
	return voiceJSON(s, func(r *http.Request, v *voice.Service, u *govern.User) (map[string]any, error) {
		qs, err := v.Quotes(r.Context(), u, r.PathValue("id"))
		if qs == nil {
			qs = []*voice.Quote{}
		}
		return map[string]any{"quotes": qs}, err
	})(w, r)
}

func splitComma(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
