package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"sync"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/insight"
)

// tableCache keeps published district tables by their insight release's
// key (everything that determines them: indicator, purpose, versions,
// threshold, opted-out records), so that views of a release already made
// skip the aggregate and disclosure control. Re-publishing an identical
// table discloses nothing new. The access decision is still made, and
// recorded, by insight for every view (when it prepares the release)
// before the cache is consulted.
type tableCache struct {
	mu       sync.Mutex
	m        map[string]*DistrictTable
	inflight map[string]*tableCall // tables being computed, see [tableCache.do]
}

// tableCall is one computation of a table that concurrent views wait for.
type tableCall struct {
	done chan struct{}
	t    *DistrictTable
	err  error
}

// maxCached bounds the cache; it is emptied when full.
const maxCached = 256

// get returns a copy of a cached table.
func (c *tableCache) get(key string) (*DistrictTable, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.m[key]
	if !ok {
		return nil, false
	}
	return c.copyOf(t), true
}

// put stores a table.
func (c *tableCache) put(key string, t *DistrictTable) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxCached {
		c.m = map[string]*DistrictTable{}
	}
	c.m[key] = c.copyOf(t)
}

// do returns the table cached under key, or computes it with compute;
// views that miss while it is being computed wait for that computation
// instead of each running their own (after a restart 50 users would
// otherwise all compute the same first table at once). A waiter whose
// computation failed computes for itself.
func (c *tableCache) do(key string, compute func() (*DistrictTable, error)) (*DistrictTable, error) {
	if t, ok := c.get(key); ok {
		return t, nil
	}
	c.mu.Lock()
	if t, ok := c.m[key]; ok { // finished between the look above and the lock
		c.mu.Unlock()
		return c.copyOf(t), nil
	}
	if call, ok := c.inflight[key]; ok {
		c.mu.Unlock()
		<-call.done
		if call.err != nil {
			return compute()
		}
		return c.copyOf(call.t), nil
	}
	call := &tableCall{done: make(chan struct{}), err: errAbandoned}
	if c.inflight == nil {
		c.inflight = map[string]*tableCall{}
	}
	c.inflight[key] = call
	c.mu.Unlock()
	defer func() { // also if compute panics, so that waiters never hang
		c.mu.Lock()
		delete(c.inflight, key)
		c.mu.Unlock()
		close(call.done)
	}()
	t, err := compute()
	if err != nil {
		call.err = err
		return nil, err
	}
	c.put(key, t)
	call.t, call.err = t, nil
	return c.copyOf(t), nil
}

// release returns the table published for rel, computing it from rel only
// when it is not cached (or rel may not be reused).
func (c *tableCache) release(rel *insight.Release, compute func(*insight.Release) (*DistrictTable, error)) (*DistrictTable, error) {
	if rel.Key == "" {
		return compute(rel)
	}
	return c.do(rel.Key, func() (*DistrictTable, error) { return compute(rel) })
}

// errAbandoned is a computation's result until it finishes.
var errAbandoned = errors.New("the computation of this table was abandoned")

// copyOf copies a table so that callers cannot change each other's.
func (c *tableCache) copyOf(t *DistrictTable) *DistrictTable {
	cp := *t
	cp.Values, cp.Notes = slices.Clone(t.Values), slices.Clone(t.Notes)
	return &cp
}

// shippedIndicators are insight's named indicators, read from the binary
// once (they cannot change while it runs).
var shippedIndicators = sync.OnceValues(insight.Indicators)

// findIndicator returns a shipped indicator by name, as
// insight.FindIndicator does.
func findIndicator(name string) (*insight.Indicator, error) {
	all, err := shippedIndicators()
	if err != nil {
		return nil, err
	}
	if ind, ok := all[name]; ok {
		return ind, nil
	}
	return insight.FindIndicator(name) // its error names the choices
}

// cached answers a named indicator by district from the tables already
// published (see [NamedIndicators.cachedBy]).
func (n *NamedIndicators) cached(ctx context.Context, u *govern.User, ind *insight.Indicator, compute func(*insight.Release) (*DistrictTable, error)) (*DistrictTable, error) {
	return n.cachedBy(ctx, u, ind, []string{insight.DimDistrict}, compute)
}

// cachedBy answers a named indicator by the given dimensions: insight
// prepares its release (one access decision, recorded once per view) and
// the table published for that release is reused; only the first view of
// a release computes it, from the release, with no second decision. The
// web decides nothing itself.
func (n *NamedIndicators) cachedBy(ctx context.Context, u *govern.User, ind *insight.Indicator, by []string, compute func(*insight.Release) (*DistrictTable, error)) (*DistrictTable, error) {
	rel, err := n.Insight.PrepareIndicator(ctx, u, ind, by)
	if err != nil {
		return nil, err
	}
	return n.cache.release(rel, compute)
}

// datasetsBodies keeps, per catalogue, the dataset list API's answer as
// encoded at one store generation: the same for every caller (58 KB for
// the demo county), it was re-encoded for each request.
var datasetsBodies sync.Map // catalog.Store → *encodedBody

type encodedBody struct {
	gen  uint64
	body []byte
}

// datasetsJSON is GET /api/datasets's body: {"datasets": [...]}, encoded
// as writeJSON encodes, and kept while the store's generation is unchanged
// (a store that does not count its changes is read every time).
func datasetsJSON(ctx context.Context, cat catalog.Store) ([]byte, error) {
	v, versioned := cat.(interface{ Generation() uint64 })
	var gen uint64
	if versioned {
		gen = v.Generation() // before reading: a change meanwhile makes the body stale
		if e, ok := datasetsBodies.Load(cat); ok && e.(*encodedBody).gen == gen {
			return e.(*encodedBody).body, nil
		}
	}
	ds, err := cat.Datasets(ctx)
	if err != nil {
		return nil, err
	}
	if ds == nil {
		ds = []*catalog.Dataset{}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(map[string]any{"datasets": ds}); err != nil {
		return nil, err
	}
	if versioned {
		datasetsBodies.Store(cat, &encodedBody{gen: gen, body: buf.Bytes()})
	}
	return buf.Bytes(), nil
}

// writeJSONBytes writes an encoded JSON answer with writeJSON's headers.
func writeJSONBytes(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(body)
}
