package store

import "context"

// ServeRequests tunes the store for a server answering many small requests
// at once rather than one large query at a time: DuckDB runs each query on
// the thread that asks. With worker threads, they wake and spin for every
// statement: on the 2-core VM an audit append cost 2.4 ms of CPU with two
// threads and 1.1 ms with one (five concurrent appenders; 420 and 280 µs
// with fifty), a one-row commit 5–7 ms and 1.6 ms, a point query 0.7 and
// 0.4 ms (docs/benchmarks.md, web section). Under concurrent users the
// cores go to the requests instead; a large query (a table's first
// computation, an upload's quality report) then runs on one core.
func (s *Store) ServeRequests(ctx context.Context) error {
	_, err := s.db.ExecContext(ctx, `SET threads = 1`)
	return err
}
