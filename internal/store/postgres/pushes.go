package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/web/pushes"
)

var _ pushes.Store = (*Store)(nil)

const pushColumns = `id, user_id, dataset_id, name, size, sha256, received, digest, state, job_ref, created_at, updated_at`

func scanPush(r pgx.Row) (*pushes.Push, error) {
	var p pushes.Push
	if err := r.Scan(&p.ID, &p.UserID, &p.DatasetID, &p.Name, &p.Size, &p.SHA256, &p.Received, &p.Digest,
		&p.State, &p.JobRef, &p.Created, &p.Updated); err != nil {
		return nil, err
	}
	p.Created, p.Updated = p.Created.UTC(), p.Updated.UTC()
	return &p, nil
}

// StartPush returns the push of the same file by the same user to the
// same dataset, else records p: one statement, so two processes declaring
// the same file at once get the same push.
func (s *Store) StartPush(ctx context.Context, p *pushes.Push) (*pushes.Push, error) {
	_, err := s.pool.Exec(ctx, `INSERT INTO pushes (id, user_id, dataset_id, name, size, sha256, digest, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) ON CONFLICT (user_id, dataset_id, sha256, size) DO NOTHING`,
		p.ID, p.UserID, p.DatasetID, p.Name, p.Size, p.SHA256, p.Digest, p.Created.UTC())
	if err != nil {
		return nil, fault.Wrap(err, fault.Internal, "cannot record the push")
	}
	got, err := scanPush(s.pool.QueryRow(ctx, `SELECT `+pushColumns+` FROM pushes WHERE user_id = $1 AND dataset_id = $2 AND sha256 = $3 AND size = $4`,
		p.UserID, p.DatasetID, p.SHA256, p.Size))
	if errors.Is(err, pgx.ErrNoRows) {
		// forgotten between the two statements (it ended): record it again
		return s.StartPush(ctx, p)
	}
	return got, err
}

// Push returns a push by id.
func (s *Store) Push(ctx context.Context, id string) (*pushes.Push, error) {
	p, err := scanPush(s.pool.QueryRow(ctx, `SELECT `+pushColumns+` FROM pushes WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fault.Errorf(fault.NotFound, "no push %q", id)
	}
	return p, err
}

// AddPushChunk records a chunk of a receiving push that holds exactly
// c.Offset bytes, in one transaction with the bytes held and the running
// digest, so of two processes adding a chunk at the same offset one does.
func (s *Store) AddPushChunk(ctx context.Context, id string, c pushes.Chunk, digest []byte, now time.Time) (*pushes.Push, error) {
	var p *pushes.Push
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		p, err = scanPush(tx.QueryRow(ctx, `UPDATE pushes SET received = received + $1, digest = $2, updated_at = $3
			WHERE id = $4 AND state = 'receiving' AND received = $5 RETURNING `+pushColumns, c.Size, digest, now.UTC(), id, c.Offset))
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO push_chunks (push_id, first_byte, size, sha256) VALUES ($1, $2, $3, $4)`, id, c.Offset, c.Size, c.SHA256)
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) || isUnique(err) {
		return s.pushConflict(ctx, id)
	}
	return p, err
}

// pushConflict answers a change a push refused, with the push as it is.
func (s *Store) pushConflict(ctx context.Context, id string) (*pushes.Push, error) {
	p, err := s.Push(ctx, id)
	if err != nil {
		return nil, err
	}
	return p, fault.Errorf(fault.Conflict, "push %s is %s with %d of %d bytes", id, p.State, p.Received, p.Size)
}

// PushChunks returns a push's chunks by offset.
func (s *Store) PushChunks(ctx context.Context, id string) ([]pushes.Chunk, error) {
	rows, err := s.pool.Query(ctx, `SELECT first_byte, size, sha256 FROM push_chunks WHERE push_id = $1 ORDER BY first_byte`, id)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (pushes.Chunk, error) {
		var c pushes.Chunk
		err := r.Scan(&c.Offset, &c.Size, &c.SHA256)
		return c, err
	})
}

// CompletePush marks a receiving push that holds every byte as completed
// by jobRef, once: of two processes completing it at once, one does.
func (s *Store) CompletePush(ctx context.Context, id, jobRef string, now time.Time) (*pushes.Push, error) {
	p, err := scanPush(s.pool.QueryRow(ctx, `UPDATE pushes SET state = 'completed', job_ref = $1, updated_at = $2
		WHERE id = $3 AND state = 'receiving' AND received = size RETURNING `+pushColumns, jobRef, now.UTC(), id))
	if errors.Is(err, pgx.ErrNoRows) {
		return s.pushConflict(ctx, id)
	}
	return p, err
}

// ReopenPush puts a completed push back to receiving.
func (s *Store) ReopenPush(ctx context.Context, id string, now time.Time) (*pushes.Push, error) {
	p, err := scanPush(s.pool.QueryRow(ctx, `UPDATE pushes SET state = 'receiving', job_ref = '', updated_at = $1
		WHERE id = $2 AND state = 'completed' RETURNING `+pushColumns, now.UTC(), id))
	if errors.Is(err, pgx.ErrNoRows) {
		return s.pushConflict(ctx, id)
	}
	return p, err
}

// DeletePush forgets a push and its chunks.
func (s *Store) DeletePush(ctx context.Context, id string) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM pushes WHERE id = $1`, id)
	return err
}

// ExpirePushes forgets the pushes not updated since before.
func (s *Store) ExpirePushes(ctx context.Context, before time.Time) ([]*pushes.Push, error) {
	rows, err := s.pool.Query(ctx, `DELETE FROM pushes WHERE updated_at < $1 RETURNING `+pushColumns, before.UTC())
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (*pushes.Push, error) { return scanPush(r) })
}

// PushIDs returns the ids of every push kept.
func (s *Store) PushIDs(ctx context.Context) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT id FROM pushes`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}
