package store

import (
	"context"
	"os"
	"sync"
	"time"
)

// Checkpoints. DuckDB folds its write-ahead log into the database file
// once the log passes its checkpoint threshold, inside the commit that
// passed it, and every other commit waits meanwhile. A server appends
// about a kilobyte to the audit log per governed request, so with DuckDB's
// default threshold (16 MiB) every ~12,000 requests one of them paused for
// 0.3–1 s with all 50 users of a load test stuck behind it
// (docs/benchmarks.md, web section). A file store raises the threshold to
// walCheckpointAt and checkpoints by itself once its audit log has been
// quiet for idleCheckpointAfter with at least idleCheckpointWAL in the
// log: the pauses move to quiet moments and, under sustained load, come
// four times less often (each affects the requests in flight, however
// long it lasts). Closing a store checkpoints as before.
const (
	walCheckpointAt     = "64MiB"
	idleCheckpointAfter = time.Second
)

// idleCheckpointWAL is the log size worth a checkpoint when quiet; tests
// lower it.
var idleCheckpointWAL int64 = 4 << 20

// idleCheckpoint is the timer that fires after a quiet second.
type idleCheckpoint struct {
	mu    sync.Mutex
	timer *time.Timer
}

// setCheckpointThreshold raises DuckDB's checkpoint threshold for a file
// store (see above).
func (s *Store) setCheckpointThreshold(ctx context.Context) error {
	if s.path == "" {
		return nil
	}
	_, err := s.db.ExecContext(ctx, `SET checkpoint_threshold = '`+walCheckpointAt+`'`)
	return err
}

// busy notes a write to the audit log: the idle checkpoint waits for a
// quiet second after the last one.
func (s *Store) busy() {
	if s.path == "" {
		return
	}
	c := &s.ckpt
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.timer == nil {
		c.timer = time.AfterFunc(idleCheckpointAfter, s.checkpointIfLarge)
		return
	}
	c.timer.Reset(idleCheckpointAfter)
}

// checkpointIfLarge checkpoints when the write-ahead log has grown past
// idleCheckpointWAL. A failure (a transaction running, the store closed)
// is left for DuckDB's own threshold or the next quiet second.
func (s *Store) checkpointIfLarge() {
	fi, err := os.Stat(s.path + ".wal")
	if err != nil || fi.Size() < idleCheckpointWAL {
		return
	}
	s.db.Exec(`CHECKPOINT`)
}
