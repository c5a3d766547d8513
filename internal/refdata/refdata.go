// Package refdata gives the rest of civiclink its reference data: the Essex
// geography (boundaries, lookups, populations), the name and postcode
// frequencies the synthetic county draws from, and a compact extract of the
// real public datasets the demo shows.
//
// The binary carries these files, derived from the partnership's shared data
// folder by `go generate` (see gen/ and data/README.md), so it runs from any
// directory. Setting CIVICLINK_REFDATA to a folder laid out like
// ../shared/data (for instance another county's) makes every read come from
// there instead.
//
// The full shared data folder also holds what only tests read (linkage test
// sets, clkhash vectors, the complete DfT and police extracts): [Dir]
// and [Path] find it beside the checkout.
package refdata

//go:generate go run ./gen -out data

import (
	"bytes"
	"compress/gzip"
	"embed"
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"

	"github.com/civiclink/civiclink/internal/fault"
)

// EnvVar names the environment variable that points at a reference data
// folder to read instead of the embedded one.
const EnvVar = "CIVICLINK_REFDATA"

// embedded holds the derived reference files, each gzip-compressed, under
// data/ with the shared folder's layout (data/boundaries/…geojson.gz).
//
//go:embed data
var embedded embed.FS

// Source describes where reference data is read from: the folder named by
// CIVICLINK_REFDATA, or "embedded".
func Source() string {
	if d := os.Getenv(EnvVar); d != "" {
		return d
	}
	return "embedded"
}

// ReadFile returns a reference file by its slash-separated path in the
// shared data layout, e.g. ReadFile("geography_lookups/essex_lad_lookup.csv").
// It reads from $CIVICLINK_REFDATA when that is set (the file as is, or
// its .gz), else from the files embedded in the binary.
func ReadFile(name string) ([]byte, error) {
	fsys, where, err := source()
	if err != nil {
		return nil, err
	}
	b, err := readMaybeGzip(fsys, name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fault.Errorf(fault.NotFound, "reference file %s is not in %s", name, where)
	}
	if err != nil {
		return nil, fault.Errorf(fault.Invalid, "reference file %s in %s cannot be read: %v", name, where, err)
	}
	return b, nil
}

// source returns the file system reference files are read from and how to
// name it in an error.
func source() (fs.FS, string, error) {
	d := os.Getenv(EnvVar)
	if d == "" {
		sub, err := fs.Sub(embedded, "data")
		return sub, "the reference data embedded in this binary", err
	}
	if !isDir(d) {
		return nil, "", fault.Errorf(fault.Invalid, "%s=%s is not a folder; set it to a folder laid out like shared/data, or unset it to use the embedded reference data", EnvVar, d)
	}
	return os.DirFS(d), EnvVar + "=" + d, nil
}

// readMaybeGzip reads name from fsys, or name.gz decompressed.
func readMaybeGzip(fsys fs.FS, name string) ([]byte, error) {
	name = path.Clean(name)
	b, err := fs.ReadFile(fsys, name)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return b, err
	}
	gz, err := fs.ReadFile(fsys, name+".gz")
	if err != nil {
		return nil, err
	}
	return Gunzip(gz)
}

// Gunzip decompresses a gzip stream held in memory.
func Gunzip(gz []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	return io.ReadAll(zr)
}

// Dir returns the shared data folder that tests and benchmarks read
// (linkage sets, clkhash vectors, full public extracts): $CIVICLINK_REFDATA
// when set, else the first shared/data found beside the working directory
// or the executable, or beside one of their parents.
func Dir() (string, error) {
	if d := os.Getenv(EnvVar); d != "" {
		if isDir(d) {
			return d, nil
		}
		return "", fault.Errorf(fault.Invalid, "%s=%s is not a folder", EnvVar, d)
	}
	var starts []string
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	if exe, err := os.Executable(); err == nil {
		starts = append(starts, filepath.Dir(exe))
	}
	for _, s := range starts {
		for d := s; ; d = filepath.Dir(d) {
			if c := filepath.Join(d, "shared", "data"); isDir(c) {
				return c, nil
			}
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	return "", fault.Errorf(fault.NotFound, "cannot find the shared data folder: looked for shared/data beside %v and each of their parents; set %s to its path", starts, EnvVar)
}

// Path returns the path of a file under the shared data folder, e.g.
// Path("linkage", "febrl1.csv").
func Path(parts ...string) (string, error) {
	d, err := Dir()
	if err != nil {
		return "", err
	}
	p := filepath.Join(append([]string{d}, parts...)...)
	if _, err := os.Stat(p); err != nil {
		return "", fault.Errorf(fault.NotFound, "reference file %s is missing from %s", filepath.Join(parts...), d)
	}
	return p, nil
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}
