package expr

import (
	"strconv"
	"strings"
	"time"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/fault"
)

// Check resolves every column of n against the schema (ignoring case, and
// rewriting names to the schema's spelling), checks each operator suits the
// column's type, and converts every literal to a typed Value. Identifier
// columns (tokens, encodings), record ids, unique columns, free text and
// postcodes cannot be filtered on ([Forbidden]), so a filter cannot single
// out a record.
func Check(n Node, sc *catalog.Schema) error {
	switch x := n.(type) {
	case *Compare:
		col, err := column(sc, &x.Column)
		if err != nil {
			return err
		}
		if x.Op != Eq && x.Op != Ne && !ordered(col.Type) {
			return fault.Errorf(fault.Invalid, "filter: %s is a %s column: use = or != (ordering works on numbers, dates and date-times)", col.Name, col.Type)
		}
		return typed(col, x.Value)
	case *In:
		col, err := column(sc, &x.Column)
		if err != nil {
			return err
		}
		for _, v := range x.Values {
			if err := typed(col, v); err != nil {
				return err
			}
		}
		return nil
	case *IsNull:
		_, err := column(sc, &x.Column)
		return err
	case *And:
		if err := Check(x.Left, sc); err != nil {
			return err
		}
		return Check(x.Right, sc)
	case *Or:
		if err := Check(x.Left, sc); err != nil {
			return err
		}
		return Check(x.Right, sc)
	case *Not:
		return Check(x.X, sc)
	}
	return fault.Errorf(fault.Invalid, "filter: unknown expression")
}

// ParseChecked parses s and checks it against the schema.
func ParseChecked(s string, sc *catalog.Schema) (Node, error) {
	n, err := Parse(s)
	if err != nil {
		return nil, err
	}
	if err := Check(n, sc); err != nil {
		return nil, err
	}
	return n, nil
}

func column(sc *catalog.Schema, name *string) (*catalog.Column, error) {
	col, ok := sc.Column(*name)
	if !ok {
		names := make([]string, 0, len(sc.Columns))
		for _, c := range sc.Columns {
			if c.Role != catalog.RoleIdentifier {
				names = append(names, c.Name)
			}
		}
		return nil, fault.Errorf(fault.Invalid, "filter: no column %q; the dataset has %s", *name, strings.Join(names, ", "))
	}
	if why := Forbidden(col); why != "" {
		return nil, fault.Errorf(fault.Forbidden, "filter: %s: %s", why, RuleSinglesOut)
	}
	*name = col.Name
	return col, nil
}

func ordered(t catalog.Type) bool {
	switch t {
	case catalog.TypeInteger, catalog.TypeDecimal, catalog.TypeDate, catalog.TypeDatetime:
		return true
	}
	return false
}

// typed converts a literal to the column's type.
func typed(col *catalog.Column, l *Literal) error {
	bad := func(want string) error {
		return fault.Errorf(fault.Invalid, "filter: %s is a %s column: expected %s, got %s", col.Name, col.Type, want, l.String())
	}
	switch col.Type {
	case catalog.TypeInteger:
		n, err := strconv.ParseInt(l.Text, 10, 64)
		if l.Kind != LitNumber || err != nil {
			return bad("a whole number")
		}
		l.Value = n
	case catalog.TypeDecimal:
		f, err := strconv.ParseFloat(l.Text, 64)
		if l.Kind != LitNumber || err != nil {
			return bad("a number")
		}
		l.Value = f
	case catalog.TypeBoolean:
		if l.Kind != LitBool {
			return bad("true or false")
		}
		l.Value = l.Text == "true"
	case catalog.TypeDate:
		t, err := time.Parse("2006-01-02", l.Text)
		if l.Kind != LitString || err != nil {
			return bad("a date such as '2024-01-31'")
		}
		l.Value = t
	case catalog.TypeDatetime:
		t, err := parseDatetime(l.Text)
		if l.Kind != LitString || err != nil {
			return bad("a date-time such as '2024-01-31T09:00:00Z'")
		}
		l.Value = t
	case catalog.TypeCategory:
		if l.Kind != LitString || !col.HasCode(l.Text) {
			return bad("one of its codes")
		}
		l.Value = l.Text
	case catalog.TypeLSOA, catalog.TypeDistrict, catalog.TypePostcode:
		if l.Kind != LitString {
			return bad("a quoted code")
		}
		l.Value = strings.ToUpper(strings.TrimSpace(l.Text))
	default:
		if l.Kind != LitString {
			return bad("a quoted string")
		}
		l.Value = l.Text
	}
	return nil
}

func parseDatetime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fault.Errorf(fault.Invalid, "not a date-time")
}
