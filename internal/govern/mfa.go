package govern

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/civiclink/civiclink/internal/fault"
)

// MFA is a user's second factor: a TOTP secret (RFC 6238: SHA-1, six
// digits, 30-second steps) and one-time recovery codes, kept as hashes.
// An enrolment is pending until the user proves it with a code.
type MFA struct {
	UserID string
	// Secret is the base32 TOTP secret.
	Secret string
	// Recovery are the SHA-256 hashes (hex) of the unused recovery codes.
	Recovery []string
	// Confirmed is when the user proved the enrolment; zero while pending.
	Confirmed time.Time
	// LastStep is the last 30-second step whose code was accepted, so a
	// code cannot be used twice.
	LastStep int64
}

// MFAStore keeps second factors. *store.Store is the real one.
type MFAStore interface {
	// UserMFA returns a user's second factor (NotFound when none).
	UserMFA(ctx context.Context, userID string) (*MFA, error)
	// SaveUserMFA creates or replaces a user's second factor.
	SaveUserMFA(ctx context.Context, m *MFA) error
	// DeleteUserMFA removes a user's second factor.
	DeleteUserMFA(ctx context.Context, userID string) error
}

// MFARoles are the roles that see record-level data or approve (a
// linkage steward approves what everyone's figures are made from): a user
// holding any must sign in with a second factor.
var MFARoles = []Role{PartnerAdmin, DataOwner, OutputChecker, Caseworker, LinkageSteward}

// MFARequired reports whether u must sign in with a second factor.
func MFARequired(u *User) bool { return u.HasAny(MFARoles...) }

// recoveryCodes is how many recovery codes an enrolment makes.
const recoveryCodes = 10

// Enrolment is a new second factor as shown once to its user: the secret
// (to type), the otpauth:// URL (for a QR code) and the recovery codes.
type Enrolment struct {
	Secret   string   `json:"secret"`
	URL      string   `json:"url"`
	Recovery []string `json:"recovery_codes"`
}

// mfaStore is the store's second factors, sealed with [Service.MFAKey].
func (s *Service) mfaStore() (*sealedMFA, error) {
	ms, ok := s.Store.(MFAStore)
	if !ok {
		return nil, fault.Errorf(fault.Internal, "this store keeps no second factors")
	}
	return newSealedMFA(ms, s.MFAKey)
}

// EnrolMFA starts an enrolment of u's second factor, replacing a pending
// one; u then confirms it with a code ([Service.ConfirmMFA]). A user with
// a confirmed second factor must have it reset by a partner admin first.
func (s *Service) EnrolMFA(ctx context.Context, u *User) (*Enrolment, error) {
	ms, err := s.mfaStore()
	if err != nil {
		return nil, err
	}
	if old, err := ms.UserMFA(ctx, u.ID); err == nil && !old.Confirmed.IsZero() {
		return nil, fault.Errorf(fault.Conflict, "user %q already has a second factor: ask a partner admin to reset it (`civiclink user mfa reset %s`) to enrol a new one", u.ID, u.ID)
	} else if err != nil && fault.Code(err) != fault.NotFound {
		return nil, err
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: "civiclink", AccountName: u.ID})
	if err != nil {
		return nil, fault.Wrap(err, fault.Internal, "cannot make a TOTP secret")
	}
	e := &Enrolment{Secret: key.Secret(), URL: key.URL()}
	m := &MFA{UserID: u.ID, Secret: key.Secret()}
	for range recoveryCodes {
		c := recoveryCode()
		e.Recovery = append(e.Recovery, c)
		m.Recovery = append(m.Recovery, hashCode(c))
	}
	if err := ms.SaveUserMFA(ctx, m); err != nil {
		return nil, err
	}
	return e, s.record(ctx, event(u, "user.mfa.enrol", u.ID, nil))
}

// ConfirmMFA completes u's pending enrolment with a code from the
// authenticator.
func (s *Service) ConfirmMFA(ctx context.Context, u *User, code string) error {
	ms, err := s.mfaStore()
	if err != nil {
		return err
	}
	m, err := ms.UserMFA(ctx, u.ID)
	if fault.Code(err) == fault.NotFound || (err == nil && !m.Confirmed.IsZero()) {
		return fault.Errorf(fault.Conflict, "user %q has no pending enrolment of a second factor: start one", u.ID)
	}
	if err != nil {
		return err
	}
	step, ok := s.totpStep(m, code)
	if !ok {
		if rerr := s.record(ctx, denied(u.ID, "user.mfa.confirm", u.ID, "wrong authenticator code")); rerr != nil {
			return rerr
		}
		return fault.Errorf(fault.Unauthorized, "the authenticator code is wrong or out of date: check the device's clock and enter the current six-digit code")
	}
	m.Confirmed, m.LastStep = s.Clock.Now(), step
	if err := ms.SaveUserMFA(ctx, m); err != nil {
		return err
	}
	return s.record(ctx, event(u, "user.mfa.confirm", u.ID, nil))
}

// MFAEnrolled reports whether the user has a confirmed second factor.
func (s *Service) MFAEnrolled(ctx context.Context, userID string) (bool, error) {
	ms, err := s.mfaStore()
	if err != nil {
		return false, err
	}
	m, err := ms.UserMFA(ctx, userID)
	if fault.Code(err) == fault.NotFound {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return !m.Confirmed.IsZero(), nil
}

// CheckSecondFactor checks a sign-in's second factor: the current TOTP
// code (one step of clock drift either way; a code already used is
// refused) or an unused recovery code (then used up). Each attempt is
// recorded.
func (s *Service) CheckSecondFactor(ctx context.Context, u *User, code string) error {
	ms, err := s.mfaStore()
	if err != nil {
		return err
	}
	m, err := ms.UserMFA(ctx, u.ID)
	if err != nil || m.Confirmed.IsZero() {
		if err != nil && fault.Code(err) != fault.NotFound {
			return err
		}
		return fault.Errorf(fault.Unauthorized, "user %q has no second factor enrolled", u.ID)
	}
	how := "authenticator code"
	if step, ok := s.totpStep(m, code); ok {
		m.LastStep = step
	} else if i := m.recoveryIndex(code); i >= 0 {
		m.Recovery, how = append(m.Recovery[:i:i], m.Recovery[i+1:]...), "recovery code"
	} else {
		if rerr := s.record(ctx, denied(u.ID, "login.mfa", u.ID, "wrong, reused or out-of-date second-factor code")); rerr != nil {
			return rerr
		}
		return fault.Errorf(fault.Unauthorized, "the code is wrong, out of date or already used: enter the current code from your authenticator, or an unused recovery code")
	}
	if err := ms.SaveUserMFA(ctx, m); err != nil {
		return err
	}
	return s.record(ctx, event(u, "login.mfa", u.ID, map[string]any{"with": how, "recovery_codes_left": len(m.Recovery)}))
}

// ResetMFA removes target's second factor, so that it enrols again at its
// next sign-in; actor must be a partner admin of target's partner.
func (s *Service) ResetMFA(ctx context.Context, actor *User, targetID string) error {
	t, err := s.Store.User(ctx, targetID) // a disabled user's too; an unknown one is NotFound, not the actor's Unauthorized
	if err != nil {
		return err
	}
	if err := canAdminister(actor, t.PartnerID); err != nil {
		return s.refuse(ctx, actor, "user.mfa.reset", targetID, err)
	}
	ms, err := s.mfaStore()
	if err != nil {
		return err
	}
	if err := ms.DeleteUserMFA(ctx, targetID); err != nil {
		return err
	}
	return s.record(ctx, event(actor, "user.mfa.reset", targetID, nil))
}

// totpStep checks code against m's secret at the clock's time, one step
// either way, refusing steps at or before the last one used; it returns
// the step matched.
func (s *Service) totpStep(m *MFA, code string) (int64, bool) {
	code = strings.TrimSpace(strings.ReplaceAll(code, " ", ""))
	if len(code) != 6 {
		return 0, false
	}
	now := s.Clock.Now()
	step := now.Unix() / 30
	for _, d := range []int64{0, -1, 1} {
		st := step + d
		if st <= m.LastStep {
			continue
		}
		want, err := totp.GenerateCodeCustom(m.Secret, time.Unix(st*30, 0), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return st, true
		}
	}
	return 0, false
}

// recoveryIndex returns the index of code's hash among m's unused
// recovery codes, or -1.
func (m *MFA) recoveryIndex(code string) int {
	h := hashCode(normaliseRecovery(code))
	for i, r := range m.Recovery {
		if subtle.ConstantTimeCompare([]byte(r), []byte(h)) == 1 {
			return i
		}
	}
	return -1
}

// recoveryCode returns a random recovery code, "xxxx-xxxx-xxxx" in a
// 31-character alphabet without look-alikes (about 59 bits).
func recoveryCode() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
	b := make([]byte, 12)
	rand.Read(b)
	var sb strings.Builder
	for i, c := range b {
		if i > 0 && i%4 == 0 {
			sb.WriteByte('-')
		}
		sb.WriteByte(alphabet[int(c)%len(alphabet)])
	}
	return sb.String()
}

func normaliseRecovery(code string) string {
	return strings.ToLower(strings.TrimSpace(code))
}

// hashCode is what is stored of a recovery code: random codes of about
// 59 bits need no slow hash.
func hashCode(code string) string {
	h := sha256.Sum256([]byte("civiclink recovery code\x00" + code))
	return hex.EncodeToString(h[:])
}
