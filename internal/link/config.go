package link

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/civiclink/civiclink/internal/fault"
)

// Config says how to link: which comparisons make up the model, which
// blocking rules propose candidate pairs, and how pairs become clusters.
// It is plain JSON so a user can keep one per linkage task.
type Config struct {
	// IDColumn names the column that identifies a record within its file.
	// The engine does not use it; readers of files do.
	IDColumn string `json:"id_column,omitempty"`
	// Comparisons are the model's comparisons, at most 16.
	Comparisons []ComparisonSpec `json:"comparisons"`
	// Blocking rules are unioned: a pair is a candidate when any rule's
	// key agrees on both records. In JSON, "blocking": "auto" leaves them
	// to be chosen from the data (see AutoBlocking).
	Blocking []BlockingRule `json:"blocking"`
	// AutoBlocking, when set, has the engine choose the blocking rules
	// from the data alone, to reach a target estimated recall within a
	// comparison budget (see [SuggestBlocking]). It is set by
	// "blocking": "auto" and tuned by "auto_blocking".
	AutoBlocking *AutoBlocking `json:"auto_blocking,omitempty"`
	// MaxBlockSize skips (and reports) any block with more records than
	// this, so one common key cannot make the run quadratic. Default 2000.
	MaxBlockSize int `json:"max_block_size,omitempty"`
	// Threshold is the match probability from which a pair is a match.
	// When zero, it is chosen from TargetPrecision, else 0.5.
	Threshold float64 `json:"threshold,omitempty"`
	// TargetPrecision picks the lowest threshold whose estimated precision
	// (the mean match probability of the pairs above it) reaches it.
	TargetPrecision float64 `json:"target_precision,omitempty"`
	// Dedupe also pairs records of the same dataset when there are several.
	// With one dataset it is always on.
	Dedupe bool `json:"dedupe,omitempty"`
	// OneToOne lets a cluster hold at most one record of each dataset, for
	// datasets known to hold no duplicates.
	OneToOne bool `json:"one_to_one,omitempty"`
	// Cluster tunes the guards against chaining.
	Cluster ClusterSpec `json:"cluster"`
	// USamples is the number of random pairs for u (default 200000). The
	// u of exact agreement comes from value counts, not from sampling.
	USamples int `json:"u_samples,omitempty"`
	// EMIterations caps expectation maximisation (default 100).
	EMIterations int `json:"em_iterations,omitempty"`
	// Seed makes random sampling repeatable (default 1).
	Seed uint64 `json:"seed,omitempty"`
	// Truth says where the true entities are, for evaluation and blocking
	// recall. The engine never matches on it; a config whose comparisons
	// or blocking read the truth column is invalid.
	Truth *TruthSpec `json:"truth,omitempty"`
}

// TruthSpec names a source of true entity ids: a regular expression whose
// first group, applied to record ids, is the entity (FEBRL:
// "^rec-(\\d+)-"); a column of the files holding the entity; or a truth
// CSV file of (dataset, record_id, person_id).
type TruthSpec struct {
	IDRegex string `json:"id_regex,omitempty"`
	Column  string `json:"column,omitempty"`
	File    string `json:"file,omitempty"`
}

// ComparisonSpec is one comparison of the model: a field (or several
// joined), a kind of comparison, and its level thresholds.
type ComparisonSpec struct {
	// Name labels the comparison in reports; default the field name.
	Name string `json:"name,omitempty"`
	// Field is the compared field; Fields joins several with a space.
	Field  string   `json:"field,omitempty"`
	Fields []string `json:"fields,omitempty"`
	// Kind is one of exact, jaro_winkler, levenshtein, damerau, date,
	// postcode, dice.
	Kind string `json:"kind"`
	// Thresholds are the kind's level boundaries, best first: similarities
	// for jaro_winkler and dice, edit distances for levenshtein and damerau,
	// day differences for date.
	Thresholds []float64 `json:"thresholds,omitempty"`
	// TF adjusts exact agreement for how common the agreed value is.
	TF bool `json:"tf,omitempty"`
	// Raw compares values as given (only surrounding space trimmed), for
	// tokens and encodings; plain values are lower-cased and tidied.
	Raw bool `json:"raw,omitempty"`
	// Bits is the Bloom-filter length for the dice kind.
	Bits int `json:"bits,omitempty"`
	// SwapWith names a field whose value may have been written in this
	// one's place (surname for forename): a pair whose values agree
	// crosswise gets a "swapped" level just below exact.
	SwapWith string `json:"swap_with,omitempty"`
}

// FieldList returns the fields the comparison reads.
func (s ComparisonSpec) FieldList() []string {
	if len(s.Fields) > 0 {
		return s.Fields
	}
	return []string{s.Field}
}

// Label returns the comparison's name, or its fields when unnamed.
func (s ComparisonSpec) Label() string {
	if s.Name != "" {
		return s.Name
	}
	return strings.Join(s.FieldList(), "+")
}

// BlockingRule is a key made of one or more parts; records with equal
// keys are compared. A record with any part missing is not blocked by it.
type BlockingRule struct {
	Name string    `json:"name,omitempty"`
	Keys []KeyPart `json:"keys,omitempty"`
	// LSH blocks Bloom filters by Hamming locality-sensitive hashing:
	// records sharing any band's key are compared. With Keys as well, they
	// must also agree on the keys (an exact anchor, say the date of birth,
	// with similar names). It reports as one rule per band.
	LSH *LSHSpec `json:"lsh,omitempty"`
	// MaxBlockSize, when set, is this rule's own cap in place of the
	// config's: a key that is near-unique per person (names) can take a
	// low cap, so the names common in a large population do not make the
	// run quadratic.
	MaxBlockSize int `json:"max_block_size,omitempty"`

	band int // which band of an LSH rule this is, once expanded
}

// LSHSpec configures LSH blocking on fields of base64 Bloom filters,
// read as one bit string (Field, or Fields concatenated): Bands keys per
// record, each from BandBits sampled bit positions, drawn from Seed (see
// dice.NewLSH for how these set recall). A record missing any of the
// filters gets no key. Bits is each filter's length when the values do
// not say (they do: it is read from the first value).
type LSHSpec struct {
	Field    string   `json:"field,omitempty"`
	Fields   []string `json:"fields,omitempty"`
	Bits     int      `json:"bits,omitempty"`
	Bands    int      `json:"bands"`
	BandBits int      `json:"band_bits"`
	Seed     uint64   `json:"seed,omitempty"`
}

// KeyPart is one field of a blocking key with a transform: "" (the whole
// value), prefix (first N characters), soundex, year, year_month,
// month_day, postcode_district (UK outward code, else first N characters,
// default 3), or sorted_tokens (the value's words in order).
type KeyPart struct {
	// Field is the keyed field; Fields joins several with a space (with
	// sorted_tokens, a key that survives forename and surname swapped).
	Field     string   `json:"field,omitempty"`
	Fields    []string `json:"fields,omitempty"`
	Transform string   `json:"transform,omitempty"`
	N         int      `json:"n,omitempty"`
	// Raw keys on the value as given (surrounding space trimmed), for
	// tokens and encodings; plain values are lower-cased and tidied first.
	Raw bool `json:"raw,omitempty"`
}

// FieldList returns the filter fields the LSH reads.
func (s LSHSpec) FieldList() []string {
	if len(s.Fields) > 0 {
		return s.Fields
	}
	return []string{s.Field}
}

// FieldList returns the fields the key part reads.
func (k KeyPart) FieldList() []string {
	if len(k.Fields) > 0 {
		return k.Fields
	}
	return []string{k.Field}
}

// Label returns the rule's name, or its parts written out.
func (r BlockingRule) Label() string {
	if r.LSH != nil {
		name := r.Name
		if name == "" {
			name = "lsh(" + strings.Join(r.LSH.FieldList(), "+") + ")"
		}
		return fmt.Sprintf("%s#%d", name, r.band)
	}
	if r.Name != "" {
		return r.Name
	}
	parts := make([]string, len(r.Keys))
	for i, k := range r.Keys {
		parts[i] = strings.Join(k.FieldList(), "+")
		if k.Transform != "" {
			parts[i] = fmt.Sprintf("%s(%s", k.Transform, strings.Join(k.FieldList(), "+"))
			if k.N > 0 {
				parts[i] += fmt.Sprintf(",%d", k.N)
			}
			parts[i] += ")"
		}
	}
	return strings.Join(parts, "&")
}

// ClusterSpec tunes clustering. With all fields zero, clusters are the
// connected components of the matched pairs.
type ClusterSpec struct {
	// MinDensity refuses to join two groups unless at least this share of
	// the pairs between them are matches (0 to 1): a single weak link then
	// cannot chain two people together.
	MinDensity float64 `json:"min_density,omitempty"`
	// MaxSize refuses to grow a cluster past this many records.
	MaxSize int `json:"max_size,omitempty"`
}

// ParseConfig reads a JSON config, rejecting unknown fields, and
// validates it.
func ParseConfig(data []byte) (Config, error) {
	var c Config
	data, auto, err := autoBlockingJSON(data)
	if err != nil {
		return c, err
	}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return c, fault.Errorf(fault.Invalid, "link config: %v", err)
	}
	if auto && c.AutoBlocking == nil {
		c.AutoBlocking = &AutoBlocking{}
	}
	return c, c.Validate()
}

// withDefaults returns c with zero settings replaced by defaults.
func (c Config) withDefaults() Config {
	if c.MaxBlockSize == 0 {
		c.MaxBlockSize = 2000
	}
	if c.USamples == 0 {
		c.USamples = 200000
	}
	if c.EMIterations == 0 {
		c.EMIterations = 100
	}
	if c.Seed == 0 {
		c.Seed = 1
	}
	return c
}

var kindNames = []string{"exact", "jaro_winkler", "levenshtein", "damerau", "date", "postcode", "dice"}

var transforms = []string{"", "prefix", "soundex", "year", "year_month", "month_day", "postcode_district", "sorted_tokens"}

// Validate reports the first thing wrong with the config, saying how to
// fix it.
func (c Config) Validate() error {
	if len(c.Comparisons) == 0 || len(c.Comparisons) > MaxComparisons {
		return fault.Errorf(fault.Invalid, "link config has %d comparisons: give from 1 to %d", len(c.Comparisons), MaxComparisons)
	}
	names := map[string]bool{}
	for i, s := range c.Comparisons {
		if s.Field == "" && len(s.Fields) == 0 {
			return fault.Errorf(fault.Invalid, "comparison %d names no field: set \"field\"", i+1)
		}
		if !slices.Contains(kindNames, s.Kind) {
			return fault.Errorf(fault.Invalid, "comparison %s has kind %q: use one of %s", s.Label(), s.Kind, strings.Join(kindNames, ", "))
		}
		if names[s.Label()] {
			return fault.Errorf(fault.Invalid, "two comparisons are called %s: give one a \"name\"", s.Label())
		}
		names[s.Label()] = true
		if len(s.Thresholds) > maxLevels-4 {
			return fault.Errorf(fault.Invalid, "comparison %s has %d thresholds: use at most %d", s.Label(), len(s.Thresholds), maxLevels-4)
		}
		for _, t := range s.Thresholds {
			if math.IsNaN(t) || t < 0 {
				return fault.Errorf(fault.Invalid, "comparison %s has threshold %v: thresholds must not be negative", s.Label(), t)
			}
		}
	}
	if err := c.validateAutoBlocking(); err != nil {
		return err
	}
	if len(c.Blocking) == 0 && c.AutoBlocking == nil {
		return fault.Errorf(fault.Invalid, "link config has no blocking rules: add at least one, e.g. {\"keys\":[{\"field\":\"surname\"}]}, or set \"blocking\": \"auto\"")
	}
	for i, r := range c.Blocking {
		if r.LSH != nil {
			if slices.Contains(r.LSH.FieldList(), "") || r.LSH.Bands < 1 || r.LSH.BandBits < 1 || r.LSH.BandBits > 64 {
				return fault.Errorf(fault.Invalid, "blocking rule %d: an lsh rule needs a field (or fields), bands >= 1 and band_bits from 1 to 64", i+1)
			}
		}
		if r.MaxBlockSize < 0 {
			return fault.Errorf(fault.Invalid, "blocking rule %s: max_block_size must not be negative", r.Label())
		}
		if len(r.Keys) == 0 && r.LSH == nil {
			return fault.Errorf(fault.Invalid, "blocking rule %d has no keys", i+1)
		}
		for _, k := range r.Keys {
			if (k.Field == "" && len(k.Fields) == 0) || !slices.Contains(transforms, k.Transform) {
				return fault.Errorf(fault.Invalid, "blocking rule %s: each key needs a field and a transform among %s", r.Label(), strings.Join(transforms[1:], ", "))
			}
			if k.Transform == "prefix" && k.N <= 0 {
				return fault.Errorf(fault.Invalid, "blocking rule %s: a prefix key needs \"n\" > 0", r.Label())
			}
		}
	}
	if c.Threshold < 0 || c.Threshold >= 1 || c.TargetPrecision < 0 || c.TargetPrecision >= 1 {
		return fault.Errorf(fault.Invalid, "threshold %v and target_precision %v must be from 0 to below 1", c.Threshold, c.TargetPrecision)
	}
	if c.MaxBlockSize < 0 || c.USamples < 0 || c.EMIterations < 0 || c.Cluster.MaxSize < 0 {
		return fault.Errorf(fault.Invalid, "max_block_size, u_samples, em_iterations and cluster.max_size must not be negative")
	}
	if c.Truth != nil && c.Truth.Column != "" && c.UsesField(c.Truth.Column) {
		return fault.Errorf(fault.Invalid, "column %q holds the truth and must not be used for matching: remove it from comparisons and blocking", c.Truth.Column)
	}
	if c.Cluster.MinDensity < 0 || c.Cluster.MinDensity > 1 {
		return fault.Errorf(fault.Invalid, "cluster.min_density %v must be from 0 to 1", c.Cluster.MinDensity)
	}
	return nil
}

// UsesField reports whether any comparison or blocking rule reads field f,
// so a caller can refuse to match on a truth column.
func (c Config) UsesField(f string) bool {
	for _, s := range c.Comparisons {
		if slices.Contains(s.FieldList(), f) || s.SwapWith == f {
			return true
		}
	}
	for _, r := range c.Blocking {
		if r.LSH != nil && slices.Contains(r.LSH.FieldList(), f) {
			return true
		}
		for _, k := range r.Keys {
			if slices.Contains(k.FieldList(), f) {
				return true
			}
		}
	}
	return false
}
