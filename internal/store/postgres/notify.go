package postgres

import (
	"context"
	"time"
)

// Cross-process cache invalidation. Every process keeps caches keyed on
// [Store.Generation] (governance's decision state, figures) and on
// [Store.WebSessionsEnded] (signed-in sessions). A change made through one
// process is announced on the channel below with NOTIFY; every process
// LISTENs and moves its counts on, so its caches reload on next use.

// notifyChannel is the channel changes are announced on.
const notifyChannel = "civiclink_changes"

// Payloads of a change notice.
const (
	noticeState   = "state"   // governance state changed: bump Generation
	noticeSession = "session" // a session ended: bump WebSessionsEnded
	// noticeCommunity: the community directory changed: bump
	// CommunityGeneration.
	noticeCommunity = "community"
	// noticeLinkage: a linkage run was stored or adopted: a serving
	// process copies the current run in (linkage.go).
	noticeLinkage = "linkage"
)

// notify announces a committed change to every process on the database
// (this one included). A notice that cannot be sent is dropped: the
// listener's reconnect bumps every count, and caches are never trusted
// across a lost connection.
func (s *Store) notify(payload string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s.pool.Exec(ctx, `SELECT pg_notify($1, $2)`, notifyChannel, payload)
}

// listen receives change notices until ctx is done, reconnecting after a
// lost connection; each (re)connection moves every count on, since notices
// sent meanwhile were missed.
func (s *Store) listen(ctx context.Context, ready chan<- error) {
	defer close(s.listenDone)
	first := true
	for ctx.Err() == nil {
		err := s.listenOnce(ctx, func() {
			if first {
				first = false
				ready <- nil
			}
		})
		if first {
			first = false
			ready <- err
			return
		}
		s.gen.Add(1)
		s.sessionsEnded.Add(1)
		s.askMirror()
		s.askWarm()
		s.communityGen.Add(1)
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

// listenOnce holds one connection listening, calling up once it listens,
// and applies notices until the connection fails or ctx is done.
func (s *Store) listenOnce(ctx context.Context, up func()) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `LISTEN `+notifyChannel); err != nil {
		return err
	}
	up()
	for {
		n, err := conn.Conn().WaitForNotification(ctx)
		if err != nil {
			conn.Conn().Close(context.Background()) // never hand a half-read connection back
			return err
		}
		switch n.Payload {
		case noticeState:
			s.gen.Add(1)
		case noticeSession:
			s.sessionsEnded.Add(1)
		case noticeCatalog:
			s.askMirror()
		case noticeCommunity:
			s.communityGen.Add(1)
		case noticeLinkage:
			s.askWarm()
		}
	}
}

// askMirror asks for a mirror of the shared catalogue; requests made while
// one is waiting share it.
func (s *Store) askMirror() {
	select {
	case s.catSync <- struct{}{}:
	default:
	}
}

// mirrorOnNotice mirrors the shared catalogue each time one is asked for,
// until ctx is done, keeping the last outcome for [Store.Ready].
func (s *Store) mirrorOnNotice(ctx context.Context) {
	defer close(s.catDone)
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.catSync:
		}
		err := s.SyncCatalog(ctx)
		if ctx.Err() != nil {
			return
		}
		s.catSyncErr.Store(syncOutcome{err})
	}
}

// syncOutcome is a mirror's failure, or nil, as an atomic.Value holds it.
type syncOutcome struct{ err error }
