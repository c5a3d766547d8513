package ingest

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"

	"github.com/civiclink/civiclink/internal/fault"
)

// Formats the ingest understands.
const (
	FormatCSV     = "csv"
	FormatJSONL   = "jsonl"
	FormatParquet = "parquet"
)

// DefaultMaxLine is the longest physical line a text input may have.
const DefaultMaxLine = 1 << 20

// source yields an input's records as text fields in header order; an empty
// string is an empty (null) value.
type source interface {
	// Header returns the input's column names.
	Header() []string
	// Next returns the next record and the line (or row) it started on, or
	// io.EOF. A *rowError leaves the source usable for the next record.
	Next() (fields []string, line int64, err error)
}

// rowError is a problem confined to one record.
type rowError struct {
	line int64
	msg  string
}

func (e *rowError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }

// detectFormat picks the format from an explicit name or the file name.
func detectFormat(explicit, path string) (string, error) {
	if explicit != "" {
		switch explicit {
		case FormatCSV, "tsv", FormatJSONL, "ndjson", "json", FormatParquet:
			if explicit == "ndjson" || explicit == "json" {
				return FormatJSONL, nil
			}
			if explicit == "tsv" {
				return FormatCSV, nil
			}
			return explicit, nil
		}
		return "", fault.Errorf(fault.Invalid, "unknown format %q: use csv, jsonl or parquet", explicit)
	}
	name := strings.TrimSuffix(strings.ToLower(filepath.Base(path)), ".gz")
	switch filepath.Ext(name) {
	case ".csv", ".tsv", ".txt":
		return FormatCSV, nil
	case ".jsonl", ".ndjson", ".json":
		return FormatJSONL, nil
	case ".parquet":
		return FormatParquet, nil
	}
	return "", fault.FieldErrorf(fault.Invalid, "format", "cannot tell the format of %s from its name: give it, csv, jsonl or parquet", filepath.Base(path))
}

// counter counts bytes read from the underlying file, for progress.
type counter struct {
	r io.Reader
	n atomic.Int64
}

func (c *counter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// lineGuard fails a read once a physical line grows past max bytes, so a
// runaway line (a missing newline, a binary file) cannot exhaust memory.
type lineGuard struct {
	r    io.Reader
	max  int
	cur  int
	line int64
}

// errLineTooLong is returned by lineGuard.
type errLineTooLong struct {
	line int64
	max  int
}

func (e *errLineTooLong) Error() string {
	return fmt.Sprintf("line %d is longer than %d bytes: is this really a text file with one record per line?", e.line, e.max)
}

func (g *lineGuard) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	b := p[:n]
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			g.cur += len(b)
			break
		}
		g.cur += i
		if g.cur > g.max {
			return 0, &errLineTooLong{g.line + 1, g.max}
		}
		g.cur = 0
		g.line++
		b = b[i+1:]
	}
	if g.cur > g.max {
		return 0, &errLineTooLong{g.line + 1, g.max}
	}
	return n, err
}

// openText opens a text input: decompresses gzip (by its magic number),
// rejects UTF-16 and strips a UTF-8 byte-order mark.
func openText(f io.Reader, maxLine int) (io.Reader, error) {
	br := bufio.NewReaderSize(f, 256<<10)
	magic, _ := br.Peek(3)
	var r io.Reader = br
	if len(magic) >= 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, fault.Errorf(fault.Invalid, "the file looks gzipped but its header is damaged: %v", err)
		}
		inner := bufio.NewReaderSize(gz, 256<<10)
		r, br = inner, inner
		magic, _ = br.Peek(3)
	}
	switch {
	case len(magic) >= 2 && ((magic[0] == 0xff && magic[1] == 0xfe) || (magic[0] == 0xfe && magic[1] == 0xff)):
		return nil, fault.Errorf(fault.Invalid, "the file is UTF-16 encoded: save it as UTF-8 and ingest again")
	case len(magic) == 3 && magic[0] == 0xef && magic[1] == 0xbb && magic[2] == 0xbf:
		br.Discard(3)
	}
	if maxLine <= 0 {
		maxLine = DefaultMaxLine
	}
	return &lineGuard{r: r, max: maxLine}, nil
}

// readError turns a low-level read failure into a message naming the file.
func readError(name string, err error) error {
	var long *errLineTooLong
	switch {
	case errors.As(err, &long):
		return fault.Errorf(fault.Invalid, "%s: %s", name, long.Error())
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, gzip.ErrChecksum), errors.Is(err, gzip.ErrHeader):
		return fault.Errorf(fault.Invalid, "%s: the file ends early or is corrupt (%v): is the download or gzip complete?", name, err)
	case errors.Is(err, os.ErrNotExist):
		return fault.Errorf(fault.NotFound, "%s: no such file", name)
	}
	return fault.Wrap(err, fault.Invalid, "%s: cannot read", name)
}
