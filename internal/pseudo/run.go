package pseudo

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/fault"
)

// Output formats of [Run].
const (
	FormatCSV      = "csv"       // record id, kept columns, tokens and encodings
	FormatCLKsJSON = "clks-json" // clkhash's {"clks": [...]}, in input order
)

// Options says what [Run] reads and writes.
type Options struct {
	Spec   *Spec
	Secret *Secret
	In     string // input CSV file
	Out    string // output file, written atomically
	// SchemaOut is where the output's catalog schema goes (csv format only);
	// default: Out with its extension replaced by .schema.json.
	SchemaOut string
	Format    string // FormatCSV (default) or FormatCLKsJSON
	// Rejects, when set, makes bad rows not fatal: each is written to this
	// CSV file with its line and reason, and the rest are encoded. The file
	// holds raw identifiers and must stay with the partner.
	Rejects   string
	Workers   int  // parallel encoders; default GOMAXPROCS
	Delimiter rune // CSV delimiter; default ','
	MaxListed int  // row errors listed when the file is rejected; default 10
	// Progress, when set, is called from one goroutine after each batch
	// with the number of input rows handled so far.
	Progress func(rows int64)
}

// Result reports a run.
type Result struct {
	Rows     int64 // rows encoded and written
	Rejected int64 // rows rejected (written to Options.Rejects)
	Workers  int
	Schema   *catalog.Schema // the output's catalog schema
	// SchemaPath is where the schema was written ("" for clks-json).
	SchemaPath string
	KeyIDs     map[string]string // output column → key id
	Errors     []RowError        // the first row errors
	// Blanked counts, per field name, the invalid values treated as missing
	// (fields with "invalid": "missing").
	Blanked map[string]int64
}

const batchRows = 256

// bufPool recycles the rendered output of batches between the workers and
// the writer.
var bufPool sync.Pool

type batchIn struct {
	seq   int
	rows  [][]string
	lines []int64
	errs  []*RowError // a CSV syntax error in place of a row, else nil
}

type rejected struct {
	err RowError
	row []string
}

type batchOut struct {
	seq     int
	buf     []byte
	n       int64
	rejects []rejected
	blanked []int64 // per field, this batch
}

// Run pseudonymises a CSV file with a spec and a secret. It touches nothing
// but the named files: no network, no store. Without Options.Rejects, one
// bad row rejects the whole file (the error lists the first ones and the
// count) and no output is written.
func Run(ctx context.Context, o Options) (*Result, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	enc, err := NewEncoder(o.Spec, o.Secret)
	if err != nil {
		return nil, err
	}
	in, err := os.Open(o.In)
	if err != nil {
		return nil, fault.Errorf(fault.Invalid, "cannot open the input %s: %v", o.In, err)
	}
	defer in.Close()
	r := csv.NewReader(in)
	r.FieldsPerRecord = -1
	r.Comma = o.Delimiter
	header, err := r.Read()
	if err != nil {
		return nil, fault.Errorf(fault.Invalid, "cannot read the header of %s: %v", o.In, err)
	}
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\ufeff")
	}
	b, err := enc.Bind(header)
	if err != nil {
		return nil, err
	}
	files, err := o.create(header)
	if err != nil {
		return nil, err
	}
	defer files.abort()
	res := &Result{Workers: o.Workers, Schema: enc.Schema(), KeyIDs: enc.KeyIDs(), SchemaPath: o.SchemaOut}
	if err := o.pipeline(ctx, r, b, files, res); err != nil {
		return nil, err
	}
	if res.Rejected > 0 && o.Rejects == "" {
		return nil, rejectAll(o.In, res)
	}
	return res, files.commit(enc.Schema())
}

func (o *Options) defaults() error {
	if o.Spec == nil || o.Secret == nil {
		return fault.Errorf(fault.Invalid, "a linkage schema and a secret are needed")
	}
	if o.Format == "" {
		o.Format = FormatCSV
	}
	if o.Format != FormatCSV && o.Format != FormatCLKsJSON {
		return fault.Errorf(fault.Invalid, "output format %q is unknown: use csv or clks-json", o.Format)
	}
	if o.Format == FormatCLKsJSON && o.Spec.CLK == nil {
		return fault.Errorf(fault.Invalid, "clks-json output needs a CLK: give a clkhash schema or add \"clk\" to the linkage schema")
	}
	if o.Format == FormatCLKsJSON && o.Rejects != "" {
		return fault.FieldErrorf(fault.Invalid, "rejects", "clks-json output has no record ids, so a CLK's position is its row: leaving rejected rows out would misalign every later CLK. Fix the bad rows, or write csv output with a rejects file")
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.Delimiter == 0 {
		o.Delimiter = ','
	}
	if o.MaxListed <= 0 {
		o.MaxListed = 10
	}
	if o.SchemaOut == "" && o.Format == FormatCSV {
		o.SchemaOut = strings.TrimSuffix(o.Out, filepath.Ext(o.Out)) + ".schema.json"
	}
	if o.Out == "" || o.Out == o.In || o.SchemaOut == o.In || (o.Rejects != "" && (o.Rejects == o.In || o.Rejects == o.Out)) {
		return fault.Errorf(fault.Invalid, "the output, schema and rejects files must be named and differ from the input and each other")
	}
	return nil
}

func rejectAll(in string, res *Result) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s has %d bad rows, so nothing was written; fix them, or give a rejects file to encode the good rows and write the bad ones (with reasons) to it. The first:", in, res.Rejected)
	for _, e := range res.Errors {
		b.WriteString("\n  " + e.String())
	}
	if int64(len(res.Errors)) < res.Rejected {
		fmt.Fprintf(&b, "\n  … and %d more", res.Rejected-int64(len(res.Errors)))
	}
	return fault.FieldErrorf(fault.Invalid, "rejects", "%s", b.String())
}

// readBatches sends the rows of r in batches until the end or ctx ends.
func readBatches(ctx context.Context, r *csv.Reader, jobs chan<- batchIn) error {
	defer close(jobs)
	for seq := 0; ; seq++ {
		bt := batchIn{seq: seq}
		for len(bt.rows) < batchRows {
			row, err := r.Read()
			if err == io.EOF {
				break
			}
			var pe *csv.ParseError
			switch {
			case errors.As(err, &pe):
				bt.rows, bt.lines = append(bt.rows, nil), append(bt.lines, int64(pe.StartLine))
				bt.errs = append(bt.errs, &RowError{Line: int64(pe.StartLine), Message: "malformed CSV: " + pe.Err.Error()})
				continue
			case err != nil:
				return fault.Errorf(fault.Invalid, "cannot read the input: %v", err)
			}
			line, _ := r.FieldPos(0)
			bt.rows, bt.lines, bt.errs = append(bt.rows, row), append(bt.lines, int64(line)), append(bt.errs, nil)
		}
		if len(bt.rows) == 0 {
			return nil
		}
		select {
		case jobs <- bt:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// encodeBatch encodes one batch into its rendered output.
func encodeBatch(b *Binding, format string, bt batchIn, s *scratch, buf []byte) batchOut {
	out := batchOut{seq: bt.seq}
	buf = buf[:0]
	for i, in := range bt.rows {
		if bt.errs[i] != nil {
			out.rejects = append(out.rejects, rejected{err: *bt.errs[i], row: in})
			continue
		}
		var rerr *RowError
		if format == FormatCLKsJSON {
			var row []string
			row, rerr = b.encodeRow(s.out[:0], in, bt.lines[i], s)
			s.out = row
			if rerr == nil {
				if out.n > 0 {
					buf = append(buf, ",\n"...)
				}
				buf = append(buf, `  "`+row[len(row)-1]+`"`...)
			}
		} else {
			buf, rerr = b.appendCSV(buf, in, bt.lines[i], s)
		}
		if rerr != nil {
			out.rejects = append(out.rejects, rejected{err: *rerr, row: in})
			continue
		}
		out.n++
	}
	out.buf = buf
	if s.blanked != nil {
		out.blanked = append([]int64(nil), s.blanked...)
		clear(s.blanked)
	}
	return out
}

// needsQuotes follows encoding/csv: a field is quoted when it holds the
// delimiter, a quote, a line break, starts with a space or is \.
func needsQuotes(f string) bool {
	if f == "" {
		return false
	}
	if f == `\.` || f[0] == ' ' || f[0] == '\t' {
		return true
	}
	return strings.ContainsAny(f, ",\"\r\n")
}

func (o *Options) pipeline(ctx context.Context, r *csv.Reader, b *Binding, files *outFiles, res *Result) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan batchIn, 2*o.Workers)
	results := make(chan batchOut, 2*o.Workers)
	readErr := make(chan error, 1)
	go func() { readErr <- readBatches(ctx, r, jobs) }()
	done := make(chan struct{})
	for range o.Workers {
		go func() {
			defer func() { done <- struct{}{} }()
			var s scratch
			for bt := range jobs {
				buf, _ := bufPool.Get().([]byte)
				select {
				case results <- encodeBatch(b, o.Format, bt, &s, buf):
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() {
		for range o.Workers {
			<-done
		}
		close(results)
	}()
	err := files.writeInOrder(results, res, o.MaxListed)
	if err != nil {
		cancel()
		for range results {
		}
		return err
	}
	if err := <-readErr; err != nil {
		if ctx.Err() != nil && errors.Is(err, context.Canceled) {
			return fault.Errorf(fault.Invalid, "pseudonymise was cancelled; nothing was written")
		}
		return err
	}
	return nil
}

// outFiles are the files a run writes, all atomically.
type outFiles struct {
	o       *Options
	out     *atomicFile
	rejects *atomicFile
	rw      *csv.Writer
	wrote   bool // an output chunk has been written (clks-json separators)
}

func (o *Options) create(header []string) (*outFiles, error) {
	f := &outFiles{o: o}
	var err error
	if f.out, err = createAtomic(o.Out); err != nil {
		return nil, err
	}
	if o.Format == FormatCLKsJSON {
		f.out.WriteString("{\"clks\": [\n")
	} else {
		w := csv.NewWriter(f.out)
		w.Write(o.outHeader())
		w.Flush()
	}
	if o.Rejects != "" {
		if f.rejects, err = createAtomic(o.Rejects); err != nil {
			f.abort()
			return nil, err
		}
		f.rw = csv.NewWriter(f.rejects)
		f.rw.Write(append([]string{"_line", "_column", "_reason"}, header...))
	}
	return f, nil
}

func (o *Options) outHeader() []string {
	var h []string
	if o.Spec.RecordID != "" {
		h = append(h, o.Spec.RecordID)
	}
	for _, c := range o.Spec.Keep {
		h = append(h, c.Name)
	}
	return append(h, o.Spec.OutputColumns()...)
}

// writeInOrder writes batches in input order as they arrive.
func (f *outFiles) writeInOrder(results <-chan batchOut, res *Result, maxListed int) error {
	pending := map[int]batchOut{}
	next := 0
	for bo := range results {
		pending[bo.seq] = bo
		for {
			cur, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			if err := f.write(cur, res, maxListed); err != nil {
				return err
			}
		}
	}
	return nil
}

func (f *outFiles) write(bo batchOut, res *Result, maxListed int) error {
	if len(bo.buf) > 0 {
		if f.o.Format == FormatCLKsJSON && f.wrote {
			f.out.WriteString(",\n")
		}
		if _, err := f.out.Write(bo.buf); err != nil {
			return fault.Errorf(fault.Internal, "cannot write %s: %v", f.o.Out, err)
		}
		f.wrote = true
	}
	bufPool.Put(bo.buf[:0])
	res.Rows += bo.n
	for i, n := range bo.blanked {
		if n > 0 {
			if res.Blanked == nil {
				res.Blanked = map[string]int64{}
			}
			res.Blanked[f.o.Spec.Fields[i].Name] += n
		}
	}
	defer func() {
		if f.o.Progress != nil {
			f.o.Progress(res.Rows + res.Rejected)
		}
	}()
	for _, rj := range bo.rejects {
		res.Rejected++
		if len(res.Errors) < maxListed {
			res.Errors = append(res.Errors, rj.err)
		}
		if f.rw != nil {
			f.rw.Write(append([]string{strconv.FormatInt(rj.err.Line, 10), rj.err.Column, rj.err.Message}, rj.row...))
		}
	}
	return nil
}

func (f *outFiles) commit(schema *catalog.Schema) error {
	if f.o.Format == FormatCLKsJSON {
		if f.wrote {
			f.out.WriteString("\n")
		}
		f.out.WriteString("]}\n")
	}
	if f.rw != nil {
		f.rw.Flush()
		if err := f.rw.Error(); err != nil {
			return fault.Errorf(fault.Internal, "cannot write %s: %v", f.o.Rejects, err)
		}
		if err := f.rejects.commit(); err != nil {
			return err
		}
		f.rejects = nil
	}
	if f.o.Format == FormatCSV {
		sf, err := createAtomic(f.o.SchemaOut)
		if err != nil {
			return err
		}
		b, err := schema.MarshalIndent()
		if err != nil {
			sf.abort()
			return err
		}
		sf.Write(b)
		if err := sf.commit(); err != nil {
			return err
		}
	}
	err := f.out.commit()
	f.out = nil
	return err
}

func (f *outFiles) abort() {
	if f.out != nil {
		f.out.abort()
		f.out = nil
	}
	if f.rejects != nil {
		f.rejects.abort()
		f.rejects = nil
	}
}
