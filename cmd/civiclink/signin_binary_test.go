package main

import (
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/store/postgres/pgtest"
)

// TestSignInBurstTwoProcesses attacks sign-in as an attacker with many
// addresses would, through two real `civiclink serve` processes on one
// PostgreSQL database behind a trusted proxy, with the shipped 64 MiB
// password hash: 200 wrong passwords for one account at once, half to
// each process, are checked only five times in all (the lockout is one
// count in the database, taken before any hash), and the right password
// is then refused by both; 200 sign-ins for unknown users at once get only
// 401 or 429 with Retry-After, and neither process's resident memory grows
// by more than its hash slots' worth. It prints what was attacked and
// what held.
func TestSignInBurstTwoProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("hashes 64 MiB passwords in two server processes")
	}
	dir := t.TempDir()
	db := pgtest.Fresh(t)
	pgCounty(t, dir, db)
	bases, pids := twoServerProcs(t, dir, db, "--no-second-factor", "--trusted-proxy", "127.0.0.1", "--lockout-after", "5")
	forms := []*signInForm{newSignInForm(t, bases[0]), newSignInForm(t, bases[1])}

	// burst sends n attempts at once, alternately to each process, each
	// from its own client address.
	burst := func(n int, user func(int) string, password string) []signInReply {
		out := make([]signInReply, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				out[i] = forms[i%2].post(t, user(i), password, fmt.Sprintf("10.1.%d.%d", i>>8, i&255))
			})
		}
		close(start)
		wg.Wait()
		return out
	}

	replies := burst(200, func(int) string { return "bo" }, "not the password at all")
	checked, locked := [2]int{}, [2]int{}
	for i, r := range replies {
		switch {
		case r.status == http.StatusUnauthorized && strings.Contains(r.body, "unknown user, wrong password"):
			checked[i%2]++
		case r.status == http.StatusUnauthorized && strings.Contains(r.body, "this account is locked"):
			locked[i%2]++
		default:
			t.Errorf("an attempt got %d: %.200s", r.status, r.body)
		}
	}
	t.Logf("attack: 200 wrong passwords for bo at once, 100 to each of two processes, from 200 addresses")
	t.Logf("held: %d checked (A %d, B %d), %d refused as locked before any hash", checked[0]+checked[1], checked[0], checked[1], locked[0]+locked[1])
	if checked[0]+checked[1] != 5 {
		t.Errorf("%d passwords checked across the two processes, want 5", checked[0]+checked[1])
	}
	for i, f := range forms {
		if r := f.post(t, "bo", servedPassword, "10.9.9.9"); !strings.Contains(r.body, "this account is locked") {
			t.Errorf("the right password on process %c while locked: %d %.200s", 'A'+i, r.status, r.body)
		}
	}

	// Each process checks one password first, so the baseline is a
	// process that has served a sign-in (its hash memory and heap grown
	// once): the lockout above may leave one process with no hash at all
	// (A 5, B 0 in one CI run), and from cold B's first hashes under the
	// burst grew it by 514 MiB, against some 250 MiB from warm.
	for i, f := range forms {
		if r := f.post(t, "nobody-warm", "not the password at all", fmt.Sprintf("10.8.8.%d", i+1)); r.status != http.StatusUnauthorized {
			t.Fatalf("an unknown user's sign-in on process %c: %d, want 401", 'A'+i, r.status)
		}
	}
	base := [2]int64{procRSS(t, pids[0]), procRSS(t, pids[1])}
	var peak [2]atomic.Int64
	done := make(chan struct{})
	var watch sync.WaitGroup
	watch.Go(func() {
		for {
			for i, pid := range pids {
				if r := procRSS(t, pid); r > peak[i].Load() {
					peak[i].Store(r)
				}
			}
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	})
	replies = burst(200, func(i int) string { return fmt.Sprintf("nobody-%d", i) }, "not the password at all")
	close(done)
	watch.Wait()
	statuses := map[int]int{}
	for _, r := range replies {
		statuses[r.status]++
		if r.status == http.StatusTooManyRequests {
			if s, err := strconv.Atoi(r.retryAfter); err != nil || s < 1 {
				t.Errorf("a 429 with Retry-After %q", r.retryAfter)
			}
		}
	}
	slots := govern.HashSlots(govern.DefaultArgon2)
	limit := int64(slots+4) * int64(govern.DefaultArgon2.Memory) << 10
	t.Logf("attack: 200 sign-ins for unknown users at once (64 MiB hash each: 12.5 GiB if all ran at once)")
	t.Logf("held: statuses %v; resident memory A %d → peak %d MiB, B %d → peak %d MiB (%d hash slots a process, limit +%d MiB)",
		statuses, base[0]>>20, peak[0].Load()>>20, base[1]>>20, peak[1].Load()>>20, slots, limit>>20)
	if statuses[http.StatusUnauthorized]+statuses[http.StatusTooManyRequests] != 200 {
		t.Errorf("statuses %v, want only 401 (checked) and 429 (busy)", statuses)
	}
	for i := range 2 {
		if grew := peak[i].Load() - base[i]; grew > limit {
			t.Errorf("process %c grew by %d MiB under the burst, want at most %d MiB", 'A'+i, grew>>20, limit>>20)
		}
	}
}

// procRSS returns the resident set size in bytes of process pid ("self"
// for this one).
func procRSS(t *testing.T, pid string) int64 {
	b, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		t.Skipf("cannot read resident memory: %v", err)
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.Fields(rest)[0], 10, 64)
			return kb << 10
		}
	}
	t.Skip("no VmRSS in /proc/" + pid + "/status")
	return 0
}
