package link_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"testing"

	"github.com/civiclink/civiclink/internal/link"
	"github.com/civiclink/civiclink/internal/link/eval"
)

// bloom encodes a value as a 512-bit Bloom filter of its padded bigrams,
// each set with 8 keyed hashes, in clkhash's byte layout (base64). It
// stands in for a partner's per-field encoding.
func bloom(key []byte, v string) string {
	if v == "" {
		return ""
	}
	var bits [64]byte
	p := " " + v + " "
	for i := 0; i+2 <= len(p); i++ {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(p[i : i+2]))
		sum := m.Sum(nil)
		h1, h2 := binary.BigEndian.Uint64(sum), binary.BigEndian.Uint64(sum[8:])
		for k := range uint64(8) {
			b := (h1 + k*h2) % 512
			bits[b/8] |= 1 << (7 - b%8)
		}
	}
	return base64.StdEncoding.EncodeToString(bits[:])
}

// token is a keyed pseudonym of an exact value.
func token(key []byte, v string) string {
	if v == "" {
		return ""
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(v))
	return hex.EncodeToString(m.Sum(nil))
}

// encodePeople encodes synthPeople's records as the platform receives
// them: names as per-field Bloom filters, date of birth, sex and NHS
// number as keyed tokens; and returns comparisons for them (no blocking).
func encodePeople(plain link.Dataset) (link.Dataset, link.Config) {
	key := []byte("test key, not a secret")
	enc := link.Dataset{Name: "people", Fields: []string{"forename_bf", "surname_bf", "dob_tok", "sex_tok", "nhs_tok"}}
	for _, r := range plain.Records {
		v := r.Values
		enc.Records = append(enc.Records, link.Record{ID: r.ID, Values: []string{
			bloom(key, v[0]), bloom(key, v[1]), token(key, v[2]), token(key, v[3]), token(key, v[5]),
		}})
	}
	return enc, link.Config{
		Comparisons: []link.ComparisonSpec{
			{Field: "forename_bf", Kind: "dice"},
			{Field: "surname_bf", Kind: "dice"},
			{Field: "dob_tok", Kind: "exact", Raw: true, TF: true},
			{Field: "sex_tok", Kind: "exact", Raw: true},
			{Field: "nhs_tok", Kind: "exact", Raw: true},
		},
	}
}

// TestEncodedIdentifiers links the synthetic county with names as
// per-field Bloom filters (Dice levels) and date of birth, sex and NHS
// number as keyed tokens (exact, with TF), as the platform receives them:
// it must find the duplicates about as well as on plain values.
func TestEncodedIdentifiers(t *testing.T) {
	plain, truth := synthPeople(3000, 3)
	enc, cfg := encodePeople(plain)
	cfg.Blocking = []link.BlockingRule{
		{Keys: []link.KeyPart{{Field: "nhs_tok"}}},
		{Keys: []link.KeyPart{{Field: "dob_tok"}}},
		{Name: "surname", LSH: &link.LSHSpec{Field: "surname_bf", Bands: 6, BandBits: 64, Seed: 5}},
	}
	res, err := link.Link(context.Background(), []link.Dataset{enc}, cfg, link.Options{
		Truth: func(_ string, r *link.Record) string { return truth[r.ID] },
	})
	if err != nil {
		t.Fatal(err)
	}
	tr := eval.Truth{}
	for id, e := range truth {
		tr[link.RecordRef{Dataset: "people", ID: id}] = e
	}
	pr := eval.Pairs(tr, res.Refs(), res.MatchedPairs(), false)
	t.Logf("encoded: %d candidates; P %.4f R %.4f F1 %.4f", res.Blocking.CandidatePairs, pr.Precision, pr.Recall, pr.F1)
	if got, want := pr.F1, 0.95; got < want {
		t.Errorf("F1 on encoded identifiers = %.4f, want >= %.2f", got, want)
	}
	rules := res.Blocking.Rules
	if got, want := len(rules), 2+6; got != want {
		t.Fatalf("%d rules reported, want %d (an LSH rule reports each band)", got, want)
	}
	if got, want := rules[2].Rule, "surname#0"; got != want {
		t.Errorf("first band reported as %q, want %q", got, want)
	}
	lshPairs := 0
	for _, r := range rules[2:] {
		lshPairs += r.Pairs
	}
	t.Logf("blocking recall %.4f; LSH bands added %d pairs, band 0 alone finds %.4f of true pairs", res.Blocking.Recall, lshPairs, rules[2].Recall)
	if lshPairs == 0 || rules[2].Recall < 0.5 {
		t.Errorf("LSH bands added %d pairs, band 0 recall %.4f: want the bands to find similar surnames", lshPairs, rules[2].Recall)
	}
	if got := res.Model.Comparisons[0].Levels[1].Label; got != "dice>=0.9" {
		t.Errorf("first Dice level = %q, want dice>=0.9", got)
	}
}
