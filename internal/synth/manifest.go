package synth

import (
	"encoding/json"
	"os"
	"path/filepath"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/fault"
)

// ManifestFile is the manifest's name inside an output folder.
const ManifestFile = "manifest.json"

// Manifest describes a generated county so that a script (or `civiclink
// load`) can register its partners and datasets and ingest them without
// knowing what is inside. Paths are relative to the folder.
type Manifest struct {
	Seed     uint64            `json:"seed"`
	People   int               `json:"people"`
	Partners []Partner         `json:"partners"`
	Datasets []ManifestDataset `json:"datasets"`
	// Truth maps every (dataset, record id) to its person id, with the
	// identity errors the record carries.
	Truth string `json:"truth"`
	// Population lists every person's true identity and addresses.
	Population string `json:"population"`
	// Settings are the generator's settings.
	Settings Config `json:"settings"`
	// Errors counts, per dataset and error kind, the records where the
	// error was possible and those that got it.
	Errors map[string]map[string][2]int64 `json:"errors"`

	// Dir is the folder the manifest was read from (not stored).
	Dir string `json:"-"`
}

// ManifestDataset is one dataset of a generated county.
type ManifestDataset struct {
	Partner     string `json:"partner"`
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	File        string `json:"file"`
	Schema      string `json:"schema"`
	Rows        int64  `json:"rows"`
}

// ReadManifest reads the manifest of a county generated into dir and checks
// that the files it names are there.
func ReadManifest(dir string) (*Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return nil, fault.Errorf(fault.NotFound, "no synthetic county in %s: cannot read %s (run civiclink synth --out %s first)", dir, ManifestFile, dir)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fault.Errorf(fault.Invalid, "%s in %s is not a valid manifest: %v", ManifestFile, dir, err)
	}
	m.Dir = dir
	files := []string{m.Truth}
	for _, d := range m.Datasets {
		if err := catalog.ValidateID("dataset", d.ID); err != nil {
			return nil, err
		}
		files = append(files, d.File, d.Schema)
	}
	for _, f := range files {
		if f == "" || filepath.IsAbs(f) || !filepath.IsLocal(f) {
			return nil, fault.Errorf(fault.Invalid, "manifest in %s names %q: paths must be relative and inside the folder", dir, f)
		}
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			return nil, fault.Errorf(fault.NotFound, "manifest in %s names %s, which is missing", dir, f)
		}
	}
	return &m, nil
}

// Path returns a manifest-relative path joined to the folder.
func (m *Manifest) Path(rel string) string { return filepath.Join(m.Dir, rel) }

// ReadSchema reads and validates a dataset's schema file.
func (m *Manifest) ReadSchema(d ManifestDataset) (*catalog.Schema, error) {
	return catalog.ReadSchemaFile(m.Path(d.Schema))
}

// Dataset returns the entry of the dataset with the given id.
func (m *Manifest) Dataset(id string) (*ManifestDataset, bool) {
	for i := range m.Datasets {
		if m.Datasets[i].ID == id {
			return &m.Datasets[i], true
		}
	}
	return nil, false
}
