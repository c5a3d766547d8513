package govern

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"

	"github.com/civiclink/civiclink/internal/fault"
)

// Token is a revocable API token a script uses to act as a user. The store
// keeps only the SHA-256 of the token; the token itself is shown once, when
// it is issued.
type Token struct {
	ID        string     `json:"id"` // public part of the token, for lookup and revocation
	UserID    string     `json:"user"`
	Name      string     `json:"name"` // what it is for, e.g. "nightly ingest"
	Hash      string     `json:"-"`    // hex SHA-256 of the whole token
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
	RevokedBy string     `json:"revoked_by,omitempty"`
}

const tokenPrefix = "cvl_"

// NewToken makes a token for user, returning its record (to store) and the
// secret token text (to show once). The text is "cvl_<id>_<secret>": the id
// finds the record, the 256-bit secret proves possession.
func NewToken(userID, name string, now time.Time, ttl time.Duration) (*Token, string, error) {
	var id [6]byte
	var secret [32]byte
	if _, err := rand.Read(id[:]); err != nil {
		return nil, "", fault.Wrap(err, fault.Internal, "cannot read random bytes for a token")
	}
	if _, err := rand.Read(secret[:]); err != nil {
		return nil, "", fault.Wrap(err, fault.Internal, "cannot read random bytes for a token")
	}
	t := &Token{ID: hex.EncodeToString(id[:]), UserID: userID, Name: name, CreatedAt: now}
	text := tokenPrefix + t.ID + "_" + base64.RawURLEncoding.EncodeToString(secret[:])
	t.Hash = hashToken(text)
	if ttl > 0 {
		exp := now.Add(ttl)
		t.ExpiresAt = &exp
	}
	return t, text, nil
}

func hashToken(text string) string {
	h := sha256.Sum256([]byte(text))
	return hex.EncodeToString(h[:])
}

// TokenID returns the id part of a presented token, or an Unauthorized error
// if text is not shaped like a civiclink token.
func TokenID(text string) (string, error) {
	text = strings.TrimSpace(text)
	rest, ok := strings.CutPrefix(text, tokenPrefix)
	id, secret, ok2 := strings.Cut(rest, "_")
	if !ok || !ok2 || len(id) != 12 || len(secret) != 43 {
		return "", fault.Errorf(fault.Unauthorized, "the API token is not a civiclink token (they start %q); issue one with `civiclink user token issue`", tokenPrefix)
	}
	if _, err := hex.DecodeString(id); err != nil {
		return "", fault.Errorf(fault.Unauthorized, "the API token is malformed; issue a new one with `civiclink user token issue`")
	}
	return id, nil
}

// Check reports whether text is this token and it is usable at now: not
// revoked and not expired. The hash comparison is constant-time.
func (t *Token) Check(text string, now time.Time) error {
	got := hashToken(strings.TrimSpace(text))
	if subtle.ConstantTimeCompare([]byte(got), []byte(t.Hash)) != 1 {
		return fault.Errorf(fault.Unauthorized, "the API token is not valid")
	}
	if t.RevokedAt != nil {
		return fault.Errorf(fault.Unauthorized, "the API token %s was revoked on %s; issue a new one", t.ID, t.RevokedAt.Format(time.DateOnly))
	}
	if t.ExpiresAt != nil && !now.Before(*t.ExpiresAt) {
		return fault.Errorf(fault.Unauthorized, "the API token %s expired on %s; issue a new one", t.ID, t.ExpiresAt.Format(time.DateOnly))
	}
	return nil
}
