package govern

import (
	"context"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/fault"
)

// CanLoad decides whether u may load a new version of dataset d: only an
// enabled data owner of the partner that owns d may. A refusal is a
// fault.Forbidden error that says why and what to do. It is the one
// decision for every way a file enters the store (the CLI's ingest, the web
// upload).
func CanLoad(u *User, d *catalog.Dataset) error {
	if u.Disabled {
		return fault.Errorf(fault.Forbidden, "user %q is disabled and cannot load data; ask your partner admin", u.ID)
	}
	if u.Has(DataOwner) && u.PartnerID == d.PartnerID {
		return nil
	}
	return fault.Errorf(fault.Forbidden, "user %q cannot load data into dataset %q: only a data owner of %q can (ask your partner admin for the data-owner role)", u.ID, d.ID, d.PartnerID)
}

// AuthorizeLoad is [CanLoad] for the service's callers, so a room that
// loads files asks governance through the same interface it asks for reads.
func (s *Service) AuthorizeLoad(_ context.Context, u *User, d *catalog.Dataset) error {
	return CanLoad(u, d)
}
