package ingest

import (
	"bufio"
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"

	"github.com/civiclink/civiclink/internal/fault"
)

// rejectWriter writes rejected rows, each with its line and reason, to a
// CSV file. It writes to a temporary file and renames it into place only
// when the load commits, so a failed load leaves no rejects file behind.
type rejectWriter struct {
	path string
	f    *os.File
	bw   *bufio.Writer
	w    *csv.Writer
	done bool
	rec  []string
}

func newRejectWriter(path string, header []string) (*rejectWriter, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return nil, fault.Errorf(fault.Invalid, "cannot write the rejects file %s: %v", path, err)
	}
	bw := bufio.NewWriter(f)
	w := csv.NewWriter(bw)
	rw := &rejectWriter{path: path, f: f, bw: bw, w: w}
	w.Write(append([]string{"_line", "_column", "_reason"}, header...))
	return rw, nil
}

func (r *rejectWriter) write(e RowError, fields []string) {
	r.rec = append(r.rec[:0], strconv.FormatInt(e.Line, 10), e.Column, e.Message)
	r.rec = append(r.rec, fields...)
	r.w.Write(r.rec)
}

// commit flushes the file and moves it into place.
func (r *rejectWriter) commit() error {
	r.w.Flush()
	err := r.w.Error()
	if err == nil {
		err = r.bw.Flush()
	}
	if err == nil {
		err = r.f.Sync()
	}
	if cerr := r.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(r.f.Name(), r.path)
	}
	if err != nil {
		os.Remove(r.f.Name())
		return fault.Errorf(fault.Invalid, "cannot write the rejects file %s: %v", r.path, err)
	}
	r.done = true
	return nil
}

// discard removes the temporary file unless commit moved it into place.
func (r *rejectWriter) discard() {
	if r.done {
		return
	}
	r.f.Close()
	os.Remove(r.f.Name())
}
