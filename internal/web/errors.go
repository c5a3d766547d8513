package web

import (
	"encoding/json"
	"net/http"

	"github.com/civiclink/civiclink/internal/fault"
)

// status maps a domain error code onto an HTTP status.
func status(code string) int {
	switch code {
	case fault.Invalid:
		return http.StatusBadRequest
	case fault.Unauthorized:
		return http.StatusUnauthorized
	case fault.Forbidden:
		return http.StatusForbidden
	case fault.NotFound:
		return http.StatusNotFound
	case fault.Conflict:
		return http.StatusConflict
	case fault.Disclosure:
		return http.StatusUnprocessableEntity
	default:
		return http.StatusInternalServerError
	}
}

// errorBody is the JSON shape of every API error.
type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// safe returns what a user may see of err: its code, status and message.
// Internal errors are logged here and shown only as a generic message.
func (s *Server) safe(r *http.Request, err error) (string, int, string) {
	return s.public(err, "method", r.Method, "path", r.URL.Path)
}

// public is safe outside a request; attrs go into the log line.
func (s *Server) public(err error, attrs ...any) (string, int, string) {
	code := fault.Code(err)
	if code == fault.Internal {
		s.cfg.Log.Error("internal error", append(attrs, "err", err)...)
		return code, http.StatusInternalServerError, "something went wrong on the server; it has been logged — try again, and tell the platform team if it persists"
	}
	return code, status(code), fault.Message(err)
}

// finish reports a handler's error, as JSON for the API and as a page
// otherwise. A nil error means the handler has written its response.
func (s *Server) finish(w http.ResponseWriter, r *http.Request, rt route, err error) {
	if err == nil {
		return
	}
	code, st, msg := s.safe(r, err)
	if st == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="civiclink"`)
	}
	if rt.api {
		var b errorBody
		b.Error.Code, b.Error.Message = code, msg
		writeJSON(w, st, b)
		return
	}
	s.render(w, r, st, "error", map[string]any{"Title": http.StatusText(st), "Status": st, "Message": msg})
}

// writeJSON writes v as a JSON response.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}
