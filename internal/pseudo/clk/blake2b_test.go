package clk

import (
	"bytes"
	"fmt"
	"testing"

	"golang.org/x/crypto/blake2b"
)

// With an all-zero salt, salted BLAKE2b is plain BLAKE2b, which
// golang.org/x/crypto computes independently.
func TestBlakeMatchesXCrypto(t *testing.T) {
	for _, keyLen := range []int{0, 1, 32, 64} {
		for _, msgLen := range []int{0, 1, 2, 63, 127, 128, 129, 255, 256, 257, 1000} {
			t.Run(fmt.Sprintf("key=%d/msg=%d", keyLen, msgLen), func(t *testing.T) {
				key := bytes.Repeat([]byte{0xa5}, keyLen)
				msg := make([]byte, msgLen)
				for i := range msg {
					msg[i] = byte(i*7 + 3)
				}
				h, err := blake2b.New512(key)
				if err != nil {
					t.Fatal(err)
				}
				h.Write(msg)
				want := h.Sum(nil)
				st := newBlakeState(key, nil)
				var got [64]byte
				st.sum(msg, &got)
				if !bytes.Equal(got[:], want) {
					t.Errorf("got %x, want %x", got, want)
				}
			})
		}
	}
}

// The RFC 7693 appendix A vector: BLAKE2b-512("abc").
func TestBlakeRFC7693(t *testing.T) {
	st := newBlakeState(nil, nil)
	var got [64]byte
	st.sum([]byte("abc"), &got)
	want := "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923"
	if fmt.Sprintf("%x", got) != want {
		t.Errorf("got %x, want %s", got, want)
	}
}

// A salt changes the digest, and the same salt gives the same digest.
func TestBlakeSaltMatters(t *testing.T) {
	key := []byte("k")
	a, b, c := newBlakeState(key, []byte("0")), newBlakeState(key, []byte("1")), newBlakeState(key, []byte("0"))
	var da, db, dc [64]byte
	a.sum([]byte("token"), &da)
	b.sum([]byte("token"), &db)
	c.sum([]byte("token"), &dc)
	if da == db {
		t.Errorf("salts 0 and 1 gave the same digest %x", da)
	}
	if da != dc {
		t.Errorf("salt 0 twice gave %x and %x", da, dc)
	}
}

// The SIMD path through x/crypto gives the portable digest for every salt,
// key length and message length it takes.
func TestFastBlakeMatchesPortable(t *testing.T) {
	f := newFastBlake()
	if f == nil {
		t.Fatal("x/crypto/blake2b's marshalled state is not the expected layout")
	}
	for _, keyLen := range []int{1, 32, 64} {
		for _, salt := range []string{"0", "1", "12", "0123456789abcdef"} {
			st := newBlakeState(bytes.Repeat([]byte{7}, keyLen), []byte(salt))
			for _, n := range []int{1, 2, 5, 64, 127, 128, 129, 300} {
				msg := bytes.Repeat([]byte{byte(n)}, n)
				var a, b [64]byte
				st.sum(msg, &a)
				f.sum(&st, msg, &b)
				if a != b {
					t.Errorf("key %d salt %q msg %d: fast %x, portable %x", keyLen, salt, n, b[:8], a[:8])
				}
			}
		}
	}
}
