package pushes

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/civiclink/civiclink/internal/fault"
)

var _ Store = (*Memory)(nil)

// Memory is a [Store] in one process's memory: the embedded store's, where
// one process serves; a restart forgets its pushes.
type Memory struct {
	mu     sync.Mutex
	byID   map[string]*Push
	chunks map[string][]Chunk
}

// NewMemory returns an empty [Memory].
func NewMemory() *Memory { return &Memory{byID: map[string]*Push{}, chunks: map[string][]Chunk{}} }

// StartPush implements [Store].
func (m *Memory) StartPush(_ context.Context, p *Push) (*Push, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, q := range m.byID {
		if q.UserID == p.UserID && q.DatasetID == p.DatasetID && q.SHA256 == p.SHA256 && q.Size == p.Size {
			return copyOf(q), nil
		}
	}
	q := copyOf(p)
	q.State, q.Received = Receiving, 0
	m.byID[q.ID] = q
	return copyOf(q), nil
}

// Push implements [Store].
func (m *Memory) Push(_ context.Context, id string) (*Push, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p := m.byID[id]
	if p == nil {
		return nil, fault.Errorf(fault.NotFound, "no push %q", id)
	}
	return copyOf(p), nil
}

// AddPushChunk implements [Store].
func (m *Memory) AddPushChunk(_ context.Context, id string, c Chunk, digest []byte, now time.Time) (*Push, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p := m.byID[id]
	if p == nil {
		return nil, fault.Errorf(fault.NotFound, "no push %q", id)
	}
	if p.State != Receiving || p.Received != c.Offset {
		return copyOf(p), fault.Errorf(fault.Conflict, "push %s holds %d bytes", id, p.Received)
	}
	p.Received += c.Size
	p.Digest, p.Updated = slices.Clone(digest), now
	m.chunks[id] = append(m.chunks[id], c)
	return copyOf(p), nil
}

// PushChunks implements [Store].
func (m *Memory) PushChunks(_ context.Context, id string) ([]Chunk, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.chunks[id]), nil
}

// CompletePush implements [Store].
func (m *Memory) CompletePush(_ context.Context, id, jobRef string, now time.Time) (*Push, error) {
	return m.change(id, func(p *Push) bool {
		if p.State != Receiving || p.Received != p.Size {
			return false
		}
		p.State, p.JobRef, p.Updated = Completed, jobRef, now
		return true
	})
}

// ReopenPush implements [Store].
func (m *Memory) ReopenPush(_ context.Context, id string, now time.Time) (*Push, error) {
	return m.change(id, func(p *Push) bool {
		if p.State != Completed {
			return false
		}
		p.State, p.JobRef, p.Updated = Receiving, "", now
		return true
	})
}

// change applies f to push id, which answers whether it may.
func (m *Memory) change(id string, f func(*Push) bool) (*Push, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p := m.byID[id]
	if p == nil {
		return nil, fault.Errorf(fault.NotFound, "no push %q", id)
	}
	if !f(p) {
		return copyOf(p), fault.Errorf(fault.Conflict, "push %s is %s with %d of %d bytes", id, p.State, p.Received, p.Size)
	}
	return copyOf(p), nil
}

// DeletePush implements [Store].
func (m *Memory) DeletePush(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.byID, id)
	delete(m.chunks, id)
	return nil
}

// ExpirePushes implements [Store].
func (m *Memory) ExpirePushes(_ context.Context, before time.Time) ([]*Push, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*Push
	for id, p := range m.byID {
		if p.Updated.Before(before) {
			out = append(out, p)
			delete(m.byID, id)
			delete(m.chunks, id)
		}
	}
	return out, nil
}

// PushIDs implements [Store].
func (m *Memory) PushIDs(context.Context) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ids := make([]string, 0, len(m.byID))
	for id := range m.byID {
		ids = append(ids, id)
	}
	return ids, nil
}

func copyOf(p *Push) *Push {
	q := *p
	q.Digest = slices.Clone(p.Digest)
	return &q
}
