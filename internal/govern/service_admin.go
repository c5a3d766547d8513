package govern

import (
	"context"

	"github.com/civiclink/civiclink/internal/fault"
)

// PartnerUsers returns the users of actor's partner, by id; only that
// partner's admins may list them (the web's user administration).
func (s *Service) PartnerUsers(ctx context.Context, actor *User) ([]*User, error) {
	if !actor.HasAny(PartnerAdmin) {
		return nil, fault.Errorf(fault.Forbidden, "only a partner admin can manage users")
	}
	us, err := s.Store.Users(ctx)
	if err != nil {
		return nil, err
	}
	var out []*User
	for _, u := range us {
		if u.PartnerID == actor.PartnerID {
			out = append(out, u)
		}
	}
	return out, nil
}
