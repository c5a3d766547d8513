// Package clk makes Bloom-filter encodings of records ("cryptographic
// long-term keys", CLKs) exactly as clkhash does for a linkage schema of
// version 3, so that a partner who already uses clkhash or anonlink tooling
// gets byte-identical encodings from civiclink for the same schema and
// secret.
//
// Everything here follows clkhash's behaviour, not its documentation where
// the two differ (the xor_folds key, the per-token byte-order mark of
// utf-16, the unpadded years of glibc): the conformance vectors in the
// shared data folder clkhash/ pin every rule, and the tests run all of them.
// clkhash applies no text cleaning, and neither does this package; civiclink's
// own normalisation lives in package normalise and runs before it.
package clk

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"github.com/civiclink/civiclink/internal/fault"
)

// Schema is a parsed clkhash linkage schema of version 3.
type Schema struct {
	// L is the length in bits of an encoding (clkConfig.l).
	L int
	// XorFolds is how many times the filter is folded in half (clkConfig.xor_folds;
	// clkhash ignores the documented spelling xorFolds, and so does this).
	XorFolds int
	KDF      KDF
	Features []Feature
}

// KDF holds the HKDF settings that turn the secret into per-feature keys.
type KDF struct {
	Hash    string // "SHA256" or "SHA512"
	Salt    []byte // nil: HKDF's default of HashLen zero bytes
	Info    []byte
	KeySize int // bytes per key; each feature takes two keys
}

// Feature is one column of the input, in order.
type Feature struct {
	Identifier string
	Ignored    bool
	Format     Format
	Comparison Comparison
	Strategy   Strategy
	Hash       Hash
	// Missing, when set, replaces the sentinel value before anything else.
	Missing *MissingValue
}

// Format says how a raw value is checked and turned into the string that is
// tokenised.
type Format struct {
	Type       string // string, integer, date or enum
	Encoding   string // string only: the codec of each token's bytes (utf-8 default)
	Case       string // string only: upper, lower or mixed
	MinLength  int    // string only, in code points
	MaxLength  int    // string only, 0 for none
	Pattern    *regexp.Regexp
	DateFormat string // date only: a strptime format
	Values     []string
	Minimum    *int64 // integer only
	Maximum    *int64
}

// Comparison says how a formatted value becomes tokens.
type Comparison struct {
	Type                string // ngram, exact or numeric
	N                   int
	Positional          bool
	ThresholdDistance   float64
	Resolution          int
	FractionalPrecision int
}

// Strategy says how many bits each token sets.
type Strategy struct {
	BitsPerToken   int
	BitsPerFeature int // used when PerFeature
	PerFeature     bool
}

// Hash chooses the function that turns a token into bit indices.
type Hash struct {
	Type               string // blakeHash or doubleHash
	PreventSingularity bool
}

// MissingValue replaces a sentinel cell. The replacement is neither
// validated nor formatted.
type MissingValue struct {
	Sentinel    string
	ReplaceWith string
}

// IsSchema reports whether b looks like a clkhash v3 linkage schema: a JSON
// object with "version": 3 and a "clkConfig".
func IsSchema(b []byte) bool {
	var probe struct {
		Version   json.RawMessage `json:"version"`
		ClkConfig json.RawMessage `json:"clkConfig"`
	}
	if json.Unmarshal(b, &probe) != nil {
		return false
	}
	return string(probe.Version) == "3" && len(probe.ClkConfig) > 0
}

// ReadSchemaFile reads a clkhash v3 linkage schema file.
func ReadSchemaFile(path string) (*Schema, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fault.Errorf(fault.Invalid, "cannot read clkhash schema %s: %v", path, err)
	}
	s, err := ParseSchema(bytes.NewReader(b))
	if err != nil {
		return nil, fault.Errorf(fault.Invalid, "clkhash schema %s: %s", path, fault.Message(err))
	}
	return s, nil
}

// ParseSchema reads and checks a clkhash v3 linkage schema.
func ParseSchema(r io.Reader) (*Schema, error) {
	var raw rawSchema
	if err := json.NewDecoder(r).Decode(&raw); err != nil {
		return nil, fault.Errorf(fault.Invalid, "not a JSON clkhash linkage schema: %v", err)
	}
	return raw.schema()
}

type rawSchema struct {
	Version   int `json:"version"`
	ClkConfig struct {
		L        int `json:"l"`
		XorFolds int `json:"xor_folds"`
		KDF      struct {
			Type    string `json:"type"`
			Hash    string `json:"hash"`
			Salt    string `json:"salt"`
			Info    string `json:"info"`
			KeySize int    `json:"keySize"`
		} `json:"kdf"`
	} `json:"clkConfig"`
	Features []rawFeature `json:"features"`
}

type rawFeature struct {
	Identifier string `json:"identifier"`
	Ignored    bool   `json:"ignored"`
	Format     struct {
		Type      string   `json:"type"`
		Encoding  string   `json:"encoding"`
		Case      string   `json:"case"`
		MinLength int      `json:"minLength"`
		MaxLength int      `json:"maxLength"`
		Pattern   *string  `json:"pattern"`
		Format    string   `json:"format"`
		Values    []string `json:"values"`
		Minimum   *int64   `json:"minimum"`
		Maximum   *int64   `json:"maximum"`
	} `json:"format"`
	Hashing struct {
		Comparison struct {
			Type                string  `json:"type"`
			N                   int     `json:"n"`
			Positional          bool    `json:"positional"`
			ThresholdDistance   float64 `json:"thresholdDistance"`
			Resolution          int     `json:"resolution"`
			FractionalPrecision int     `json:"fractional_precision"`
		} `json:"comparison"`
		Strategy struct {
			BitsPerToken   *int `json:"bitsPerToken"`
			BitsPerFeature *int `json:"bitsPerFeature"`
		} `json:"strategy"`
		Hash *struct {
			Type               string `json:"type"`
			PreventSingularity bool   `json:"prevent_singularity"`
		} `json:"hash"`
		MissingValue *struct {
			Sentinel    *string `json:"sentinel"`
			ReplaceWith *string `json:"replaceWith"`
		} `json:"missingValue"`
	} `json:"hashing"`
}

func (raw *rawSchema) schema() (*Schema, error) {
	if raw.Version != 3 {
		return nil, fault.Errorf(fault.Invalid, "schema version %d is not supported: civiclink reads clkhash linkage schemas of version 3 (convert older ones with clkhash's converter)", raw.Version)
	}
	c := raw.ClkConfig
	s := &Schema{L: c.L, XorFolds: c.XorFolds}
	if s.L <= 0 || s.L%8 != 0 {
		return nil, fault.Errorf(fault.Invalid, "clkConfig.l is %d: use a positive multiple of 8, e.g. 1024", s.L)
	}
	if s.XorFolds < 0 || s.XorFolds > 16 {
		return nil, fault.Errorf(fault.Invalid, "clkConfig.xor_folds is %d: use 0 to 16", s.XorFolds)
	}
	if c.KDF.Type != "" && c.KDF.Type != "HKDF" {
		return nil, fault.Errorf(fault.Invalid, "kdf type %q is not supported: use HKDF", c.KDF.Type)
	}
	k := KDF{Hash: c.KDF.Hash, KeySize: c.KDF.KeySize}
	if k.Hash == "" {
		k.Hash = "SHA256"
	}
	if k.Hash != "SHA256" && k.Hash != "SHA512" {
		return nil, fault.Errorf(fault.Invalid, "kdf hash %q is not supported: use SHA256 or SHA512", k.Hash)
	}
	if k.KeySize == 0 {
		k.KeySize = 64
	}
	var err error
	if c.KDF.Salt != "" {
		if k.Salt, err = base64.StdEncoding.DecodeString(c.KDF.Salt); err != nil {
			return nil, fault.Errorf(fault.Invalid, "kdf salt is not base64: %v", err)
		}
	}
	if c.KDF.Info != "" {
		if k.Info, err = base64.StdEncoding.DecodeString(c.KDF.Info); err != nil {
			return nil, fault.Errorf(fault.Invalid, "kdf info is not base64: %v", err)
		}
	}
	s.KDF = k
	if len(raw.Features) == 0 {
		return nil, fault.Errorf(fault.Invalid, "the schema has no features")
	}
	for i := range raw.Features {
		f, err := raw.Features[i].feature(s)
		if err != nil {
			return nil, fault.Errorf(fault.Invalid, "feature %d (%q): %s", i+1, raw.Features[i].Identifier, fault.Message(err))
		}
		s.Features = append(s.Features, f)
	}
	if err := s.checkKeys(); err != nil {
		return nil, err
	}
	return s, nil
}

// Modulus returns the filter length before folding, l·2^xor_folds.
func (s *Schema) Modulus() int { return s.L << s.XorFolds }

func (s *Schema) checkKeys() error {
	hashLen := 32
	if s.KDF.Hash == "SHA512" {
		hashLen = 64
	}
	if n := 2 * s.KDF.KeySize * len(s.Features); n > 255*hashLen {
		return fault.Errorf(fault.Invalid, "HKDF-%s cannot make %d key bytes for %d features (at most %d): use fewer features, a smaller keySize or SHA512", s.KDF.Hash, n, len(s.Features), 255*hashLen)
	}
	for _, f := range s.Features {
		if !f.Ignored && f.Hash.Type == "blakeHash" && s.KDF.KeySize > 64 {
			return fault.Errorf(fault.Invalid, "feature %q uses blakeHash, whose key is at most 64 bytes, but kdf keySize is %d", f.Identifier, s.KDF.KeySize)
		}
	}
	return nil
}

func (rf *rawFeature) feature(s *Schema) (Feature, error) {
	f := Feature{Identifier: rf.Identifier, Ignored: rf.Ignored}
	if f.Identifier == "" {
		return f, fault.Errorf(fault.Invalid, "a feature needs an identifier")
	}
	if f.Ignored {
		return f, nil
	}
	if err := rf.format(&f); err != nil {
		return f, err
	}
	if err := rf.comparison(&f); err != nil {
		return f, err
	}
	h := rf.Hashing
	switch {
	case h.Strategy.BitsPerToken != nil && h.Strategy.BitsPerFeature == nil && *h.Strategy.BitsPerToken >= 0:
		f.Strategy.BitsPerToken = *h.Strategy.BitsPerToken
	case h.Strategy.BitsPerFeature != nil && h.Strategy.BitsPerToken == nil && *h.Strategy.BitsPerFeature >= 0:
		f.Strategy.BitsPerFeature, f.Strategy.PerFeature = *h.Strategy.BitsPerFeature, true
	default:
		return f, fault.Errorf(fault.Invalid, "hashing.strategy needs exactly one of bitsPerToken and bitsPerFeature, not negative")
	}
	f.Hash.Type = "blakeHash"
	if h.Hash != nil {
		f.Hash.Type, f.Hash.PreventSingularity = h.Hash.Type, h.Hash.PreventSingularity
	}
	switch f.Hash.Type {
	case "blakeHash":
		if m := s.Modulus(); m&(m-1) != 0 {
			return f, fault.Errorf(fault.Invalid, "blakeHash needs l·2^xor_folds to be a power of two, but it is %d: use doubleHash or change l", m)
		}
	case "doubleHash":
	default:
		return f, fault.Errorf(fault.Invalid, "hash type %q is unknown: use blakeHash or doubleHash", f.Hash.Type)
	}
	if mv := h.MissingValue; mv != nil {
		if mv.Sentinel == nil {
			return f, fault.Errorf(fault.Invalid, "missingValue needs a sentinel")
		}
		f.Missing = &MissingValue{Sentinel: *mv.Sentinel, ReplaceWith: *mv.Sentinel}
		if mv.ReplaceWith != nil {
			f.Missing.ReplaceWith = *mv.ReplaceWith
		}
	}
	return f, nil
}

func (rf *rawFeature) format(f *Feature) error {
	r := &rf.Format
	f.Format = Format{Type: r.Type, Encoding: strings.ToLower(r.Encoding), Case: r.Case,
		MinLength: r.MinLength, MaxLength: r.MaxLength, DateFormat: r.Format, Values: r.Values,
		Minimum: r.Minimum, Maximum: r.Maximum}
	switch r.Type {
	case "string":
		if f.Format.Encoding == "" {
			f.Format.Encoding = "utf-8"
		}
		f.Format.Encoding = canonicalEncoding(f.Format.Encoding)
		if _, ok := encoders[f.Format.Encoding]; !ok {
			return fault.Errorf(fault.Invalid, "string encoding %q is not supported: use utf-8, ascii, latin-1, utf-16 or utf-32", r.Encoding)
		}
		if r.Pattern != nil {
			re, err := regexp.Compile(`\A(?:` + *r.Pattern + `)\z`)
			if err != nil {
				return fault.Errorf(fault.Invalid, "pattern %q does not compile: %v", *r.Pattern, err)
			}
			f.Format.Pattern = re
		}
	case "date":
		if r.Format == "" {
			return fault.Errorf(fault.Invalid, "a date format needs a strptime \"format\", e.g. \"%%Y-%%m-%%d\"")
		}
		if _, err := compileStrptime(r.Format); err != nil {
			return err
		}
	case "enum":
		if len(r.Values) == 0 {
			return fault.Errorf(fault.Invalid, "an enum format needs \"values\"")
		}
	case "integer":
	default:
		return fault.Errorf(fault.Invalid, "format type %q is unknown: use string, integer, date or enum", r.Type)
	}
	return nil
}

func (rf *rawFeature) comparison(f *Feature) error {
	c := rf.Hashing.Comparison
	f.Comparison = Comparison{Type: c.Type, N: c.N, Positional: c.Positional, ThresholdDistance: c.ThresholdDistance,
		Resolution: c.Resolution, FractionalPrecision: c.FractionalPrecision}
	switch c.Type {
	case "ngram":
		if c.N < 1 {
			return fault.Errorf(fault.Invalid, "ngram comparison needs n of at least 1, got %d", c.N)
		}
	case "exact":
	case "numeric":
		if c.ThresholdDistance <= 0 || c.Resolution < 1 || c.FractionalPrecision < 0 || c.FractionalPrecision > 15 {
			return fault.Errorf(fault.Invalid, "numeric comparison needs thresholdDistance > 0, resolution ≥ 1 and fractional_precision 0 to 15")
		}
		if d := numericDistance(c.ThresholdDistance, c.FractionalPrecision); d < 1 {
			return fault.Errorf(fault.Invalid, "numeric comparison: thresholdDistance·10^fractional_precision rounds to %d; it must be at least 1", d)
		}
	default:
		return fault.Errorf(fault.Invalid, "comparison type %q is unknown: use ngram, exact or numeric", c.Type)
	}
	return nil
}

// String describes the schema briefly (no key material is in a schema).
func (s *Schema) String() string {
	n := 0
	for _, f := range s.Features {
		if !f.Ignored {
			n++
		}
	}
	return fmt.Sprintf("clkhash v3 schema: %d bits, %d xor folds, %d of %d features hashed", s.L, s.XorFolds, n, len(s.Features))
}

// settings describes everything that decides which bits a value sets, in
// order, and nothing else: not the identifiers (names do not change bits)
// nor checks that only accept or reject a value (pattern, case, lengths,
// enum values, integer range).
func (s *Schema) settings() string {
	var b strings.Builder
	fmt.Fprintf(&b, "l=%d folds=%d", s.L, s.XorFolds)
	for _, f := range s.Features {
		if f.Ignored {
			b.WriteString("|ignored")
			continue
		}
		c := f.Comparison
		fmt.Fprintf(&b, "|%s,%s,%s|%s,%d,%t,%g,%d,%d|%d,%d,%t|%s,%t", f.Format.Type, f.Format.Encoding, f.Format.DateFormat,
			c.Type, c.N, c.Positional, c.ThresholdDistance, c.Resolution, c.FractionalPrecision,
			f.Strategy.BitsPerToken, f.Strategy.BitsPerFeature, f.Strategy.PerFeature, f.Hash.Type, f.Hash.PreventSingularity)
		if f.Missing != nil {
			fmt.Fprintf(&b, "|missing %q→%q", f.Missing.Sentinel, f.Missing.ReplaceWith)
		}
	}
	return b.String()
}
