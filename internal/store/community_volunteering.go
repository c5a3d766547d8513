package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/civiclink/civiclink/internal/community"
	"github.com/civiclink/civiclink/internal/fault"
)

// PutCommunityZone adds a zone or replaces the zone with its id.
func (s *Store) PutCommunityZone(ctx context.Context, z *community.Zone) error {
	doc, err := json.Marshal(z)
	if err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM community_zones WHERE id = ?`, z.ID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO community_zones (id, doc, designated_by, designated_at) VALUES (?, ?, ?, ?)`,
		z.ID, string(doc), z.DesignatedBy, z.DesignatedAt.UTC()); err != nil {
		return err
	}
	return tx.Commit()
}

// CommunityZones returns every zone, by id.
func (s *Store) CommunityZones(ctx context.Context) ([]community.Zone, error) {
	out := []community.Zone{}
	err := s.readDocs(ctx, `SELECT doc FROM community_zones ORDER BY id`, func(doc []byte) error {
		var z community.Zone
		if err := json.Unmarshal(doc, &z); err != nil {
			return err
		}
		out = append(out, z)
		return nil
	})
	return out, err
}

// readDocs calls each with the JSON document of every row q returns.
func (s *Store) readDocs(ctx context.Context, q string, each func([]byte) error) error {
	rows, err := s.db.QueryContext(ctx, q)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return err
		}
		if err := each([]byte(doc)); err != nil {
			return fault.Wrap(err, fault.Internal, "a stored community record cannot be read")
		}
	}
	return rows.Err()
}

// AddCommunityOpportunity stores a new opportunity, giving it its ID.
func (s *Store) AddCommunityOpportunity(ctx context.Context, o *community.Opportunity) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := tx.QueryRowContext(ctx, `SELECT nextval('community_opportunity_ids')`).Scan(&o.ID); err != nil {
		return err
	}
	doc, err := json.Marshal(o)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO community_opportunities (id, organization, partner, status, doc, posted_by, posted_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		o.ID, o.OrganisationID, o.Partner, string(o.Status), string(doc), o.PostedBy, o.PostedAt.UTC()); err != nil {
		return err
	}
	return tx.Commit()
}

// CloseCommunityOpportunity records an open opportunity's closing.
func (s *Store) CloseCommunityOpportunity(ctx context.Context, o *community.Opportunity) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var status string
	err = tx.QueryRowContext(ctx, `SELECT status FROM community_opportunities WHERE id = ?`, o.ID).Scan(&status)
	if errors.Is(err, sql.ErrNoRows) {
		return fault.Errorf(fault.NotFound, "no volunteering opportunity %d", o.ID)
	} else if err != nil {
		return err
	}
	if status != string(community.Open) {
		return fault.Errorf(fault.Conflict, "opportunity %d is already %s", o.ID, status)
	}
	doc, err := json.Marshal(o)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE community_opportunities SET status = ?, doc = ? WHERE id = ?`, string(o.Status), string(doc), o.ID); err != nil {
		return err
	}
	return tx.Commit()
}

// CommunityOpportunities returns every opportunity, oldest first.
func (s *Store) CommunityOpportunities(ctx context.Context) ([]community.Opportunity, error) {
	out := []community.Opportunity{}
	err := s.readDocs(ctx, `SELECT doc FROM community_opportunities ORDER BY id`, func(doc []byte) error {
		var o community.Opportunity
		if err := json.Unmarshal(doc, &o); err != nil {
			return err
		}
		out = append(out, o)
		return nil
	})
	return out, err
}
