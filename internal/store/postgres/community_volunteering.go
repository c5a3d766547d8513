package postgres

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/civiclink/civiclink/internal/community"
	"github.com/civiclink/civiclink/internal/fault"
)

// PutCommunityZone adds a zone or replaces the zone with its id.
func (s *Store) PutCommunityZone(ctx context.Context, z *community.Zone) error {
	doc, err := json.Marshal(z)
	if err != nil {
		return err
	}
	defer s.communityChanged()
	_, err = s.pool.Exec(ctx, `INSERT INTO community_zones (id, doc, designated_by, designated_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (id) DO UPDATE SET doc = excluded.doc, designated_by = excluded.designated_by, designated_at = excluded.designated_at`,
		z.ID, string(doc), z.DesignatedBy, z.DesignatedAt.UTC())
	return err
}

// CommunityZones returns every zone, by id.
func (s *Store) CommunityZones(ctx context.Context) ([]community.Zone, error) {
	return readDocs[community.Zone](ctx, s, `SELECT doc FROM community_zones ORDER BY id`)
}

// AddCommunityOpportunity stores a new opportunity, giving it its ID.
func (s *Store) AddCommunityOpportunity(ctx context.Context, o *community.Opportunity) error {
	defer s.communityChanged()
	return s.inTx(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT nextval(pg_get_serial_sequence('community_opportunities', 'id'))`).Scan(&o.ID); err != nil {
			return err
		}
		doc, err := json.Marshal(o)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO community_opportunities (id, organization, partner, status, doc, posted_by, posted_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			o.ID, o.OrganisationID, o.Partner, string(o.Status), string(doc), o.PostedBy, o.PostedAt.UTC())
		return err
	})
}

// CloseCommunityOpportunity records an open opportunity's closing; one no
// longer open is a conflict.
func (s *Store) CloseCommunityOpportunity(ctx context.Context, o *community.Opportunity) error {
	doc, err := json.Marshal(o)
	if err != nil {
		return err
	}
	defer s.communityChanged()
	return s.inTx(ctx, func(tx pgx.Tx) error {
		var status string
		err := tx.QueryRow(ctx, `SELECT status FROM community_opportunities WHERE id = $1 FOR UPDATE`, o.ID).Scan(&status)
		if errors.Is(err, pgx.ErrNoRows) {
			return fault.Errorf(fault.NotFound, "no volunteering opportunity %d", o.ID)
		} else if err != nil {
			return err
		}
		if status != string(community.Open) {
			return fault.Errorf(fault.Conflict, "opportunity %d is already %s", o.ID, status)
		}
		_, err = tx.Exec(ctx, `UPDATE community_opportunities SET status = $1, doc = $2 WHERE id = $3`, string(o.Status), string(doc), o.ID)
		return err
	})
}

// CommunityOpportunities returns every opportunity, oldest first.
func (s *Store) CommunityOpportunities(ctx context.Context) ([]community.Opportunity, error) {
	return readDocs[community.Opportunity](ctx, s, `SELECT doc FROM community_opportunities ORDER BY id`)
}

// readDocs reads the JSON document of every row q returns as a T.
func readDocs[T any](ctx context.Context, s *Store, q string) ([]T, error) {
	rows, err := s.pool.Query(ctx, q)
	if err != nil {
		return nil, err
	}
	docs, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	out := make([]T, len(docs))
	for i, doc := range docs {
		if err := json.Unmarshal([]byte(doc), &out[i]); err != nil {
			return nil, fault.Wrap(err, fault.Internal, "a stored community record cannot be read")
		}
	}
	return out, nil
}
