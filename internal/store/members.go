package store

import (
	"context"
	"database/sql"
	"strconv"
	"strings"

	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/query"
)

// memberHashSQL is disclose.MemberKey.Hash in SQL over the record-id
// column, the key bound as a decimal string (the driver takes no uint64
// with its top bit set).
func memberHashSQL(idCol string) string {
	return "hash(xor(hash(coalesce(CAST(" + quoteIdent(idCol) + " AS VARCHAR), '')), CAST(? AS UBIGINT)))"
}

// memberHashAgrees checks that this DuckDB hashes ids exactly as
// disclose.MemberKey.Hash does, on probes of every length class. DuckDB
// may change its hash between releases; digests made by another hash would
// not compare with those already in the release record.
func (s *Store) memberHashAgrees(ctx context.Context, key disclose.MemberKey) (bool, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT p, hash(xor(hash(p), CAST(? AS UBIGINT))) FROM unnest(?::VARCHAR[]) AS t(p)`,
		strconv.FormatUint(uint64(key), 10), disclose.MemberHashProbes)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var p string
		var h uint64
		if err := rows.Scan(&p, &h); err != nil {
			return false, err
		}
		if h != key.Hash(p) {
			return false, nil
		}
		n++
	}
	return n == len(disclose.MemberHashProbes), rows.Err()
}

// memberAggregate runs spec with a population digest per cell: the unit
// count and hash sum, computed in the same scan as the counts, so that no
// record id is moved; [Store.CellBuckets] adds the buckets when the
// auditor needs them. Should this DuckDB hash differently from
// disclose.MemberKey.Hash, the ids are fetched and digested here instead.
func (s *Store) memberAggregate(ctx context.Context, spec query.AggregateSpec) ([]query.AggregateRow, error) {
	key := *spec.Members
	spec.Members = nil
	if _, ok := spec.Schema.RecordID(); !ok {
		return s.RawAggregate(ctx, spec) // no ids: the report says the audit could not run
	}
	agrees, err := s.memberHashAgrees(ctx, key)
	if err != nil {
		return nil, fault.Wrap(err, fault.Internal, "cannot check the database's hash for the differencing audit")
	}
	if !agrees {
		spec.IDs = true
		rows, err := s.RawAggregate(ctx, spec)
		for i := range rows {
			rows[i].Members, rows[i].IDs = disclose.DigestOf(key, rows[i].IDs), nil
		}
		return rows, err
	}
	if spec.Buckets && spec.SumColumn == "" && !spec.IDs {
		id, _ := spec.Schema.RecordID()
		return s.cellDigests(ctx, spec, id.Name, key)
	}
	return s.rawAggregate(ctx, spec, strconv.FormatUint(uint64(key), 10))
}

// CellBuckets returns the complete population digest of each cell of spec
// (which must ask for Members), by the cell's keys joined with NUL: one
// database row per cell and hash bucket, so still no record id is moved.
func (s *Store) CellBuckets(ctx context.Context, spec query.AggregateSpec) (map[string]*disclose.Digest, error) {
	if spec.Members == nil {
		return nil, fault.Errorf(fault.Internal, "cell digests need a member key")
	}
	key := *spec.Members
	spec.Members, spec.SumColumn = nil, ""
	id, ok := spec.Schema.RecordID()
	if !ok {
		return nil, fault.Errorf(fault.Invalid, "a dataset without a record-id column has no member digests")
	}
	agrees, err := s.memberHashAgrees(ctx, key)
	if err != nil {
		return nil, fault.Wrap(err, fault.Internal, "cannot check the database's hash for the differencing audit")
	}
	if !agrees {
		spec.IDs = true
		rows, err := s.RawAggregate(ctx, spec)
		out := map[string]*disclose.Digest{}
		for _, r := range rows {
			out[strings.Join(r.Keys, "\x00")] = disclose.DigestOf(key, r.IDs)
		}
		return out, err
	}
	rows, err := s.cellDigests(ctx, spec, id.Name, key)
	out := make(map[string]*disclose.Digest, len(rows))
	for _, r := range rows {
		out[strings.Join(r.Keys, "\x00")] = r.Members
	}
	return out, err
}

// cellDigests returns each cell of spec, in the order of its keys, with
// its count and complete digest: one database row per cell and hash
// bucket, merged here.
func (s *Store) cellDigests(ctx context.Context, spec query.AggregateSpec, idCol string, key disclose.MemberKey) ([]query.AggregateRow, error) {
	sel, group, grouped, err := groupSQL(spec)
	if err != nil {
		return nil, err
	}
	kp, err := s.keyPlan(ctx, spec)
	if err != nil {
		return nil, err
	}
	from, args, err := fromWhere(spec, kp)
	if err != nil {
		return nil, err
	}
	const b = `"civiclink b"`
	from = "(SELECT *, CAST(" + hashColumn + " >> 57 AS UTINYINT) AS " + b + " FROM " + withHash(grouped(from), idCol) + ")"
	by := strings.Join(append(group, b), ", ")
	q := "SELECT " + strings.Join(append(sel, "count(*)", keySum(spec, kp), hashSum(hashColumn), b), ", ") + " FROM " + from +
		" GROUP BY " + by + " ORDER BY " + by
	args = append([]any{strconv.FormatUint(uint64(key), 10)}, args...)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fault.Wrap(err, fault.Internal, "population digests over %s failed", spec.DatasetID())
	}
	defer rows.Close()
	var out []query.AggregateRow
	keys := make([]sql.NullString, len(spec.By))
	var n, keySum, sum uint64
	var bucket uint8
	dest := make([]any, 0, len(keys)+4)
	for i := range keys {
		dest = append(dest, &keys[i])
	}
	dest = append(dest, &n, &keySum, &sum, &bucket)
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		var last *query.AggregateRow
		if len(out) > 0 {
			last = &out[len(out)-1]
			for i, k := range keys {
				if last.Keys[i] != k.String {
					last = nil
					break
				}
			}
		}
		if last == nil {
			r := query.AggregateRow{Keys: make([]string, len(keys)), Members: disclose.NewDigest()}
			for i, k := range keys {
				r.Keys[i] = k.String
			}
			out = append(out, r)
			last = &out[len(out)-1]
		}
		last.Members.AddBucket(int(bucket), n, sum)
		last.Count += int64(n)
		last.Key += keySum
	}
	return out, rows.Err()
}
