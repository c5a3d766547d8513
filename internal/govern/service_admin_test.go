package govern_test

import (
	"context"
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/govern"
	gt "github.com/civiclink/civiclink/internal/govern/governtest"
)

// TestManagedTokens: a partner admin manages every token of their
// partner's users, newest first, and no other partner's; anyone else only
// their own.
func TestManagedTokens(t *testing.T) {
	ctx := context.Background()
	f := gt.NewFixture(t, &govern.Gate{})
	svc := f.Service
	admin := f.Admins[gt.RecipientPartner]
	ana := f.AddUser(t, "ana", gt.RecipientPartner, govern.Analyst)
	other := f.Admins[gt.OwnerPartner]
	issue := func(u *govern.User, name string) string {
		tok, _, err := svc.IssueToken(ctx, u, name, 0)
		if err != nil {
			t.Fatal(err)
		}
		f.Clock.Advance(time.Second)
		return tok.ID
	}
	first, second, third := issue(ana, "first"), issue(admin, "second"), issue(other, "elsewhere")
	ids := func(u *govern.User) []string {
		ts, err := svc.ManagedTokens(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, tk := range ts {
			out = append(out, tk.ID)
		}
		return out
	}
	if got := ids(admin); len(got) != 2 || got[0] != second || got[1] != first {
		t.Errorf("the recipient admin manages %v, want [%s %s] (newest first, not %s)", got, second, first, third)
	}
	if got := ids(ana); len(got) != 1 || got[0] != first {
		t.Errorf("an analyst manages %v, want only their own %s", got, first)
	}
}
