package govern

import (
	"context"
	"maps"
	"sync"
	"sync/atomic"
)

// Versioned is a [Store] that counts its committed changes to governance
// state (datasets and their owners, users and roles, purposes, agreements,
// opt-outs). A [Service] over one keeps that state in memory between
// changes; over a store without it, every decision loads the state afresh.
type Versioned interface {
	// Generation changes after every committed change to that state.
	Generation() uint64
}

// snapshot is the decision state as loaded at one store generation. It is
// shared by concurrent decisions and never changed once published, except
// for the opt-out sets filled in as they are first asked for.
type snapshot struct {
	gen        uint64
	owners     Owners
	agreements []*Agreement
	purposes   Purposes
	users      map[string]*User

	mu      sync.Mutex
	optouts map[[2]string]map[string]bool // (dataset, purpose) → record ids
	tokens  map[string]*Token             // API tokens presented, by id
}

// stateCache holds the current snapshot; loads are made one at a time.
type stateCache struct {
	cur  atomic.Pointer[snapshot]
	load sync.Mutex
}

// snapshot returns the decision state as of the store's current
// generation, loading it when a change made the cached one stale. ok is
// false when the store does not count its changes: the caller then reads
// the store directly.
func (s *Service) snapshot(ctx context.Context) (snap *snapshot, ok bool, err error) {
	v, ok := s.Store.(Versioned)
	if !ok {
		return nil, false, nil
	}
	if snap := s.cache.cur.Load(); snap != nil && snap.gen == v.Generation() {
		return snap, true, nil
	}
	s.cache.load.Lock()
	defer s.cache.load.Unlock()
	gen := v.Generation() // read before loading: a change during the load makes it stale at once
	if snap := s.cache.cur.Load(); snap != nil && snap.gen == gen {
		return snap, true, nil
	}
	owners, as, extra, err := s.Store.DecisionState(ctx)
	if err != nil {
		return nil, true, err
	}
	us, err := s.Store.Users(ctx)
	if err != nil {
		return nil, true, err
	}
	snap = &snapshot{gen: gen, owners: owners, agreements: as, purposes: NewRegister(extra...),
		users: make(map[string]*User, len(us)), optouts: map[[2]string]map[string]bool{}, tokens: map[string]*Token{}}
	for _, u := range us {
		snap.users[u.ID] = u
	}
	s.cache.cur.Store(snap)
	return snap, true, nil
}

// cachedUser returns a copy of the cached user with id (found false if
// there is none), or ok false when the store is not versioned.
func (s *Service) cachedUser(ctx context.Context, id string) (u *User, found, ok bool, err error) {
	snap, ok, err := s.snapshot(ctx)
	if !ok || err != nil {
		return nil, false, ok, err
	}
	c, found := snap.users[id]
	if !found {
		return nil, false, true, nil
	}
	cp := *c
	cp.Roles = append([]Role(nil), c.Roles...)
	return &cp, true, true, nil
}

// excluded returns the cached opt-out set of dataset for purpose, loading
// it on first use in this generation.
func (snap *snapshot) excluded(ctx context.Context, st Store, dataset, purpose string) (map[string]bool, error) {
	key := [2]string{dataset, purpose}
	snap.mu.Lock()
	set, ok := snap.optouts[key]
	snap.mu.Unlock()
	if !ok {
		ids, err := st.OptedOut(ctx, dataset, purpose)
		if err != nil {
			return nil, err
		}
		set = make(map[string]bool, len(ids))
		for _, id := range ids {
			set[id] = true
		}
		snap.mu.Lock()
		snap.optouts[key] = set
		snap.mu.Unlock()
	}
	return maps.Clone(set), nil
}

// token returns the stored API token with id, kept in the cached state
// once read (issuing or revoking a token is a change of state).
func (s *Service) token(ctx context.Context, id string) (*Token, error) {
	snap, ok, err := s.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	if !ok {
		return s.Store.Token(ctx, id)
	}
	snap.mu.Lock()
	t, found := snap.tokens[id]
	snap.mu.Unlock()
	if found {
		cp := *t
		return &cp, nil
	}
	t, err = s.Store.Token(ctx, id)
	if err != nil {
		return nil, err
	}
	cp := *t
	snap.mu.Lock()
	snap.tokens[id] = &cp
	snap.mu.Unlock()
	return t, nil
}
