package govern_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/govern/governtest"
)

// TestMFA enrols a second factor, confirms it with a code from a real
// TOTP generator, and signs in with codes: the current one, one a step
// old, not a used one, not a wrong one, a recovery code once; a partner
// admin resets it.
func TestMFA(t *testing.T) {
	ctx := context.Background()
	f := governtest.NewFixture(t, nil)
	admin := f.Admins[governtest.OwnerPartner]
	u := &govern.User{ID: "olive", PartnerID: governtest.OwnerPartner, Name: "Olive", Roles: []govern.Role{govern.DataOwner}}
	if err := f.Service.CreateUser(ctx, admin, u, "a long enough passphrase"); err != nil {
		t.Fatal(err)
	}
	if !govern.MFARequired(u) || govern.MFARequired(&govern.User{Roles: []govern.Role{govern.Analyst}}) {
		t.Fatal("a data owner must use a second factor and an analyst need not")
	}
	code := func(at time.Time, secret string) string {
		c, err := totp.GenerateCode(secret, at)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	e, err := f.Service.EnrolMFA(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Recovery) != 10 || e.Secret == "" || e.URL == "" {
		t.Fatalf("enrolment %+v, want a secret, an otpauth URL and 10 recovery codes", e)
	}
	if ok, _ := f.Service.MFAEnrolled(ctx, u.ID); ok {
		t.Fatal("enrolled before confirming")
	}
	if err := f.Service.ConfirmMFA(ctx, u, "000000"); fault.Code(err) != fault.Unauthorized {
		t.Fatalf("confirm with a wrong code: %v, want unauthorized", err)
	}
	if err := f.Service.ConfirmMFA(ctx, u, code(f.Clock.Now(), e.Secret)); err != nil {
		t.Fatal(err)
	}
	if ok, _ := f.Service.MFAEnrolled(ctx, u.ID); !ok {
		t.Fatal("not enrolled after confirming")
	}
	if _, err := f.Service.EnrolMFA(ctx, u); fault.Code(err) != fault.Conflict {
		t.Fatalf("enrolling again: %v, want conflict", err)
	}
	steps := []struct {
		name    string
		advance time.Duration
		code    func() string
		ok      bool
	}{
		{"the code used to confirm", 0, func() string { return code(f.Clock.Now(), e.Secret) }, false},
		{"the next step's code", 30 * time.Second, func() string { return code(f.Clock.Now(), e.Secret) }, true},
		{"the same code again", 0, func() string { return code(f.Clock.Now(), e.Secret) }, false},
		{"a code one step old (clock drift)", 60 * time.Second, func() string { return code(f.Clock.Now().Add(-30*time.Second), e.Secret) }, true},
		{"that code again", 0, func() string { return code(f.Clock.Now().Add(-30*time.Second), e.Secret) }, false},
		{"the current code", 0, func() string { return code(f.Clock.Now(), e.Secret) }, true},
		{"a code from another secret", 30 * time.Second, func() string { return code(f.Clock.Now(), "JBSWY3DPEHPK3PXP") }, false},
		{"a code two minutes ahead", 0, func() string { return code(f.Clock.Now().Add(2*time.Minute), e.Secret) }, false},
		{"a recovery code", 0, func() string { return e.Recovery[3] }, true},
		{"the same recovery code", 0, func() string { return e.Recovery[3] }, false},
		{"another recovery code, upper case", 0, func() string { return " " + upper(e.Recovery[4]) }, true},
	}
	for _, s := range steps {
		f.Clock.Advance(s.advance)
		err := f.Service.CheckSecondFactor(ctx, u, s.code())
		if (err == nil) != s.ok {
			t.Errorf("%s: err = %v, want ok %v", s.name, err, s.ok)
		}
	}
	bob := &govern.User{ID: "bob", PartnerID: governtest.RecipientPartner, Name: "Bob", Roles: []govern.Role{govern.PartnerAdmin}}
	if err := f.Service.ResetMFA(ctx, bob, u.ID); fault.Code(err) != fault.Forbidden {
		t.Errorf("another partner's admin resets: %v, want forbidden", err)
	}
	if err := f.Service.ResetMFA(ctx, admin, "nobody"); fault.Code(err) != fault.NotFound || !strings.Contains(fault.Message(err), `no user "nobody"`) {
		t.Errorf("reset of an unknown user: %v, want not found naming them", err)
	}
	if err := f.Service.ResetMFA(ctx, admin, u.ID); err != nil {
		t.Fatal(err)
	}
	if ok, _ := f.Service.MFAEnrolled(ctx, u.ID); ok {
		t.Error("still enrolled after a reset")
	}
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 32
		}
	}
	return string(b)
}
