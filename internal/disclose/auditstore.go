package disclose

import (
	"context"
	"crypto/sha256"
	"encoding/binary"

	"github.com/civiclink/civiclink/internal/fault"
)

// ReleaseStore keeps the populations an Auditor has seen released, so that
// the defence against differencing holds across processes and restarts:
// two CLI commands, or a server restarted between two queries, are
// compared as if one process had answered both.
type ReleaseStore interface {
	// Releases returns every population recorded under key.
	Releases(ctx context.Context, key string) ([][]uint64, error)
	// SaveReleases records populations under key.
	SaveReleases(ctx context.Context, key string, pops [][]uint64) error
}

// NewPersistentAuditor returns an auditor that hashes record ids with salt
// (so populations compare across processes; keep the salt with the store)
// and remembers releases in rs.
func NewPersistentAuditor(salt []byte, rs ReleaseStore) *Auditor {
	a := NewAuditor()
	a.salt = append([]byte(nil), salt...)
	a.store = rs
	a.loaded = map[string]bool{}
	return a
}

// saltedHash is a record id's hash under the auditor's salt.
func (a *Auditor) saltedHash(id string) uint64 {
	h := sha256.New()
	h.Write(a.salt)
	h.Write([]byte(id))
	var sum [sha256.Size]byte
	return binary.BigEndian.Uint64(h.Sum(sum[:0]))
}

// load reads key's earlier releases from the store once. The caller holds
// a.mu.
func (a *Auditor) load(ctx context.Context, key string) error {
	if a.store == nil || a.loaded[key] {
		return nil
	}
	pops, err := a.store.Releases(ctx, key)
	if err != nil {
		return fault.Wrap(err, fault.Internal, "cannot read the record of earlier releases; refusing to release unchecked figures")
	}
	a.replaying = true
	for _, p := range pops {
		a.record(key, p)
	}
	a.replaying = false
	a.loaded[key] = true
	return nil
}

// flush saves the populations recorded since the last flush. The caller
// holds a.mu.
func (a *Auditor) flush(ctx context.Context) error {
	if a.store == nil || len(a.pending) == 0 {
		return nil
	}
	for key, pops := range a.pending {
		if err := a.store.SaveReleases(ctx, key, pops); err != nil {
			return fault.Wrap(err, fault.Internal, "cannot record this release for the differencing check; the figures are withheld")
		}
	}
	a.pending = nil
	return nil
}
