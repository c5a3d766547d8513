package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/queue"
)

var _ queue.Store = (*Store)(nil)

// EnqueueJob adds a queued job and returns its id.
func (s *Store) EnqueueJob(ctx context.Context, kind string, payload []byte) (int64, error) {
	var id int64
	err := s.pool.QueryRow(ctx, `INSERT INTO jobs (kind, payload, created_at) VALUES ($1, $2, $3) RETURNING id`,
		kind, append([]byte{}, payload...), s.now()).Scan(&id)
	return id, err
}

// ClaimJob claims the oldest queued job of one of kinds for worker. The
// row is locked with SKIP LOCKED, so concurrent claimers in any process
// take different jobs and none waits for another.
func (s *Store) ClaimJob(ctx context.Context, worker string, kinds []string) (*queue.Job, error) {
	j, err := scanJob(s.pool.QueryRow(ctx, `UPDATE jobs SET state = 'running', worker = $1, claimed_at = $2, heartbeat_at = $2
		WHERE id = (SELECT id FROM jobs WHERE state = 'queued' AND kind = ANY($3) ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
		RETURNING `+jobColumns, worker, s.now(), kinds))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fault.Errorf(fault.NotFound, "no queued job")
	}
	return j, err
}

// HeartbeatJob records that worker is still running job id.
func (s *Store) HeartbeatJob(ctx context.Context, id int64, worker string) error {
	tag, err := s.pool.Exec(ctx, `UPDATE jobs SET heartbeat_at = $1 WHERE id = $2 AND worker = $3 AND state = 'running'`, s.now(), id, worker)
	if err == nil && tag.RowsAffected() == 0 {
		return fault.Errorf(fault.Conflict, "job %d is not running for %s", id, worker)
	}
	return err
}

// FailStaleJobs records as failed, with reason, every running job whose
// worker last beat before before, and returns how many.
func (s *Store) FailStaleJobs(ctx context.Context, before time.Time, reason string) (int64, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE jobs SET state = 'failed', error = $1, ended_at = $2
		WHERE state = 'running' AND coalesce(heartbeat_at, claimed_at) < $3`, reason, s.now(), before)
	return tag.RowsAffected(), err
}

// FinishJob records the end of a job worker claimed.
func (s *Store) FinishJob(ctx context.Context, id int64, worker, failure string) error {
	state := queue.Done
	if failure != "" {
		state = queue.Failed
	}
	tag, err := s.pool.Exec(ctx, `UPDATE jobs SET state = $1, error = $2, ended_at = $3 WHERE id = $4 AND worker = $5 AND state = 'running'`,
		state, failure, s.now(), id, worker)
	if err == nil && tag.RowsAffected() == 0 {
		return fault.Errorf(fault.Conflict, "job %d is not running for %s", id, worker)
	}
	return err
}

// ActiveJobs returns the queued and running jobs of kinds.
func (s *Store) ActiveJobs(ctx context.Context, kinds []string) ([]*queue.Job, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+jobColumns+` FROM jobs WHERE state IN ('queued', 'running') AND kind = ANY($1) ORDER BY id`, kinds)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (*queue.Job, error) { return scanJob(r) })
}

// Job returns a job by id.
func (s *Store) Job(ctx context.Context, id int64) (*queue.Job, error) {
	j, err := scanJob(s.pool.QueryRow(ctx, `SELECT `+jobColumns+` FROM jobs WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fault.Errorf(fault.NotFound, "no job %d", id)
	}
	return j, err
}

const jobColumns = `id, kind, payload, state, worker, error, created_at, claimed_at, ended_at`

func scanJob(r pgx.Row) (*queue.Job, error) {
	var j queue.Job
	var claimed, ended *time.Time
	if err := r.Scan(&j.ID, &j.Kind, &j.Payload, &j.State, &j.Worker, &j.Error, &j.Created, &claimed, &ended); err != nil {
		return nil, err
	}
	j.Created = j.Created.UTC()
	if claimed != nil {
		j.Claimed = claimed.UTC()
	}
	if ended != nil {
		j.Ended = ended.UTC()
	}
	return &j, nil
}

// EnqueueRecorded adds a queued job known to the web as ref, with its
// record (the web's JSON of it), and returns its id.
func (s *Store) EnqueueRecorded(ctx context.Context, kind, ref string, payload, record []byte) (int64, error) {
	var id int64
	err := s.pool.QueryRow(ctx, `INSERT INTO jobs (kind, payload, created_at, ref, record) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		kind, append([]byte{}, payload...), s.now(), ref, append([]byte{}, record...)).Scan(&id)
	if isUnique(err) {
		return 0, fault.Errorf(fault.Conflict, "a job %q is already queued", ref)
	}
	return id, err
}

// SetJobRecord replaces the record of the job known as ref.
func (s *Store) SetJobRecord(ctx context.Context, ref string, record []byte) error {
	tag, err := s.pool.Exec(ctx, `UPDATE jobs SET record = $1 WHERE ref = $2`, append([]byte{}, record...), ref)
	return mustAffect(tag, err, "job", ref)
}

// JobRecord returns the record of the job known as ref and the queue's
// state and failure of it.
func (s *Store) JobRecord(ctx context.Context, ref string) (record []byte, state, failure string, err error) {
	err = s.pool.QueryRow(ctx, `SELECT record, state, error FROM jobs WHERE ref = $1`, ref).Scan(&record, &state, &failure)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, "", "", fault.Errorf(fault.NotFound, "no job %q", ref)
	}
	return record, state, failure, err
}

// JobRecords returns the records of the web's jobs of kind queued since
// since, newest first.
func (s *Store) JobRecords(ctx context.Context, kind string, since time.Time) ([]queue.Record, error) {
	rows, err := s.pool.Query(ctx, `SELECT ref, record, state, error, created_at FROM jobs
		WHERE kind = $1 AND ref <> '' AND created_at >= $2 ORDER BY id DESC`, kind, since)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []queue.Record
	for rows.Next() {
		var r queue.Record
		if err := rows.Scan(&r.Ref, &r.Record, &r.State, &r.Error, &r.Created); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
