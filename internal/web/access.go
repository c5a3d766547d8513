package web

import (
	"context"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
)

// The web app's own access rules, for what is not a read of partner data
// (reads of data go through govern's Authorize in the indicator source):
//
//   - the catalogue (datasets, schemas, versions, completeness) is visible
//     to every signed-in member of the partnership, so analysts can find
//     what exists and ask for an agreement; the value ranges in a quality
//     report (min and max, which may single out a record) only to the
//     owning partner;
//   - a new version may be loaded only as govern.CanLoad says (the ingest
//     service asks it and audits the load; the pages ask it only to show or
//     hide the upload form).

// ownsData says whether u belongs to the partner that owns d.
func ownsData(u *govern.User, d *catalog.Dataset) bool { return u.PartnerID == d.PartnerID }

// refuse records a refused action and returns err.
func (s *Server) refuse(ctx context.Context, u *govern.User, action, target string, err error) error {
	e := event(u, action, target)
	e.Outcome, e.Reason = govern.OutcomeDenied, fault.Message(err)
	if rerr := s.record(ctx, e); rerr != nil {
		return rerr
	}
	return err
}
