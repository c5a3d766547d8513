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
//   - a new version may be uploaded only by a data owner of the partner
//     that owns the dataset, as govern requires for opt-outs and purges.

// canIngest says whether u may load a new version of d.
func canIngest(u *govern.User, d *catalog.Dataset) error {
	if u.Has(govern.DataOwner) && u.PartnerID == d.PartnerID {
		return nil
	}
	return fault.Errorf(fault.Forbidden, "user %q cannot upload to dataset %q: only a data owner of %q can (ask your partner admin for the data-owner role)", u.ID, d.ID, d.PartnerID)
}

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
