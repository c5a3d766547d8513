package web

import (
	"embed"
	"io/fs"
	"net/http"
	"strings"
)

// dist is the UI bundle Vite builds from web/ (make build). A fresh clone
// has only dist/.keep, so the Go code compiles without the bundle and the
// pages say how to build it.
//
//go:embed all:dist
var dist embed.FS

// bundleEntry is the bundle's script; its presence means the UI is built.
const bundleEntry = "assets/app.js"

// assetHandler serves the files (never a folder's listing) of
// dist/assets and reports whether the bundle is there.
func assetHandler() (http.Handler, bool) {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		return http.NotFoundHandler(), false
	}
	_, err = fs.Stat(sub, bundleEntry)
	return http.FileServerFS(filesOnly{sub}), err == nil
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

func (s *Server) serveAsset(w http.ResponseWriter, r *http.Request) error {
	if strings.Contains(r.PathValue("file"), "..") {
		http.NotFound(w, r)
		return nil
	}
	w.Header().Set("Cache-Control", "public, max-age=300")
	s.assets.ServeHTTP(w, r)
	return nil
}
