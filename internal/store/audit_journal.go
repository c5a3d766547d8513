package store

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/civiclink/civiclink/internal/audit"
	"github.com/civiclink/civiclink/internal/fault"
)

// The audit journal. A file store's appends are made durable in a journal
// of their own (files next to the store, "<store>.audit-journal.N") and
// moved into the audit tables by a background mover, many groups to a
// transaction. A request then waits for one write and fdatasync of its
// group, never for DuckDB: a DuckDB checkpoint holds back inserts into a
// table while it writes that table (0.3–1.2 s every ~25 s under a
// 50-user load, docs/benchmarks.md), and now holds back only the mover.
//
// Every read of the log (count, leaves, heads, state, entries) first waits
// until the mover has moved what was appended before it, so readers see
// every appended entry, as before. A store that is closed moves the rest
// and removes the journal; one that was not (a crash) moves it when the log
// is next opened, keeping entries from the store's next index on and
// dropping a torn last record (one whose append never returned).
//
// The journal is a series of numbered segment files, a new one begun once
// the current passes journalSegment bytes; a segment is removed once every
// group in it is in the tables. A record is a group: its entries' bytes,
// the head signed for the tree it leaves and, when it reached a multiple
// of stateEvery, the tree's right edge; framed as length, CRC-32C, JSON.

// journalSegment is the size past which appends begin a new segment;
// tests lower it.
var journalSegment int64 = 8 << 20

// journalSuffix names a store's journal segments: path + suffix + number.
const journalSuffix = ".audit-journal."

// journalRecord is one group as the journal holds it.
type journalRecord struct {
	First     uint64     `json:"first"`
	Entries   [][]byte   `json:"entries"`
	Head      audit.Head `json:"head"`
	StateSize uint64     `json:"state_size,omitempty"`
	State     []byte     `json:"state,omitempty"`
}

// movingGroup is a group durable in segment seg and not yet in the tables.
type movingGroup struct {
	w   *groupWrite
	seg int
}

// journal is the open journal of one store and what waits to be moved.
type journal struct {
	path string // the store's path; segments are path+journalSuffix+N

	mu      sync.Mutex // guards everything below; held across a group's write and sync
	moved   *sync.Cond // broadcast when groups were moved or moving failed
	f       *os.File   // the segment being appended to
	seg     int        // its number
	first   int        // the oldest segment not yet removed
	size    int64      // its length
	pending []movingGroup
	queued  uint64 // entries appended to the journal, ever (this process)
	done    uint64 // of those, entries moved
	err     error  // the last move's failure, cleared by a success
	wake    chan struct{}
	stop    chan struct{}
	stopped chan struct{}
	hold    bool // tests: the mover leaves groups in the journal
}

// journalSegments lists path's segment numbers in order.
func journalSegments(path string) ([]int, error) {
	names, err := filepath.Glob(path + journalSuffix + "*")
	if err != nil {
		return nil, err
	}
	var segs []int
	for _, n := range names {
		if k, err := strconv.Atoi(strings.TrimPrefix(n, path+journalSuffix)); err == nil && k >= 0 {
			segs = append(segs, k)
		}
	}
	slices.Sort(segs)
	return segs, nil
}

func segmentName(path string, seg int) string { return path + journalSuffix + strconv.Itoa(seg) }

// openJournal moves whatever an earlier process left in path's journal
// into the tables, removes it, and starts a new segment and the mover.
func (sh *auditShare) openJournal(ctx context.Context, s *Store) error {
	segs, err := journalSegments(s.path)
	if err != nil {
		return err
	}
	next := 0
	if len(segs) > 0 {
		next = segs[len(segs)-1] + 1
		if err := sh.recover(ctx, s, segs); err != nil {
			return err
		}
	}
	j := &journal{path: s.path, seg: next, first: next, wake: make(chan struct{}, 1), stop: make(chan struct{}), stopped: make(chan struct{})}
	j.moved = sync.NewCond(&j.mu)
	if j.f, err = createSegment(s.path, next); err != nil {
		return err
	}
	sh.journal = j
	go sh.move(s)
	return nil
}

// createSegment creates segment seg and makes its name durable.
func createSegment(path string, seg int) (*os.File, error) {
	f, err := os.OpenFile(segmentName(path, seg), os.O_CREATE|os.O_TRUNC|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fault.Wrap(err, fault.Internal, "cannot create the audit journal next to the store; is its folder writable?")
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync()
		d.Close()
	}
	return f, nil
}

// recover reads the segments an earlier process left, writes the groups
// the tables lack in one transaction and removes the segments.
func (sh *auditShare) recover(ctx context.Context, s *Store, segs []int) error {
	var stored uint64
	if err := s.db.QueryRowContext(ctx, `SELECT coalesce(max(idx) + 1, 0) FROM audit_leaves`).Scan(&stored); err != nil {
		return err
	}
	var groups []*groupWrite
	next := stored
	for _, seg := range segs {
		recs, err := readSegment(segmentName(s.path, seg))
		if err != nil {
			return err
		}
		for _, r := range recs {
			end := r.First + uint64(len(r.Entries))
			if end <= stored {
				continue // moved before the earlier process stopped
			}
			if r.First != next {
				return fault.Errorf(fault.Conflict, "the audit journal %s holds entries from %d but the log has %d: entries are missing; keep the journal files and run `civiclink audit verify`", segmentName(s.path, seg), r.First, next)
			}
			w, err := r.groupWrite()
			if err != nil {
				return fault.Wrap(err, fault.Conflict, "the audit journal %s holds a damaged group; keep the journal files and run `civiclink audit verify`", segmentName(s.path, seg))
			}
			groups = append(groups, w)
			next = end
		}
	}
	if len(groups) > 0 {
		if err := sh.moveGroups(ctx, s, groups); err != nil {
			return fmt.Errorf("move the audit journal's %d entries into the store: %w", next-stored, err)
		}
	}
	for _, seg := range segs {
		if err := os.Remove(segmentName(s.path, seg)); err != nil {
			return err
		}
	}
	return nil
}

// readSegment decodes a segment's records up to the first incomplete or
// damaged one: only the last write can be torn, and its append never
// returned.
func readSegment(name string) ([]journalRecord, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	var recs []journalRecord
	for len(b) >= 8 {
		n, sum := binary.LittleEndian.Uint32(b), binary.LittleEndian.Uint32(b[4:])
		if uint64(len(b)-8) < uint64(n) || crc32.Checksum(b[8:8+n], castagnoli) != sum {
			break
		}
		var r journalRecord
		if err := json.Unmarshal(b[8:8+n], &r); err != nil {
			break
		}
		recs = append(recs, r)
		b = b[8+n:]
	}
	return recs, nil
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// groupWrite rebuilds the group a record holds, checking each entry's
// bytes decode to the index they sit at.
func (r journalRecord) groupWrite() (*groupWrite, error) {
	w := &groupWrite{head: r.Head, stateSize: r.StateSize, state: r.State}
	for i, b := range r.Entries {
		idx, ev, err := audit.Decode(b)
		if err != nil {
			return nil, err
		}
		if idx != r.First+uint64(i) {
			return nil, fmt.Errorf("entry %d sits at %d", idx, r.First+uint64(i))
		}
		w.entries = append(w.entries, audit.Entry{Index: idx, Event: ev, Bytes: b, LeafHash: audit.LeafHash(b)})
	}
	if len(w.entries) == 0 || w.head.Size != r.First+uint64(len(r.Entries)) {
		return nil, errors.New("a group without entries or with a head of another size")
	}
	return w, nil
}

// record frames w for the journal.
func (w *groupWrite) record() ([]byte, error) {
	r := journalRecord{First: w.entries[0].Index, Head: w.head, StateSize: w.stateSize, State: w.state}
	for _, e := range w.entries {
		r.Entries = append(r.Entries, e.Bytes)
	}
	body, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	frame := make([]byte, 8, 8+len(body))
	binary.LittleEndian.PutUint32(frame, uint32(len(body)))
	binary.LittleEndian.PutUint32(frame[4:], crc32.Checksum(body, castagnoli))
	return append(frame, body...), nil
}

// append makes w durable in the journal and queues it for the mover. On
// failure the segment is cut back to where it was, so nothing half
// written is left to be recovered.
func (j *journal) append(w *groupWrite) error {
	rec, err := w.record()
	if err != nil {
		return err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.size > journalSegment {
		f, err := createSegment(j.path, j.seg+1)
		if err != nil {
			return err
		}
		j.f.Close()
		j.f, j.seg, j.size = f, j.seg+1, 0
	}
	if _, err := j.f.Write(rec); err != nil {
		j.f.Truncate(j.size)
		return fault.Wrap(err, fault.Internal, "cannot write the audit journal (is the disk full?)")
	}
	if err := j.f.Sync(); err != nil {
		j.f.Truncate(j.size)
		return fault.Wrap(err, fault.Internal, "cannot make the audit journal durable (is the disk failing?)")
	}
	j.size += int64(len(rec))
	j.pending = append(j.pending, movingGroup{w: w, seg: j.seg})
	j.queued += uint64(len(w.entries))
	select {
	case j.wake <- struct{}{}:
	default:
	}
	return nil
}

// settle waits until every entry appended so far is in the tables, or the
// mover failed.
func (j *journal) settle() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	target := j.queued
	for j.done < target && j.err == nil {
		j.moved.Wait()
	}
	if j.done < target {
		return fault.Wrap(j.err, fault.Internal, "the audit log cannot be read: its latest entries are in the journal but could not be written to the store")
	}
	return nil
}

// move is the mover: it writes the pending groups to the tables, many to
// a transaction, and removes segments whose groups are all moved; on
// stop it moves the rest and removes the journal.
func (sh *auditShare) move(s *Store) {
	j := sh.journal
	defer close(j.stopped)
	for {
		stopping := false
		select {
		case <-j.wake:
		case <-j.stop:
			stopping = true
		}
		for {
			j.mu.Lock()
			batch := j.pending
			if j.hold && !stopping {
				batch = nil
			}
			j.mu.Unlock()
			if len(batch) == 0 {
				break
			}
			groups := make([]*groupWrite, len(batch))
			for i, g := range batch {
				groups[i] = g.w
			}
			err := sh.moveGroups(context.Background(), s, groups)
			j.mu.Lock()
			if err != nil {
				j.err = err
			} else {
				j.err = nil
				for _, g := range batch {
					j.done += uint64(len(g.w.entries))
				}
				j.pending = j.pending[len(batch):]
				j.removeMoved()
			}
			j.moved.Broadcast()
			j.mu.Unlock()
			if err != nil {
				if stopping {
					return // the journal stays for the next open
				}
				time.Sleep(100 * time.Millisecond)
				continue
			}
			s.busy()
		}
		if stopping {
			j.mu.Lock()
			if len(j.pending) == 0 {
				j.f.Close()
				os.Remove(segmentName(j.path, j.seg))
			}
			j.mu.Unlock()
			return
		}
	}
}

// removeMoved removes the segments before the oldest holding a pending
// group (or before the current one); j.mu is held.
func (j *journal) removeMoved() {
	keep := j.seg
	if len(j.pending) > 0 {
		keep = j.pending[0].seg
	}
	for ; j.first < keep; j.first++ {
		os.Remove(segmentName(j.path, j.first))
	}
}

// close stops the mover after it moved everything it can.
func (j *journal) close() {
	close(j.stop)
	<-j.stopped
}

// moveGroups writes groups to the tables in one transaction.
func (sh *auditShare) moveGroups(ctx context.Context, s *Store, groups []*groupWrite) error {
	if err := sh.prepare(ctx, s.db); err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var all groupWrite
	var heads []audit.Head
	for _, w := range groups {
		all.entries = append(all.entries, w.entries...)
		heads = append(heads, w.head)
		if w.state != nil {
			all.stateSize, all.state = w.stateSize, w.state
		}
	}
	if err := sh.writeLeaves(ctx, tx, all.entries); err != nil {
		return err
	}
	if len(heads) == 1 {
		h := heads[0]
		_, err = tx.StmtContext(ctx, sh.stmts[1]).ExecContext(ctx, h.Size, h.Root, h.Time, h.KeyID, h.Signature)
	} else {
		err = insertHeads(ctx, tx.StmtContext(ctx, sh.stmts[4]), heads)
	}
	if err != nil {
		return err
	}
	if all.state != nil {
		if _, err := tx.StmtContext(ctx, sh.stmts[2]).ExecContext(ctx, all.stateSize, all.state); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// journaled reports whether appends to this store go through a journal.
func (s *Store) journaled() bool { return s.path != "" }

// closeAudit moves what the audit journal holds into the tables and stops
// its mover, before the store closes.
func (s *Store) closeAudit() {
	v, ok := auditShares.LoadAndDelete(s)
	if !ok {
		return
	}
	sh := v.(*auditShare)
	sh.mu.Lock() // no group is being written
	defer sh.mu.Unlock()
	if sh.journal != nil {
		sh.journal.close()
	}
}
