package pseudo

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/pseudo/clk"
	"github.com/civiclink/civiclink/internal/pseudo/normalise"
)

// Encoder applies a [Spec] with one secret. It is safe for concurrent use.
type Encoder struct {
	spec    *Spec
	norms   []func(string) (string, error) // per field
	missing []map[string]bool              // per field, upper-cased
	tokens  []tokenCodec
	filters []filterCodec
	clk     *clk.Encoder
	clkSrc  []int // per CLK feature: field index (or input column, raw mode); -1 ignored
	schema  *catalog.Schema
}

type tokenCodec struct {
	key    *TokenKey
	fields []int
}

type filterCodec struct {
	enc   *clk.Encoder
	field int
}

// RowError is why one input row could not be encoded.
type RowError struct {
	Line    int64  // line of the input file where the row starts
	Column  string // the input column at fault, if one is
	Message string
}

// Error is [RowError.String], so that a RowError is an error.
func (e RowError) Error() string { return e.String() }

// String gives the line, the column if any, and the reason.
func (e RowError) String() string {
	if e.Column != "" {
		return fmt.Sprintf("line %d, column %s: %s", e.Line, e.Column, e.Message)
	}
	return fmt.Sprintf("line %d: %s", e.Line, e.Message)
}

// NewEncoder checks the spec ([Spec.Validate], which also fills in
// defaults) and derives every key it needs from the secret.
func NewEncoder(spec *Spec, secret *Secret) (*Encoder, error) {
	if spec.CLK == nil || !spec.CLK.raw {
		if err := spec.Validate(); err != nil {
			return nil, err
		}
	}
	e := &Encoder{spec: spec}
	index := map[string]int{}
	for i, f := range spec.Fields {
		index[f.Name] = i
		fn, err := fieldNormaliser(f)
		if err != nil {
			return nil, err
		}
		e.norms = append(e.norms, fn)
		m := map[string]bool{}
		for _, v := range f.Missing {
			m[strings.ToUpper(strings.TrimSpace(v))] = true
		}
		e.missing = append(e.missing, m)
	}
	for _, t := range spec.Tokens {
		tc := tokenCodec{key: NewTokenKey(secret, spec.Project, t.Fields)}
		for _, name := range t.Fields {
			tc.fields = append(tc.fields, index[name])
		}
		e.tokens = append(e.tokens, tc)
	}
	for _, f := range spec.Filters {
		enc, err := NewFieldFilter(secret, spec.Project, f)
		if err != nil {
			return nil, err
		}
		e.filters = append(e.filters, filterCodec{enc: enc, field: index[f.Field]})
	}
	if c := spec.CLK; c != nil {
		enc, err := clk.NewEncoder(c.parsed, secret.b)
		if err != nil {
			return nil, err
		}
		enc.SkipEmpty = !c.raw
		e.clk = enc
		for _, f := range c.parsed.Features {
			src := -1
			if !f.Ignored && !c.raw {
				src = index[f.Identifier]
			}
			e.clkSrc = append(e.clkSrc, src)
		}
	}
	return e, e.buildSchema()
}

// fieldNormaliser returns the normaliser of a field's kind.
func fieldNormaliser(f Field) (func(string) (string, error), error) {
	switch f.Kind {
	case KindName:
		return func(s string) (string, error) { return normalise.Name(s), nil }, nil
	case KindDate:
		p, err := normalise.NewDateParser(f.Formats, f.Min, f.Max)
		if err != nil {
			return nil, err
		}
		return p.Parse, nil
	case KindSex:
		m := map[string]string{}
		for k, v := range f.Map {
			m[strings.ToUpper(k)] = v
		}
		return func(s string) (string, error) { return normalise.Sex(s, m) }, nil
	case KindPostcode:
		return normalise.Postcode, nil
	case KindNHSNumber:
		return normalise.NHSNumber, nil
	case KindText:
		return func(s string) (string, error) { return foldText(s), nil }, nil
	}
	return nil, fault.Errorf(fault.Invalid, "field %q: unknown kind %q", f.Name, f.Kind)
}

// foldText is the normalisation of a free-text identifier: NFKD without
// marks, upper case, white space collapsed to single spaces.
func foldText(s string) string {
	var b strings.Builder
	for _, r := range norm.NFKD.String(strings.ToValidUTF8(s, " ")) {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(unicode.ToUpper(r))
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// KeyIDs returns the key id of every output column that has one.
func (e *Encoder) KeyIDs() map[string]string {
	ids := map[string]string{}
	for i, t := range e.tokens {
		ids[e.spec.Tokens[i].Column] = t.key.KeyID()
	}
	for i, f := range e.filters {
		ids[e.spec.Filters[i].Column] = f.enc.KeyID()
	}
	if e.clk != nil {
		ids[e.spec.CLK.Column] = e.clkKeyID()
	}
	return ids
}

// clkKeyID is the CLK's key id; a CLK of normalised values (a civiclink
// linkage schema) gets its own, since raw and normalised values do not
// compare.
func (e *Encoder) clkKeyID() string {
	if e.spec.CLK.raw {
		return e.clk.KeyID()
	}
	return keyID([]byte("normalised\x00" + e.clk.KeyID()))
}

// Schema returns the catalog schema of the output, ready for `dataset add`.
// Each token and encoding column's description records its key id.
func (e *Encoder) Schema() *catalog.Schema { return e.schema }

// Normalise returns the normalised values of the spec's fields, in order,
// from a record given as input column → raw value. A missing optional value
// is "". It is what tokens and encodings are made from.
func (e *Encoder) Normalise(record map[string]string) ([]string, error) {
	out := make([]string, len(e.spec.Fields))
	for i, f := range e.spec.Fields {
		v, err := e.normaliseField(i, record[f.Column])
		if err != nil {
			return nil, fault.Errorf(fault.Invalid, "column %s: %s", f.Column, fault.Message(err))
		}
		out[i] = v
	}
	return out, nil
}

func (e *Encoder) normaliseField(i int, raw string) (string, error) {
	v, _, err := e.normaliseValue(i, raw)
	return v, err
}

// normaliseValue is normaliseField that also reports whether an invalid
// value was blanked under InvalidMissing.
func (e *Encoder) normaliseValue(i int, raw string) (v string, blanked bool, err error) {
	f := &e.spec.Fields[i]
	v = raw
	if strings.TrimSpace(v) == "" || e.missing[i][strings.ToUpper(strings.TrimSpace(v))] {
		v = ""
	} else if v, err = e.norms[i](raw); err != nil {
		if f.Invalid != InvalidMissing {
			return "", false, err
		}
		v, blanked = "", true
	}
	if v == "" && f.Required {
		return "", false, fault.Errorf(fault.Invalid, "%s is required but missing", f.Name)
	}
	return v, blanked, nil
}

// rowSink receives the cells of one output row in order.
type rowSink interface {
	text(v string)   // a kept value, as is
	hex(b []byte)    // a token; nil for an empty cell
	base64(b []byte) // an encoding; nil for an empty cell
}

// encodeFields sends the tokens and encodings of normalised field values
// (or, for a bare clkhash schema, of the raw CLK feature values in clkRaw)
// to the sink.
func (e *Encoder) encodeFields(sink rowSink, vals []string, clkRaw []string, s *scratch) error {
	for _, t := range e.tokens {
		s.tmp = s.tmp[:0]
		for _, fi := range t.fields {
			s.tmp = append(s.tmp, vals[fi])
		}
		var ok bool
		s.bytes, ok = t.key.appendSum(s.bytes[:0], s.tmp)
		if !ok {
			sink.hex(nil)
			continue
		}
		sink.hex(s.bytes)
	}
	for _, f := range e.filters {
		v := vals[f.field]
		if v == "" {
			sink.base64(nil)
			continue
		}
		s.tmp = append(s.tmp[:0], v)
		var err error
		if s.bytes, err = s.worker(f.enc).AppendEncoding(s.bytes[:0], s.tmp); err != nil {
			return err
		}
		sink.base64(s.bytes)
	}
	if e.clk != nil {
		in := clkRaw
		if in == nil {
			s.tmp = s.tmp[:0]
			for _, src := range e.clkSrc {
				if src < 0 {
					s.tmp = append(s.tmp, "")
				} else {
					s.tmp = append(s.tmp, vals[src])
				}
			}
			in = s.tmp
		}
		var err error
		if s.bytes, err = s.worker(e.clk).AppendEncoding(s.bytes[:0], in); err != nil {
			return err
		}
		sink.base64(s.bytes)
	}
	return nil
}

// stringSink collects a row as strings.
type stringSink struct{ out []string }

func (k *stringSink) text(v string) { k.out = append(k.out, v) }
func (k *stringSink) hex(b []byte) {
	if b == nil {
		k.out = append(k.out, "")
		return
	}
	k.out = append(k.out, hex.EncodeToString(b))
}
func (k *stringSink) base64(b []byte) {
	if b == nil {
		k.out = append(k.out, "")
		return
	}
	k.out = append(k.out, base64.StdEncoding.EncodeToString(b))
}

// csvSink writes a row straight into CSV bytes, as encoding/csv would.
type csvSink struct {
	buf []byte
	n   int // cells written in this row
}

func (k *csvSink) sep() {
	if k.n > 0 {
		k.buf = append(k.buf, ',')
	}
	k.n++
}

func (k *csvSink) text(v string) {
	k.sep()
	if !needsQuotes(v) {
		k.buf = append(k.buf, v...)
		return
	}
	k.buf = append(k.buf, '"')
	k.buf = append(k.buf, strings.ReplaceAll(v, `"`, `""`)...)
	k.buf = append(k.buf, '"')
}

func (k *csvSink) hex(b []byte) {
	k.sep()
	k.buf = hex.AppendEncode(k.buf, b)
}

func (k *csvSink) base64(b []byte) {
	k.sep()
	k.buf = base64.StdEncoding.AppendEncode(k.buf, b)
}

// asRowError turns an encoding error into a row error naming the column.
func asRowError(line int64, err error) RowError {
	var fe *clk.FeatureError
	if errors.As(err, &fe) {
		return RowError{Line: line, Column: fe.Feature, Message: fault.Message(fe.Err)}
	}
	return RowError{Line: line, Message: fault.Message(err)}
}
