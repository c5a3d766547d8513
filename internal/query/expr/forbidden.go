package expr

import (
	"github.com/civiclink/civiclink/internal/catalog"
)

// RuleSinglesOut is the rule a query breaks when it filters or groups on a
// column that can single out a record: a record id, a column whose values
// are unique, free text, a full postcode or a pseudonymous identifier.
// Such a filter or grouping lets two figures differ by one record.
const RuleSinglesOut = "record ids, unique columns, free text, postcodes and pseudonymous identifiers cannot be filtered or grouped on, since they single out records"

// Forbidden says why a query may not filter or group on c, naming the
// kind of column, or returns "" when it may.
func Forbidden(c *catalog.Column) string {
	switch {
	case c.Role == catalog.RoleRecordID:
		return c.Name + " is the record id"
	case c.Role == catalog.RoleIdentifier || c.Type == catalog.TypeToken || c.Type == catalog.TypeEncoding:
		return c.Name + " is a pseudonymous identifier"
	case c.Unique:
		return c.Name + " is a unique column"
	case c.Type == catalog.TypeString:
		return c.Name + " is free text"
	case c.Type == catalog.TypePostcode:
		return c.Name + " is a full postcode"
	}
	return ""
}

// NearlyUnique says why a number column whose version statistics show a
// different value for nearly every record (at least 90% of its non-empty
// values distinct, over 20 values) may not be filtered or grouped on, or
// returns "". Only integers and decimals are judged so: text is free text
// already, dates are filtered by range and grouped by period, and codes
// (categories, LSOAs, districts) are published levels however sparse.
func NearlyUnique(c *catalog.Column, q *catalog.ColumnQuality) string {
	if q == nil || (c.Type != catalog.TypeInteger && c.Type != catalog.TypeDecimal) {
		return ""
	}
	if q.Present > 20 && float64(q.Distinct) >= 0.9*float64(q.Present) {
		return c.Name + " holds a different value for nearly every record"
	}
	return ""
}
