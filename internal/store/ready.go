package store

import (
	"context"
	"io/fs"

	"github.com/civiclink/civiclink/internal/fault"
)

// Ready reports whether the store can serve: it answers a query and every
// migration embedded in this binary is recorded as applied. A server's
// readiness check (/readyz) asks it, so a load balancer sends no traffic
// to a process whose store is closed or older than its code.
func (s *Store) Ready(ctx context.Context) error {
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return err
	}
	var applied int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&applied); err != nil {
		return fault.Wrap(err, fault.Internal, "the store does not answer")
	}
	if applied < len(names) {
		return fault.Errorf(fault.Internal, "the store has %d of this binary's %d migrations applied", applied, len(names))
	}
	return nil
}
