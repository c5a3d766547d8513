package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/community"
	"github.com/civiclink/civiclink/internal/fault"
)

// CommunityStore is a backend under the community directory's contract.
type CommunityStore interface {
	community.Store
}

// RunCommunity runs the community directory's contract against backends
// made by open, a fresh one per subtest: submissions stored in bulk with
// ids and versions, moderation decided once, a service's owner set by its
// first version and kept, zones replaced whole,
// opportunities closed once, and parallel publications of one service
// that all succeed, each its own version.
func RunCommunity(t *testing.T, open func(t *testing.T) CommunityStore) {
	t.Run("bulk submissions", func(t *testing.T) { communityBulk(t, open(t)) })
	t.Run("moderation", func(t *testing.T) { communityModeration(t, open(t)) })
	t.Run("owners", func(t *testing.T) { communityOwners(t, open(t)) })
	t.Run("parallel publications", func(t *testing.T) { communityParallel(t, open(t)) })
	t.Run("zones", func(t *testing.T) { communityZones(t, open(t)) })
	t.Run("opportunities", func(t *testing.T) { communityOpportunities(t, open(t)) })
}

var communityAt = time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)

// sampleService is a small valid service numbered i.
func sampleService(i int, name string) community.Service {
	return community.Service{ID: fmt.Sprintf("svc-%05d", i), Name: name, Themes: []string{"food"},
		Organisation: community.Organisation{ID: fmt.Sprintf("org-%05d", i), Name: "Group " + name, Kind: community.Informal},
		Locations:    []community.Location{{ID: fmt.Sprintf("loc-%05d", i), LSOA: "E01021637", Precision: community.PrecisionLSOA, Latitude: 51.87, Longitude: 0.9}}}
}

func published(s community.Service, by string) *community.Submission {
	return &community.Submission{Service: s, SubmittedBy: by, SubmittedAt: communityAt, Status: community.Published, DecidedBy: by, DecidedAt: communityAt}
}

func communityBulk(t *testing.T, st CommunityStore) {
	ctx := context.Background()
	const n = 2000
	var subs []*community.Submission
	for i := range n {
		subs = append(subs, published(sampleService(i, fmt.Sprintf("service %d", i)), "editor"))
	}
	subs = append(subs, &community.Submission{Service: sampleService(n, "waiting"), SubmittedBy: "public", SubmittedAt: communityAt, Status: community.Pending, Note: "from the form"})
	if err := st.AddCommunitySubmissions(ctx, subs); err != nil {
		t.Fatal(err)
	}
	seen := map[int64]bool{}
	for i, s := range subs {
		if s.ID == 0 || seen[s.ID] || (i > 0 && s.ID <= subs[i-1].ID) {
			t.Fatalf("submission %d got id %d: ids must be new and rise in order", i, s.ID)
		}
		seen[s.ID] = true
	}
	if subs[0].Version != 1 || subs[n].Version != 0 {
		t.Errorf("versions %d (published) and %d (pending), want 1 and 0", subs[0].Version, subs[n].Version)
	}
	changed := sampleService(7, "service 7, renamed")
	again := []*community.Submission{published(changed, "editor"), published(sampleService(n+1, "new"), "editor")}
	if err := st.AddCommunitySubmissions(ctx, again); err != nil {
		t.Fatal(err)
	}
	if again[0].Version != 2 || again[1].Version != 1 {
		t.Errorf("second batch versions %d, %d: want 2 (a change) and 1 (new)", again[0].Version, again[1].Version)
	}
	cur, err := st.CommunityCurrent(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(cur) != n+1 {
		t.Fatalf("%d current services, want %d", len(cur), n+1)
	}
	for _, v := range cur {
		if v.Service.ID == changed.ID && (v.Version != 2 || v.Service.Name != changed.Name || v.Submission != again[0].ID) {
			t.Errorf("current %s: %+v, want version 2 renamed", changed.ID, v)
		}
	}
	vs, err := st.CommunityVersions(ctx, changed.ID)
	if err != nil || len(vs) != 2 || vs[0].Version != 1 || vs[0].Service.Name != "service 7" || !vs[1].PublishedAt.Equal(communityAt) || vs[1].PublishedBy != "editor" {
		t.Errorf("history of %s: %+v %v", changed.ID, vs, err)
	}
	pending, err := st.CommunitySubmissions(ctx, community.Pending)
	if err != nil || len(pending) != 1 || pending[0].Note != "from the form" || pending[0].SubmittedBy != "public" || !pending[0].SubmittedAt.Equal(communityAt) {
		t.Errorf("pending: %+v %v", pending, err)
	}
	all, err := st.CommunitySubmissions(ctx, "")
	if err != nil || len(all) != n+3 {
		t.Errorf("all submissions: %d %v, want %d", len(all), err, n+3)
	}
	if err := st.AddCommunitySubmissions(ctx, nil); err != nil {
		t.Errorf("an empty batch: %v", err)
	}
}

func communityModeration(t *testing.T, st CommunityStore) {
	ctx := context.Background()
	first := published(sampleService(1, "first"), "editor")
	waiting := &community.Submission{Service: sampleService(1, "first, corrected"), Correction: true, SubmittedBy: "public", SubmittedAt: communityAt, Status: community.Pending}
	other := &community.Submission{Service: sampleService(2, "spam"), SubmittedBy: "public", SubmittedAt: communityAt, Status: community.Pending}
	if err := st.AddCommunitySubmissions(ctx, []*community.Submission{first, waiting, other}); err != nil {
		t.Fatal(err)
	}
	waiting.Status, waiting.DecidedBy, waiting.DecidedAt = community.Published, "editor", communityAt.Add(time.Hour)
	if err := st.DecideCommunitySubmission(ctx, waiting); err != nil {
		t.Fatal(err)
	}
	if waiting.Version != 2 {
		t.Errorf("published correction got version %d, want 2", waiting.Version)
	}
	again := *waiting
	if err := st.DecideCommunitySubmission(ctx, &again); fault.Code(err) != fault.Conflict {
		t.Errorf("deciding twice: %v, want a conflict", err)
	}
	other.Status, other.Reason, other.DecidedBy, other.DecidedAt = community.Rejected, "not a service", "editor", communityAt
	if err := st.DecideCommunitySubmission(ctx, other); err != nil {
		t.Fatal(err)
	}
	got, err := st.CommunitySubmission(ctx, other.ID)
	if err != nil || got.Status != community.Rejected || got.Reason != "not a service" || !got.DecidedAt.Equal(communityAt) {
		t.Errorf("rejected submission read back: %+v %v", got, err)
	}
	if _, err := st.CommunitySubmission(ctx, 99999); fault.Code(err) != fault.NotFound {
		t.Errorf("unknown submission: %v", err)
	}
	if vs, _ := st.CommunityVersions(ctx, "svc-00002"); len(vs) != 0 {
		t.Errorf("a rejected submission was published: %+v", vs)
	}
}

func communityOwners(t *testing.T, st CommunityStore) {
	ctx := context.Background()
	first := published(sampleService(1, "first"), "vera")
	first.Owner = "county"
	if err := st.AddCommunitySubmissions(ctx, []*community.Submission{first}); err != nil {
		t.Fatal(err)
	}
	bulk := published(sampleService(1, "renamed in bulk"), "pat")
	bulk.Owner = "police"
	waiting := &community.Submission{Service: sampleService(1, "corrected"), Correction: true, SubmittedBy: "public", SubmittedAt: communityAt, Status: community.Pending}
	if err := st.AddCommunitySubmissions(ctx, []*community.Submission{bulk, waiting}); err != nil {
		t.Fatal(err)
	}
	waiting.Status, waiting.DecidedBy, waiting.DecidedAt, waiting.Owner = community.Published, "pat", communityAt, "police"
	if err := st.DecideCommunitySubmission(ctx, waiting); err != nil {
		t.Fatal(err)
	}
	if first.Owner != "county" || bulk.Owner != "county" || waiting.Owner != "county" {
		t.Errorf("owners %q, %q, %q: want the first version's (county) kept", first.Owner, bulk.Owner, waiting.Owner)
	}
	vs, err := st.CommunityVersions(ctx, "svc-00001")
	if err != nil || len(vs) != 3 {
		t.Fatalf("versions %d %v, want 3", len(vs), err)
	}
	for _, v := range vs {
		if v.Owner != "county" {
			t.Errorf("version %d owned by %q, want county", v.Version, v.Owner)
		}
	}
	cur, _ := st.CommunityCurrent(ctx)
	if len(cur) != 1 || cur[0].Owner != "county" {
		t.Errorf("current: %+v, want owned by county", cur)
	}
}

func communityParallel(t *testing.T, st CommunityStore) {
	ctx := context.Background()
	const workers = 8
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[w] = st.AddCommunitySubmissions(ctx, []*community.Submission{published(sampleService(1, fmt.Sprintf("writer %d", w)), "editor")})
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		}
	}
	vs, err := st.CommunityVersions(ctx, "svc-00001")
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range vs {
		if v.Version != i+1 {
			t.Errorf("versions %d: %d at place %d (a version shared or skipped)", len(vs), v.Version, i)
		}
	}
	if len(vs) != ok || ok != workers {
		t.Errorf("%d of %d parallel publications succeeded, %d versions stored", ok, workers, len(vs))
	}
	for _, err := range errs {
		if err != nil {
			t.Logf("refused: %v", err)
			break
		}
	}
	t.Logf("%d parallel publications of one service: %d stored as versions 1..%d, %d refused", workers, ok, len(vs), workers-ok)
}

func communityZones(t *testing.T, st CommunityStore) {
	ctx := context.Background()
	z := &community.Zone{ID: "harbour", Name: "Harbour", LSOAs: []string{"E01021637", "E01021638"}, Districts: []string{"E07000071"}, DesignatedBy: "editor", DesignatedAt: communityAt}
	if err := st.PutCommunityZone(ctx, z); err != nil {
		t.Fatal(err)
	}
	z2 := *z
	z2.Name, z2.LSOAs = "Harbour and Hythe", []string{"E01021637"}
	if err := st.PutCommunityZone(ctx, &z2); err != nil {
		t.Fatal(err)
	}
	if err := st.PutCommunityZone(ctx, &community.Zone{ID: "airport", Name: "Airport", LSOAs: []string{"E01000001"}, DesignatedAt: communityAt}); err != nil {
		t.Fatal(err)
	}
	zs, err := st.CommunityZones(ctx)
	if err != nil || len(zs) != 2 || zs[1].ID != "harbour" || zs[1].Name != "Harbour and Hythe" || len(zs[1].LSOAs) != 1 || !zs[1].DesignatedAt.Equal(communityAt) {
		t.Errorf("zones read back: %+v %v (want 2 by id, harbour replaced whole)", zs, err)
	}
}

func communityOpportunities(t *testing.T, st CommunityStore) {
	ctx := context.Background()
	var ids []int64
	for i, title := range []string{"Sort tins", "Phone a neighbour"} {
		o := &community.Opportunity{OrganisationID: "org-1", Title: title, Themes: []string{"food"}, Minutes: 30 + i, Status: community.Open,
			Partner: "cvs", PostedBy: "editor", PostedAt: communityAt, Location: community.Location{ID: "l", LSOA: "E01021637"}}
		if err := st.AddCommunityOpportunity(ctx, o); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, o.ID)
	}
	if ids[0] == 0 || ids[1] <= ids[0] {
		t.Fatalf("opportunity ids %v: want new, rising", ids)
	}
	all, err := st.CommunityOpportunities(ctx)
	if err != nil || len(all) != 2 || all[0].ID != ids[0] || all[1].Minutes != 31 || all[0].Partner != "cvs" {
		t.Fatalf("opportunities read back: %+v %v", all, err)
	}
	o := all[0]
	o.Status, o.ClosedBy, o.ClosedAt = community.Closed, "editor", communityAt
	if err := st.CloseCommunityOpportunity(ctx, &o); err != nil {
		t.Fatal(err)
	}
	if err := st.CloseCommunityOpportunity(ctx, &o); fault.Code(err) != fault.Conflict {
		t.Errorf("closing twice: %v, want a conflict", err)
	}
	missing := o
	missing.ID = 999
	if err := st.CloseCommunityOpportunity(ctx, &missing); fault.Code(err) != fault.NotFound {
		t.Errorf("closing an unknown one: %v", err)
	}
	all, _ = st.CommunityOpportunities(ctx)
	if all[0].Status != community.Closed || all[0].ClosedBy != "editor" || all[1].Status != community.Open {
		t.Errorf("after closing: %+v", all)
	}
}
