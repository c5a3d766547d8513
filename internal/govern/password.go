package govern

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/civiclink/civiclink/internal/fault"
)

// Argon2Params are the cost parameters of an argon2id password hash.
type Argon2Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
	SaltLen int
	KeyLen  int
}

// DefaultArgon2 follows RFC 9106's second recommended option, with two lanes
// to suit a small server: 64 MiB, 3 passes.
var DefaultArgon2 = Argon2Params{Memory: 64 * 1024, Time: 3, Threads: 2, SaltLen: 16, KeyLen: 32}

// Bounds on parameters read back from a stored hash, so a tampered hash
// cannot make a login allocate gigabytes.
const (
	maxArgonMemory  = 1 << 20 // 1 GiB
	maxArgonTime    = 64
	minPasswordLen  = 12
	maxPasswordLen  = 1024
	phcPrefix       = "$argon2id$"
	minSaltLen      = 8
	maxSaltOrKeyLen = 128
)

// HashPassword returns the PHC-encoded argon2id hash of password with
// [DefaultArgon2] and a fresh random salt.
func HashPassword(password string) (string, error) {
	return HashPasswordWith(password, DefaultArgon2)
}

// HashPasswordWith is [HashPassword] with explicit parameters (tests use
// cheap ones).
func HashPasswordWith(password string, p Argon2Params) (string, error) {
	if err := CheckPassword(password); err != nil {
		return "", err
	}
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fault.Wrap(err, fault.Internal, "cannot read random bytes for a password salt")
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(p.KeyLen))
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("%sv=%d$m=%d,t=%d,p=%d$%s$%s", phcPrefix, argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// CheckPassword checks a new password's length: at least 12 characters (a
// passphrase is best), at most 1024 bytes.
func CheckPassword(password string) error {
	if utf8.RuneCountInString(password) < minPasswordLen {
		return fault.Errorf(fault.Invalid, "the password is too short: use at least %d characters (a few unrelated words make a good one)", minPasswordLen)
	}
	if len(password) > maxPasswordLen {
		return fault.Errorf(fault.Invalid, "the password is too long: use at most %d bytes", maxPasswordLen)
	}
	return nil
}

// VerifyPassword reports whether password matches the PHC-encoded argon2id
// hash, comparing in constant time. A malformed hash is an error.
func VerifyPassword(encoded, password string) (bool, error) {
	p, salt, key, err := ParsePHC(encoded)
	if err != nil {
		return false, err
	}
	if len(password) > maxPasswordLen {
		return false, nil
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// ParsePHC parses "$argon2id$v=19$m=M,t=T,p=P$salt$key" (unpadded standard
// base64), rejecting other algorithms, versions and out-of-range costs.
func ParsePHC(encoded string) (p Argon2Params, salt, key []byte, err error) {
	bad := func(why string) error {
		return fault.Errorf(fault.Internal, "stored password hash is malformed (%s): reset the password with `civiclink user passwd`", why)
	}
	if !strings.HasPrefix(encoded, phcPrefix) {
		return p, nil, nil, bad("not argon2id")
	}
	parts := strings.Split(encoded[len(phcPrefix):], "$")
	if len(parts) != 4 {
		return p, nil, nil, bad("wrong number of fields")
	}
	if parts[0] != "v="+strconv.Itoa(argon2.Version) {
		return p, nil, nil, bad("unsupported version")
	}
	if err := parseArgonParams(parts[1], &p); err != nil {
		return p, nil, nil, bad(err.Error())
	}
	b64 := base64.RawStdEncoding.Strict()
	if salt, err = b64.DecodeString(parts[2]); err != nil || len(salt) < minSaltLen || len(salt) > maxSaltOrKeyLen {
		return p, nil, nil, bad("salt")
	}
	if key, err = b64.DecodeString(parts[3]); err != nil || len(key) < 16 || len(key) > maxSaltOrKeyLen {
		return p, nil, nil, bad("key")
	}
	p.SaltLen, p.KeyLen = len(salt), len(key)
	return p, salt, key, nil
}

func parseArgonParams(s string, p *Argon2Params) error {
	kv := strings.Split(s, ",")
	if len(kv) != 3 {
		return fmt.Errorf("parameters")
	}
	var vals [3]uint64
	for i, name := range []string{"m=", "t=", "p="} {
		if !strings.HasPrefix(kv[i], name) {
			return fmt.Errorf("parameter %s", name)
		}
		v, err := strconv.ParseUint(kv[i][2:], 10, 32)
		if err != nil {
			return fmt.Errorf("parameter %s", name)
		}
		vals[i] = v
	}
	if vals[0] < 8 || vals[0] > maxArgonMemory || vals[1] < 1 || vals[1] > maxArgonTime || vals[2] < 1 || vals[2] > 255 || vals[0] < 8*vals[2] {
		return fmt.Errorf("cost out of range")
	}
	p.Memory, p.Time, p.Threads = uint32(vals[0]), uint32(vals[1]), uint8(vals[2])
	return nil
}
