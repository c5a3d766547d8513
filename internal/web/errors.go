package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

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
	case fault.Busy:
		return http.StatusTooManyRequests
	default:
		return http.StatusInternalServerError
	}
}

// errorBody is the JSON shape of every API error.
type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		// Field is the request parameter or body field the error is
		// about, when there is one.
		Field string `json:"field,omitempty"`
	} `json:"error"`
}

// fieldLabels are the web's labels for the fields a domain error can be
// about (fault.Error.Field) that a web form or API request gives; a field
// with no web input (a CLI flag only) is not named on the web.
var fieldLabels = map[string]string{
	"by":       "Group by",
	"config":   "Linkage config",
	"dataset":  "Dataset",
	"datasets": "Datasets",
	"format":   "Format",
	"name":     "Name",
	"pair":     "Pair",
	"partner":  "Partner",
	"period":   "Period",
	"purpose":  "Purpose",
	"purposes": "Purposes",
	"roles":    "Roles",
	"ttl":      "Lifetime",
	"user":     "User",
}

// withField adds to msg where the web takes the input field is about: the
// request parameter for the API, the form label for a page.
func withField(msg, field string, api bool) string {
	label, ok := fieldLabels[field]
	switch {
	case !ok:
		return msg
	case api:
		return msg + ` (the "` + field + `" parameter)`
	default:
		return msg + " (the " + label + " field)"
	}
}

// safe returns what a user may see of err on a page: its code, status and
// message, naming the form field it is about. Internal errors are logged
// here and shown only as a generic message.
func (s *Server) safe(r *http.Request, err error) (string, int, string) {
	code, st, msg := s.public(err, "method", r.Method, "path", r.URL.Path)
	if code != fault.Internal {
		msg = withField(msg, fault.Field(err), false)
	}
	return code, st, msg
}

// public is safe outside a request; attrs go into the log line.
func (s *Server) public(err error, attrs ...any) (string, int, string) {
	code := fault.Code(err)
	if fault.IsDiskFull(err) {
		s.cfg.Log.Error("disk full", append(attrs, "err", err)...)
		return fault.DiskFull, http.StatusInsufficientStorage, "the server's disk is full, so this was not saved; nothing was left half-written. Ask the platform team to free space, then try again"
	}
	if code == fault.Internal {
		s.cfg.Log.Error("internal error", append(attrs, "err", err)...)
		return code, http.StatusInternalServerError, "something went wrong on the server; it has been logged — try again, and tell the platform team if it persists"
	}
	return code, status(code), webWords(fault.Message(err))
}

// finish reports a handler's error, as JSON for the API and as a page
// otherwise. A nil error means the handler has written its response.
func (s *Server) finish(w http.ResponseWriter, r *http.Request, rt route, err error) {
	if err == nil {
		return
	}
	code, st, msg := s.public(err, "method", r.Method, "path", r.URL.Path)
	if st == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="civiclink"`)
	}
	if rt.api {
		var b errorBody
		b.Error.Code, b.Error.Message = code, msg
		if f := fault.Field(err); code != fault.Internal && fieldLabels[f] != "" {
			b.Error.Field, b.Error.Message = f, withField(msg, f, true)
		}
		writeJSON(w, st, b)
		return
	}
	if code != fault.Internal {
		msg = withField(msg, fault.Field(err), false)
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

// encodeJSON is v encoded as writeJSON writes it.
func encodeJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// writeJSONBytes writes an encoded JSON answer with writeJSON's headers.
func writeJSONBytes(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(body)
}

// unrouted answers a request that no route matches in place of the mux's
// plain-text answer h: a 404 or 405 under /api/ is the documented JSON
// error, elsewhere the error page; anything else h does (a redirect to a
// cleaned path) is done as it is.
func (s *Server) unrouted(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := &probe{header: http.Header{}}
		h.ServeHTTP(p, r)
		var code, msg string
		switch p.status {
		case http.StatusNotFound:
			code, msg = fault.NotFound, "there is nothing at "+r.URL.Path
			if strings.HasPrefix(r.URL.Path, "/api/") {
				msg += ": the API's paths are listed in /api/openapi.json"
			}
		case http.StatusMethodNotAllowed:
			allow := p.header.Get("Allow")
			w.Header().Set("Allow", allow)
			code, msg = "method_not_allowed", fmt.Sprintf("%s is not allowed on %s: use %s", r.Method, r.URL.Path, allow)
		default:
			h.ServeHTTP(w, r)
			return
		}
		if strings.HasPrefix(r.URL.Path, "/api/") {
			var b errorBody
			b.Error.Code, b.Error.Message = code, msg
			writeJSON(w, p.status, b)
			return
		}
		s.render(w, r, p.status, "error", map[string]any{"Title": http.StatusText(p.status), "Status": p.status, "Message": msg})
	})
}

// probe is a response writer that keeps only the status and headers.
type probe struct {
	header http.Header
	status int
}

func (p *probe) Header() http.Header { return p.header }
func (p *probe) Write(b []byte) (int, error) {
	if p.status == 0 {
		p.status = http.StatusOK
	}
	return len(b), nil
}
func (p *probe) WriteHeader(status int) {
	if p.status == 0 {
		p.status = status
	}
}
