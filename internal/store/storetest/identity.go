package storetest

import (
	"context"
	"reflect"
	"testing"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
)

// identities: single sign-on links are found by provider and key (keys
// at different providers are different accounts), replaced, listed by
// user in order, and removed once.
func identities(t *testing.T, st Store) {
	ctx := context.Background()
	links := []*govern.Identity{
		{Provider: "ecc", Key: "sub-2", UserID: "ann", LinkedAt: t0, LinkedBy: "admin"},
		{Provider: "ecc", Key: "ann@essex.gov.uk", UserID: "ann", LinkedAt: t0, LinkedBy: "admin"},
		{Provider: "police", Key: "sub-2", UserID: "bob", LinkedAt: t0, LinkedBy: "admin"},
	}
	for _, l := range links {
		if err := st.SaveIdentity(ctx, l); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct{ provider, key, want string }{
		{"ecc", "sub-2", "ann"}, {"police", "sub-2", "bob"}, {"ecc", "ann@essex.gov.uk", "ann"}, {"ecc", "sub-3", ""},
	} {
		got, err := st.IdentityUser(ctx, tc.provider, tc.key)
		if tc.want == "" && fault.Code(err) != fault.NotFound || tc.want != "" && (err != nil || got != tc.want) {
			t.Errorf("IdentityUser(%s, %s) = %q, %v; want %q", tc.provider, tc.key, got, err, tc.want)
		}
	}
	moved := &govern.Identity{Provider: "police", Key: "sub-2", UserID: "carl", LinkedAt: t0.Add(1e9), LinkedBy: "admin2"}
	if err := st.SaveIdentity(ctx, moved); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.IdentityUser(ctx, "police", "sub-2"); got != "carl" {
		t.Errorf("after replacing the link: %q, want carl", got)
	}
	got, err := st.UserIdentities(ctx, "ann")
	if err != nil || !reflect.DeepEqual(got, []*govern.Identity{links[1], links[0]}) {
		t.Errorf("ann's links = %+v, %v; want %+v", got, err, []*govern.Identity{links[1], links[0]})
	}
	if err := st.DeleteIdentity(ctx, "ecc", "sub-2"); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteIdentity(ctx, "ecc", "sub-2"); fault.Code(err) != fault.NotFound {
		t.Errorf("deleting twice: %v, want not found", err)
	}
	if _, err := st.IdentityUser(ctx, "ecc", "sub-2"); fault.Code(err) != fault.NotFound {
		t.Errorf("a deleted link still signs in: %v", err)
	}
}
