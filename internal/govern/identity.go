package govern

import (
	"context"
	"strings"
	"time"

	"github.com/civiclink/civiclink/internal/fault"
)

// Identity links an account at a partner's identity provider to a
// civiclink user: single sign-on through that provider signs in as the
// user. Key is what the provider's configuration matches on: the
// provider's subject ("sub"), or a verified email address, lower-cased.
type Identity struct {
	Provider string    `json:"provider"`
	Key      string    `json:"key"`
	UserID   string    `json:"user"`
	LinkedAt time.Time `json:"linked_at"`
	LinkedBy string    `json:"linked_by"`
}

// IdentityStore keeps the links between provider accounts and users.
// *store.Store is the real one.
type IdentityStore interface {
	// IdentityUser returns the user linked to a provider's key
	// (NotFound when none).
	IdentityUser(ctx context.Context, provider, key string) (string, error)
	// SaveIdentity creates or replaces a link.
	SaveIdentity(ctx context.Context, id *Identity) error
	// DeleteIdentity removes a link (NotFound when none).
	DeleteIdentity(ctx context.Context, provider, key string) error
	// UserIdentities lists the links of a user.
	UserIdentities(ctx context.Context, userID string) ([]*Identity, error)
}

func (s *Service) identityStore() (IdentityStore, error) {
	is, ok := s.Store.(IdentityStore)
	if !ok {
		return nil, fault.Errorf(fault.Internal, "this store keeps no single sign-on links")
	}
	return is, nil
}

// IdentityKey normalises what a link matches on: an email address is
// compared lower-case; a subject exactly.
func IdentityKey(key string) string {
	key = strings.TrimSpace(key)
	if strings.Contains(key, "@") {
		return strings.ToLower(key)
	}
	return key
}

// LinkIdentity links the account key at provider to the user targetID.
// Only a partner admin of the user's partner may; partner is the partner
// whose provider it is, and the user must belong to it, so one partner's
// provider can never sign in another partner's staff.
func (s *Service) LinkIdentity(ctx context.Context, actor *User, provider, partner, key, targetID string) error {
	key = IdentityKey(key)
	if key == "" {
		return fault.FieldErrorf(fault.Invalid, "key", "name the account at the identity provider: its subject or email address")
	}
	t, err := s.Actor(ctx, targetID)
	if err != nil {
		return err
	}
	if t.PartnerID != partner {
		return fault.FieldErrorf(fault.Invalid, "user", "user %q belongs to partner %q, but provider %q signs in staff of %q only: link a user of %q", t.ID, t.PartnerID, provider, partner, partner)
	}
	if err := canAdminister(actor, t.PartnerID); err != nil {
		return s.refuse(ctx, actor, "user.sso.link", targetID, err)
	}
	is, err := s.identityStore()
	if err != nil {
		return err
	}
	id := &Identity{Provider: provider, Key: key, UserID: t.ID, LinkedAt: s.Clock.Now(), LinkedBy: actor.ID}
	if err := is.SaveIdentity(ctx, id); err != nil {
		return err
	}
	return s.record(ctx, event(actor, "user.sso.link", targetID, map[string]string{"provider": provider, "key": key}))
}

// UnlinkIdentity removes the link of key at provider (partner admins of
// the linked user's partner).
func (s *Service) UnlinkIdentity(ctx context.Context, actor *User, provider, key string) error {
	key = IdentityKey(key)
	is, err := s.identityStore()
	if err != nil {
		return err
	}
	uid, err := is.IdentityUser(ctx, provider, key)
	if err != nil {
		return err
	}
	t, err := s.user(ctx, uid)
	if err != nil {
		return err
	}
	if err := canAdminister(actor, t.PartnerID); err != nil {
		return s.refuse(ctx, actor, "user.sso.unlink", uid, err)
	}
	if err := is.DeleteIdentity(ctx, provider, key); err != nil {
		return err
	}
	return s.record(ctx, event(actor, "user.sso.unlink", uid, map[string]string{"provider": provider, "key": key}))
}

// Identities lists the single sign-on links of a user, for the user
// themself or a partner admin of their partner.
func (s *Service) Identities(ctx context.Context, actor *User, userID string) ([]*Identity, error) {
	t, err := s.user(ctx, userID)
	if err != nil {
		return nil, err
	}
	if actor.ID != t.ID {
		if err := canAdminister(actor, t.PartnerID); err != nil {
			return nil, s.refuse(ctx, actor, "user.sso.list", userID, err)
		}
	}
	is, err := s.identityStore()
	if err != nil {
		return nil, err
	}
	return is.UserIdentities(ctx, userID)
}

// SignInWith signs in the user linked to key at provider (whose partner
// is partner), after the provider has proved the account: the user must
// exist, be enabled and belong to partner. Success and refusal are both
// recorded; a refusal says why.
func (s *Service) SignInWith(ctx context.Context, provider, partner, key string) (*User, error) {
	key = IdentityKey(key)
	target := provider + ":" + key
	refuse := func(reason, msg string) (*User, error) {
		if err := s.record(ctx, denied("anonymous", "login.sso", target, reason)); err != nil {
			return nil, err
		}
		return nil, fault.Errorf(fault.Unauthorized, "%s", msg)
	}
	is, err := s.identityStore()
	if err != nil {
		return nil, err
	}
	uid, err := is.IdentityUser(ctx, provider, key)
	if fault.Code(err) == fault.NotFound {
		return refuse("no civiclink user is linked to this account",
			"your account at the identity provider is not linked to a civiclink user: ask your partner admin to link it")
	}
	if err != nil {
		return nil, err
	}
	u, err := s.user(ctx, uid)
	if fault.Code(err) == fault.NotFound {
		return refuse("the linked user "+uid+" no longer exists", "the civiclink user linked to your account no longer exists: ask your partner admin")
	}
	if err != nil {
		return nil, err
	}
	if u.Disabled {
		return refuse("the linked user "+uid+" is disabled", "your civiclink account is disabled: ask your partner admin")
	}
	if u.PartnerID != partner {
		return refuse("the linked user "+uid+" belongs to partner "+u.PartnerID+", not to the provider's partner "+partner,
			"this identity provider cannot sign in a user of another partner: use your own partner's sign-in")
	}
	return u, s.record(ctx, event(u, "login.sso", target, nil))
}
