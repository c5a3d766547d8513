package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/insight"
	"github.com/civiclink/civiclink/internal/query"
	"github.com/civiclink/civiclink/internal/query/expr"
)

var _ insight.Source = (*Store)(nil)

// RawAggregate runs spec and returns its cells ordered by key.
func (s *Store) RawAggregate(ctx context.Context, spec query.AggregateSpec) ([]query.AggregateRow, error) {
	if spec.Members != nil {
		return s.memberAggregate(ctx, spec)
	}
	return s.rawAggregate(ctx, spec, "")
}

// rawAggregate runs spec; memberSum, when not empty, is an extra column
// (with the member key as its first argument) giving each cell's hash sum,
// returned as a digest without buckets.
func (s *Store) rawAggregate(ctx context.Context, spec query.AggregateSpec, memberKey string) ([]query.AggregateRow, error) {
	kp, err := s.keyPlan(ctx, spec)
	if err != nil {
		return nil, err
	}
	q, args, err := aggregateSQL(spec, kp, memberKey != "")
	if err != nil {
		return nil, err
	}
	if memberKey != "" {
		args = append([]any{memberKey}, args...)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fault.Wrap(err, fault.Internal, "aggregate over %s failed", spec.DatasetID())
	}
	defer rows.Close()
	var out []query.AggregateRow
	n := len(spec.By)
	for rows.Next() {
		keys := make([]sql.NullString, n)
		var r query.AggregateRow
		var sum sql.NullFloat64
		var top, ids any
		var memberSum uint64
		dest := make([]any, 0, n+5)
		for i := range keys {
			dest = append(dest, &keys[i])
		}
		dest = append(dest, &r.Count, &r.Key, &sum, &top, &ids)
		if memberKey != "" {
			dest = append(dest, &memberSum)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		r.Keys = make([]string, n)
		for i, k := range keys {
			r.Keys[i] = k.String
		}
		r.Sum = sum.Float64
		for _, v := range asList(top) {
			if f, ok := v.(float64); ok {
				r.Top = append(r.Top, f)
			}
		}
		for _, v := range asList(ids) {
			if s, ok := v.(string); ok {
				r.IDs = append(r.IDs, s)
			}
		}
		if memberKey != "" {
			r.Members = &disclose.Digest{Units: uint64(r.Count), Sum: memberSum}
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// hashSum is the SQL of a cell's member hash sum modulo 2⁶⁴, h a column.
// The low and high 32 bits are summed apart: each sum fits 64 bits for
// fewer than 2³² rows a cell, which DuckDB adds far faster than the
// 128-bit sum of whole hashes; the two are joined once per cell.
func hashSum(h string) string {
	return "CAST((sum(CAST(" + h + " & CAST(4294967295 AS UBIGINT) AS BIGINT)) + sum(CAST(" + h + " >> 32 AS BIGINT)) * CAST(4294967296 AS HUGEINT)) % CAST('18446744073709551616' AS HUGEINT) AS UBIGINT)"
}

// hashColumn is the column name the member hash is computed into.
const hashColumn = `"civiclink h"` // no column has a space in its name

// withHash adds the member hash of idCol to a FROM clause as hashColumn;
// its one parameter (the key) comes before from's.
func withHash(from, idCol string) string {
	return "(SELECT *, " + memberHashSQL(idCol) + " AS " + hashColumn + " FROM " + from + ")"
}

func aggregateSQL(spec query.AggregateSpec, kp keyPlan, memberSum bool) (string, []any, error) {
	sel, group, grouped, err := groupSQL(spec)
	if err != nil {
		return "", nil, err
	}
	sum := "NULL::DOUBLE, NULL::DOUBLE[]"
	if spec.SumColumn != "" {
		c, ok := spec.Schema.Column(spec.SumColumn)
		if !ok || (c.Type != catalog.TypeInteger && c.Type != catalog.TypeDecimal) {
			return "", nil, fault.Errorf(fault.Invalid, "%q is not a numeric column of the dataset", spec.SumColumn)
		}
		sum = fmt.Sprintf("sum(%[1]s)::DOUBLE, max(%[1]s::DOUBLE, 2)", quoteIdent(c.Name))
	}
	ids := "NULL::VARCHAR[]"
	if id, ok := spec.Schema.RecordID(); ok && spec.IDs {
		ids = "list(CAST(" + quoteIdent(id.Name) + " AS VARCHAR))"
	}
	from, args, err := fromWhere(spec, kp)
	if err != nil {
		return "", nil, err
	}
	from = grouped(from)
	cols := append(sel, "count(*)", keySum(spec, kp), sum, ids)
	if memberSum {
		id, ok := spec.Schema.RecordID()
		if !ok {
			return "", nil, fault.Errorf(fault.Invalid, "a dataset without a record-id column has no member digests")
		}
		from = withHash(from, id.Name)
		cols = append(cols, hashSum(hashColumn))
	}
	q := "SELECT " + strings.Join(cols, ", ") + " FROM " + from
	if len(group) > 0 {
		q += " GROUP BY " + strings.Join(group, ", ") + " ORDER BY " + strings.Join(group, ", ")
	}
	return q, args, nil
}

// fromWhere is the spec's FROM and WHERE: its version's table, or every
// one of its versions' tables together (their record keys scaled as kp
// says), less filtered and excluded rows.
func fromWhere(spec query.AggregateSpec, kp keyPlan) (string, []any, error) {
	from := ""
	switch {
	case len(spec.Versions) > 0:
		from = "(" + unionTables(spec.Versions, kp.branch) + ")"
	case spec.Version != nil:
		from = quoteIdent(spec.Version.Table)
	default:
		return "", nil, fault.Errorf(fault.Internal, "aggregate without a dataset version")
	}
	var where []string
	var args []any
	if spec.Where != nil {
		w, a := compileExpr(spec.Where)
		where, args = append(where, w), a
	}
	if len(spec.Exclude) > 0 {
		id, ok := spec.Schema.RecordID()
		if !ok {
			return "", nil, fault.Errorf(fault.Invalid, "records cannot be excluded from a dataset without a record-id column")
		}
		where = append(where, quoteIdent(id.Name)+" NOT IN (SELECT unnest(?::VARCHAR[]))")
		args = append(args, spec.Exclude)
	}
	if len(where) > 0 {
		from += " WHERE " + strings.Join(where, " AND ")
	}
	return from, args, nil
}

// unionTables reads several versions of one dataset as one table. With
// scales (tables keyed at different widths), each table's record keys are
// made 32-bit ones as they are read.
func unionTables(vs []*catalog.Version, scales map[string]int64) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = "SELECT * FROM " + quoteIdent(v.Table)
		if scales != nil {
			k := quoteIdent(RecordKeyColumn)
			parts[i] = fmt.Sprintf("SELECT * REPLACE (CAST(%s AS BIGINT) * %d AS %s) FROM %s", k, scales[v.Table], k, quoteIdent(v.Table))
		}
	}
	return strings.Join(parts, " UNION ALL BY NAME ")
}

// groupSQL returns the cell-key columns of spec's SELECT, its GROUP BY
// list, and a wrapper that adds the grouped values to a FROM clause. Rows
// are grouped on raw values (a column, or a date truncated to its period),
// which is cheap; the text of a key ("2024-01") is made once per cell.
func groupSQL(spec query.AggregateSpec) (sel, group []string, grouped func(from string) string, err error) {
	var inner []string
	for i, g := range spec.By {
		raw, label, err := groupExpr(spec.Schema, g)
		if err != nil {
			return nil, nil, nil, err
		}
		alias := quoteIdent(fmt.Sprintf("civiclink g%d", i)) // no column has a space in its name
		inner = append(inner, raw+" AS "+alias)
		sel, group = append(sel, label(alias)), append(group, alias)
	}
	grouped = func(from string) string {
		if len(inner) == 0 {
			return from
		}
		return "(SELECT " + strings.Join(inner, ", ") + ", * FROM " + from + ")"
	}
	return sel, group, grouped, nil
}

// groupExpr is the SQL for one grouping key: raw, the value rows are
// grouped on, and label, which turns a grouped value into the key's text.
// Column names come only from the schema.
func groupExpr(sc *catalog.Schema, g query.GroupKey) (raw string, label func(string) string, err error) {
	c, ok := sc.Column(g.Column)
	if !ok {
		return "", nil, fault.Errorf(fault.Invalid, "no column %q to group by", g.Column)
	}
	if c.Role == catalog.RoleIdentifier || c.Role == catalog.RoleRecordID {
		return "", nil, fault.Errorf(fault.Forbidden, "cannot group by %s: it identifies records", c.Name)
	}
	q := quoteIdent(c.Name)
	if g.Period == "" {
		return q, func(x string) string { return "CAST(" + x + " AS VARCHAR)" }, nil
	}
	if c.Type != catalog.TypeDate && c.Type != catalog.TypeDatetime {
		return "", nil, fault.Errorf(fault.Invalid, "cannot group %s by %s: it is not a date", c.Name, g.Period)
	}
	switch g.Period {
	case "year":
		return "date_trunc('year', " + q + ")", func(x string) string { return "strftime(" + x + ", '%Y')" }, nil
	case "quarter":
		return "date_trunc('quarter', " + q + ")", func(x string) string {
			return "strftime(" + x + ", '%Y') || '-Q' || CAST(quarter(" + x + ") AS VARCHAR)"
		}, nil
	case "month":
		// Months numbered from year 0: grouping on a small integer is
		// faster than on a truncated date (a quarter less for the
		// digests' cell × bucket groups), and the text is the same.
		return "CAST(year(" + q + ") * 12 + month(" + q + ") - 1 AS INTEGER)", func(x string) string {
			return "printf('%04d-%02d', " + x + " // 12, " + x + " % 12 + 1)"
		}, nil
	}
	return "", nil, fault.Errorf(fault.Invalid, "unknown period %q: use year, quarter or month", g.Period)
}

// compileExpr turns a checked filter tree into SQL with ? parameters.
func compileExpr(n expr.Node) (string, []any) {
	switch x := n.(type) {
	case *expr.Compare:
		return quoteIdent(x.Column) + " " + string(x.Op) + " ?", []any{x.Value.Value}
	case *expr.In:
		marks := make([]string, len(x.Values))
		args := make([]any, len(x.Values))
		for i, v := range x.Values {
			marks[i], args[i] = "?", v.Value
		}
		not := ""
		if x.Not {
			not = "NOT "
		}
		return quoteIdent(x.Column) + " " + not + "IN (" + strings.Join(marks, ", ") + ")", args
	case *expr.IsNull:
		if x.Not {
			return quoteIdent(x.Column) + " IS NOT NULL", nil
		}
		return quoteIdent(x.Column) + " IS NULL", nil
	case *expr.And:
		l, la := compileExpr(x.Left)
		r, ra := compileExpr(x.Right)
		return "(" + l + " AND " + r + ")", append(la, ra...)
	case *expr.Or:
		l, la := compileExpr(x.Left)
		r, ra := compileExpr(x.Right)
		return "(" + l + " OR " + r + ")", append(la, ra...)
	case *expr.Not:
		s, a := compileExpr(x.X)
		return "(NOT " + s + ")", a
	}
	return "FALSE", nil
}

// asList returns a scanned DuckDB list as a slice (nil for NULL).
func asList(v any) []any {
	l, _ := v.([]any)
	return l
}
