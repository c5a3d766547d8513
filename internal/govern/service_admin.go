package govern

import (
	"context"
	"slices"
	"strings"

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

// ManagedTokens returns the API tokens actor may see and revoke, newest
// first: their own, and for a partner admin every token of their partner's
// users. The secret text of a token is never among them (it is shown once,
// at issue).
func (s *Service) ManagedTokens(ctx context.Context, actor *User) ([]*Token, error) {
	owners := []*User{actor}
	if actor.Has(PartnerAdmin) {
		us, err := s.PartnerUsers(ctx, actor)
		if err != nil {
			return nil, err
		}
		owners = us
	}
	var out []*Token
	for _, u := range owners {
		ts, err := s.Store.Tokens(ctx, u.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, ts...)
	}
	slices.SortStableFunc(out, func(a, b *Token) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}
