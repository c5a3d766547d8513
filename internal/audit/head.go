package audit

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/civiclink/civiclink/internal/fault"
)

// headOrigin is the first line of every signed tree-head message; it keeps a
// civiclink signature from being valid for anything else.
const headOrigin = "civiclink audit log v1"

// Head is a signed tree head: the log had Size entries whose Merkle tree hash
// was Root at Time, as attested by the key KeyID. A partner who keeps a head
// can later prove that the log still contains exactly those entries.
type Head struct {
	Size      uint64    `json:"size"`
	Root      []byte    `json:"root"`
	Time      time.Time `json:"time"`
	KeyID     string    `json:"key_id"`
	Signature []byte    `json:"signature"`
	// PublicKey travels with an exported head so the partner who keeps it
	// also keeps the key it was signed with; it is not part of the message.
	PublicKey ed25519.PublicKey `json:"public_key,omitempty"`
}

// Message returns the bytes that are signed: origin, key id, size, base64
// root and time, one per line.
func (h Head) Message() []byte {
	var b bytes.Buffer
	b.WriteString(headOrigin + "\n")
	b.WriteString(h.KeyID + "\n")
	b.WriteString(strconv.FormatUint(h.Size, 10) + "\n")
	b.WriteString(base64.StdEncoding.EncodeToString(h.Root) + "\n")
	b.WriteString(h.Time.UTC().Format(time.RFC3339Nano) + "\n")
	return b.Bytes()
}

// KeyID names a public key: "ed25519:" and the first 8 bytes of its SHA-256
// in hex.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return "ed25519:" + hex.EncodeToString(sum[:8])
}

// Sign returns the head for a tree of size entries with the given root,
// signed by key at time t (kept to the microsecond, as the store keeps it).
func Sign(key ed25519.PrivateKey, size uint64, root []byte, t time.Time) Head {
	pub := key.Public().(ed25519.PublicKey)
	h := Head{Size: size, Root: bytes.Clone(root), Time: t.UTC().Truncate(time.Microsecond), KeyID: KeyID(pub)}
	h.Signature = ed25519.Sign(key, h.Message())
	return h
}

// VerifyHead checks that h was signed by pub; the error says what is wrong.
func VerifyHead(pub ed25519.PublicKey, h Head) error {
	if len(pub) != ed25519.PublicKeySize {
		return fmt.Errorf("tree head for size %d: no valid public key to check it with", h.Size)
	}
	if h.KeyID != KeyID(pub) {
		return fmt.Errorf("tree head for size %d is signed by key %s, not %s", h.Size, h.KeyID, KeyID(pub))
	}
	if !ed25519.Verify(pub, h.Message(), h.Signature) {
		return fmt.Errorf("tree head for size %d has a signature that is not valid (forged or altered head)", h.Size)
	}
	return nil
}

// ParseHead reads an exported head (JSON, as written by [Head.MarshalIndent])
// and checks its signature with the public key it carries. Whether that key
// is the one the reader trusts is the reader's decision.
func ParseHead(b []byte) (Head, error) {
	var h Head
	if err := json.Unmarshal(b, &h); err != nil {
		return Head{}, fault.Errorf(fault.Invalid, "the tree head file is not valid JSON: %v", err)
	}
	if len(h.PublicKey) != ed25519.PublicKeySize || len(h.Root) != sha256.Size {
		return Head{}, fault.Errorf(fault.Invalid, "the tree head file lacks a 32-byte root or its public key; export it again with `civiclink audit head --out`")
	}
	if err := VerifyHead(h.PublicKey, h); err != nil {
		return Head{}, fault.Errorf(fault.Invalid, "the tree head file is not authentic: %v", err)
	}
	return h, nil
}

// MarshalIndent returns h as indented JSON for a file a partner keeps.
func (h Head) MarshalIndent() []byte {
	b, _ := json.MarshalIndent(h, "", "  ")
	return append(b, '\n')
}
