package govern

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/civiclink/civiclink/internal/fault"
)

// HashLimit bounds how many password hashes run at once. Each argon2id
// check holds its memory cost (64 MiB by default) for its duration, so
// without a bound a burst of sign-ins can take a server's memory; a check
// that finds every slot taken waits up to Wait, then is refused as
// [fault.Busy].
type HashLimit struct {
	slots chan struct{}
	wait  time.Duration
}

// NewHashLimit returns a limit of n hashes at once (at least one), each
// waiting at most wait for a slot.
func NewHashLimit(n int, wait time.Duration) *HashLimit {
	return &HashLimit{slots: make(chan struct{}, max(n, 1)), wait: wait}
}

// Size is how many hashes may run at once.
func (h *HashLimit) Size() int { return cap(h.slots) }

// acquire takes a slot, waiting up to the limit's wait; release gives it
// back.
func (h *HashLimit) acquire(ctx context.Context) (release func(), err error) {
	select {
	case h.slots <- struct{}{}:
		return func() { <-h.slots }, nil
	default:
	}
	t := time.NewTimer(h.wait)
	defer t.Stop()
	select {
	case h.slots <- struct{}{}:
		return func() { <-h.slots }, nil
	case <-t.C:
		return nil, fault.Errorf(fault.Busy, "the server is checking too many sign-ins at once: try again in a few seconds")
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// HashWait is how long a sign-in waits for a hash slot by default.
const HashWait = 2 * time.Second

// HashSlots sizes a [HashLimit] to the machine: as many hashes of cost p
// as fit in an eighth of its memory (the smaller of physical memory and
// a cgroup limit), at least one and at most two per CPU (more would only
// queue for the CPUs).
func HashSlots(p Argon2Params) int {
	per := int64(p.Memory) << 10
	if per <= 0 {
		per = int64(DefaultArgon2.Memory) << 10
	}
	return hashSlots(machineMemory(), per, runtime.GOMAXPROCS(0))
}

func hashSlots(memory, per int64, cpus int) int {
	n := int(memory / 8 / per)
	return min(max(n, 1), 2*cpus)
}

// machineMemory returns the memory this process may use: the smaller of
// /proc/meminfo's MemTotal and a cgroup v2 memory.max; 1 GiB if neither
// is readable.
func machineMemory() int64 {
	total := int64(1 << 30)
	if f, err := os.Open("/proc/meminfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:"); ok {
				kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
				if err == nil && kb > 0 {
					total = kb << 10
				}
			}
		}
		f.Close()
	}
	if b, err := os.ReadFile("/sys/fs/cgroup/memory.max"); err == nil {
		if lim, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && lim > 0 && lim < total {
			total = lim
		}
	}
	return total
}

// passwordCheck holds what [Service.Login] needs besides the store: the
// hash limit and a hash of a random password, checked when the user is
// unknown or cannot sign in, so that such a sign-in costs what a known
// user's does and its timing does not tell who has an account.
type passwordCheck struct {
	once  sync.Once
	limit *HashLimit
	dummy string
	err   error
}

// passwords returns the service's hash limit and dummy hash, made on
// first use with the service's costs.
func (s *Service) passwords() (*HashLimit, string, error) {
	c := &s.pw
	c.once.Do(func() {
		c.limit = s.Hashes
		if c.limit == nil {
			c.limit = NewHashLimit(HashSlots(s.argon()), HashWait)
		}
		b := make([]byte, 24)
		rand.Read(b)
		c.dummy, c.err = s.hash(base64.RawURLEncoding.EncodeToString(b))
	})
	return c.limit, c.dummy, c.err
}

// verify checks password against encoded (or, when encoded is empty,
// against the dummy hash, failing), holding a slot of the hash limit.
func (s *Service) verify(ctx context.Context, encoded, password string) (bool, error) {
	limit, dummy, err := s.passwords()
	if err != nil {
		return false, err
	}
	release, err := limit.acquire(ctx)
	if err != nil {
		return false, err
	}
	defer release()
	if encoded == "" {
		VerifyPassword(dummy, password)
		return false, nil
	}
	return VerifyPassword(encoded, password)
}
