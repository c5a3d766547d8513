package app

import (
	"context"

	"github.com/civiclink/civiclink/internal/community"
	"github.com/civiclink/civiclink/internal/geo"
)

// Community returns the community-support directory over the store,
// placing locations from the county's reference geography; built once, as
// it keeps the published directory in memory.
func (s *Services) Community(ctx context.Context) (*community.Directory, error) {
	s.communityOnce.Do(func() {
		county, err := geo.Load()
		if err != nil {
			s.communityErr = err
			return
		}
		lsoas, err := geo.LoadBoundaries(geo.LayerLSOA)
		if err != nil {
			s.communityErr = err
			return
		}
		s.community = community.NewDirectory(s.Store, s.Gov.Audit, s.Clock, community.NewPlacer(county, lsoas))
	})
	return s.community, s.communityErr
}
