package store

import (
	"context"
	"sync"

	"github.com/civiclink/civiclink/internal/catalog"
)

// catalogCache keeps the datasets and the versions asked for between
// changes: under concurrent requests each DuckDB point query costs a
// millisecond or more of CPU, and every governed read looks up its
// dataset and version. Everything in it belongs to one
// [Store.Generation]; a change empties it.
type catalogCache struct {
	mu       sync.Mutex
	gen      uint64
	all      []*catalog.Dataset // every dataset, nil until listed
	datasets map[string]*catalog.Dataset
	versions map[versionKey]*catalog.Version
}

type versionKey struct {
	dataset string
	number  int // 0: the latest
}

// at reports whether the cache holds generation gen, emptying it first if
// it holds an older one; false means a newer one (the caller read before
// a change: it may use what it read, not keep it). mu held.
func (c *catalogCache) at(gen uint64) bool {
	if c.datasets == nil || c.gen < gen {
		c.gen, c.all = gen, nil
		c.datasets, c.versions = map[string]*catalog.Dataset{}, map[versionKey]*catalog.Version{}
	}
	return c.gen == gen
}

// Dataset returns the dataset with the given id. The schema is shared
// with other callers: read it, never change it.
func (s *Store) Dataset(ctx context.Context, id string) (*catalog.Dataset, error) {
	gen := s.Generation() // before reading: a change during the read makes the result stale
	s.cat.mu.Lock()
	var d *catalog.Dataset
	ok := s.cat.at(gen)
	if ok {
		d, ok = s.cat.datasets[id]
	}
	s.cat.mu.Unlock()
	if ok {
		cp := *d
		return &cp, nil
	}
	d, err := s.loadDataset(ctx, id)
	if err != nil {
		return nil, err
	}
	s.cat.mu.Lock()
	if s.cat.at(gen) {
		cp := *d
		s.cat.datasets[id] = &cp
	}
	s.cat.mu.Unlock()
	return d, nil
}

// Datasets returns every dataset, by id (schemas shared, as for
// [Store.Dataset]).
func (s *Store) Datasets(ctx context.Context) ([]*catalog.Dataset, error) {
	gen := s.Generation()
	s.cat.mu.Lock()
	var all []*catalog.Dataset
	if s.cat.at(gen) {
		all = s.cat.all
	}
	s.cat.mu.Unlock()
	if all == nil {
		ds, err := s.loadDatasets(ctx)
		if err != nil {
			return nil, err
		}
		all = make([]*catalog.Dataset, len(ds))
		for i, d := range ds {
			cp := *d
			all[i] = &cp
		}
		s.cat.mu.Lock()
		if s.cat.at(gen) {
			s.cat.all = all
		}
		s.cat.mu.Unlock()
	}
	var out []*catalog.Dataset // nil when there are none, as before
	for _, d := range all {
		cp := *d
		out = append(out, &cp)
	}
	return out, nil
}

// Version returns one version of a dataset by number; number 0 means the
// latest. Its quality report is shared with other callers: copy it before
// changing it.
func (s *Store) Version(ctx context.Context, datasetID string, number int) (*catalog.Version, error) {
	gen, key := s.Generation(), versionKey{datasetID, number}
	s.cat.mu.Lock()
	var v *catalog.Version
	ok := s.cat.at(gen)
	if ok {
		v, ok = s.cat.versions[key]
	}
	s.cat.mu.Unlock()
	if ok {
		cp := *v
		return &cp, nil
	}
	v, err := s.loadVersion(ctx, datasetID, number)
	if err != nil {
		return nil, err
	}
	s.cat.mu.Lock()
	if s.cat.at(gen) {
		cp := *v
		s.cat.versions[key] = &cp
	}
	s.cat.mu.Unlock()
	return v, nil
}
