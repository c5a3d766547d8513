package govern

import (
	"crypto/rand"
	"fmt"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"
)

// perOp times f over n runs (a reference measured in the same process as
// the benchmark it is compared with).
func perOp(n int, f func()) time.Duration {
	start := time.Now()
	for range n {
		f()
	}
	return time.Since(start) / time.Duration(n)
}

func reportRatio(b *testing.B, ref time.Duration) {
	per := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(float64(per)/float64(ref), "x-ref")
}

// benchState has n agreements spread over the standard purposes; the one
// that allows the benchmark request comes last.
func benchState(n int) State {
	st := matrixState()
	for i := range n {
		a := baseAgreement()
		a.ID, a.Purpose = fmt.Sprintf("a%05d", i), StandardPurposes[i%len(StandardPurposes)].ID
		if i < n-1 && a.Purpose == "domestic-abuse" {
			a.Status = Suspended
		}
		st.Agreements = append(st.Agreements, a)
	}
	st.Agreements[n-1].Purpose = "domestic-abuse"
	return st
}

// referenceScan is the least any decision must do: walk the agreements
// checking purpose and recipient.
func referenceScan(st State, u *User, purpose string) int {
	n := 0
	for _, a := range st.Agreements {
		if a.Purpose == purpose {
			if p := a.Party(u.PartnerID); p != nil && p.Recipient {
				n++
			}
		}
	}
	return n
}

// BenchmarkDecide times one access decision against a reference scan of the
// same agreements (x-ref = Decide / scan).
func BenchmarkDecide(b *testing.B) {
	u := &User{ID: "ana", PartnerID: "council", Roles: []Role{Analyst}}
	req := Request{Purpose: "domestic-abuse", Output: Aggregate, Reads: []Read{{Dataset: "police-ds", Columns: policeCols}}}
	for _, n := range []int{10, 200, 2000} {
		b.Run(fmt.Sprintf("agreements=%d", n), func(b *testing.B) {
			st := benchState(n)
			if d := Decide(st, u, req); !d.Allow {
				b.Fatal(d)
			}
			sink := 0
			ref := perOp(2000, func() { sink += referenceScan(st, u, req.Purpose) })
			b.ReportAllocs()
			for b.Loop() {
				Decide(st, u, req)
			}
			reportRatio(b, ref)
			_ = sink
		})
	}
}

// BenchmarkHashPassword times a password hash with the default costs
// against the bare argon2id key derivation (x-ref = overhead of encoding).
func BenchmarkHashPassword(b *testing.B) {
	p := DefaultArgon2
	salt := make([]byte, p.SaltLen)
	rand.Read(salt)
	derive := func() {
		argon2.IDKey([]byte("a long enough passphrase"), salt, p.Time, p.Memory, p.Threads, uint32(p.KeyLen))
	}
	ref := perOp(3, derive)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := HashPassword("a long enough passphrase"); err != nil {
			b.Fatal(err)
		}
	}
	// The machine is shared: take the faster of the reference runs before
	// and after, so a busy spell during one does not flatter the ratio.
	reportRatio(b, min(ref, perOp(3, derive)))
}
