package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/insight"
)

// tableCache keeps published district tables by everything that
// determines them (indicator, purpose, version, threshold, opted-out
// records), so that views of a release already made skip the aggregate
// and disclosure control. Re-publishing an identical table discloses
// nothing new. The access decision is still made, and recorded, for every
// request before the cache is consulted.
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

// cached answers a named indicator from the tables already published,
// computing it with compute only the first time. As for [tableCache], the
// access decision is made and recorded first, for every request, with the
// request the insight engine makes (its operation, the indicator's purpose,
// exactly the datasets and columns it reads); a table is reused only for
// the same threshold and the same state of the store (no new version,
// opt-out, agreement change or linkage run since: [store.Store.Generation]).
// A first view is decided twice, here and by the engine.
func (n *NamedIndicators) cached(ctx context.Context, u *govern.User, id string, ind *insight.Indicator, compute func() (*DistrictTable, error)) (*DistrictTable, error) {
	return n.cachedBy(ctx, u, id, ind, []string{insight.DimDistrict}, compute)
}

// cachedBy is [NamedIndicators.cached] for a table by the given
// dimensions (the LSOA drill-down caches its county-wide table by LSOA).
func (n *NamedIndicators) cachedBy(ctx context.Context, u *govern.User, id string, ind *insight.Indicator, by []string, compute func() (*DistrictTable, error)) (*DistrictTable, error) {
	if n.Insight == nil || n.Insight.Store == nil || n.Insight.Gov == nil || ind.Purpose == "" {
		return compute()
	}
	gen := n.Insight.Store.Generation() // before reading: a change meanwhile keys the table as stale
	reads, err := n.Insight.IndicatorReads(ctx, ind, by)
	if err != nil {
		return nil, err
	}
	op := insight.OpAggregate
	if ind.Cohort != "" {
		op = insight.OpCohort
	}
	dec, err := n.Insight.Gov.Authorize(ctx, u, govern.Request{Operation: op, Purpose: ind.Purpose, Output: govern.Aggregate, Reads: reads})
	if err != nil {
		return nil, err
	}
	key := fmt.Sprintf("%s\x00%s\x00%d\x00%d", id, strings.Join(by, ","), dec.Threshold, gen)
	return n.cache.do(key, compute)
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
