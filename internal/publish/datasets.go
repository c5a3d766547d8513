package publish

import (
	"bytes"
	"context"
	"encoding/json"
	"sync"

	"github.com/civiclink/civiclink/internal/catalog"
)

// DatasetList is the dataset list's answer ({"datasets": [...]}, indented
// JSON) kept at one store generation: the same for every caller (58 KB
// for the demo county), it was re-encoded for each request.
type DatasetList struct {
	Catalog catalog.Store

	mu   sync.Mutex
	gen  uint64
	body []byte
}

// JSON is the list's encoding, kept while the store's generation is
// unchanged (a store that does not count its changes is read every time).
// Callers must not modify it.
func (l *DatasetList) JSON(ctx context.Context) ([]byte, error) {
	v, versioned := l.Catalog.(interface{ Generation() uint64 })
	var gen uint64
	if versioned {
		gen = v.Generation() // before reading: a change meanwhile makes the body stale
		l.mu.Lock()
		body := l.body
		kept := body != nil && l.gen == gen
		l.mu.Unlock()
		if kept {
			return body, nil
		}
	}
	ds, err := l.Catalog.Datasets(ctx)
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
		l.mu.Lock()
		l.gen, l.body = gen, buf.Bytes()
		l.mu.Unlock()
	}
	return buf.Bytes(), nil
}
