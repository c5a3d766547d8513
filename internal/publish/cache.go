package publish

import (
	"context"
	"errors"
	"reflect"
	"sync"
)

// Cache keeps published values by their insight release's key (everything
// that determines them: the figure, its purpose, the dataset versions read,
// the threshold the decision set, a digest of the records opted out), so
// that views of a release already made skip the aggregate and disclosure
// control. Re-publishing an identical release discloses nothing new. The
// access decision is made, and recorded, by insight for every view when it
// prepares the release, before the cache is consulted; computing a release
// decides nothing.
//
// Concurrent views that miss share one computation (after a restart 50
// users would otherwise all compute the same first figure at once); a
// failed computation is not kept, and a view that waited on it computes
// for itself. Values are shared between views and never modified once
// stored. The zero Cache is ready to use.
type Cache struct {
	mu    sync.Mutex
	gen   uint64 // the generation the entries were made at
	m     map[string]any
	calls map[string]*call // computations under way, by key
}

// call is one computation under way that concurrent views wait for.
type call struct {
	done chan struct{}
	v    any
	err  error
}

// maxCached bounds a cache; it is emptied when full.
const maxCached = 512

// errAbandoned is a computation's result until it finishes (a panic in it
// leaves this for the waiters).
var errAbandoned = errors.New("publish: the computation of this release was abandoned")

// Fetch returns the value c keeps under key, computing it with compute the
// first time (once, however many views ask at once). An empty key (a
// release that may not be reused) computes without caching. gen is the
// store's generation when the caller reads it, or 0: entries made at an
// older generation can never be asked for again, so a new one empties the
// cache. Values of different types are kept apart: one release may be
// published as two figures (an indicator that is also a cohort is a
// district figure and a cohort count under one release key).
func Fetch[T any](ctx context.Context, c *Cache, gen uint64, key string, compute func() (T, error)) (T, error) {
	if key != "" {
		key = reflect.TypeFor[T]().String() + "\x00" + key
	}
	v, err := c.fetch(ctx, gen, key, func() (any, error) { return compute() })
	if err != nil {
		var zero T
		return zero, err
	}
	return v.(T), nil
}

func (c *Cache) fetch(ctx context.Context, gen uint64, key string, compute func() (any, error)) (any, error) {
	if key == "" {
		return compute()
	}
	c.mu.Lock()
	if gen != c.gen {
		c.gen, c.m = gen, nil
	}
	if v, ok := c.m[key]; ok {
		c.mu.Unlock()
		return v, nil
	}
	if cl, ok := c.calls[key]; ok {
		c.mu.Unlock()
		select {
		case <-cl.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if cl.err == nil {
			return cl.v, nil
		}
		return compute()
	}
	cl := &call{done: make(chan struct{}), err: errAbandoned}
	if c.calls == nil {
		c.calls = map[string]*call{}
	}
	c.calls[key] = cl
	c.mu.Unlock()
	defer func() { // also if compute panics, so that waiters never hang
		c.mu.Lock()
		delete(c.calls, key)
		if cl.err == nil && c.gen == gen {
			if c.m == nil || len(c.m) >= maxCached {
				c.m = map[string]any{}
			}
			c.m[key] = cl.v
		}
		c.mu.Unlock()
		close(cl.done)
	}()
	cl.v, cl.err = compute()
	return cl.v, cl.err
}

// has reports whether c keeps a value under key (for tests).
func (c *Cache) has(key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.m[key]
	return ok
}

// Views keeps what a presenter makes of one published value (its JSON, a
// page's fragment), each made once by name: the value never changes, so
// neither do they. A nil *Views makes them every time (a value that is not
// cached).
type Views struct {
	mu sync.Mutex
	m  map[string]*view
}

type view struct {
	once sync.Once
	v    any
	err  error
}

// View returns what vs keeps under name, made with make the first time.
func View[T any](vs *Views, name string, make func() (T, error)) (T, error) {
	if vs == nil {
		return make()
	}
	vs.mu.Lock()
	if vs.m == nil {
		vs.m = map[string]*view{}
	}
	v, ok := vs.m[name]
	if !ok {
		v = &view{}
		vs.m[name] = v
	}
	vs.mu.Unlock()
	v.once.Do(func() { v.v, v.err = make() })
	if v.err != nil {
		var zero T
		return zero, v.err
	}
	return v.v.(T), nil
}
