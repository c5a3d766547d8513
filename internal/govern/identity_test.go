package govern_test

import (
	"context"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/govern/governtest"
)

// TestSignInWith links provider accounts to users and signs in through
// them: only a partner admin of the user's partner links; a provider signs
// in its own partner's users only; an unlinked account, a disabled user
// and a removed link are refused, each recorded with its reason.
func TestSignInWith(t *testing.T) {
	ctx := context.Background()
	f := governtest.NewFixture(t, nil)
	own, rec := governtest.OwnerPartner, governtest.RecipientPartner
	ann := f.AddUser(t, "ann", own, govern.Analyst)
	f.AddUser(t, "rita", rec, govern.Analyst)
	admin := f.Admins[own]

	if err := f.Service.LinkIdentity(ctx, f.Admins[rec], "owner-idp", own, "sub-ann", "ann"); fault.Code(err) != fault.Forbidden {
		t.Fatalf("another partner's admin linked: %v, want forbidden", err)
	}
	if err := f.Service.LinkIdentity(ctx, ann, "owner-idp", own, "sub-ann", "ann"); fault.Code(err) != fault.Forbidden {
		t.Fatalf("an analyst linked: %v, want forbidden", err)
	}
	if err := f.Service.LinkIdentity(ctx, admin, "owner-idp", own, "sub-rita", "rita"); fault.Code(err) != fault.Invalid {
		t.Fatalf("linked a user of another partner to this partner's provider: %v, want invalid", err)
	}
	if err := f.Service.LinkIdentity(ctx, admin, "owner-idp", own, "sub-ann", "ann"); err != nil {
		t.Fatal(err)
	}
	if err := f.Service.LinkIdentity(ctx, admin, "owner-idp", own, " Ann@Owner.Example ", "ann"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Service.Identities(ctx, f.Admins[rec], "ann"); fault.Code(err) != fault.Forbidden {
		t.Fatalf("another partner's admin listed ann's links: %v", err)
	}
	ids, err := f.Service.Identities(ctx, ann, "ann")
	if err != nil || len(ids) != 2 || ids[0].Key != "ann@owner.example" || ids[0].LinkedBy != admin.ID {
		t.Fatalf("ann's links = %+v, %v", ids, err)
	}

	for _, tc := range []struct {
		name, provider, partner, key string
		want                         string // user id, or "" for a refusal
		reason                       string
	}{
		{"linked subject", "owner-idp", own, "sub-ann", "ann", ""},
		{"linked email, any case", "owner-idp", own, "ANN@owner.example", "ann", ""},
		{"unlinked account", "owner-idp", own, "sub-zed", "", "no civiclink user is linked"},
		{"same key at another provider", "other-idp", own, "sub-ann", "", "no civiclink user is linked"},
		{"provider of another partner", "owner-idp", rec, "sub-ann", "", "not to the provider's partner"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(f.Events())
			u, err := f.Service.SignInWith(ctx, tc.provider, tc.partner, tc.key)
			evs := f.Events()[before:]
			if len(evs) != 1 || evs[0].Action != "login.sso" {
				t.Fatalf("recorded %+v, want one login.sso event", evs)
			}
			if tc.want != "" {
				if err != nil || u.ID != tc.want || evs[0].Outcome != govern.OutcomeAllowed || evs[0].User != tc.want {
					t.Fatalf("SignInWith = %v, %v (event %+v), want %s", u, err, evs[0], tc.want)
				}
				return
			}
			if u != nil || fault.Code(err) != fault.Unauthorized || !strings.Contains(fault.Message(err), "partner") {
				t.Fatalf("SignInWith = %v, %v, want unauthorized naming what to do", u, err)
			}
			if evs[0].Outcome != govern.OutcomeDenied || !strings.Contains(evs[0].Reason, tc.reason) {
				t.Errorf("event %+v, want denied: %s", evs[0], tc.reason)
			}
		})
	}

	if err := f.Service.SetDisabled(ctx, admin, "ann", true); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Service.SignInWith(ctx, "owner-idp", own, "sub-ann"); fault.Code(err) != fault.Unauthorized || !strings.Contains(fault.Message(err), "disabled") {
		t.Fatalf("a disabled user signed in: %v", err)
	}
	if err := f.Service.UnlinkIdentity(ctx, f.Admins[rec], "owner-idp", "sub-ann"); fault.Code(err) != fault.Forbidden {
		t.Fatalf("another partner's admin unlinked: %v", err)
	}
	if err := f.Service.UnlinkIdentity(ctx, admin, "owner-idp", "sub-ann"); err != nil {
		t.Fatal(err)
	}
	if err := f.Service.UnlinkIdentity(ctx, admin, "owner-idp", "sub-ann"); fault.Code(err) != fault.NotFound {
		t.Fatalf("unlinking twice: %v, want not found", err)
	}
}
