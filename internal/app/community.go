package app

import (
	"context"

	"github.com/civiclink/civiclink/internal/community"
)

// Community returns the community-support directory over the backend
// (PostgreSQL in server mode),
// placing locations from the county's reference geography; built once, as
// it keeps the published directory in memory.
func (s *Services) Community(ctx context.Context) (*community.Directory, error) {
	s.communityOnce.Do(func() {
		p, err := community.LoadPlacer()
		if err != nil {
			s.communityErr = err
			return
		}
		s.community = community.NewDirectory(s.Backend, s.Gov.Audit, s.Clock, p)
	})
	return s.community, s.communityErr
}
