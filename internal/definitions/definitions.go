// Package definitions holds the definitions built into civiclink: the
// partnership's indicators, named cohorts and themes, the schemas of the
// public datasets the demo registers, and the plain linkage configuration
// the linkage benchmark uses by default. They are embedded so the binary
// runs from any directory; the rooms that read them (insight, demo, the
// CLI) parse them. Files meant for users to copy and adapt live in the
// top-level examples/ folder instead.
package definitions

import (
	"embed"
	"io/fs"
)

// FS holds every built-in definition, by its path under this folder:
// indicators/*.json, cohorts/*.json, themes/*.json, schemas/*.schema.json
// and linkage/*.json.
//
//go:embed indicators/*.json cohorts/*.json themes/*.json schemas/*.json linkage/*.json
var FS embed.FS

// File is one built-in definition file: its path under FS and its bytes.
type File struct {
	Path string
	Data []byte
}

// Kind returns every file of one kind (a folder: "indicators", "cohorts",
// "themes", "schemas" or "linkage"), sorted by path.
func Kind(kind string) ([]File, error) {
	paths, err := fs.Glob(FS, kind+"/*.json")
	if err != nil {
		return nil, err
	}
	out := make([]File, 0, len(paths))
	for _, p := range paths {
		b, err := FS.ReadFile(p)
		if err != nil {
			return nil, err
		}
		out = append(out, File{Path: p, Data: b})
	}
	return out, nil
}
