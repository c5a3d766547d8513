package govern

import (
	"context"
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/fault"
)

// TestHashSlots sizes the hash limit to an eighth of memory, between one
// and two per CPU.
func TestHashSlots(t *testing.T) {
	const mib = 1 << 20
	tests := []struct {
		name   string
		memory int64
		per    int64
		cpus   int
		want   int
	}{
		{"small machine", 256 * mib, 64 * mib, 4, 1},
		{"memory bound", 2048 * mib, 64 * mib, 8, 4},
		{"cpu bound", 64 * 1024 * mib, 64 * mib, 2, 4},
		{"cheap hashes", 1024 * mib, 1 * mib, 1, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := hashSlots(tt.memory, tt.per, tt.cpus); got != tt.want {
				t.Errorf("hashSlots(%d MiB, %d MiB, %d CPUs) = %d, want %d", tt.memory/mib, tt.per/mib, tt.cpus, got, tt.want)
			}
		})
	}
	if n := HashSlots(DefaultArgon2); n < 1 {
		t.Errorf("HashSlots(DefaultArgon2) = %d on this machine, want at least 1", n)
	}
}

// TestHashLimit lets Size checks in at once; the next waits and is
// refused as busy, and gets in once a slot is released.
func TestHashLimit(t *testing.T) {
	ctx := context.Background()
	h := NewHashLimit(2, 20*time.Millisecond)
	var releases []func()
	for range h.Size() {
		r, err := h.acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		releases = append(releases, r)
	}
	if _, err := h.acquire(ctx); fault.Code(err) != fault.Busy {
		t.Fatalf("a third check at once: err = %v, want busy", err)
	}
	releases[0]()
	r, err := h.acquire(ctx)
	if err != nil {
		t.Fatalf("after a release: %v", err)
	}
	r()
}
