package govern

import (
	"regexp"
	"slices"
	"time"

	"github.com/civiclink/civiclink/internal/fault"
)

// User is a person acting on the platform. Every user belongs to exactly one
// partner and holds one or more roles there.
type User struct {
	ID        string    `json:"id"`
	PartnerID string    `json:"partner"`
	Name      string    `json:"name"`
	Roles     []Role    `json:"roles"`
	Disabled  bool      `json:"disabled,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by"`
	// PasswordHash is the PHC-encoded argon2id hash, or "" for a user who
	// can only use API tokens. It never leaves the store in JSON.
	PasswordHash string `json:"-"`
}

var userIDPattern = regexp.MustCompile(`^[a-z][a-z0-9._-]{0,62}$`)

// Validate checks a user before it is created.
func (u *User) Validate() error {
	if !userIDPattern.MatchString(u.ID) {
		return fault.Errorf(fault.Invalid, "user id %q is not valid: use lower-case letters, digits, '.', '-' and '_', starting with a letter (e.g. \"j.smith\")", u.ID)
	}
	if u.PartnerID == "" {
		return fault.FieldErrorf(fault.Invalid, "partner", "user %q needs a partner", u.ID)
	}
	if u.Name == "" {
		return fault.FieldErrorf(fault.Invalid, "name", "user %q needs a display name", u.ID)
	}
	if len(u.Roles) == 0 {
		return fault.FieldErrorf(fault.Invalid, "roles", "user %q needs at least one role of %s", u.ID, joinRoles(AllRoles))
	}
	for _, r := range u.Roles {
		if !slices.Contains(AllRoles, r) {
			return fault.Errorf(fault.Invalid, "user %q has unknown role %q", u.ID, r)
		}
	}
	return nil
}

// Has reports whether u holds role r and is not disabled.
func (u *User) Has(r Role) bool {
	return u != nil && !u.Disabled && slices.Contains(u.Roles, r)
}

// HasAny reports whether u holds any of the roles and is not disabled.
func (u *User) HasAny(rs ...Role) bool {
	for _, r := range rs {
		if u.Has(r) {
			return true
		}
	}
	return false
}
