package govern_test

import (
	"context"
	"strings"
	"testing"

	"github.com/pquerna/otp/totp"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/govern/governtest"
)

// TestMFASealed: with a key, a TOTP secret is stored sealed (the store
// never holds it in the clear) and still checks codes; secrets enrolled
// before the key are sealed by SealMFASecrets (and on first read); a
// sealed secret does not open with another key, without a key, or moved
// to another user's row.
func TestMFASealed(t *testing.T) {
	ctx := context.Background()
	f := governtest.NewFixture(t, nil)
	admin := f.Admins[governtest.OwnerPartner]
	ann := f.AddUser(t, "ann", governtest.OwnerPartner, govern.Analyst)
	bob := f.AddUser(t, "bob", governtest.OwnerPartner, govern.Analyst)
	enrol := func(u *govern.User) string {
		t.Helper()
		e, err := f.Service.EnrolMFA(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := totp.GenerateCode(e.Secret, f.Clock.Now())
		if err := f.Service.ConfirmMFA(ctx, u, c); err != nil {
			t.Fatal(err)
		}
		return e.Secret
	}
	check := func(u *govern.User, secret string) error {
		f.Clock.Advance(30e9) // a fresh step: a code is never accepted twice
		c, _ := totp.GenerateCode(secret, f.Clock.Now())
		return f.Service.CheckSecondFactor(ctx, u, c)
	}
	stored := func(id string) string {
		t.Helper()
		m, err := f.Store.UserMFA(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return m.Secret
	}

	annSecret := enrol(ann) // before any key: in the clear
	if stored("ann") != annSecret {
		t.Fatal("without a key the secret is stored as it is")
	}
	key := govern.NewMFAKey()
	f.Service.MFAKey = key
	bobSecret := enrol(bob)
	if s := stored("bob"); !strings.HasPrefix(s, "sealed:v1:") || strings.Contains(s, bobSecret) {
		t.Fatalf("bob's stored secret %q is not sealed", s)
	}
	if err := check(bob, bobSecret); err != nil {
		t.Fatalf("a sealed secret does not check codes: %v", err)
	}
	n, err := f.Service.SealMFASecrets(ctx)
	if err != nil || n != 1 {
		t.Fatalf("SealMFASecrets = %d, %v; want ann's one", n, err)
	}
	if s := stored("ann"); !strings.HasPrefix(s, "sealed:v1:") || strings.Contains(s, annSecret) {
		t.Fatalf("ann's old secret was not sealed: %q", s)
	}
	if n, _ := f.Service.SealMFASecrets(ctx); n != 0 {
		t.Errorf("sealing again sealed %d", n)
	}
	if err := check(ann, annSecret); err != nil {
		t.Fatalf("ann's sealed old secret: %v", err)
	}

	// Bob's sealed row copied onto ann's: it must not open as ann's.
	bm, _ := f.Store.UserMFA(ctx, "bob")
	bm.UserID = "ann"
	if err := f.Store.SaveUserMFA(ctx, bm); err != nil {
		t.Fatal(err)
	}
	if err := check(ann, bobSecret); fault.Code(err) != fault.Internal || !strings.Contains(fault.Message(err), "does not open") {
		t.Errorf("a row moved between users: %v, want it refused", err)
	}
	f.Service.MFAKey = govern.NewMFAKey()
	if err := check(bob, bobSecret); fault.Code(err) != fault.Internal || !strings.Contains(fault.Message(err), "does not open with the configured key") {
		t.Errorf("another key: %v", err)
	}
	f.Service.MFAKey = nil
	if err := check(bob, bobSecret); fault.Code(err) != fault.Internal || !strings.Contains(fault.Message(err), "CIVICLINK_MFA_KEY_FILE") {
		t.Errorf("no key: %v", err)
	}
	f.Service.MFAKey = key[:16]
	if err := check(bob, bobSecret); fault.Code(err) != fault.Invalid {
		t.Errorf("a short key: %v", err)
	}
	f.Service.MFAKey = key
	if err := f.Service.ResetMFA(ctx, admin, "ann"); err != nil {
		t.Fatal(err)
	}
	if err := check(bob, bobSecret); err != nil {
		t.Errorf("bob with the right key again: %v", err)
	}
}
