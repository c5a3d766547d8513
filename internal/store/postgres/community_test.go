package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/community"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/store/postgres"
	"github.com/civiclink/civiclink/internal/store/postgres/pgtest"
)

// nopRecorder takes audit events and keeps none: the test is about what
// the directories read.
type nopRecorder struct{}

func (nopRecorder) Record(context.Context, govern.Event) error { return nil }

// TestCommunityAcrossProcesses has two directories, each over its own
// store on one database (two web processes): a service one publishes is
// in the other's published directory once the notice arrives, without a
// restart.
func TestCommunityAcrossProcesses(t *testing.T) {
	ctx := context.Background()
	url := pgtest.Fresh(t)
	var dirs []*community.Directory
	for range 2 {
		st, err := postgres.Open(ctx, url, "")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		dirs = append(dirs, community.NewDirectory(st, nopRecorder{}, nil, nil))
	}
	a, b := dirs[0], dirs[1]
	if ix, err := b.Published(ctx); err != nil || ix.Len() != 0 {
		t.Fatalf("b's directory before: %v %v", ix, err)
	}
	editor := &govern.User{ID: "vera", PartnerID: "cvs", Roles: []govern.Role{govern.CommunityEditor}}
	svc := community.Service{ID: "svc-1", Name: "Lunch club", Themes: []string{"food"}, Organisation: community.Organisation{ID: "org-1", Name: "Neighbours", Kind: community.Informal},
		Locations: []community.Location{{ID: "loc-1", LSOA: "E01021637", Precision: community.PrecisionLSOA, Latitude: 51.87, Longitude: 0.9}}}
	if _, err := a.Import(ctx, editor, []community.Service{svc}, true, "test"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		ix, err := b.Published(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if v, err := ix.Get("svc-1"); err == nil {
			if v.Owner != "cvs" {
				t.Errorf("b reads the service owned by %q, want cvs", v.Owner)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("b's directory never showed the service a published")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
