package dice

import (
	"bytes"
	"encoding/base64"
	"math/rand/v2"
	"testing"

	"github.com/civiclink/civiclink/internal/fault"
)

func TestRoundTripAndBitOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, bits := range lengths {
		recs := randomBytes(rng, 5, bits, 0.4)
		enc := make([]string, len(recs))
		for i, r := range recs {
			enc[i] = base64.StdEncoding.EncodeToString(r)
		}
		e, err := DecodeBase64(bits, enc)
		if err != nil {
			t.Fatalf("bits=%d: %v", bits, err)
		}
		if got, want := e.Len(), len(recs); got != want {
			t.Fatalf("bits=%d: got %d records, want %d", bits, got, want)
		}
		for i, r := range recs {
			if got := e.Bytes(i); !bytes.Equal(got, r) {
				t.Errorf("bits=%d record %d: got bytes %x, want %x", bits, i, got, r)
			}
			if got := e.Base64(i); got != enc[i] {
				t.Errorf("bits=%d record %d: got %s, want %s", bits, i, got, enc[i])
			}
			count := 0
			for j := range bits {
				want := r[j/8]&(0x80>>(j%8)) != 0
				if got := e.Bit(i, j); got != want {
					t.Fatalf("bits=%d record %d bit %d: got %v, want %v", bits, i, j, got, want)
				}
				if want {
					count++
				}
			}
			if got := e.Count(i); got != count {
				t.Errorf("bits=%d record %d: got count %d, want %d", bits, i, got, count)
			}
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name string
		bits int
		enc  string
	}{
		{"not base64", 16, "!!!!"},
		{"too short", 24, base64.StdEncoding.EncodeToString([]byte{1, 2})},
		{"too long", 8, base64.StdEncoding.EncodeToString([]byte{1, 2})},
		{"padding bit set", 12, base64.StdEncoding.EncodeToString([]byte{0, 1})},
		{"zero length", 0, ""},
		{"too many bits", MaxBits + 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeBase64(tt.bits, []string{tt.enc})
			if got, want := fault.Code(err), fault.Invalid; got != want {
				t.Errorf("got code %q (%v), want %q", got, err, want)
			}
		})
	}
}

func TestSliceDoesNotAlias(t *testing.T) {
	e := arena(t, 8, [][]byte{{1}, {2}, {3}})
	s := e.Slice(1, 2)
	if got, want := s.Bytes(0), []byte{2}; !bytes.Equal(got, want) {
		t.Fatalf("slice record 0: got %x, want %x", got, want)
	}
	if err := s.AppendBytes([]byte{0xff}); err != nil {
		t.Fatal(err)
	}
	if got, want := e.Bytes(2), []byte{3}; !bytes.Equal(got, want) {
		t.Errorf("after appending to slice, original record 2: got %x, want %x", got, want)
	}
}

func TestScoreBase64(t *testing.T) {
	a := base64.StdEncoding.EncodeToString([]byte{0xf0, 0x0f})
	b := base64.StdEncoding.EncodeToString([]byte{0xff, 0x00})
	got, err := ScoreBase64(16, a, b)
	if err != nil {
		t.Fatal(err)
	}
	if want := 2 * 4.0 / 16; got != want {
		t.Errorf("got %v, want %v", got, want)
	}
	if _, err := ScoreBase64(16, a, "x"); err == nil {
		t.Error("bad base64: got no error")
	}
}

func FuzzDecodeBase64(f *testing.F) {
	f.Add(16, base64.StdEncoding.EncodeToString([]byte{0xf0, 0x0f}))
	f.Add(12, "AAE=")
	f.Add(1024, "")
	f.Fuzz(func(t *testing.T, bits int, enc string) {
		if bits > 1<<14 {
			return
		}
		e, err := DecodeBase64(bits, []string{enc})
		if err != nil {
			return
		}
		// Whatever decodes must re-encode to the same bytes and score 1
		// against itself unless empty.
		raw, _ := base64.StdEncoding.DecodeString(enc)
		if got := e.Bytes(0); !bytes.Equal(got, raw) {
			t.Fatalf("got %x, want %x", got, raw)
		}
		want := 1.0
		if e.Count(0) == 0 {
			want = 0
		}
		if got := Score(e, 0, e, 0); got != want {
			t.Fatalf("self score: got %v, want %v", got, want)
		}
	})
}
