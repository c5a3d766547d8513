package pseudo

import (
	"bufio"
	"os"
	"path/filepath"

	"github.com/civiclink/civiclink/internal/fault"
)

// atomicFile is an output file written under a temporary name beside its
// final path and renamed into place only by commit, so that a reader never
// sees a half-written file, whether the run fails, is cancelled or is
// killed. abort removes the temporary file.
type atomicFile struct {
	path string
	f    *os.File
	*bufio.Writer
}

func createAtomic(path string) (*atomicFile, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, fault.Errorf(fault.Invalid, "cannot write %s: %v", path, err)
	}
	return &atomicFile{path: path, f: f, Writer: bufio.NewWriterSize(f, 1<<20)}, nil
}

func (a *atomicFile) commit() error {
	err := a.Flush()
	if err == nil {
		err = a.f.Sync()
	}
	if cerr := a.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(a.f.Name(), a.path)
	}
	if err != nil {
		os.Remove(a.f.Name())
		return fault.Errorf(fault.Internal, "cannot finish writing %s: %v", a.path, err)
	}
	if d, err := os.Open(filepath.Dir(a.path)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

func (a *atomicFile) abort() {
	if a == nil {
		return
	}
	a.f.Close()
	os.Remove(a.f.Name())
}
