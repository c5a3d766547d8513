package govern

import (
	"context"
	"slices"
	"time"

	"github.com/civiclink/civiclink/internal/fault"
)

// Actor returns the user with id, ready to act: an Unauthorized error if
// there is no such user or it is disabled.
func (s *Service) Actor(ctx context.Context, id string) (*User, error) {
	u, err := s.user(ctx, id)
	if fault.Code(err) == fault.NotFound {
		return nil, fault.FieldErrorf(fault.Unauthorized, "user", "there is no civiclink user %q: name a registered user, or ask your partner admin to add you", id)
	}
	if err != nil {
		return nil, err
	}
	if u.Disabled {
		return nil, fault.Errorf(fault.Unauthorized, "user %q is disabled; ask your partner admin", id)
	}
	return u, nil
}

// user returns the user with id (NotFound if none), from the cached state
// when there is one.
func (s *Service) user(ctx context.Context, id string) (*User, error) {
	u, found, ok, err := s.cachedUser(ctx, id)
	switch {
	case err != nil:
		return nil, err
	case !ok:
		return s.Store.User(ctx, id)
	case !found:
		return nil, fault.Errorf(fault.NotFound, "no user %q", id)
	}
	return u, nil
}

// Login checks a user's password and records the attempt. Every failure
// gives the same message, so it does not tell which part was wrong, and
// takes as long: an unknown or disabled user's password is checked
// against a dummy hash. At most [Service.Hashes] checks run at once; one
// that cannot get a slot in time is refused as [fault.Busy] (and recorded).
func (s *Service) Login(ctx context.Context, id, password string) (*User, error) {
	fail := fault.Errorf(fault.Unauthorized, "sign-in failed: unknown user, wrong password or disabled account")
	u, err := s.Store.User(ctx, id)
	if err != nil && fault.Code(err) != fault.NotFound {
		return nil, err
	}
	encoded := ""
	if u != nil && u.PasswordHash != "" && !u.Disabled {
		encoded = u.PasswordHash
	}
	ok, err := s.verify(ctx, encoded, password)
	if fault.Code(err) == fault.Busy {
		if rerr := s.record(ctx, denied(id, "login", id, "too many sign-ins being checked at once")); rerr != nil {
			return nil, rerr
		}
	}
	if err != nil {
		return nil, err
	}
	if !ok {
		if err := s.record(ctx, denied(id, "login", id, "wrong password, unknown user or disabled account")); err != nil {
			return nil, err
		}
		return nil, fail
	}
	return u, s.record(ctx, event(u, "login", u.ID, nil))
}

// TokenUser returns the user a presented API token belongs to, if the token
// is valid, unrevoked and unexpired and the user is enabled. A failure is
// recorded.
func (s *Service) TokenUser(ctx context.Context, text string) (*User, error) {
	id, err := TokenID(text)
	if err != nil {
		return nil, err
	}
	t, err := s.token(ctx, id)
	if fault.Code(err) == fault.NotFound {
		err = fault.Errorf(fault.Unauthorized, "the API token is not valid")
	}
	if err == nil {
		err = t.Check(text, s.Clock.Now())
	}
	if err != nil {
		if rerr := s.record(ctx, denied("token:"+id, "login", "token:"+id, fault.Message(err))); rerr != nil {
			return nil, rerr
		}
		return nil, err
	}
	return s.Actor(ctx, t.UserID)
}

// Bootstrap creates the first user, a partner admin, on a store with no
// users. It fails with Conflict once any user exists.
func (s *Service) Bootstrap(ctx context.Context, u *User, password string) error {
	if !slices.Contains(u.Roles, PartnerAdmin) {
		u.Roles = append([]Role{PartnerAdmin}, u.Roles...)
	}
	if err := s.prepareUser(ctx, u, password, "bootstrap"); err != nil {
		return err
	}
	if err := s.Store.BootstrapUser(ctx, u); err != nil {
		return err
	}
	return s.record(ctx, event(u, "user.bootstrap", u.ID, u))
}

// CreateUser adds a user; actor must be a partner admin of the new user's
// partner, or, to onboard a partner that has no users yet, a partner admin
// of any partner making that partner's first partner admin.
func (s *Service) CreateUser(ctx context.Context, actor, u *User, password string) error {
	if err := canAdminister(actor, u.PartnerID); err != nil {
		first, ferr := s.firstAdmin(ctx, actor, u)
		if ferr != nil {
			return ferr
		}
		if !first {
			return s.refuse(ctx, actor, "user.create", u.ID, err)
		}
	}
	if err := s.prepareUser(ctx, u, password, actor.ID); err != nil {
		return err
	}
	if err := s.Store.CreateUser(ctx, u); err != nil {
		return err
	}
	return s.record(ctx, event(actor, "user.create", u.ID, u))
}

// firstAdmin reports whether u would be the first user, a partner admin, of
// a partner with no users, made by a partner admin elsewhere.
func (s *Service) firstAdmin(ctx context.Context, actor, u *User) (bool, error) {
	if !actor.Has(PartnerAdmin) || !slices.Contains(u.Roles, PartnerAdmin) {
		return false, nil
	}
	us, err := s.Store.Users(ctx)
	if err != nil {
		return false, err
	}
	return !slices.ContainsFunc(us, func(x *User) bool { return x.PartnerID == u.PartnerID }), nil
}

func (s *Service) prepareUser(ctx context.Context, u *User, password, by string) error {
	if err := u.Validate(); err != nil {
		return err
	}
	if _, err := s.Store.Partner(ctx, u.PartnerID); err != nil {
		return err
	}
	u.CreatedAt, u.CreatedBy = s.Clock.Now(), by
	if password == "" {
		return nil
	}
	h, err := s.hash(password)
	u.PasswordHash = h
	return err
}

// SetRoles replaces a user's roles; actor must be a partner admin of that
// user's partner.
func (s *Service) SetRoles(ctx context.Context, actor *User, id string, roles []Role) error {
	return s.updateUser(ctx, actor, id, "user.roles", func(u *User) error {
		u.Roles = roles
		return u.Validate()
	})
}

// SetDisabled disables or re-enables a user; actor must be a partner admin of
// that user's partner.
func (s *Service) SetDisabled(ctx context.Context, actor *User, id string, disabled bool) error {
	action := "user.enable"
	if disabled {
		action = "user.disable"
	}
	return s.updateUser(ctx, actor, id, action, func(u *User) error {
		u.Disabled = disabled
		return nil
	})
}

// SetPassword sets a user's password: their own, or as a partner admin of
// their partner.
func (s *Service) SetPassword(ctx context.Context, actor *User, id, password string) error {
	h, err := s.hash(password)
	if err != nil {
		return err
	}
	return s.updateUser(ctx, actor, id, "user.password", func(u *User) error {
		u.PasswordHash = h
		return nil
	})
}

func (s *Service) updateUser(ctx context.Context, actor *User, id, action string, change func(*User) error) error {
	u, err := s.Store.User(ctx, id)
	if err != nil {
		return err
	}
	if !(action == "user.password" && actor.ID == u.ID && !actor.Disabled) {
		if err := canAdminister(actor, u.PartnerID); err != nil {
			return s.refuse(ctx, actor, action, id, err)
		}
	}
	if err := change(u); err != nil {
		return err
	}
	if err := s.Store.UpdateUser(ctx, u); err != nil {
		return err
	}
	return s.record(ctx, event(actor, action, u.ID, map[string]any{"roles": u.Roles, "disabled": u.Disabled}))
}

func canAdminister(actor *User, partner string) error {
	if actor.Has(PartnerAdmin) && actor.PartnerID == partner {
		return nil
	}
	return fault.Errorf(fault.Forbidden, "user %q cannot manage users of partner %q: it needs the partner-admin role there", actor.ID, partner)
}

// IssueToken makes an API token for the actor themself, valid for ttl (0:
// until revoked). The text is returned once and never stored.
func (s *Service) IssueToken(ctx context.Context, actor *User, name string, ttl time.Duration) (*Token, string, error) {
	if name == "" {
		return nil, "", fault.FieldErrorf(fault.Invalid, "name", "name the token for what it is for, e.g. \"nightly ingest\"")
	}
	t, text, err := NewToken(actor.ID, name, s.Clock.Now(), ttl)
	if err != nil {
		return nil, "", err
	}
	if err := s.Store.CreateToken(ctx, t); err != nil {
		return nil, "", err
	}
	return t, text, s.record(ctx, event(actor, "token.issue", t.ID, t))
}

// RevokeToken revokes a token: the actor's own, or as a partner admin of the
// token user's partner.
func (s *Service) RevokeToken(ctx context.Context, actor *User, id string) error {
	t, err := s.Store.Token(ctx, id)
	if err != nil {
		return err
	}
	if t.UserID != actor.ID {
		owner, err := s.Store.User(ctx, t.UserID)
		if err != nil {
			return err
		}
		if err := canAdminister(actor, owner.PartnerID); err != nil {
			return s.refuse(ctx, actor, "token.revoke", id, err)
		}
	}
	if t.RevokedAt != nil {
		return fault.Errorf(fault.Conflict, "token %s is already revoked", id)
	}
	if err := s.Store.RevokeToken(ctx, id, actor.ID, s.Clock.Now()); err != nil {
		return err
	}
	return s.record(ctx, event(actor, "token.revoke", id, nil))
}
