// Package ingest loads partner files into new, immutable dataset versions.
//
// A file is read as a stream (CSV, JSON Lines or Parquet; gzip detected),
// every value is validated against the dataset's schema and converted to its
// type, and the rows are written into the store inside one transaction, so
// a failure or a crash leaves the store exactly as it was. A quality report
// travels with every version.
package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/fault"
)

// Request says what to load where.
type Request struct {
	DatasetID string
	Path      string
	// Format is csv, jsonl or parquet; empty means detect from the name.
	Format string
	// Delimiter separates CSV fields; 0 means ','.
	Delimiter rune
	// RejectsPath, when set, switches from rejecting the whole file on any
	// bad row to loading the good rows and writing every bad row, with its
	// line and reason, to this CSV file.
	RejectsPath string
	// User is who loads the file, recorded on the version.
	User string
	// AuditPending has the store note, with the new version, that its audit
	// entry is still to be appended (the ingest service sets it).
	AuditPending bool
	// MaxLine caps a physical line's length in bytes (DefaultMaxLine if 0).
	MaxLine int
	// Progress, when set, is called now and then with bytes read and the
	// file's size.
	Progress func(done, total int64)
	// MaxErrors is how many row errors to keep for the report (default 20).
	MaxErrors int
}

// RowError is one rejected row: where and why.
type RowError struct {
	Line    int64  `json:"line"`
	Column  string `json:"column,omitempty"`
	Message string `json:"message"`
}

func (e RowError) String() string {
	if e.Column != "" {
		return fmt.Sprintf("line %d, column %s: %s", e.Line, e.Column, e.Message)
	}
	return fmt.Sprintf("line %d: %s", e.Line, e.Message)
}

// Result is the outcome of an ingest.
type Result struct {
	// Version is the new version, or the existing one for a duplicate.
	Version *catalog.Version
	// Duplicate is true when the input is byte-identical to an earlier
	// version's: nothing new was made.
	Duplicate bool
	// Errors holds the first row errors; ErrorCount counts them all.
	Errors     []RowError
	ErrorCount int64
}

// Run loads the file named in req as a new version of its dataset.
func Run(ctx context.Context, st catalog.Store, req Request) (*Result, error) {
	d, err := st.Dataset(ctx, req.DatasetID)
	if err != nil {
		return nil, err
	}
	name := filepath.Base(req.Path)
	format, err := detectFormat(req.Format, req.Path)
	if err != nil {
		return nil, err
	}
	sum, size, err := fileSHA256(req.Path)
	if err != nil {
		return nil, readError(name, err)
	}
	if v, err := st.VersionBySHA(ctx, d.ID, sum); err == nil {
		return &Result{Version: v, Duplicate: true}, nil
	} else if fault.Code(err) != fault.NotFound {
		return nil, err
	}
	f, err := os.Open(req.Path)
	if err != nil {
		return nil, readError(name, err)
	}
	defer f.Close()
	l := &loader{req: req, name: name, d: d, size: size, cnt: &counter{r: f}}
	src, err := l.open(f, format)
	if err != nil {
		return nil, err
	}
	if err := l.bind(src.Header()); err != nil {
		return nil, err
	}
	w, err := st.BeginLoad(ctx, d)
	if err != nil {
		return nil, err
	}
	defer w.Abort()
	v := &catalog.Version{SHA256: sum, Source: name, Format: format, LoadedBy: req.User, AuditPending: req.AuditPending}
	res, err := l.run(ctx, src, w, v)
	if err != nil {
		return res, err
	}
	return res, nil
}

// fileSHA256 hashes the input as given (compressed bytes for gzip).
func fileSHA256(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// loader holds one ingest's working state.
type loader struct {
	req  Request
	name string
	d    *catalog.Dataset
	size int64
	cnt  *counter

	// pos[i] is the input field feeding schema column i, or -1.
	pos    []int
	conv   []converter
	header []string

	inputRows, loaded int64
	nonEmpty, invalid []int64
	errs              []RowError
	errCount          int64
	rejects           *rejectWriter
}

func (l *loader) open(f *os.File, format string) (source, error) {
	switch format {
	case FormatParquet:
		return newParquetSource(f, l.name)
	case FormatJSONL:
		r, err := openText(l.cnt, l.req.MaxLine)
		if err != nil {
			return nil, fault.Errorf(fault.Invalid, "%s: %s", l.name, fault.Message(err))
		}
		cols := make([]string, len(l.d.Schema.Columns))
		for i, c := range l.d.Schema.Columns {
			cols[i] = c.Name
		}
		return newJSONLSource(r, cols), nil
	default:
		r, err := openText(l.cnt, l.req.MaxLine)
		if err != nil {
			return nil, fault.Errorf(fault.Invalid, "%s: %s", l.name, fault.Message(err))
		}
		delim := l.req.Delimiter
		if delim == 0 {
			delim = ','
		}
		return newCSVSource(r, l.name, delim)
	}
}

// bind maps the input's header onto the schema: unknown columns and missing
// required columns are errors; a missing optional column is left empty.
func (l *loader) bind(header []string) error {
	cols := l.d.Schema.Columns
	l.header = header
	l.pos = make([]int, len(cols))
	l.conv = make([]converter, len(cols))
	l.nonEmpty = make([]int64, len(cols))
	l.invalid = make([]int64, len(cols))
	seen := map[string]int{}
	var unknown []string
	for i, h := range header {
		key := strings.ToLower(strings.TrimSpace(h))
		if _, dup := seen[key]; dup {
			return fault.Errorf(fault.Invalid, "%s: column %q appears twice in the header", l.name, h)
		}
		seen[key] = i
		if _, ok := l.d.Schema.Column(strings.TrimSpace(h)); !ok {
			unknown = append(unknown, h)
		}
	}
	if len(unknown) > 0 {
		return fault.Errorf(fault.Invalid, "%s: unknown column(s) %s: dataset %q declares %s; fix the header or the schema", l.name, strings.Join(unknown, ", "), l.d.ID, columnNames(cols))
	}
	var missing []string
	for i := range cols {
		l.conv[i] = converterFor(&cols[i])
		p, ok := seen[strings.ToLower(cols[i].Name)]
		if !ok {
			p = -1
			if cols[i].Required {
				missing = append(missing, cols[i].Name)
			}
		}
		l.pos[i] = p
	}
	if len(missing) > 0 {
		return fault.Errorf(fault.Invalid, "%s: required column(s) missing from the header: %s", l.name, strings.Join(missing, ", "))
	}
	return nil
}

func columnNames(cols []catalog.Column) string {
	n := make([]string, len(cols))
	for i, c := range cols {
		n[i] = c.Name
	}
	return strings.Join(n, ", ")
}

// run streams every record through validation into w, then applies the
// policy: commit, commit with rejects written, or abort with the errors.
func (l *loader) run(ctx context.Context, src source, w catalog.VersionWriter, v *catalog.Version) (*Result, error) {
	if l.req.RejectsPath != "" {
		rw, err := newRejectWriter(l.req.RejectsPath, l.header)
		if err != nil {
			return nil, err
		}
		l.rejects = rw
		defer rw.discard()
	}
	if err := l.stream(ctx, src, w); err != nil {
		return nil, err
	}
	res := &Result{Errors: l.errs, ErrorCount: l.errCount}
	if l.errCount > 0 && l.rejects == nil {
		return res, l.rejectAll()
	}
	if l.loaded == 0 {
		return res, fault.Errorf(fault.Invalid, "%s has no rows to load (%d rows read, %d rejected)", l.name, l.inputRows, l.errCount)
	}
	if err := l.finish(ctx, w, v); err != nil {
		return res, err
	}
	if l.rejects != nil {
		if err := l.rejects.commit(); err != nil {
			return res, err
		}
	}
	if err := w.Commit(ctx, v); err != nil {
		if l.rejects != nil {
			os.Remove(l.req.RejectsPath)
		}
		return res, err
	}
	res.Version = v
	return res, nil
}

// batchRows is how many rows travel together from validation to the store.
const batchRows = 2048

// stream validates records on this goroutine and appends them to w on
// another, so parsing and the store's work overlap on two cores.
func (l *loader) stream(ctx context.Context, src source, w catalog.VersionWriter) error {
	width := len(l.pos)
	batches := make(chan []any, 4)
	free := make(chan []any, 6)
	done := make(chan error, 1)
	go func() {
		var err error
		for b := range batches {
			for i := 0; err == nil && i+width <= len(b); i += width {
				err = w.Append(b[i : i+width]...)
			}
			select {
			case free <- b[:0]:
			default: // enough spare batches already
			}
		}
		done <- err
	}()
	err := l.produce(ctx, src, batches, free, width)
	close(batches)
	if aerr := <-done; aerr != nil && err == nil {
		err = fault.Wrap(aerr, fault.Internal, "%s: cannot write rows to the store", l.name)
	}
	return err
}

func (l *loader) produce(ctx context.Context, src source, batches chan<- []any, free chan []any, width int) error {
	batch := make([]any, 0, batchRows*width)
	row := make([]any, width)
	for {
		fields, line, err := src.Next()
		if err == io.EOF {
			break
		}
		var re *rowError
		if errors.As(err, &re) {
			l.inputRows++
			l.reject(RowError{Line: re.line, Message: re.msg}, fields)
			continue
		}
		if err != nil {
			return csvFatal(l.name, err)
		}
		l.inputRows++
		if l.inputRows%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return fault.Errorf(fault.Invalid, "ingest of %s cancelled at line %d: nothing was loaded", l.name, line)
			}
			if l.req.Progress != nil {
				l.req.Progress(l.cnt.n.Load(), l.size)
			}
		}
		if rerr, ok := l.convert(fields, line, row); !ok {
			l.reject(rerr, fields)
			continue
		}
		batch = append(batch, row...)
		l.loaded++
		if len(batch) == cap(batch) {
			batches <- batch
			select {
			case batch = <-free:
			default:
				batch = make([]any, 0, batchRows*width)
			}
		}
	}
	if len(batch) > 0 {
		batches <- batch
	}
	return nil
}

// convert validates one record into row. On failure it returns every
// problem of the row in one error, named by the first bad column; each bad
// value is also counted in the quality report.
func (l *loader) convert(fields []string, line int64, row []any) (RowError, bool) {
	var bad RowError
	var msgs []string
	for i, p := range l.pos {
		s := ""
		if p >= 0 {
			s = fields[p]
		}
		col := &l.d.Schema.Columns[i]
		if s == "" {
			row[i] = nil
			if col.Required {
				msgs = appendProblem(msgs, &bad, col.Name, "a value is required")
			}
			continue
		}
		l.nonEmpty[i]++
		val, err := l.conv[i](s)
		if err != nil {
			l.invalid[i]++
			msgs = appendProblem(msgs, &bad, col.Name, err.Error())
			continue
		}
		row[i] = val
	}
	if len(msgs) == 0 {
		return bad, true
	}
	bad.Line = line
	bad.Message = msgs[0]
	if len(msgs) > 1 {
		bad.Message = strings.Join(msgs, "; ")
	}
	return bad, false
}

// appendProblem adds one column's problem; the first names the row error.
func appendProblem(msgs []string, bad *RowError, col, msg string) []string {
	if len(msgs) == 0 {
		bad.Column = col
		return append(msgs, msg)
	}
	return append(msgs, col+": "+msg)
}

func (l *loader) reject(e RowError, fields []string) {
	l.errCount++
	max := l.req.MaxErrors
	if max <= 0 {
		max = 20
	}
	if len(l.errs) < max {
		l.errs = append(l.errs, e)
	}
	if l.rejects != nil {
		l.rejects.write(e, fields)
	}
}

// rejectAll is the default policy's error: the first problems, the total,
// and what to do.
func (l *loader) rejectAll() error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d of %d rows have errors, so nothing was loaded; the first %d:", l.name, l.errCount, l.inputRows, len(l.errs))
	for _, e := range l.errs {
		b.WriteString("\n  ")
		b.WriteString(e.String())
	}
	b.WriteString("\nfix the file, or load the valid rows and write the rejected ones, with their reasons, to a rejects file")
	return fault.FieldErrorf(fault.Invalid, "rejects", "%s", b.String())
}

// finish fills the version's counts and quality report.
func (l *loader) finish(ctx context.Context, w catalog.VersionWriter, v *catalog.Version) error {
	rows, dup, cols, err := w.ColumnStats(ctx)
	if err != nil {
		return err
	}
	for i := range cols {
		if rows > 0 {
			cols[i].Completeness = float64(cols[i].Present) / float64(rows)
		}
		cols[i].Invalid = l.invalid[i]
		cols[i].Validity = 1
		if l.nonEmpty[i] > 0 {
			cols[i].Validity = float64(l.nonEmpty[i]-l.invalid[i]) / float64(l.nonEmpty[i])
		}
	}
	v.Rows, v.Rejected = rows, l.errCount
	v.Quality = &catalog.Quality{Rows: rows, InputRows: l.inputRows, DuplicateIDs: dup, Columns: cols}
	return nil
}
