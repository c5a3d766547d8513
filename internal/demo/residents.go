package demo

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/civiclink/civiclink/internal/synth"
)

// ResidentsKey is the store fact holding the synthetic county's own
// residents by district (a JSON object of district code to people): the
// denominators of its rates, as ONS estimates are for real data.
const ResidentsKey = "residents_by_district"

// CountResidents counts the synthetic county's residents by the district
// of their last address, leaving out the people who died before the
// county's end date: the county's own population estimate.
func CountResidents(m *synth.Manifest) (map[string]int64, error) {
	f, err := os.Open(m.Path(m.Population))
	if err != nil {
		return nil, fmt.Errorf("residents: %w", err)
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReader(f))
	r.ReuseRecord = true
	head, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("residents: %s: %w", m.Population, err)
	}
	lad, death := slices.Index(head, "last_lad"), slices.Index(head, "death_date")
	if lad < 0 || death < 0 {
		return nil, fmt.Errorf("residents: %s has no last_lad or death_date column", m.Population)
	}
	out := map[string]int64{}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("residents: %s: %w", m.Population, err)
		}
		if rec[death] == "" && rec[lad] != "" {
			out[rec[lad]]++
		}
	}
}

// metaStore is the part of the store the residents fact needs.
type metaStore interface {
	SetMeta(ctx context.Context, key, value string) error
	Meta(ctx context.Context, key string) (string, error)
}

// SaveResidents records residents as the store's [ResidentsKey] fact.
func SaveResidents(ctx context.Context, st metaStore, residents map[string]int64) error {
	b, err := json.Marshal(residents)
	if err != nil {
		return err
	}
	return st.SetMeta(ctx, ResidentsKey, string(b))
}

// LoadResidents reads the store's [ResidentsKey] fact; nil when the store
// holds no synthetic county.
func LoadResidents(ctx context.Context, st metaStore) (map[string]int64, error) {
	v, err := st.Meta(ctx, ResidentsKey)
	if err != nil || v == "" {
		return nil, err
	}
	var out map[string]int64
	if err := json.Unmarshal([]byte(v), &out); err != nil {
		return nil, fmt.Errorf("the store's %s is not a JSON object of district populations: %v", ResidentsKey, err)
	}
	return out, nil
}
