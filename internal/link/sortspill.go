package link

import (
	"bufio"
	"container/heap"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// keyedRecordBytes is what one (key, record) entry costs while sorted in
// memory: the entry (16 bytes) and its place in the radix sort's second
// buffer.
const keyedRecordBytes = 32

// sortedKeys calls yield with the records that hold a key (k != 0), in
// order of key and, among equal keys, of record. When more than
// maxEntries records hold a key, the keys are sorted in runs of
// maxEntries that are written to files in dir and merged (an external
// sort), so memory stays bounded whatever the number of records.
// spilled reports how many runs went to disk (0 when sorted in memory).
func sortedKeys(keys []uint64, maxEntries int, dir string, yield func(k uint64, i int32)) (spilled int, err error) {
	held := 0
	for _, k := range keys {
		if k != 0 {
			held++
		}
	}
	maxEntries = max(maxEntries, 1)
	if held <= maxEntries {
		ks := make([]keyed, 0, held)
		for i, k := range keys {
			if k != 0 {
				ks = append(ks, keyed{k, int32(i)})
			}
		}
		sortKeyed(ks)
		for _, x := range ks {
			yield(x.k, x.i)
		}
		return 0, nil
	}
	f, err := os.CreateTemp(dir, "civiclink-block-*.run")
	if err != nil {
		return 0, fmt.Errorf("blocking spills its sort to disk: %w", err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	// Runs cover ascending ranges of records and each is sorted stably,
	// so merging by (key, run) gives (key, record) order.
	var runs []spillRun
	w := bufio.NewWriterSize(f, 1<<20)
	ks := make([]keyed, 0, maxEntries)
	var off int64
	flush := func() error {
		sortKeyed(ks)
		var buf [12]byte
		for _, x := range ks {
			binary.LittleEndian.PutUint64(buf[:8], x.k)
			binary.LittleEndian.PutUint32(buf[8:], uint32(x.i))
			if _, err := w.Write(buf[:]); err != nil {
				return err
			}
		}
		runs = append(runs, spillRun{off: off, n: len(ks)})
		off += int64(12 * len(ks))
		ks = ks[:0]
		return nil
	}
	for i, k := range keys {
		if k == 0 {
			continue
		}
		ks = append(ks, keyed{k, int32(i)})
		if len(ks) == maxEntries {
			if err := flush(); err != nil {
				return 0, fmt.Errorf("blocking spills its sort to disk: %w", err)
			}
		}
	}
	if len(ks) > 0 {
		if err := flush(); err != nil {
			return 0, fmt.Errorf("blocking spills its sort to disk: %w", err)
		}
	}
	ks = nil
	if err := w.Flush(); err != nil {
		return 0, fmt.Errorf("blocking spills its sort to disk: %w", err)
	}
	// Merge: each run read through its own buffer, a heap of run heads.
	h := make(mergeHeap, 0, len(runs))
	// The runs' read buffers share what one in-memory run would take.
	bufSize := max(512, min(64<<10, maxEntries*keyedRecordBytes/len(runs)))
	for r := range runs {
		runs[r].rd = bufio.NewReaderSize(io.NewSectionReader(f, runs[r].off, int64(12*runs[r].n)), bufSize)
		if err := runs[r].next(); err != nil {
			return 0, err
		}
		h = append(h, &runs[r])
	}
	heap.Init(&h)
	for len(h) > 0 {
		top := h[0]
		yield(top.k, top.i)
		top.n--
		if top.n == 0 {
			heap.Pop(&h)
			continue
		}
		if err := top.next(); err != nil {
			return 0, err
		}
		heap.Fix(&h, 0)
	}
	return len(runs), nil
}

// spillRun is one sorted run on disk and its current head.
type spillRun struct {
	off int64
	n   int // entries not yet yielded, the head included
	rd  *bufio.Reader
	k   uint64
	i   int32
}

func (r *spillRun) next() error {
	var buf [12]byte
	if _, err := io.ReadFull(r.rd, buf[:]); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return fmt.Errorf("blocking reads back its sort from disk: %w", err)
	}
	r.k, r.i = binary.LittleEndian.Uint64(buf[:8]), int32(binary.LittleEndian.Uint32(buf[8:]))
	return nil
}

// mergeHeap orders run heads by key, then record.
type mergeHeap []*spillRun

func (h mergeHeap) Len() int { return len(h) }
func (h mergeHeap) Less(a, b int) bool {
	return h[a].k < h[b].k || h[a].k == h[b].k && h[a].i < h[b].i
}
func (h mergeHeap) Swap(a, b int) { h[a], h[b] = h[b], h[a] }
func (h *mergeHeap) Push(x any)   { *h = append(*h, x.(*spillRun)) }
func (h *mergeHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
