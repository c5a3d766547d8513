package store

// Generation counts the committed changes to what governance decides on:
// partners, datasets and their versions, users, API tokens, purposes,
// agreements, opt-outs and linkage runs. A cache of that state
// (govern.Service keeps one, [Store.Dataset] and [Store.Version] another)
// is current while the count it was loaded at is still the count.
//
// The count lives in memory: DuckDB lets one process at a time open a
// store for writing, so every such change in a store's life while it is
// open passes through this *Store, and another process (the CLI) can only
// change the file while no server holds it open. Each write method bumps
// it after its transaction commits (defer s.changed()), so a reader that
// sees the old count may use what it loaded before, and one that sees the
// new count loads after the change.
func (s *Store) Generation() uint64 { return s.gen.Load() }

// changed bumps [Store.Generation]; write methods defer it.
func (s *Store) changed() { s.gen.Add(1) }
