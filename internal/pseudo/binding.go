package pseudo

import (
	"fmt"
	"strings"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/pseudo/clk"
)

// Binding is an [Encoder] tied to the columns of one input file.
type Binding struct {
	e      *Encoder
	width  int    // columns in the header
	id     int    // record-id column, -1 when none
	keep   []int  // kept columns
	fields []int  // per field, -1 when absent (an optional field may be absent)
	clkRaw []int  // bare clkhash schema: input column per CLK feature, -1 ignored
	plain  []bool // per output column: hex or base64, never quoted
}

// Bind maps the spec's columns onto an input header (exact names first,
// then ignoring case). A missing record-id, kept, required-field or CLK
// feature column is an error that names every missing column.
func (e *Encoder) Bind(header []string) (*Binding, error) {
	b := &Binding{e: e, width: len(header), id: -1}
	var missing []string
	find := func(name string, need bool) int {
		i := columnIndex(header, name)
		if i < 0 && need {
			missing = append(missing, name)
		}
		return i
	}
	if e.spec.RecordID != "" {
		b.id = find(e.spec.RecordID, true)
	}
	for _, c := range e.spec.Keep {
		b.keep = append(b.keep, find(c.Name, true))
	}
	for _, f := range e.spec.Fields {
		b.fields = append(b.fields, find(f.Column, true))
	}
	if c := e.spec.CLK; c != nil && c.raw {
		for _, f := range c.parsed.Features {
			i := -1
			if !f.Ignored {
				i = find(f.Identifier, true)
			}
			b.clkRaw = append(b.clkRaw, i)
		}
	}
	if len(missing) > 0 {
		return nil, fault.Errorf(fault.Invalid, "the input has no column %s (its header is %s): rename the columns or set \"column\" in the linkage schema",
			strings.Join(missing, ", "), strings.Join(header, ","))
	}
	return b, nil
}

func columnIndex(header []string, name string) int {
	for i, h := range header {
		if h == name {
			return i
		}
	}
	for i, h := range header {
		if strings.EqualFold(strings.TrimSpace(h), name) {
			return i
		}
	}
	return -1
}

// scratch is per-worker space for [Binding.Encode].
type scratch struct {
	vals, clk, tmp, out []string
	bytes               []byte  // a token's MAC or an encoding
	blanked             []int64 // per field: invalid values treated as missing
	workers             map[*clk.Encoder]*clk.Worker
}

// worker returns this scratch space's worker of a CLK or field-filter
// encoder, so that its token cache stays with one goroutine.
func (s *scratch) worker(e *clk.Encoder) *clk.Worker {
	w := s.workers[e]
	if w == nil {
		if s.workers == nil {
			s.workers = map[*clk.Encoder]*clk.Worker{}
		}
		w = e.NewWorker()
		s.workers[e] = w
	}
	return w
}

// Encode returns the output row for one input row: the record id, the kept
// columns, then the spec's tokens and encodings, in the order of
// [Encoder.Schema]. It is safe for concurrent use; [Run] is the fast way
// through a whole file. The error is a [RowError].
func (b *Binding) Encode(row []string) ([]string, error) {
	var s scratch
	out, err := b.encodeRow(nil, row, 0, &s)
	if err != nil {
		return nil, *err
	}
	return out, nil
}

// encodeRow appends the output row for one input row to out. line is the
// input line where the row starts, for the error.
func (b *Binding) encodeRow(out []string, row []string, line int64, s *scratch) ([]string, *RowError) {
	k := stringSink{out: out}
	err := b.encode(&k, row, line, s)
	return k.out, err
}

// appendCSV appends the output row as a CSV record to buf; on a row error
// buf is returned as it was.
func (b *Binding) appendCSV(buf []byte, row []string, line int64, s *scratch) ([]byte, *RowError) {
	k := csvSink{buf: buf}
	if err := b.encode(&k, row, line, s); err != nil {
		return buf, err
	}
	return append(k.buf, '\n'), nil
}

func (b *Binding) encode(sink rowSink, row []string, line int64, s *scratch) *RowError {
	if len(row) != b.width {
		return &RowError{Line: line, Message: fmt.Sprintf("the row has %d fields but the header has %d", len(row), b.width)}
	}
	if b.id >= 0 {
		id := row[b.id]
		if strings.TrimSpace(id) == "" {
			return &RowError{Line: line, Column: b.e.spec.RecordID, Message: "the record id is empty"}
		}
		sink.text(id)
	}
	for _, k := range b.keep {
		sink.text(row[k])
	}
	s.vals = s.vals[:0]
	for i, col := range b.fields {
		v, blanked, err := b.e.normaliseValue(i, row[col])
		if err != nil {
			return &RowError{Line: line, Column: b.e.spec.Fields[i].Column, Message: fault.Message(err)}
		}
		if blanked {
			if s.blanked == nil {
				s.blanked = make([]int64, len(b.fields))
			}
			s.blanked[i]++
		}
		s.vals = append(s.vals, v)
	}
	var clkRaw []string
	if b.clkRaw != nil {
		s.clk = s.clk[:0]
		for _, i := range b.clkRaw {
			if i < 0 {
				s.clk = append(s.clk, "")
			} else {
				s.clk = append(s.clk, row[i])
			}
		}
		clkRaw = s.clk
	}
	if err := b.e.encodeFields(sink, s.vals, clkRaw, s); err != nil {
		re := asRowError(line, err)
		return &re
	}
	return nil
}

// buildSchema makes the catalog schema of the output.
func (e *Encoder) buildSchema() error {
	sp := e.spec
	s := &catalog.Schema{Name: sp.Name}
	if sp.RecordID != "" {
		s.Columns = append(s.Columns, catalog.Column{Name: sp.RecordID, Type: catalog.TypeString, Role: catalog.RoleRecordID,
			Description: "the partner's record id, kept as is"})
	}
	s.Columns = append(s.Columns, sp.Keep...)
	scope := fmt.Sprintf("project %q", sp.Project)
	if sp.Project == "" {
		scope = "clkhash schema"
	}
	var ids []string
	for i, t := range sp.Tokens {
		id := e.tokens[i].key.KeyID()
		ids = append(ids, t.Column+"="+id)
		s.Columns = append(s.Columns, catalog.Column{Name: t.Column, Type: catalog.TypeToken, Role: catalog.RoleIdentifier,
			Description: fmt.Sprintf("HMAC-SHA256 token of normalised %s (%s; %s%s)", strings.Join(t.Fields, "+"), scope, keyIDTag, id)})
	}
	for i, f := range sp.Filters {
		id := e.filters[i].enc.KeyID()
		ids = append(ids, f.Column+"="+id)
		k := fmt.Sprintf("%d bits per token", f.BitsPerToken)
		if f.BitsPerFeature > 0 {
			k = fmt.Sprintf("%d bits per field", f.BitsPerFeature)
		}
		s.Columns = append(s.Columns, catalog.Column{Name: f.Column, Type: catalog.TypeEncoding, Role: catalog.RoleIdentifier,
			Description: fmt.Sprintf("Bloom filter of normalised %s: %d bits, %d-grams, %s, %s (%s; %s%s)", f.Field, f.L, f.N, k, f.Hash, scope, keyIDTag, id)})
	}
	if c := sp.CLK; c != nil {
		id := e.clkKeyID()
		ids = append(ids, c.Column+"="+id)
		s.Columns = append(s.Columns, catalog.Column{Name: c.Column, Type: catalog.TypeEncoding, Role: catalog.RoleIdentifier,
			Description: fmt.Sprintf("CLK (%s; %s%s)", c.parsed, keyIDTag, id)})
	}
	s.Description = strings.TrimSpace(sp.Description + " Pseudonymised at the partner, before sharing, with keyed tokens and Bloom filters (" + scope + "); key ids: " + strings.Join(ids, ", ") + ".")
	if err := s.Validate(); err != nil {
		return fault.Errorf(fault.Invalid, "the output schema would be invalid: %s", fault.Message(err))
	}
	e.schema = s
	return nil
}
