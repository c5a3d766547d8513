package store_test

import (
	"context"
	"slices"
	"testing"
	"time"
)

// TestSignInFailures adds, removes and clears failed sign-ins and reads
// back what is left inside a window.
func TestSignInFailures(t *testing.T) {
	ctx := context.Background()
	st := memStore(t)
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	for _, f := range []struct {
		account string
		m       int
	}{{"pat", 0}, {"pat", 5}, {"pat", 6}, {"sam", 1}, {"nobody", 20}} {
		if err := st.AddSignInFailure(ctx, f.account, at(f.m)); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.RemoveSignInFailure(ctx, "pat", at(5)); err != nil {
		t.Fatal(err)
	}
	got, err := st.SignInFailures(ctx, at(1))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]time.Time{"pat": {at(6)}, "sam": {at(1)}, "nobody": {at(20)}}
	if len(got) != len(want) {
		t.Fatalf("failures = %v, want %v", got, want)
	}
	for a, w := range want {
		if !slices.EqualFunc(got[a], w, time.Time.Equal) {
			t.Errorf("failures of %s = %v, want %v", a, got[a], w)
		}
	}
	// pat signs in at minute 21 with a 15-minute window: pat's failures and
	// every failure before minute 6 go; nobody's stays.
	if err := st.ClearSignInFailures(ctx, "pat", at(6)); err != nil {
		t.Fatal(err)
	}
	if got, err = st.SignInFailures(ctx, t0); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || len(got["nobody"]) != 1 {
		t.Errorf("after clearing, failures = %v, want only nobody's", got)
	}
}
