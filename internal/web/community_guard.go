package web

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/civiclink/civiclink/internal/govern"
)

// SuggestLimits guard the public community suggestion form against
// floods. Zero fields take the defaults given.
type SuggestLimits struct {
	// PerAddress suggestions from one client address within Window are
	// read; more get 429 and are not read (default 10 an hour).
	PerAddress int
	Window     time.Duration
}

func (l *SuggestLimits) defaults() {
	if l.PerAddress <= 0 {
		l.PerAddress = 10
	}
	if l.Window <= 0 {
		l.Window = time.Hour
	}
}

// honeypotField is the suggestion form's field that people never see
// (it is off screen and hidden from assistive technology) and so leave
// empty; a program filling in every field fills it too.
const honeypotField = "website_confirm"

// maxSuggestBody caps a suggestion's request body: the form's fields at
// their longest fit in a fraction of it.
const maxSuggestBody = 64 << 10

// guardSuggestion counts a suggestion against its address's limit and
// checks the honeypot. A refused one gets its page (429 or 400, saying
// nothing was saved) and true; the address's first refusal in a window
// and every honeypot are audited, without the address (it is personal
// data, and the log is not for tracing members of the public).
func (s *Server) guardSuggestion(w http.ResponseWriter, r *http.Request, f suggestForm) (bool, error) {
	var user *govern.User
	if p, _ := s.identify(r); p != nil {
		user = p.User
	}
	ok, wait, first := s.suggests.allow(clientAddr(r, s.cfg.TrustedProxies))
	if !ok {
		if first {
			reason := fmt.Sprintf("more than %d suggestions from one address within %s", s.cfg.Suggest.PerAddress, s.cfg.Suggest.Window)
			if err := s.cfg.Community.RecordRefusedSuggestion(r.Context(), user, reason); err != nil {
				return true, err
			}
		}
		minutes := max(int((wait+time.Minute-1)/time.Minute), 1)
		w.Header().Set("Retry-After", strconv.Itoa(int(wait/time.Second)+1))
		s.refuseSuggestion(w, r, f, http.StatusTooManyRequests,
			fmt.Sprintf("Too many suggestions have come from your address: please try again in %d minutes.", minutes))
		return true, nil
	}
	if r.PostForm.Get(honeypotField) != "" {
		reason := "the form's hidden field, which people leave empty, was filled in: it looks sent by a program"
		if err := s.cfg.Community.RecordRefusedSuggestion(r.Context(), user, reason); err != nil {
			return true, err
		}
		s.refuseSuggestion(w, r, f, http.StatusBadRequest, "The form's hidden field, which people leave empty, was filled in, so it looks sent by a program. If you are a person, clear the field named “Leave this empty” and send it again.")
		return true, nil
	}
	return false, nil
}

// refuseSuggestion shows the form again, as typed, with why it was
// refused.
func (s *Server) refuseSuggestion(w http.ResponseWriter, r *http.Request, f suggestForm, status int, why string) {
	data := s.suggestData(f)
	data["Problems"] = []string{why}
	s.render(w, r, status, "community-suggest", data)
}
