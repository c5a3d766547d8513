package publish

import (
	"bytes"
	"context"
	"encoding/json"
	"sync/atomic"

	"github.com/civiclink/civiclink/internal/catalog"
)

// DatasetList is the dataset list's answer ({"datasets": [...]}, indented
// JSON) kept at one store generation: the same for every caller (58 KB
// for the demo county), it was re-encoded for each request.
type DatasetList struct {
	Catalog catalog.Store

	kept atomic.Pointer[encoded] // read without a lock: every API call reads it
}

// encoded is the list's answer at one generation.
type encoded struct {
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
		if e := l.kept.Load(); e != nil && e.gen == gen {
			return e.body, nil
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
		l.kept.Store(&encoded{gen: gen, body: buf.Bytes()})
	}
	return buf.Bytes(), nil
}
