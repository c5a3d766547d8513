package web

import (
	"embed"
	"encoding/json"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"regexp"
	"strings"
	"time"
)

// dist is the UI bundle Vite builds from web/ (make build). A fresh clone
// has only dist/.keep, so the Go code compiles without the bundle and the
// pages say how to build it.
//
//go:embed all:dist
var dist embed.FS

// favicon is the site's icon, served at /favicon.svg and /favicon.ico.
//
//go:embed static/favicon.svg
var favicon []byte

// bundleEntry is the bundle's entry in Vite's manifest: the script the
// pages load, with the style sheet it imports.
const bundleEntry = "src/main.js"

// bundle names the built files a page loads. Their names carry a hash of
// their content, so a changed bundle has new names.
type bundle struct {
	Script string   // "/assets/app-3f9c1a.js"
	Styles []string // its style sheets
}

// hashed matches a file name Vite gave a content hash (app-DmH4kq1z.js):
// such a file never changes, so browsers may keep it for a year.
var hashed = regexp.MustCompile(`-[A-Za-z0-9_-]{8,}\.[a-z0-9]+$`)

// readBundle reads Vite's manifest from the embedded dist folder; ok is
// false when the bundle is not built.
func readBundle(sub fs.FS) (b bundle, ok bool) {
	raw, err := fs.ReadFile(sub, ".vite/manifest.json")
	if err != nil {
		return b, false
	}
	var m map[string]struct {
		File string   `json:"file"`
		CSS  []string `json:"css"`
	}
	if json.Unmarshal(raw, &m) != nil || m[bundleEntry].File == "" {
		return b, false
	}
	e := m[bundleEntry]
	if _, err := fs.Stat(sub, e.File); err != nil {
		return b, false
	}
	b.Script = "/" + e.File
	for _, c := range e.CSS {
		b.Styles = append(b.Styles, "/"+c)
	}
	return b, true
}

// assetFS returns the embedded dist folder's files (never a folder) and
// the bundle it holds.
func assetFS() (fs.FS, bundle, bool) {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		return nil, bundle{}, false
	}
	b, ok := readBundle(sub)
	return filesOnly{sub}, b, ok
}

// filesOnly is a file system whose folders cannot be opened, so that a
// file server answers 404 for a folder rather than listing it.
type filesOnly struct{ fs.FS }

// Open opens name if it is a file.
func (f filesOnly) Open(name string) (fs.File, error) {
	file, err := f.FS.Open(name)
	if err != nil {
		return nil, err
	}
	if st, err := file.Stat(); err != nil || st.IsDir() {
		file.Close()
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return file, nil
}

// encodings are the precompressed forms the build writes beside each
// asset, best first, with the Content-Encoding each is sent as.
var encodings = []struct{ token, suffix string }{{"br", ".br"}, {"gzip", ".gz"}}

// accepts reports whether an Accept-Encoding header accepts coding (not
// refused with q=0).
func accepts(header, coding string) bool {
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), coding) && strings.TrimSpace(name) != "*" {
			continue
		}
		q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}

// serveAsset serves a file of the bundle: the brotli or gzip form the
// build wrote when the browser accepts it (Content-Encoding, Vary), and a
// year's cache for a file whose name carries its content's hash.
func (s *Server) serveAsset(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("file")
	if s.assetFS == nil || strings.Contains(name, "..") || strings.HasSuffix(name, ".br") || strings.HasSuffix(name, ".gz") {
		http.NotFound(w, r)
		return nil
	}
	name = path.Join("assets", name)
	h := w.Header()
	h.Set("Vary", "Accept-Encoding")
	if hashed.MatchString(name) {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "public, max-age=300")
	}
	if ct := mime.TypeByExtension(path.Ext(name)); ct != "" {
		h.Set("Content-Type", ct)
	}
	for _, e := range encodings {
		if !accepts(r.Header.Get("Accept-Encoding"), e.token) {
			continue
		}
		if f, err := s.assetFS.Open(name + e.suffix); err == nil {
			defer f.Close()
			h.Set("Content-Encoding", e.token)
			return serveFile(w, r, name, f)
		}
	}
	f, err := s.assetFS.Open(name)
	if err != nil {
		h.Del("Cache-Control")
		http.NotFound(w, r)
		return nil
	}
	defer f.Close()
	return serveFile(w, r, name, f)
}

// serveFile sends an embedded file with ranges and conditional requests
// (an embedded file has no modification time; the hashed name is its
// version).
func serveFile(w http.ResponseWriter, r *http.Request, name string, f fs.File) error {
	rs, ok := f.(io.ReadSeeker)
	if !ok {
		_, err := io.Copy(w, f)
		return err
	}
	http.ServeContent(w, r, name, time.Time{}, rs)
	return nil
}

// serveFavicon sends the site's icon, cached for a day.
func (s *Server) serveFavicon(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	_, err := w.Write(favicon)
	return err
}
