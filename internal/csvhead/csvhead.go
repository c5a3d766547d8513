// Package csvhead reads CSV files by the column names of their header row:
// the one reader behind the reference files, the synthetic county's name
// lists, linkage truth files, the linkage benchmark's tables and the link
// command's outputs.
package csvhead

import (
	"encoding/csv"
	"errors"
	"io"
	"slices"
	"strings"
)

// Reader reads the records of a CSV file by the names of its header row.
// Names are trimmed of spaces and a byte-order mark. A record's fields are
// valid until the next call to Next.
type Reader struct {
	cr     *csv.Reader
	header []string
	index  map[string]int
	rec    []string
	line   int
	err    error
}

// Options change how a file is read.
type Options struct {
	// Ragged accepts records with more or fewer fields than the header
	// (a missing field reads as ""); otherwise such a record is an error.
	Ragged bool
	// TrimLeadingSpace ignores spaces before a field, so that a quoted
	// field may follow ", " (FEBRL files pad fields so).
	TrimLeadingSpace bool
}

// New reads r's header row. An empty input is io.EOF.
func New(r io.Reader, o Options) (*Reader, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	if o.Ragged {
		cr.FieldsPerRecord = -1
	}
	cr.TrimLeadingSpace = o.TrimLeadingSpace
	head, err := cr.Read()
	if err != nil {
		return nil, err
	}
	out := &Reader{cr: cr, header: slices.Clone(head), index: make(map[string]int, len(head)), line: 1}
	for i, h := range out.header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		out.header[i] = h
		if _, dup := out.index[h]; !dup {
			out.index[h] = i
		}
	}
	return out, nil
}

// Header returns the column names, in order.
func (r *Reader) Header() []string { return r.header }

// Index returns a column's position, or -1 when the header lacks it.
func (r *Reader) Index(name string) int {
	if i, ok := r.index[name]; ok {
		return i
	}
	return -1
}

// Missing returns those of names the header lacks, in their order.
func (r *Reader) Missing(names ...string) []string {
	var out []string
	for _, n := range names {
		if _, ok := r.index[n]; !ok {
			out = append(out, n)
		}
	}
	return out
}

// Next reads the next record; false at the end of the file or on an
// error, which Err then returns.
func (r *Reader) Next() bool {
	if r.err != nil {
		return false
	}
	rec, err := r.cr.Read()
	if err != nil {
		if !errors.Is(err, io.EOF) {
			r.err = err
		}
		r.rec = nil
		return false
	}
	r.rec = rec
	r.line, _ = r.cr.FieldPos(0)
	return true
}

// Err returns the error that stopped Next, or nil at the end of the file.
func (r *Reader) Err() error { return r.err }

// Line returns the line the current record starts on (the header's is 1).
func (r *Reader) Line() int { return r.line }

// Fields returns how many fields the current record has.
func (r *Reader) Fields() int { return len(r.rec) }

// Field returns the current record's field i as written, or "" when i is
// -1 or beyond the record.
func (r *Reader) Field(i int) string {
	if i < 0 || i >= len(r.rec) {
		return ""
	}
	return r.rec[i]
}

// Get returns the current record's field in the named column, trimmed of
// spaces, or "" when the header lacks it.
func (r *Reader) Get(name string) string {
	return strings.TrimSpace(r.Field(r.Index(name)))
}
