package catalog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"github.com/civiclink/civiclink/internal/fault"
)

// Type is the declared type of a column's values.
type Type string

// The column types a schema may declare. Values arrive as text and are
// validated and converted according to their type.
const (
	TypeString   Type = "string"
	TypeInteger  Type = "integer"
	TypeDecimal  Type = "decimal"
	TypeBoolean  Type = "boolean"
	TypeDate     Type = "date"
	TypeDatetime Type = "datetime"
	TypeCategory Type = "category"    // one of the column's code list
	TypePostcode Type = "uk-postcode" // stored normalised, e.g. "CM1 1AA"
	TypeLSOA     Type = "lsoa-code"   // ONS LSOA code, e.g. E01021203
	TypeDistrict Type = "lad-code"    // ONS local authority district code, e.g. E07000070
	TypeToken    Type = "token"       // a keyed HMAC token made at the partner
	TypeEncoding Type = "encoding"    // a Bloom-filter encoding (base64) made at the partner
)

// Types lists every valid [Type] in documentation order.
var Types = []Type{TypeString, TypeInteger, TypeDecimal, TypeBoolean, TypeDate, TypeDatetime,
	TypeCategory, TypePostcode, TypeLSOA, TypeDistrict, TypeToken, TypeEncoding}

// Role is what a column means to the platform.
type Role string

// The roles a column may play.
const (
	RoleRecordID   Role = "record-id"  // the partner's own id of the record; unique within a version
	RoleEventDate  Role = "event-date" // when the recorded event happened
	RoleGeography  Role = "geography"  // where: postcode, LSOA or district
	RoleIdentifier Role = "identifier" // a pseudonymous identifier (token or encoding) for linkage
	RoleAttribute  Role = "attribute"  // anything else
)

// Roles lists every valid [Role].
var Roles = []Role{RoleRecordID, RoleEventDate, RoleGeography, RoleIdentifier, RoleAttribute}

// Code is one entry of a category column's code list.
type Code struct {
	Value string `json:"value"`
	Label string `json:"label,omitempty"`
}

// Column declares one column of a dataset.
type Column struct {
	Name        string `json:"name"`
	Type        Type   `json:"type"`
	Required    bool   `json:"required,omitempty"`
	Role        Role   `json:"role,omitempty"`
	Description string `json:"description,omitempty"`
	// Codes is the code list of a category column. Each code may be given as
	// a plain string or as {"value", "label"}.
	Codes []Code `json:"codes,omitempty"`
	// Format is an optional layout for date and datetime columns in Go's
	// reference-time notation (e.g. "02/01/2006"); ISO 8601 when empty.
	Format string `json:"format,omitempty"`
	// Unique says values must not repeat within a version (always true of a
	// record-id column).
	Unique bool `json:"unique,omitempty"`
	// Yearly marks the event date of data taken once a year, such as a
	// January school census: each year that has records counts as whole,
	// whatever day of it they fall on, so its first and last years can be
	// chosen as periods.
	Yearly bool `json:"yearly,omitempty"`
}

// Schema declares a dataset's columns. It is JSON so that partner-side tools
// (the pseudonymiser, the synthetic county, other systems) can emit it.
type Schema struct {
	Name        string   `json:"name,omitempty"`
	Description string   `json:"description,omitempty"`
	Columns     []Column `json:"columns"`
	// Accumulates says each version adds a period (one file a month, say)
	// to the ones before instead of replacing them: aggregates, indicators
	// and cohorts then read every version the retention rule has kept,
	// where by default they read the latest only.
	Accumulates bool `json:"accumulates,omitempty"`
}

var namePattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,62}$`)

// UnmarshalJSON accepts a code as a plain string or as an object.
func (c *Code) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &c.Value)
	}
	type plain Code
	return json.Unmarshal(b, (*plain)(c))
}

// ParseSchema reads and validates a schema from JSON. Unknown fields are an
// error, so that a typo in a schema file does not silently change meaning.
func ParseSchema(r io.Reader) (*Schema, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var s Schema
	if err := dec.Decode(&s); err != nil {
		return nil, fault.Errorf(fault.Invalid, "schema is not valid JSON of the expected shape: %v (see docs/schema.md)", err)
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return &s, nil
}

// ReadSchemaFile reads and validates a schema file.
func ReadSchemaFile(path string) (*Schema, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fault.Errorf(fault.Invalid, "cannot read schema file %s: %v", path, err)
	}
	s, err := ParseSchema(bytes.NewReader(b))
	if err != nil {
		return nil, fault.Errorf(fault.Invalid, "schema %s: %s", path, fault.Message(err))
	}
	return s, nil
}

// Validate checks the schema is well formed: names valid and unique, types
// and roles known, category columns with codes, at most one record-id.
func (s *Schema) Validate() error {
	if len(s.Columns) == 0 {
		return fault.Errorf(fault.Invalid, "schema declares no columns")
	}
	seen := map[string]bool{}
	ids := 0
	for i := range s.Columns {
		c := &s.Columns[i]
		if err := c.validate(); err != nil {
			return fault.Errorf(fault.Invalid, "column %d (%q): %s", i+1, c.Name, fault.Message(err))
		}
		key := strings.ToLower(c.Name)
		if seen[key] {
			return fault.Errorf(fault.Invalid, "column %q is declared twice", c.Name)
		}
		seen[key] = true
		if c.Role == RoleRecordID {
			ids++
		}
	}
	if ids > 1 {
		return fault.Errorf(fault.Invalid, "schema has %d record-id columns; declare at most one", ids)
	}
	return nil
}

func (c *Column) validate() error {
	if !namePattern.MatchString(c.Name) {
		return fault.Errorf(fault.Invalid, "name must start with a letter or _ and hold only letters, digits and _ (at most 63)")
	}
	if !knownType(c.Type) {
		return fault.Errorf(fault.Invalid, "unknown type %q; use one of %s", c.Type, joinTypes())
	}
	if c.Role == "" {
		c.Role = RoleAttribute
	}
	if !knownRole(c.Role) {
		return fault.Errorf(fault.Invalid, "unknown role %q; use one of record-id, event-date, geography, identifier, attribute", c.Role)
	}
	if c.Type == TypeCategory && len(c.Codes) == 0 {
		return fault.Errorf(fault.Invalid, "a category column needs a code list (\"codes\")")
	}
	if c.Type != TypeCategory && len(c.Codes) > 0 {
		return fault.Errorf(fault.Invalid, "only category columns take a code list")
	}
	if c.Format != "" && c.Type != TypeDate && c.Type != TypeDatetime {
		return fault.Errorf(fault.Invalid, "only date and datetime columns take a format")
	}
	if c.Yearly && c.Role != RoleEventDate {
		return fault.Errorf(fault.Invalid, "only the event-date column can be yearly (data taken once a year)")
	}
	if c.Role == RoleRecordID {
		c.Required, c.Unique = true, true
	}
	if c.Role == RoleIdentifier && c.Type != TypeToken && c.Type != TypeEncoding {
		return fault.Errorf(fault.Invalid, "an identifier column must be a token or an encoding: raw identifiers never reach the platform (pseudonymise them first)")
	}
	return nil
}

func knownType(t Type) bool {
	for _, k := range Types {
		if t == k {
			return true
		}
	}
	return false
}

func knownRole(r Role) bool {
	for _, k := range Roles {
		if r == k {
			return true
		}
	}
	return false
}

func joinTypes() string {
	s := make([]string, len(Types))
	for i, t := range Types {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}

// Column returns the column with the given name (case-insensitive).
func (s *Schema) Column(name string) (*Column, bool) {
	for i := range s.Columns {
		if strings.EqualFold(s.Columns[i].Name, name) {
			return &s.Columns[i], true
		}
	}
	return nil, false
}

// RecordID returns the record-id column, if the schema has one.
func (s *Schema) RecordID() (*Column, bool) {
	for i := range s.Columns {
		if s.Columns[i].Role == RoleRecordID {
			return &s.Columns[i], true
		}
	}
	return nil, false
}

// HasCode reports whether v is in a category column's code list.
func (c *Column) HasCode(v string) bool {
	for _, k := range c.Codes {
		if k.Value == v {
			return true
		}
	}
	return false
}

// MarshalIndent returns the schema as indented JSON, the form written to files.
func (s *Schema) MarshalIndent() ([]byte, error) {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode schema: %w", err)
	}
	return append(b, '\n'), nil
}
