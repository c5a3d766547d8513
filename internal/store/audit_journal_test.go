package store

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/civiclink/civiclink/internal/audit"
	"github.com/civiclink/civiclink/internal/fault"
)

// crashAfter appends n entries that reach the journal but not the tables,
// then abandons the store as a killed process would (no Close, so nothing
// is moved), and returns the journal's segments.
func crashAfter(t *testing.T, s *Store, a *Audit, n int) []int {
	t.Helper()
	if err := a.settle(); err != nil { // what came before is moved
		t.Fatal(err)
	}
	j := a.share.journal
	j.mu.Lock()
	j.hold = true
	j.mu.Unlock()
	fillLog(t, a, n)
	auditShares.Delete(s)
	if err := s.db.Close(); err != nil {
		t.Fatal(err)
	}
	segs, err := journalSegments(s.path)
	if err != nil {
		t.Fatal(err)
	}
	return segs
}

// storedLeaves counts the leaves in the tables of the store at path.
func storedLeaves(t *testing.T, path string) int {
	t.Helper()
	var n int
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.db.Close()
	if err := s.db.QueryRow(`SELECT count(*) FROM audit_leaves`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestAuditJournal(t *testing.T) {
	defer func(n int64) { journalSegment = n }(journalSegment)
	journalSegment = 2 << 10 // a few groups a segment
	ctx := context.Background()
	tests := []struct {
		name string
		// damage changes the journal the crash left (segment numbers given)
		damage func(t *testing.T, path string, segs []int)
		want   uint64 // entries in the log once reopened
		code   string // the reopening's error code, if it must fail
	}{
		{name: "crash", damage: func(*testing.T, string, []int) {}, want: 45},
		{name: "torn last write", damage: func(t *testing.T, path string, segs []int) {
			f, err := os.OpenFile(segmentName(path, segs[len(segs)-1]), os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			f.Write([]byte{200, 1, 0, 0, 9, 9, 9, 9, '{', '"'}) // a frame cut short
		}, want: 45},
		{name: "segment lost", damage: func(t *testing.T, path string, segs []int) {
			if err := os.Remove(segmentName(path, segs[1])); err != nil {
				t.Fatal(err)
			}
		}, code: fault.Conflict},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			key := newKey(t)
			path := filepath.Join(t.TempDir(), "j.duckdb")
			s, a := openAudit(t, path, key)
			fillLog(t, a, 5)
			segs := crashAfter(t, s, a, 40)
			if len(segs) < 3 {
				t.Fatalf("segments %v: want the 40 held entries spread over several", segs)
			}
			if n := storedLeaves(t, path); n != 5 {
				t.Fatalf("the tables hold %d leaves after the crash, want the 5 moved before it", n)
			}
			tc.damage(t, path, segs)

			s2, err := Open(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			defer s2.Close()
			a2, err := s2.AuditLog(ctx, key)
			if tc.code != "" {
				if fault.Code(err) != tc.code {
					t.Fatalf("reopening: %v, want a %s error", err, tc.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			rep, err := a2.Verify(ctx, audit.Options{})
			if err != nil || rep.Problem != nil || rep.Size != tc.want {
				t.Fatalf("verify after recovery: size %d, %v %v; want %d entries intact", rep.Size, err, rep.Problem, tc.want)
			}
			if e, err := a2.Append(ctx, sampleEvent(99)); err != nil || e.Index != tc.want {
				t.Fatalf("append after recovery: entry %d, %v; want %d", e.Index, err, tc.want)
			}
			left, _ := journalSegments(path)
			if len(left) != 1 || left[0] <= segs[len(segs)-1] {
				t.Errorf("segments after recovery: %v, want only a new one after %v", left, segs)
			}
		})
	}
}

// TestAuditJournalMoves checks that the mover empties the journal while
// appends go on, and that Close leaves no journal behind.
func TestAuditJournalMoves(t *testing.T) {
	defer func(n int64) { journalSegment = n }(journalSegment)
	journalSegment = 2 << 10
	path := filepath.Join(t.TempDir(), "m.duckdb")
	s, a := openAudit(t, path, newKey(t))
	fillLog(t, a, 60)
	n, err := a.Count(context.Background()) // waits for the mover
	if err != nil || n != 60 {
		t.Fatalf("count = %d, %v; want 60", n, err)
	}
	if segs, _ := journalSegments(path); len(segs) != 1 {
		t.Errorf("segments once all is moved: %v, want only the current one", segs)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if segs, _ := journalSegments(path); len(segs) != 0 {
		t.Errorf("segments after Close: %v, want none", segs)
	}
	if n := storedLeaves(t, path); n != 60 {
		t.Errorf("stored leaves after Close = %d, want 60", n)
	}
}
