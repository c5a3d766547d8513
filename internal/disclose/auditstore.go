package disclose

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"strings"

	"github.com/civiclink/civiclink/internal/fault"
)

// ReleaseStore keeps the populations an Auditor has seen released, as
// digests, so that the defence against differencing holds across processes
// and restarts: two CLI commands, or a server restarted between two
// queries, are compared as if one process had answered both.
type ReleaseStore interface {
	// Releases returns every digest recorded under key.
	Releases(ctx context.Context, key string) ([]*Digest, error)
	// SaveReleases records digests under key.
	SaveReleases(ctx context.Context, key string, ds []*Digest) error
}

// NewPersistentAuditor returns an auditor whose member key is derived from
// salt (so digests compare across processes; keep the salt with the store)
// and that remembers releases in rs.
func NewPersistentAuditor(salt []byte, rs ReleaseStore) *Auditor {
	a := NewAuditor()
	sum := sha256.Sum256(append([]byte("civiclink member key\x00"), salt...))
	a.key = MemberKey(binary.LittleEndian.Uint64(sum[:8]))
	a.store = rs
	a.loaded = map[string]bool{}
	return a
}

// load reads key's earlier releases from the store once. The caller holds
// a.mu.
func (a *Auditor) load(ctx context.Context, key string) error {
	if a.store == nil || a.loaded[key] {
		return nil
	}
	ds, err := a.store.Releases(ctx, key)
	if err != nil {
		return fault.Wrap(err, fault.Internal, "cannot read the record of earlier releases; refusing to release unchecked figures")
	}
	a.replaying = true
	for _, d := range ds {
		if strings.HasSuffix(key, exposedKey("")) {
			a.expose(strings.TrimSuffix(key, exposedKey("")), d)
		} else {
			a.record(key, d)
		}
	}
	a.replaying = false
	a.loaded[key] = true
	return nil
}

// flush saves the digests recorded since the last flush. The caller holds
// a.mu.
func (a *Auditor) flush(ctx context.Context) error {
	if a.store == nil || len(a.pending) == 0 {
		return nil
	}
	for key, ds := range a.pending {
		if err := a.store.SaveReleases(ctx, key, ds); err != nil {
			return fault.Wrap(err, fault.Internal, "cannot record this release for the differencing check; the figures are withheld")
		}
	}
	a.pending = nil
	return nil
}
