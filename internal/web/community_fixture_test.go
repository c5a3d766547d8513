package web

import (
	"context"
	"os"
	"sync"
	"testing"

	"github.com/civiclink/civiclink/internal/community"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/store"
)

// editorID is the fixture's community editor (a voluntary-sector partner).
const editorID = "vera"

var communityPlacer = sync.OnceValues(community.LoadPlacer)

// communityFixture is a server with the community directory: the test
// feed's three services and n synthetic ones published, and a community
// editor who can sign in.
func communityFixture(tb testing.TB, n int) (*fixture, *community.Directory) {
	tb.Helper()
	return communityFixtureWith(tb, n, nil)
}

// communityFixtureWith is [communityFixture] with the server's
// configuration changed by edit (nil: none).
func communityFixtureWith(tb testing.TB, n int, edit func(*Config)) (*fixture, *community.Directory) {
	tb.Helper()
	p, err := communityPlacer()
	if err != nil {
		tb.Fatal(err)
	}
	var dir *community.Directory
	f := newFixtureWith(tb, func(c *Config) {
		dir = community.NewDirectory(c.Catalog.(*store.Store), c.Audit, c.Clock, p)
		c.Community = dir
		if edit != nil {
			edit(c)
		}
	})
	ctx := context.Background()
	h, err := govern.HashPasswordWith(password, cheapArgon)
	if err != nil {
		tb.Fatal(err)
	}
	editor := &govern.User{ID: editorID, PartnerID: "county", Name: "Vera Editor", Roles: []govern.Role{govern.CommunityEditor},
		PasswordHash: h, CreatedAt: f.clock.Now(), CreatedBy: "test"}
	if err := f.st.CreateUser(ctx, editor); err != nil {
		tb.Fatal(err)
	}
	data, err := os.ReadFile("../community/testdata/feed.json")
	if err != nil {
		tb.Fatal(err)
	}
	services, ps := community.DecodeFeed(data)
	if len(ps) > 0 {
		tb.Fatal(ps)
	}
	services = append(services, community.Synthesise(p, n, 1)...)
	if _, err := dir.Import(ctx, editor, services, true, "fixture"); err != nil {
		tb.Fatal(err)
	}
	return f, dir
}
