package storetest

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/web/sessions"
)

// webSessions creates sessions and asks for them at later times: a
// session lives until it has been idle too long (counted from the last
// use written) or reaches its absolute expiry, and until it is ended.
func webSessions(t *testing.T, st Store) {
	ctx := context.Background()
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	const idle = time.Hour
	create := func(token string) {
		t.Helper()
		ws := sessions.Session{UserID: "olive", CSRF: "csrf-" + token, Created: t0, LastSeen: t0, Expires: t0.Add(3 * time.Hour)}
		if err := st.CreateWebSession(ctx, token, ws); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name  string
		touch []time.Duration // uses after t0, in order, before the one checked
		at    time.Duration   // the use checked
		live  bool
	}{
		{"just made", nil, 0, true},
		{"idle just under the limit", nil, idle - time.Second, true},
		{"idle at the limit", nil, idle, true},
		{"idle past the limit", nil, idle + time.Second, false},
		{"kept alive by use", []time.Duration{50 * time.Minute, 100 * time.Minute, 150 * time.Minute}, 170 * time.Minute, true},
		{"absolute expiry however busy", []time.Duration{50 * time.Minute, 100 * time.Minute, 150 * time.Minute}, 3 * time.Hour, false},
		{"an idle gap ends it for good", []time.Duration{2 * time.Hour}, 2*time.Hour + time.Minute, false},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token := "token-" + string(rune('a'+i))
			create(token)
			for _, d := range tt.touch {
				st.TouchWebSession(ctx, token, t0.Add(d), idle)
			}
			ws, err := st.TouchWebSession(ctx, token, t0.Add(tt.at), idle)
			if got := err == nil; got != tt.live {
				t.Fatalf("live = %t (err %v), want %t", got, err, tt.live)
			}
			if !tt.live {
				if fault.Code(err) != fault.NotFound {
					t.Errorf("code %q, want %q", fault.Code(err), fault.NotFound)
				}
				return
			}
			if ws.UserID != "olive" || ws.CSRF != "csrf-"+token || !ws.Created.Equal(t0) || !ws.LastSeen.Equal(t0.Add(tt.at)) || !ws.Expires.Equal(t0.Add(3*time.Hour)) {
				t.Errorf("session = %+v", ws)
			}
		})
	}
}

// webSessionEnd ends a session: it is gone, the others stay, and the
// count of ended sessions moves on.
func webSessionEnd(t *testing.T, st Store) {
	ctx := context.Background()
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for _, tok := range []string{"one", "two"} {
		if err := st.CreateWebSession(ctx, tok, sessions.Session{UserID: "carl", CSRF: "c", Created: t0, LastSeen: t0, Expires: t0.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	before := st.WebSessionsEnded()
	if err := st.EndWebSession(ctx, "one"); err != nil {
		t.Fatal(err)
	}
	if got := st.WebSessionsEnded(); got == before {
		t.Error("ending a session did not move WebSessionsEnded on")
	}
	if _, err := st.TouchWebSession(ctx, "one", t0, time.Hour); fault.Code(err) != fault.NotFound {
		t.Errorf("ended session: err %v, want not found", err)
	}
	if _, err := st.TouchWebSession(ctx, "two", t0, time.Hour); err != nil {
		t.Errorf("the other session: %v", err)
	}
	if err := st.EndWebSession(ctx, "never made"); err != nil {
		t.Errorf("ending an unknown session: %v", err)
	}
}

// webSessionSweep sweeps idle and expired sessions out of the table
// and keeps the live one.
func webSessionSweep(t *testing.T, st Store) {
	ctx := context.Background()
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	now := t0.Add(10 * time.Hour)
	made := map[string]sessions.Session{
		"idle":    {LastSeen: now.Add(-2 * time.Hour), Expires: now.Add(time.Hour)},
		"expired": {LastSeen: now.Add(-time.Minute), Expires: now},
		"live":    {LastSeen: now.Add(-time.Minute), Expires: now.Add(time.Hour)},
	}
	for tok, ws := range made {
		ws.UserID, ws.CSRF, ws.Created = "olive", "c", t0
		if err := st.CreateWebSession(ctx, tok, ws); err != nil {
			t.Fatal(err)
		}
	}
	n, err := st.SweepWebSessions(ctx, now, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("swept %d sessions, want 2", n)
	}
	// Asked at a time when each would still be live, a swept session is
	// gone: it was deleted, not merely refused.
	for tok, at := range map[string]time.Time{"idle": now.Add(-90 * time.Minute), "expired": now.Add(-2 * time.Minute)} {
		if _, err := st.TouchWebSession(ctx, tok, at, time.Hour); fault.Code(err) != fault.NotFound {
			t.Errorf("swept session %q: err %v, want not found", tok, err)
		}
	}
	if _, err := st.TouchWebSession(ctx, "live", now, time.Hour); err != nil {
		t.Errorf("live session swept: %v", err)
	}
}

// signInFlows keeps sign-in steps under way: each is taken once, even by
// many at once; an expired one is not given; beyond the most allowed a
// new one is refused as busy until the oldest expire.
func signInFlows(t *testing.T, st Store) {
	ctx := context.Background()
	t0 := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	if err := st.AddSignInFlow(ctx, "state-a", []byte(`{"a":1}`), t0, t0.Add(10*time.Minute), 3); err != nil {
		t.Fatal(err)
	}
	got, err := st.TakeSignInFlow(ctx, "state-a", t0.Add(time.Minute))
	if err != nil || string(got) != `{"a":1}` {
		t.Fatalf("take: %q, %v", got, err)
	}
	if _, err := st.TakeSignInFlow(ctx, "state-a", t0.Add(time.Minute)); fault.Code(err) != fault.NotFound {
		t.Errorf("taken twice: %v, want not found", err)
	}
	if _, err := st.TakeSignInFlow(ctx, "never made", t0); fault.Code(err) != fault.NotFound {
		t.Errorf("a made-up state: %v, want not found", err)
	}
	if err := st.AddSignInFlow(ctx, "state-b", []byte("b"), t0, t0.Add(10*time.Minute), 3); err != nil {
		t.Fatal(err)
	}
	if _, err := st.TakeSignInFlow(ctx, "state-b", t0.Add(10*time.Minute)); fault.Code(err) != fault.NotFound {
		t.Errorf("an expired flow: %v, want not found", err)
	}
	for _, id := range []string{"c1", "c2", "c3"} {
		if err := st.AddSignInFlow(ctx, id, []byte(id), t0, t0.Add(10*time.Minute), 3); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.AddSignInFlow(ctx, "c4", []byte("c4"), t0.Add(time.Minute), t0.Add(11*time.Minute), 3); fault.Code(err) != fault.Busy {
		t.Errorf("a fourth flow with three allowed: %v, want busy", err)
	}
	if err := st.AddSignInFlow(ctx, "c4", []byte("c4"), t0.Add(10*time.Minute), t0.Add(20*time.Minute), 3); err != nil {
		t.Errorf("once the others expired: %v", err)
	}
	const n = 16
	var wg sync.WaitGroup
	var taken atomic.Int32
	for range n {
		wg.Go(func() {
			data, err := st.TakeSignInFlow(ctx, "c4", t0.Add(11*time.Minute))
			switch {
			case err == nil && string(data) == "c4":
				taken.Add(1)
			case fault.Code(err) != fault.NotFound:
				t.Errorf("a parallel take: %q, %v", data, err)
			}
		})
	}
	wg.Wait()
	if taken.Load() != 1 {
		t.Errorf("%d of %d parallel takes got the flow, want 1", taken.Load(), n)
	}
}

// signInAttempts counts 50 attempts on one account at once with five
// allowed in the window: exactly five are recorded, each at its own time,
// and the rest are told the five; one taken back lets one more through;
// after the window, or once cleared, the account is open again; another
// account is never affected.
func signInAttempts(t *testing.T, st Store) {
	ctx := context.Background()
	t0 := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	const max, window = 5, 15 * time.Minute
	var wg sync.WaitGroup
	var mu sync.Mutex
	var let []time.Time
	locked := 0
	for range 50 {
		wg.Go(func() {
			at, recent, err := st.CountSignInAttempt(ctx, "olive", t0, t0.Add(-window), max)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				t.Error(err)
			case at.IsZero() && len(recent) == max:
				locked++
			case !at.IsZero():
				let = append(let, at)
			default:
				t.Errorf("locked with %d attempts in the window, want %d", len(recent), max)
			}
		})
	}
	wg.Wait()
	slices.SortFunc(let, time.Time.Compare)
	if len(let) != max || locked != 50-max || len(slices.CompactFunc(slices.Clone(let), time.Time.Equal)) != max {
		t.Fatalf("%d let through (%v), %d locked; want %d distinct and %d", len(let), let, locked, max, 50-max)
	}
	if at, _, _ := st.CountSignInAttempt(ctx, "pat", t0, t0.Add(-window), max); at.IsZero() {
		t.Error("another account is locked too")
	}
	if err := st.RemoveSignInFailure(ctx, "olive", let[2]); err != nil {
		t.Fatal(err)
	}
	if at, _, _ := st.CountSignInAttempt(ctx, "olive", t0.Add(time.Minute), t0.Add(time.Minute-window), max); at.IsZero() {
		t.Error("an attempt taken back still counts")
	}
	if at, _, _ := st.CountSignInAttempt(ctx, "olive", t0.Add(2*time.Minute), t0.Add(2*time.Minute-window), max); !at.IsZero() {
		t.Error("a sixth attempt in the window was let through")
	}
	if at, _, _ := st.CountSignInAttempt(ctx, "olive", t0.Add(window+time.Second), t0.Add(time.Second), max); at.IsZero() {
		t.Error("still locked once the first attempts left the window")
	}
	if err := st.ClearSignInFailures(ctx, "olive", t0); err != nil {
		t.Fatal(err)
	}
	if at, recent, _ := st.CountSignInAttempt(ctx, "olive", t0.Add(window+2*time.Second), t0.Add(2*time.Second), max); at.IsZero() || len(recent) != 0 {
		t.Errorf("after clearing: at %v with %d before it, want let through with none", at, len(recent))
	}
}
