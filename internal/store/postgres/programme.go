package postgres

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/programme"
	"github.com/civiclink/civiclink/internal/store"
)

var _ programme.Store = (*Store)(nil)

// SaveProject creates or replaces a project with its deliverables and
// measures in one transaction; a concurrent save of the same project
// waits for this one (the row lock), so the last save wins whole.
func (s *Store) SaveProject(ctx context.Context, p *programme.Project) error {
	sum, err := json.Marshal(p.Summary)
	if err != nil {
		return err
	}
	sp, err := json.Marshal(p.Sponsors)
	if err != nil {
		return err
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO programme_projects (id, title, theme, summary_json, sponsors, status, updated_by, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT (id) DO UPDATE SET title = excluded.title, theme = excluded.theme, summary_json = excluded.summary_json,
				sponsors = excluded.sponsors, status = excluded.status, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
			p.ID, p.Title, p.Theme, string(sum), string(sp), string(p.Status), p.UpdatedBy, p.UpdatedAt.UTC()); err != nil {
			return err
		}
		for _, q := range []string{`DELETE FROM programme_deliverables WHERE project = $1`, `DELETE FROM programme_measures WHERE project = $1`} {
			if _, err := tx.Exec(ctx, q, p.ID); err != nil {
				return err
			}
		}
		b := &pgx.Batch{}
		for i, d := range p.Deliverables {
			b.Queue(`INSERT INTO programme_deliverables (project, position, id, title, due, status, evidence) VALUES ($1, $2, $3, $4, $5::date, $6, $7)`,
				p.ID, i, d.ID, d.Title, d.Due, string(d.Status), d.Evidence)
		}
		for i, m := range p.Measures {
			b.Queue(`INSERT INTO programme_measures (project, position, id, title, indicator, baseline, target_percent, direction) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
				p.ID, i, m.ID, m.Title, m.Indicator, m.Baseline, m.Target, string(m.Direction))
		}
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return fault.Wrap(err, fault.Internal, "cannot store project %s", p.ID)
	}
	return nil
}

// Project returns a project with its deliverables and measures, NotFound
// when there is none.
func (s *Store) Project(ctx context.Context, id string) (*programme.Project, error) {
	ps, err := s.projects(ctx, id)
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, fault.FieldErrorf(fault.NotFound, "project", "no project %q in the programme", id)
	}
	return ps[0], nil
}

// Projects returns every project, by id.
func (s *Store) Projects(ctx context.Context) ([]*programme.Project, error) {
	return s.projects(ctx, "")
}

// projects reads one project (id) or all (""), with their deliverables
// and measures, in one repeatable-read snapshot so a concurrent save is
// seen whole or not at all.
func (s *Store) projects(ctx context.Context, id string) ([]*programme.Project, error) {
	var out []*programme.Project
	err := s.readTx(ctx, func(tx pgx.Tx) error {
		ps, byID, err := readProjects(ctx, tx, id)
		if err != nil {
			return err
		}
		out = ps
		if err := readDeliverables(ctx, tx, id, byID); err != nil {
			return err
		}
		return readMeasures(ctx, tx, id, byID)
	})
	if err != nil {
		return nil, fault.Wrap(err, fault.Internal, "cannot read the programme's projects")
	}
	return out, nil
}

// readTx runs fn in a read-only repeatable-read transaction: one
// snapshot for several queries.
func (s *Store) readTx(ctx context.Context, fn func(pgx.Tx) error) error {
	return s.inTxOptions(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, fn)
}

func readProjects(ctx context.Context, tx pgx.Tx, id string) ([]*programme.Project, map[string]*programme.Project, error) {
	rows, err := tx.Query(ctx, `SELECT id, title, theme, summary_json, sponsors, status, updated_by, updated_at
		FROM programme_projects WHERE $1 = '' OR id = $1 ORDER BY id COLLATE "C"`, id)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	return store.ScanProjects(rows)
}

func readDeliverables(ctx context.Context, tx pgx.Tx, id string, byID map[string]*programme.Project) error {
	rows, err := tx.Query(ctx, `SELECT project, id, title, to_char(due, 'YYYY-MM-DD'), status, evidence
		FROM programme_deliverables WHERE $1 = '' OR project = $1 ORDER BY project COLLATE "C", position`, id)
	if err != nil {
		return err
	}
	defer rows.Close()
	return store.ScanDeliverables(rows, byID)
}

func readMeasures(ctx context.Context, tx pgx.Tx, id string, byID map[string]*programme.Project) error {
	rows, err := tx.Query(ctx, `SELECT project, id, title, indicator, baseline, target_percent, direction
		FROM programme_measures WHERE $1 = '' OR project = $1 ORDER BY project COLLATE "C", position`, id)
	if err != nil {
		return err
	}
	defer rows.Close()
	return store.ScanMeasures(rows, byID)
}

// AddUpdate stores an update and any deliverable status it changes, in
// one transaction: the change applies only if the deliverable is still in
// u.From, else nothing is stored (Conflict). Of two concurrent changes
// from the same status one lands; the other waits on the row, then finds
// the status changed.
func (s *Store) AddUpdate(ctx context.Context, u *programme.Update) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if u.Deliverable != "" {
			tag, err := tx.Exec(ctx, `UPDATE programme_deliverables SET status = $1 WHERE project = $2 AND id = $3 AND status = $4`,
				string(u.To), u.Project, u.Deliverable, string(u.From))
			if err != nil {
				return err
			}
			if tag.RowsAffected() != 1 {
				return fault.FieldErrorf(fault.Conflict, "deliverable", "deliverable %s of project %s is no longer %s: someone changed it first; reload and try again", u.Deliverable, u.Project, u.From)
			}
		}
		return tx.QueryRow(ctx, `INSERT INTO programme_updates (project, author, partner, posted_at, text, deliverable, from_status, to_status)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
			u.Project, u.Author, u.Partner, u.At.UTC(), u.Text, u.Deliverable, string(u.From), string(u.To)).Scan(&u.ID)
	})
	if err != nil && fault.Code(err) != fault.Conflict {
		return fault.Wrap(err, fault.Internal, "cannot store the update to project %s", u.Project)
	}
	return err
}

// Updates returns a project's updates ("" for every project's) at or
// after since, oldest first.
func (s *Store) Updates(ctx context.Context, project string, since time.Time) ([]*programme.Update, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, project, author, partner, posted_at, text, deliverable, from_status, to_status
		FROM programme_updates WHERE ($1 = '' OR project = $1) AND posted_at >= $2 ORDER BY posted_at, id`, project, since.UTC())
	if err != nil {
		return nil, fault.Wrap(err, fault.Internal, "cannot read the programme's updates")
	}
	defer rows.Close()
	out, err := store.ScanUpdates(rows)
	if err != nil {
		return nil, fault.Wrap(err, fault.Internal, "cannot read the programme's updates")
	}
	return out, nil
}

// SaveClaim creates or replaces a claim.
func (s *Store) SaveClaim(ctx context.Context, c *programme.Claim) error {
	fs, err := json.Marshal(c.Figures)
	if err != nil {
		return err
	}
	_, err = s.pool.Exec(ctx, `INSERT INTO programme_claims (id, statement, origin, project, figures_json, updated_by, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (id) DO UPDATE SET statement = excluded.statement, origin = excluded.origin, project = excluded.project,
			figures_json = excluded.figures_json, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
		c.ID, c.Statement, c.Origin, c.Project, string(fs), c.UpdatedBy, c.UpdatedAt.UTC())
	if err != nil {
		return fault.Wrap(err, fault.Internal, "cannot store claim %s", c.ID)
	}
	return nil
}

// Claims returns every claim, by id.
func (s *Store) Claims(ctx context.Context) ([]*programme.Claim, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, statement, origin, project, figures_json, updated_by, updated_at FROM programme_claims ORDER BY id COLLATE "C"`)
	if err != nil {
		return nil, fault.Wrap(err, fault.Internal, "cannot read the claims")
	}
	defer rows.Close()
	out, err := store.ScanClaims(rows)
	if err != nil {
		return nil, fault.Wrap(err, fault.Internal, "cannot read the claims")
	}
	return out, nil
}

// SaveAssessment stores a self-assessment as a new row: earlier ones
// stay, so history is kept.
func (s *Store) SaveAssessment(ctx context.Context, a *programme.Assessment) error {
	ans, err := json.Marshal(a.Answers)
	if err != nil {
		return err
	}
	err = s.pool.QueryRow(ctx, `INSERT INTO programme_assessments (partner, round, answers_json, answered_by, answered_at)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`, a.Partner, a.Round, string(ans), a.By, a.At.UTC()).Scan(&a.ID)
	if err != nil {
		return fault.Wrap(err, fault.Internal, "cannot store the self-assessment of %s", a.Partner)
	}
	return nil
}

// Assessments returns every self-assessment, oldest first.
func (s *Store) Assessments(ctx context.Context) ([]*programme.Assessment, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, partner, round, answers_json, answered_by, answered_at FROM programme_assessments ORDER BY id`)
	if err != nil {
		return nil, fault.Wrap(err, fault.Internal, "cannot read the self-assessments")
	}
	defer rows.Close()
	out, err := store.ScanAssessments(rows)
	if err != nil {
		return nil, fault.Wrap(err, fault.Internal, "cannot read the self-assessments")
	}
	return out, nil
}
