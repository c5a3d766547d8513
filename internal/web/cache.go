package web

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"sync"
)

// tableCache keeps published district tables by everything that
// determines them (indicator, purpose, version, threshold, opted-out
// records), so that views of a release already made skip the aggregate
// and disclosure control. Re-publishing an identical table discloses
// nothing new. The access decision is still made, and recorded, for every
// request before the cache is consulted.
type tableCache struct {
	mu sync.Mutex
	m  map[string]*DistrictTable
}

// maxCached bounds the cache; it is emptied when full.
const maxCached = 256

// releaseKey identifies one release of an indicator.
func releaseKey(id, purpose string, version int64, threshold int64, excluded map[string]bool) string {
	ids := keys(excluded)
	sort.Strings(ids)
	h := sha256.New()
	for _, x := range ids {
		h.Write([]byte(x))
		h.Write([]byte{0})
	}
	return fmt.Sprintf("%s\x00%s\x00%d\x00%d\x00%s", id, purpose, version, threshold, hex.EncodeToString(h.Sum(nil)))
}

// get returns a copy of a cached table.
func (c *tableCache) get(key string) (*DistrictTable, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.m[key]
	if !ok {
		return nil, false
	}
	cp := *t
	cp.Values, cp.Notes = slices.Clone(t.Values), slices.Clone(t.Notes)
	return &cp, true
}

// put stores a table.
func (c *tableCache) put(key string, t *DistrictTable) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxCached {
		c.m = map[string]*DistrictTable{}
	}
	cp := *t
	cp.Values, cp.Notes = slices.Clone(t.Values), slices.Clone(t.Notes)
	c.m[key] = &cp
}
