package audit

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/fault"
)

func testKey(t *testing.T) ed25519.PrivateKey {
	t.Helper()
	k, _, err := LoadOrCreateKey(filepath.Join(t.TempDir(), "k"))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestHeadSignature(t *testing.T) {
	key := testKey(t)
	pub := key.Public().(ed25519.PublicKey)
	root := sha256.Sum256([]byte("root"))
	h := Sign(key, 12, root[:], time.Date(2026, 11, 23, 9, 0, 0, 1500, time.UTC))
	if err := VerifyHead(pub, h); err != nil {
		t.Fatalf("fresh head: %v", err)
	}
	cases := []struct {
		name string
		edit func(*Head)
		want string
	}{
		{"size", func(h *Head) { h.Size++ }, "not valid"},
		{"root", func(h *Head) { h.Root = bytes.Repeat([]byte{1}, 32) }, "not valid"},
		{"time", func(h *Head) { h.Time = h.Time.Add(time.Microsecond) }, "not valid"},
		{"signature", func(h *Head) { h.Signature = bytes.Repeat([]byte{7}, 64) }, "not valid"},
		{"key id", func(h *Head) { h.KeyID = "ed25519:0000000000000000" }, "signed by key"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			forged := h
			c.edit(&forged)
			err := VerifyHead(pub, forged)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error = %v, want one containing %q", err, c.want)
			}
		})
	}
	other := testKey(t)
	if err := VerifyHead(other.Public().(ed25519.PublicKey), h); err == nil {
		t.Error("a head verified under another key")
	}
}

func TestParseHead(t *testing.T) {
	key := testKey(t)
	root := sha256.Sum256([]byte("r"))
	h := Sign(key, 5, root[:], time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	h.PublicKey = key.Public().(ed25519.PublicKey)
	b := h.MarshalIndent()
	got, err := ParseHead(b)
	if err != nil {
		t.Fatal(err)
	}
	if got.Size != 5 || !bytes.Equal(got.Root, root[:]) || !got.Time.Equal(h.Time) {
		t.Errorf("parsed %+v, want %+v", got, h)
	}
	forged := bytes.Replace(b, []byte(`"size": 5`), []byte(`"size": 6`), 1)
	if _, err := ParseHead(forged); fault.Code(err) != fault.Invalid || !strings.Contains(err.Error(), "not authentic") {
		t.Errorf("forged size: error = %v, want not authentic", err)
	}
	if _, err := ParseHead([]byte(`{"size":1}`)); fault.Code(err) != fault.Invalid {
		t.Errorf("incomplete head: error = %v, want invalid", err)
	}
}

func TestKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "store.duckdb.audit-key")
	k1, created, err := LoadOrCreateKey(path)
	if err != nil || !created {
		t.Fatalf("first use: created=%v err=%v", created, err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := st.Mode().Perm(), os.FileMode(0o600); got != want {
		t.Errorf("key file mode = %v, want %v", got, want)
	}
	k2, created, err := LoadOrCreateKey(path)
	if err != nil || created || !k1.Equal(k2) {
		t.Errorf("second use: created=%v err=%v same=%v", created, err, k1.Equal(k2))
	}
	pub, err := ParsePublicKey(EncodePublicKey(k1.Public().(ed25519.PublicKey)))
	if err != nil || !pub.Equal(k1.Public()) {
		t.Errorf("public key round trip: %v", err)
	}
	if err := os.WriteFile(path, []byte("junk"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadKey(path); fault.Code(err) != fault.Invalid {
		t.Errorf("junk key file: error = %v, want invalid", err)
	}
	if _, err := LoadKey(path + ".missing"); fault.Code(err) != fault.NotFound {
		t.Errorf("missing key file: error = %v, want not found", err)
	}
}

// FuzzParseHead checks that ParseHead never panics and accepts only heads
// whose signature verifies under the key they carry.
func FuzzParseHead(f *testing.F) {
	_, key, _ := ed25519.GenerateKey(nil)
	root := sha256.Sum256([]byte("r"))
	h := Sign(key, 9, root[:], time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	h.PublicKey = key.Public().(ed25519.PublicKey)
	f.Add(h.MarshalIndent())
	f.Add([]byte(`{"size":1,"root":"AAAA"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := ParseHead(b)
		if err != nil {
			return
		}
		if err := VerifyHead(got.PublicKey, got); err != nil {
			t.Fatalf("accepted a head that does not verify: %v", err)
		}
	})
}
