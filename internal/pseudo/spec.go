package pseudo

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"regexp"
	"strings"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/pseudo/clk"
	"github.com/civiclink/civiclink/internal/pseudo/normalise"
)

// SpecFormat is the value of "format" in a civiclink linkage schema.
const SpecFormat = "civiclink-linkage/1"

// Kinds of identifier field and the normaliser each gets.
const (
	KindName      = "name"       // normalise.Name
	KindDate      = "date"       // normalise.DateParser, to YYYY-MM-DD
	KindSex       = "sex"        // normalise.Sex, to M, F or X
	KindPostcode  = "postcode"   // normalise.Postcode, to "CM1 1AA"
	KindNHSNumber = "nhs-number" // normalise.NHSNumber, to ten digits
	KindText      = "text"       // case-folded, accents removed, spaces collapsed
)

// Spec is a linkage schema: what pseudonymise reads, keeps, normalises and
// makes. See docs/pseudonymisation.md for the file format.
type Spec struct {
	Format      string `json:"format"`
	Name        string `json:"name,omitempty"`
	Description string `json:"description,omitempty"`
	// Project scopes the keys: the same secret gives unrelated tokens and
	// encodings in different projects.
	Project string `json:"project"`
	// RecordID is the input column that holds the partner's record id; it
	// is kept as is.
	RecordID string `json:"record_id"`
	// Keep lists the non-identifying input columns that pass through, with
	// their catalog types and roles.
	Keep    []catalog.Column `json:"keep,omitempty"`
	Fields  []Field          `json:"fields"`
	Tokens  []TokenSpec      `json:"tokens,omitempty"`
	Filters []FilterSpec     `json:"field_filters,omitempty"`
	CLK     *CLKSpec         `json:"clk,omitempty"`
}

// Field is one identifier read from the input and normalised.
type Field struct {
	// Name is the field's name in tokens, filters and the CLK schema. Use the
	// usual names (forename, surname, dob, sex, postcode, nhs_number) so that
	// partners' token keys agree.
	Name string `json:"name"`
	// Column is the input column (default: Name).
	Column   string `json:"column,omitempty"`
	Kind     string `json:"kind"`
	Required bool   `json:"required,omitempty"`
	// Formats are a date field's accepted layouts (default
	// normalise.DefaultDateFormats); Min and Max bound it (ISO, inclusive).
	Formats []string `json:"formats,omitempty"`
	Min     string   `json:"min,omitempty"`
	Max     string   `json:"max,omitempty"`
	// Map adds partner codes for a sex field, e.g. {"W": "F"}.
	Map map[string]string `json:"map,omitempty"`
	// Missing lists values that mean "not known" (compared after trimming,
	// ignoring case), e.g. "1900-01-01" or "ZZ99 3VZ".
	Missing []string `json:"missing,omitempty"`
	// Invalid says what an invalid value (a bad date, postcode, NHS number or
	// sex code) does: InvalidReject (the default) rejects the row,
	// InvalidMissing treats the value as missing and keeps the row, counting
	// it in Result.Blanked. A required field always rejects.
	Invalid string `json:"invalid,omitempty"`
}

// What an invalid identifier value does (Field.Invalid).
const (
	InvalidReject  = "reject"
	InvalidMissing = "missing"
)

// TokenSpec is one exact-match token: HMAC-SHA256 over the normalised
// values of its fields, under a key derived from the secret, the project
// and the field names. A record missing any of the fields gets no token.
type TokenSpec struct {
	Column string   `json:"column"`
	Fields []string `json:"fields"`
}

// FilterSpec is a per-field Bloom filter: the field's normalised value as
// a one-feature clkhash encoding, so linkage can score fields separately.
type FilterSpec struct {
	Field          string `json:"field"`
	Column         string `json:"column,omitempty"` // default "bf_" + field
	L              int    `json:"l,omitempty"`      // bits, default 512
	N              int    `json:"n,omitempty"`      // n-gram length, default 2
	Positional     bool   `json:"positional,omitempty"`
	BitsPerToken   int    `json:"bits_per_token,omitempty"` // default 20 unless bits_per_feature
	BitsPerFeature int    `json:"bits_per_feature,omitempty"`
	Hash           string `json:"hash,omitempty"` // blakeHash (default) or doubleHash
	XorFolds       int    `json:"xor_folds,omitempty"`
}

// CLKSpec is a whole-record CLK made by a clkhash v3 schema. In a civiclink
// linkage schema its features name fields and see their normalised values
// (an absent optional value sets no bits); given on its own, as a clkhash
// schema file, its features name input columns and clkhash's rules apply
// unchanged.
type CLKSpec struct {
	Column string          `json:"column,omitempty"` // default "clk"
	Schema json.RawMessage `json:"schema"`

	parsed *clk.Schema
	raw    bool // features read raw input columns (a bare clkhash schema)
}

var columnName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,62}$`)

// ReadSpecFile reads a linkage schema file: a civiclink linkage schema, or
// a clkhash v3 linkage schema (recognised by "version": 3 and "clkConfig"),
// which becomes a spec that makes only clkhash's CLK, with idColumn (if not
// empty) as the record id.
func ReadSpecFile(path, idColumn string) (*Spec, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fault.Errorf(fault.Invalid, "cannot read the linkage schema %s: %v", path, err)
	}
	var s *Spec
	if clk.IsSchema(b) {
		s, err = SpecFromCLK(b, idColumn)
	} else {
		s, err = ParseSpec(bytes.NewReader(b))
	}
	if err != nil {
		return nil, fault.Errorf(fault.Invalid, "linkage schema %s: %s", path, fault.Message(err))
	}
	return s, nil
}

// SpecFromCLK returns a spec that applies a clkhash v3 schema exactly as
// clkhash does: no normalisation, features read from the input columns of
// the same names. idColumn, if not empty, is kept as the record id.
func SpecFromCLK(schemaJSON []byte, idColumn string) (*Spec, error) {
	cs, err := clk.ParseSchema(bytes.NewReader(schemaJSON))
	if err != nil {
		return nil, err
	}
	s := &Spec{Format: SpecFormat, RecordID: idColumn, CLK: &CLKSpec{Column: "clk", Schema: schemaJSON, parsed: cs, raw: true}}
	return s, nil
}

// ParseSpec reads and checks a civiclink linkage schema. Unknown keys are
// an error, so that a typo does not silently change what is protected.
func ParseSpec(r io.Reader) (*Spec, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var s Spec
	if err := dec.Decode(&s); err != nil {
		return nil, fault.Errorf(fault.Invalid, "not a linkage schema of the expected shape: %v (see docs/pseudonymisation.md)", err)
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return &s, nil
}

// Validate checks the spec and fills in defaults.
func (s *Spec) Validate() error {
	if s.Format != SpecFormat {
		return fault.Errorf(fault.Invalid, "\"format\" is %q: a civiclink linkage schema says \"format\": %q", s.Format, SpecFormat)
	}
	if strings.TrimSpace(s.Project) == "" {
		return fault.Errorf(fault.Invalid, "\"project\" is empty: name the linkage project, which scopes the keys (partners who link must use the same name)")
	}
	if s.RecordID == "" {
		return fault.Errorf(fault.Invalid, "\"record_id\" is empty: name the column that holds each record's id")
	}
	fields, err := s.validateFields()
	if err != nil {
		return err
	}
	if err := s.validateKeep(fields); err != nil {
		return err
	}
	if err := s.validateTokens(fields); err != nil {
		return err
	}
	if err := s.validateFilters(fields); err != nil {
		return err
	}
	if s.CLK != nil {
		if err := s.validateCLK(fields); err != nil {
			return err
		}
	}
	if len(s.Tokens) == 0 && len(s.Filters) == 0 && s.CLK == nil {
		return fault.Errorf(fault.Invalid, "the schema makes nothing: add \"tokens\", \"field_filters\" or a \"clk\"")
	}
	return nil
}

func (s *Spec) validateFields() (map[string]*Field, error) {
	if len(s.Fields) == 0 {
		return nil, fault.Errorf(fault.Invalid, "\"fields\" is empty: list the identifier columns")
	}
	byName := map[string]*Field{}
	for i := range s.Fields {
		f := &s.Fields[i]
		if f.Column == "" {
			f.Column = f.Name
		}
		if f.Name == "" || byName[f.Name] != nil {
			return nil, fault.Errorf(fault.Invalid, "field %d: every field needs a unique \"name\"", i+1)
		}
		byName[f.Name] = f
		if strings.EqualFold(f.Column, s.RecordID) {
			return nil, fault.Errorf(fault.Invalid, "field %q reads the record-id column %q", f.Name, f.Column)
		}
		switch f.Kind {
		case KindName, KindSex, KindPostcode, KindNHSNumber, KindText:
		case KindDate:
			if _, err := normalise.NewDateParser(f.Formats, f.Min, f.Max); err != nil {
				return nil, fault.Errorf(fault.Invalid, "field %q: %s", f.Name, fault.Message(err))
			}
		default:
			return nil, fault.Errorf(fault.Invalid, "field %q: kind %q is unknown; use name, date, sex, postcode, nhs-number or text", f.Name, f.Kind)
		}
		switch f.Invalid {
		case "", InvalidReject, InvalidMissing:
		default:
			return nil, fault.Errorf(fault.Invalid, "field %q: \"invalid\" is %q; use \"reject\" or \"missing\"", f.Name, f.Invalid)
		}
		if f.Invalid == InvalidMissing && f.Required {
			return nil, fault.Errorf(fault.Invalid, "field %q is required, so an invalid value cannot be treated as missing", f.Name)
		}
		if f.Kind != KindDate && (len(f.Formats) > 0 || f.Min != "" || f.Max != "") {
			return nil, fault.Errorf(fault.Invalid, "field %q: only date fields take formats, min and max", f.Name)
		}
		if f.Kind != KindSex && len(f.Map) > 0 {
			return nil, fault.Errorf(fault.Invalid, "field %q: only sex fields take a map", f.Name)
		}
		for k, v := range f.Map {
			if v != normalise.Male && v != normalise.Female && v != normalise.Indeterminate && v != normalise.Unknown {
				return nil, fault.Errorf(fault.Invalid, "field %q: map %q → %q: map to M, F, X or \"\" (not known)", f.Name, k, v)
			}
		}
	}
	return byName, nil
}

func (s *Spec) validateKeep(fields map[string]*Field) error {
	for i := range s.Keep {
		c := &s.Keep[i]
		for _, f := range fields {
			if strings.EqualFold(f.Column, c.Name) {
				return fault.Errorf(fault.Invalid, "keep column %q is the identifier field %q: raw identifiers never leave the partner", c.Name, f.Name)
			}
		}
		if strings.EqualFold(c.Name, s.RecordID) {
			return fault.Errorf(fault.Invalid, "keep column %q is the record id, which is always kept", c.Name)
		}
		if c.Role == catalog.RoleIdentifier || c.Role == catalog.RoleRecordID || c.Type == catalog.TypeToken || c.Type == catalog.TypeEncoding {
			return fault.Errorf(fault.Invalid, "keep column %q: a kept column cannot be an identifier, token or encoding", c.Name)
		}
	}
	return nil
}

func (s *Spec) validateTokens(fields map[string]*Field) error {
	for i := range s.Tokens {
		t := &s.Tokens[i]
		if !columnName.MatchString(t.Column) {
			return fault.Errorf(fault.Invalid, "token %d: \"column\" %q must start with a letter or _ and hold only letters, digits and _", i+1, t.Column)
		}
		if len(t.Fields) == 0 {
			return fault.Errorf(fault.Invalid, "token %q lists no fields", t.Column)
		}
		for _, name := range t.Fields {
			if fields[name] == nil {
				return fault.Errorf(fault.Invalid, "token %q uses field %q, which \"fields\" does not declare", t.Column, name)
			}
		}
	}
	return nil
}

func (s *Spec) validateFilters(fields map[string]*Field) error {
	for i := range s.Filters {
		f := &s.Filters[i]
		if fields[f.Field] == nil {
			return fault.Errorf(fault.Invalid, "field filter %d uses field %q, which \"fields\" does not declare", i+1, f.Field)
		}
		f.setDefaults()
		if _, err := f.clkSchema(s.Project); err != nil {
			return fault.Errorf(fault.Invalid, "field filter %q: %s", f.Column, fault.Message(err))
		}
	}
	return nil
}

func (s *Spec) validateCLK(fields map[string]*Field) error {
	c := s.CLK
	if c.Column == "" {
		c.Column = "clk"
	}
	if c.parsed == nil {
		cs, err := clk.ParseSchema(bytes.NewReader(c.Schema))
		if err != nil {
			return fault.Errorf(fault.Invalid, "clk schema: %s", fault.Message(err))
		}
		c.parsed = cs
	}
	for _, f := range c.parsed.Features {
		if f.Ignored {
			continue
		}
		fd := fields[f.Identifier]
		if fd == nil {
			return fault.Errorf(fault.Invalid, "clk feature %q is not a field: name a field from \"fields\" or mark the feature ignored", f.Identifier)
		}
		if f.Format.Type == "date" && fd.Kind == KindDate && f.Format.DateFormat != "%Y-%m-%d" {
			return fault.Errorf(fault.Invalid, "clk feature %q: a date field is normalised to YYYY-MM-DD, so its clk format must be \"%%Y-%%m-%%d\", not %q", f.Identifier, f.Format.DateFormat)
		}
	}
	return nil
}

func (f *FilterSpec) setDefaults() {
	if f.Column == "" {
		f.Column = "bf_" + f.Field
	}
	if f.L == 0 {
		f.L = 512
	}
	if f.N == 0 {
		f.N = 2
	}
	if f.BitsPerToken == 0 && f.BitsPerFeature == 0 {
		f.BitsPerToken = 20
	}
	if f.Hash == "" {
		f.Hash = "blakeHash"
	}
}

// OutputColumns returns the names of the columns a spec adds, in output
// order after the record id and the kept columns.
func (s *Spec) OutputColumns() []string {
	var cols []string
	for _, t := range s.Tokens {
		cols = append(cols, t.Column)
	}
	for _, f := range s.Filters {
		cols = append(cols, f.Column)
	}
	if s.CLK != nil {
		cols = append(cols, s.CLK.Column)
	}
	return cols
}
