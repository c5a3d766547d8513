// Package pushes is what the web app keeps of a file being pushed in
// chunks (`civiclink push`) between requests, and the interface of the
// store that keeps it. The web package owns it; the PostgreSQL store
// implements [Store] without importing the web app, so that the chunks of
// one push may reach different web processes behind a load balancer and
// the push is completed by whichever process claims its load job.
//
// A push's record — who sends which file to which dataset, the bytes held,
// every chunk's offset, size and SHA-256, and the running SHA-256 of the
// bytes so far — is in the [Store]; the chunks' bytes are files in a
// spool folder every process reads (one file per chunk, named by its
// offset and SHA-256, so a chunk written twice is the same file).
package pushes

import (
	"context"
	"crypto/sha256"
	"encoding"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/civiclink/civiclink/internal/fault"
)

// Push states.
const (
	// Receiving: chunks are being sent.
	Receiving = "receiving"
	// Completed: every byte is held and the load job is queued (JobRef).
	Completed = "completed"
)

// DirPrefix begins the name of every push's spool folder.
const DirPrefix = "civiclink-push-"

// Push is a push as a [Store] keeps it.
type Push struct {
	ID        string
	UserID    string
	DatasetID string
	Name      string // the file's base name, safe for a path
	Size      int64  // the file's size as declared
	SHA256    string // the whole file's SHA-256 as declared (hex)
	Received  int64  // bytes held: chunks 0..Received, contiguous
	// Digest is the running SHA-256 of the bytes held (the state of Go's
	// sha256 digest, encoding.BinaryMarshaler form), so that completing a
	// push checks the whole file without reading it again.
	Digest  []byte
	State   string
	JobRef  string // the web's id of the load job, once completed
	Created time.Time
	Updated time.Time
}

// Dir is the push's spool folder's name in the spool.
func (p *Push) Dir() string { return DirPrefix + p.ID }

// Chunk is one chunk a push holds.
type Chunk struct {
	Offset int64
	Size   int64
	SHA256 string // hex
}

// File is the chunk's file name in its push's folder.
func (c Chunk) File() string { return strconv.FormatInt(c.Offset, 10) + "-" + c.SHA256 + ".chunk" }

// Store keeps pushes in progress where every web process finds them.
type Store interface {
	// StartPush returns the push of the same file (user, dataset, size,
	// SHA-256) when there is one, else records p (state Receiving) and
	// returns it.
	StartPush(ctx context.Context, p *Push) (*Push, error)
	// Push returns a push by id; fault.NotFound when there is none.
	Push(ctx context.Context, id string) (*Push, error)
	// AddPushChunk records chunk c of push id and the running digest
	// after it, at now; fault.Conflict, with the push as it is, when the
	// push is not receiving or holds other than c.Offset bytes.
	AddPushChunk(ctx context.Context, id string, c Chunk, digest []byte, now time.Time) (*Push, error)
	// PushChunks returns a push's chunks by offset.
	PushChunks(ctx context.Context, id string) ([]Chunk, error)
	// CompletePush marks a receiving push that holds every byte as
	// completed by the job jobRef; fault.Conflict, with the push as it
	// is, otherwise.
	CompletePush(ctx context.Context, id, jobRef string, now time.Time) (*Push, error)
	// ReopenPush puts a completed push back to receiving (its job was
	// interrupted), keeping its chunks.
	ReopenPush(ctx context.Context, id string, now time.Time) (*Push, error)
	// DeletePush forgets a push and its chunks.
	DeletePush(ctx context.Context, id string) error
	// ExpirePushes forgets the pushes not updated since before and
	// returns them.
	ExpirePushes(ctx context.Context, before time.Time) ([]*Push, error)
	// PushIDs returns the ids of every push the store keeps.
	PushIDs(ctx context.Context) ([]string, error)
}

// NewDigest returns the running digest of no bytes.
func NewDigest() []byte {
	b, _ := sha256.New().(encoding.BinaryMarshaler).MarshalBinary()
	return b
}

// Extend returns the running digest after b, from the state d.
func Extend(d []byte, b []byte) ([]byte, error) {
	h, err := digest(d)
	if err != nil {
		return nil, err
	}
	h.Write(b)
	return h.(encoding.BinaryMarshaler).MarshalBinary()
}

// Sum is the hex SHA-256 of the bytes a running digest has seen.
func Sum(d []byte) (string, error) {
	h, err := digest(d)
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func digest(d []byte) (hash.Hash, error) {
	h := sha256.New()
	if err := h.(encoding.BinaryUnmarshaler).UnmarshalBinary(d); err != nil {
		return nil, fault.Wrap(err, fault.Internal, "the push's running SHA-256 does not decode")
	}
	return h, nil
}

// WriteChunk writes a chunk's bytes into its push's folder in spool and
// makes them durable before it returns, so a chunk the store records
// survives a crash of the machine. The file appears whole or not at all.
func WriteChunk(spool string, p *Push, c Chunk, b []byte) error {
	dir := filepath.Join(spool, p.Dir())
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("spool push: %w", err)
	}
	f, err := os.CreateTemp(dir, "partial-*")
	if err != nil {
		return fmt.Errorf("spool push: %w", err)
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), filepath.Join(dir, c.File()))
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("spool push: %w", err)
	}
	return nil
}

// Assemble writes the file a push's chunks make to path, checking that
// they cover the file from its first byte to its last, that each chunk's
// bytes still have its SHA-256 and that the whole has the SHA-256
// declared. On any failure nothing is left at path.
func Assemble(spool string, p *Push, chunks []Chunk, path string) error {
	if err := covers(p, chunks); err != nil {
		return err
	}
	tmp := path + ".partial"
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("assemble push: %w", err)
	}
	whole := sha256.New()
	err = copyChunks(io.MultiWriter(f, whole), filepath.Join(spool, p.Dir()), chunks)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		if sum := hex.EncodeToString(whole.Sum(nil)); sum != p.SHA256 {
			err = fault.Errorf(fault.Invalid, "sha256: the file assembled from the chunks has SHA-256 %s, not the %s declared; nothing was loaded: push it again", sum, p.SHA256)
		}
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

// covers checks that chunks, in offset order, cover the whole file.
func covers(p *Push, chunks []Chunk) error {
	var at int64
	for _, c := range chunks {
		if c.Offset != at {
			return fault.Errorf(fault.Invalid, "bytes %d to %d of the pushed file are missing (the next chunk held starts at %d); nothing was loaded: push the file again", at, c.Offset-1, c.Offset)
		}
		at += c.Size
	}
	if at != p.Size {
		return fault.Errorf(fault.Invalid, "the chunks held end at byte %d of the file's %d; nothing was loaded: push the file again", at, p.Size)
	}
	return nil
}

// copyChunks copies each chunk's file in dir to w, checking its size and
// SHA-256.
func copyChunks(w io.Writer, dir string, chunks []Chunk) error {
	for _, c := range chunks {
		f, err := os.Open(filepath.Join(dir, c.File()))
		if err != nil {
			return fault.Errorf(fault.Internal, "the chunk at byte %d of the pushed file is not in the spool folder %s (every server must see the same folder); nothing was loaded: push the file again", c.Offset, dir)
		}
		h := sha256.New()
		n, err := io.Copy(io.MultiWriter(w, h), f)
		f.Close()
		if err != nil {
			return fmt.Errorf("assemble push: %w", err)
		}
		if n != c.Size || hex.EncodeToString(h.Sum(nil)) != c.SHA256 {
			return fault.Errorf(fault.Internal, "the chunk at byte %d of the pushed file changed in the spool folder %s after it was received; nothing was loaded: push the file again", c.Offset, dir)
		}
	}
	return nil
}
