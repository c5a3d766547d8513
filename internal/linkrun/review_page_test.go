package linkrun_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/link"
	"github.com/civiclink/civiclink/internal/linkrun"
)

// TestReviewPages: a run's borderline pairs come 50 to a page, nearest the
// threshold first, the pages together are the whole list in order, and a
// page that does not exist is refused with the pages there are.
func TestReviewPages(t *testing.T) {
	st, svc, staff, _ := county(t, 1500)
	ctx := context.Background()
	s := &linkrun.Service{Store: st, Gov: svc, Audit: &recorder{}}
	u := staff["police.analyst"]
	res, err := s.Run(ctx, u, linkrun.Request{Datasets: linked, Purpose: purpose}, link.Options{})
	if err != nil {
		t.Fatal(err)
	}
	all, err := s.Review(ctx, u, res.Run.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if all.Total <= linkrun.ReviewPageSize {
		t.Fatalf("%d borderline pairs: the test needs more than one page", all.Total)
	}
	first, err := s.ReviewPage(ctx, u, res.Run.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	wantPages := (all.Total + linkrun.ReviewPageSize - 1) / linkrun.ReviewPageSize
	if len(first.Pairs) != linkrun.ReviewPageSize || first.Pages != wantPages || first.Total != all.Total || first.Page != 1 {
		t.Errorf("page 1: %d pairs, page %d of %d, total %d; want %d pairs, page 1 of %d, total %d",
			len(first.Pairs), first.Page, first.Pages, first.Total, linkrun.ReviewPageSize, wantPages, all.Total)
	}
	// Nearest the threshold first, across the pages.
	tw := math.Log2(all.Threshold / (1 - all.Threshold))
	var got []linkrun.ReviewPair
	for p := 1; p <= wantPages; p++ {
		l, err := s.ReviewPage(ctx, u, res.Run.ID, p)
		if err != nil {
			t.Fatalf("page %d: %v", p, err)
		}
		got = append(got, l.Pairs...)
	}
	if len(got) != all.Total {
		t.Fatalf("the pages hold %d pairs, want %d", len(got), all.Total)
	}
	for i, p := range got {
		if p.Pair != i+1 {
			t.Fatalf("pair %d at place %d: the pages are out of order", p.Pair, i+1)
		}
		if i > 0 && math.Abs(p.Weight-tw) < math.Abs(got[i-1].Weight-tw)-1e-9 {
			t.Fatalf("pair %d (weight %.3f) is nearer the threshold weight %.3f than pair %d (%.3f) before it", p.Pair, p.Weight, tw, got[i-1].Pair, got[i-1].Weight)
		}
	}
	for _, bad := range []int{0, wantPages + 1} {
		_, err := s.ReviewPage(ctx, u, res.Run.ID, bad)
		var fe *fault.Error
		if !errors.As(err, &fe) || fe.Code != fault.Invalid || !strings.Contains(err.Error(), "pages 1 to") {
			t.Errorf("page %d: %v, want an invalid-input error naming the pages there are", bad, err)
		}
	}
}
