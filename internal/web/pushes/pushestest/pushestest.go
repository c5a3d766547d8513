// Package pushestest is the contract every [pushes.Store] meets, run
// against each backend.
package pushestest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/web/pushes"
)

// Run runs the contract against stores made by open (an empty store per
// call).
func Run(t *testing.T, open func(t *testing.T) pushes.Store) {
	t0 := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	declared := func(id string) *pushes.Push {
		return &pushes.Push{ID: id, UserID: "pat", DatasetID: "incidents", Name: "f.csv", Size: 10,
			SHA256: "aa", Digest: pushes.NewDigest(), Created: t0, Updated: t0}
	}
	ctx := context.Background()

	t.Run("the same file twice is one push", func(t *testing.T) {
		st := open(t)
		a, err := st.StartPush(ctx, declared("p1"))
		if err != nil || a.ID != "p1" || a.State != pushes.Receiving {
			t.Fatalf("first: %+v, %v", a, err)
		}
		b, err := st.StartPush(ctx, declared("p2"))
		if err != nil || b.ID != "p1" {
			t.Fatalf("second: %+v, %v; want push p1", b, err)
		}
		other := declared("p3")
		other.SHA256 = "bb"
		if c, err := st.StartPush(ctx, other); err != nil || c.ID != "p3" {
			t.Fatalf("another file: %+v, %v; want push p3", c, err)
		}
	})

	t.Run("chunks in order, once", func(t *testing.T) {
		st := open(t)
		st.StartPush(ctx, declared("p1"))
		cases := []struct {
			name string
			c    pushes.Chunk
			code string
			held int64
		}{
			{"a gap before it", pushes.Chunk{Offset: 4, Size: 6, SHA256: "c2"}, fault.Conflict, 0},
			{"the first", pushes.Chunk{Offset: 0, Size: 4, SHA256: "c1"}, "", 4},
			{"the first again", pushes.Chunk{Offset: 0, Size: 4, SHA256: "c1"}, fault.Conflict, 4},
			{"the rest", pushes.Chunk{Offset: 4, Size: 6, SHA256: "c2"}, "", 10},
		}
		for _, c := range cases {
			p, err := st.AddPushChunk(ctx, "p1", c.c, []byte{byte(c.c.Offset)}, t0.Add(time.Minute))
			if fault.Code(err) != c.code && !(c.code == "" && err == nil) || p == nil || p.Received != c.held {
				t.Errorf("%s: %+v, %v; want code %q holding %d", c.name, p, err, c.code, c.held)
			}
		}
		got, err := st.PushChunks(ctx, "p1")
		if err != nil || len(got) != 2 || got[0].SHA256 != "c1" || got[1].Offset != 4 {
			t.Errorf("chunks: %+v, %v", got, err)
		}
		if p, _ := st.Push(ctx, "p1"); string(p.Digest) != "\x04" || !p.Updated.Equal(t0.Add(time.Minute)) {
			t.Errorf("the digest and time after the last chunk: %+v", p)
		}
	})

	t.Run("one of many at once", func(t *testing.T) {
		st := open(t)
		st.StartPush(ctx, declared("p1"))
		var wg sync.WaitGroup
		var mu sync.Mutex
		added := 0
		for range 8 {
			wg.Go(func() {
				if _, err := st.AddPushChunk(ctx, "p1", pushes.Chunk{Offset: 0, Size: 4, SHA256: "c1"}, []byte{1}, t0); err == nil {
					mu.Lock()
					added++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if p, _ := st.Push(ctx, "p1"); added != 1 || p.Received != 4 {
			t.Errorf("8 requests adding the same chunk: %d added, %d bytes held; want 1 and 4", added, p.Received)
		}
		st.AddPushChunk(ctx, "p1", pushes.Chunk{Offset: 4, Size: 6, SHA256: "c2"}, []byte{1}, t0)
		completed := 0
		for range 8 {
			wg.Go(func() {
				if _, err := st.CompletePush(ctx, "p1", "job", t0); err == nil {
					mu.Lock()
					completed++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if completed != 1 {
			t.Errorf("8 requests completing the push: %d completed it, want 1", completed)
		}
	})

	t.Run("complete, reopen, forget", func(t *testing.T) {
		st := open(t)
		st.StartPush(ctx, declared("p1"))
		if _, err := st.CompletePush(ctx, "p1", "j1", t0); fault.Code(err) != fault.Conflict {
			t.Errorf("completing with bytes missing: %v, want a conflict", err)
		}
		st.AddPushChunk(ctx, "p1", pushes.Chunk{Offset: 0, Size: 10, SHA256: "c"}, []byte{1}, t0)
		p, err := st.CompletePush(ctx, "p1", "j1", t0)
		if err != nil || p.State != pushes.Completed || p.JobRef != "j1" {
			t.Fatalf("complete: %+v, %v", p, err)
		}
		if p, err := st.AddPushChunk(ctx, "p1", pushes.Chunk{Offset: 10, Size: 1, SHA256: "d"}, []byte{1}, t0); fault.Code(err) != fault.Conflict || p.JobRef != "j1" {
			t.Errorf("a chunk after completion: %+v, %v; want a conflict naming the job", p, err)
		}
		if again, _ := st.StartPush(ctx, declared("p2")); again.ID != "p1" || again.State != pushes.Completed {
			t.Errorf("declared again while completed: %+v", again)
		}
		p, err = st.ReopenPush(ctx, "p1", t0)
		if err != nil || p.State != pushes.Receiving || p.Received != 10 || p.JobRef != "" {
			t.Fatalf("reopen: %+v, %v", p, err)
		}
		if _, err := st.ReopenPush(ctx, "p1", t0); fault.Code(err) != fault.Conflict {
			t.Errorf("reopening a receiving push: %v, want a conflict", err)
		}
		if err := st.DeletePush(ctx, "p1"); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Push(ctx, "p1"); fault.Code(err) != fault.NotFound {
			t.Errorf("a forgotten push: %v, want not found", err)
		}
		if c, _ := st.PushChunks(ctx, "p1"); len(c) != 0 {
			t.Errorf("a forgotten push's chunks: %+v", c)
		}
	})

	t.Run("idle pushes expire", func(t *testing.T) {
		st := open(t)
		st.StartPush(ctx, declared("old"))
		fresh := declared("new")
		fresh.SHA256, fresh.Created, fresh.Updated = "bb", t0.Add(time.Hour), t0.Add(time.Hour)
		st.StartPush(ctx, fresh)
		gone, err := st.ExpirePushes(ctx, t0.Add(time.Minute))
		if err != nil || len(gone) != 1 || gone[0].ID != "old" {
			t.Fatalf("expired: %+v, %v; want push old", gone, err)
		}
		if ids, err := st.PushIDs(ctx); err != nil || len(ids) != 1 || ids[0] != "new" {
			t.Errorf("kept: %v, %v; want [new]", ids, err)
		}
	})
}
