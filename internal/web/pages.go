package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/programme"
)

//go:embed templates
var templateFS embed.FS

// view is what every page template receives.
type view struct {
	Title  string
	User   *govern.User
	CSRF   string
	Built  bool // the UI bundle is embedded
	Bundle bundle
	Active string
	Data   map[string]any
}

var funcs = template.FuncMap{
	"date": func(t time.Time) string { return t.UTC().Format("2 Jan 2006 15:04") },
	"pct":  func(f float64) string { return fmt.Sprintf("%.1f%%", 100*f) },
	"num":  groupDigits,
	"nav":  navShows,
	// has reports whether a list of strings holds one (checked boxes).
	"has": slices.Contains[[]string, string],
	// index1 is index that gives nil, not an error, past the end.
	"index1": func(s []programme.Value, i int) *programme.Value {
		if i < len(s) {
			return &s[i]
		}
		return nil
	},
}

// groupDigits writes n with thousands separators: 17,473.
func groupDigits(n int64) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// parsePages parses every page with the shared layout; a template error
// stops the server from starting.
func parsePages() (map[string]*template.Template, error) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		base := strings.TrimSuffix(path.Base(n), ".html")
		if base == "layout" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", n)
		if err != nil {
			return nil, fmt.Errorf("web: parse page %s: %w", base, err)
		}
		pages[base] = t
	}
	if len(pages) == 0 {
		return nil, fmt.Errorf("web: no page templates embedded")
	}
	return pages, nil
}

// render writes a page. It renders into a buffer first so that a template
// error becomes a clean 500 rather than half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, data map[string]any) {
	v := view{Built: s.built, Bundle: s.bundle, Data: data, Active: name}
	if t, ok := data["Title"].(string); ok {
		v.Title = t
	}
	if p := who(r); p != nil {
		v.User = p.User
		if p.Session != nil {
			v.CSRF = p.Session.CSRF
		}
	}
	if c, ok := data["CSRF"].(string); ok {
		v.CSRF = c
	}
	t := s.pages[name]
	var buf bytes.Buffer
	if t == nil {
		s.cfg.Log.Error("no such page template", "page", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if err := t.Execute(&buf, v); err != nil {
		s.cfg.Log.Error("render page", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}
