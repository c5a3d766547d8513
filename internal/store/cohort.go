package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/query"
)

// CohortMembers evaluates a cohort.
func (s *Store) CohortMembers(ctx context.Context, spec query.CohortSpec) ([]query.CohortMember, error) {
	q, args, err := cohortSQL(spec)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fault.Wrap(err, fault.Internal, "cohort query failed")
	}
	defer rows.Close()
	var out []query.CohortMember
	for rows.Next() {
		var m query.CohortMember
		var district, lsoa *string
		if err := rows.Scan(&m.EntityID, &m.IndexDate, &m.IndexSource, &m.IndexRecord, &district, &lsoa); err != nil {
			return nil, err
		}
		if district != nil {
			m.District = *district
		}
		if lsoa != nil {
			m.LSOA = *lsoa
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

func cohortSQL(spec query.CohortSpec) (string, []any, error) {
	var ctes []string
	var args []any
	for _, src := range spec.Sources {
		cte, a, err := sourceCTE(spec.RunID, src)
		if err != nil {
			return "", nil, err
		}
		ctes, args = append(ctes, cte), append(args, a...)
	}
	body, err := ruleSQL(spec.Rule)
	if err != nil {
		return "", nil, err
	}
	return "WITH " + strings.Join(ctes, ",\n") + "\n" + body, args, nil
}

// sourceCTE selects a source's events: entity, date, record and district.
func sourceCTE(run int64, src query.CohortSource) (string, []any, error) {
	sc := src.Dataset.Schema
	id, ok := sc.RecordID()
	if !ok {
		return "", nil, fault.Errorf(fault.Invalid, "dataset %s has no record-id column, so it cannot be linked into cohorts", src.Dataset.ID)
	}
	date := eventDate(sc)
	if date == "" {
		return "", nil, fault.Errorf(fault.Invalid, "dataset %s has no event-date column, so its events cannot be placed in time", src.Dataset.ID)
	}
	district, lsoa := "NULL", "NULL"
	for _, c := range sc.Columns {
		if c.Type == catalog.TypeDistrict && district == "NULL" {
			district = "d." + quoteIdent(c.Name)
		}
		if c.Type == catalog.TypeLSOA && lsoa == "NULL" {
			lsoa = "d." + quoteIdent(c.Name)
		}
	}
	filter := "TRUE"
	var args []any
	if src.Where != nil {
		filter, args = compileExpr(src.Where)
	}
	if len(src.Exclude) > 0 {
		filter = "(" + filter + ") AND " + quoteIdent(id.Name) + " NOT IN (SELECT unnest(?::VARCHAR[]))"
		args = append(args, src.Exclude)
	}
	cte := fmt.Sprintf(`%s AS (SELECT e.entity_id, CAST(d.%s AS DATE) AS t, CAST(d.%s AS VARCHAR) AS rid, %s AS district, %s AS lsoa, '%s' AS src
  FROM (SELECT * FROM %s WHERE %s) d
  JOIN linkage_entities e ON e.run_id = %d AND e.dataset_id = '%s' AND e.record_id = CAST(d.%s AS VARCHAR)
  WHERE d.%s IS NOT NULL)`,
		cteName(src.Name), quoteIdent(date), quoteIdent(id.Name), district, lsoa, sqlString(src.Name),
		sourceTable(src), filter, run, sqlString(src.Dataset.ID), quoteIdent(id.Name), quoteIdent(date))
	return cte, args, nil
}

// sourceTable is what a source reads: its version's table, or its versions'
// tables together.
func sourceTable(src query.CohortSource) string {
	if len(src.Versions) > 0 {
		return "(" + unionTables(src.Versions, nil) + ")"
	}
	return quoteIdent(src.Version.Table)
}

func eventDate(sc *catalog.Schema) string {
	for _, c := range sc.Columns {
		if c.Role == catalog.RoleEventDate {
			return c.Name
		}
	}
	return ""
}

func cteName(n string) string { return quoteIdent("src_" + n) }

// sqlString escapes a value known to be a validated id or source name.
func sqlString(s string) string { return strings.ReplaceAll(s, "'", "''") }

const memberCols = "entity_id, t AS index_date, src AS index_source, rid AS index_record, district, lsoa"

func ruleSQL(r query.CohortRule) (string, error) {
	switch {
	case r.Sequence[0] != "":
		a, b := cteName(r.Sequence[0]), cteName(r.Sequence[1])
		window := ""
		if r.WithinDays > 0 {
			window = fmt.Sprintf(" AND b.t <= a.t + INTERVAL %d DAY", r.WithinDays)
		}
		return `SELECT ` + memberCols + ` FROM (
  SELECT b.*, row_number() OVER (PARTITION BY b.entity_id ORDER BY b.t, b.rid) AS k
  FROM ` + b + ` b WHERE EXISTS (SELECT 1 FROM ` + a + ` a WHERE a.entity_id = b.entity_id AND b.t >= a.t` + window + `)
) WHERE k = 1 ORDER BY entity_id`, nil
	case len(r.All) == 2 && r.WithinDays > 0:
		a, b := cteName(r.All[0]), cteName(r.All[1])
		return fmt.Sprintf(`SELECT `+memberCols+` FROM (
  SELECT CASE WHEN b.t >= a.t THEN b.entity_id ELSE a.entity_id END AS entity_id,
         greatest(a.t, b.t) AS t,
         CASE WHEN b.t >= a.t THEN b.src ELSE a.src END AS src,
         CASE WHEN b.t >= a.t THEN b.rid ELSE a.rid END AS rid,
         CASE WHEN b.t >= a.t THEN b.district ELSE a.district END AS district,
         CASE WHEN b.t >= a.t THEN b.lsoa ELSE a.lsoa END AS lsoa,
         row_number() OVER (PARTITION BY a.entity_id ORDER BY greatest(a.t, b.t), a.rid, b.rid) AS k
  FROM %s a JOIN %s b ON a.entity_id = b.entity_id AND abs(datediff('day', a.t, b.t)) <= %d
) WHERE k = 1 ORDER BY entity_id`, a, b, r.WithinDays), nil
	case len(r.All) > 0:
		return atLeastSQL(r.All, len(r.All)), nil
	case r.AtLeast > 0:
		return atLeastSQL(r.Of, r.AtLeast), nil
	}
	return "", fault.Errorf(fault.Invalid, "cohort rule is empty: give all, sequence or at_least")
}

// atLeastSQL: entities with events of at least n of the sources; the index
// event is the first event of the source that made the count reach n.
func atLeastSQL(sources []string, n int) string {
	var parts []string
	for _, s := range sources {
		parts = append(parts, "SELECT * FROM "+cteName(s))
	}
	return fmt.Sprintf(`SELECT `+memberCols+` FROM (
  SELECT f.*, row_number() OVER (PARTITION BY entity_id ORDER BY t, src) AS nth
  FROM (SELECT *, row_number() OVER (PARTITION BY entity_id, src ORDER BY t, rid) AS first
        FROM (%s)) f
  WHERE first = 1
) WHERE nth = %d ORDER BY entity_id`, strings.Join(parts, " UNION ALL "), n)
}
