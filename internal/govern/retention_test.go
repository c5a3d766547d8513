package govern

import (
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/catalog"
)

func TestPurgeDue(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC).AddDate(0, 0, d) }
	v := func(id int64, ds string, loaded int) *catalog.Version {
		return &catalog.Version{ID: id, DatasetID: ds, Number: int(id), LoadedAt: day(loaded)}
	}
	short, long, draft := baseAgreement(), baseAgreement(), baseAgreement()
	short.ID, short.RetentionDays = "short", 30
	long.ID, long.RetentionDays, long.Status = "long", 90, Ended
	long.Datasets = long.Datasets[:1] // police-ds only
	draft.ID, draft.RetentionDays, draft.Status = "draft", 1, Draft
	versions := []*catalog.Version{v(1, "police-ds", 0), v(2, "council-ds", 0), v(3, "council-ds", 20), v(4, "other-ds", 0)}
	tests := []struct {
		now  int
		want []int64
	}{
		{29, nil},
		{30, []int64{2}},
		{50, []int64{2, 3}},
		{90, []int64{1, 2, 3}},
	}
	for _, tt := range tests {
		got := PurgeDue(versions, []*Agreement{short, long, draft}, day(tt.now))
		var ids []int64
		for _, p := range got {
			ids = append(ids, p.Version.ID)
			if p.Version.ID == 1 && (p.Agreement != "long" || !p.RetainUntil.Equal(day(90))) {
				t.Errorf("day %d: version 1 kept by %s until %v, want long until %v", tt.now, p.Agreement, p.RetainUntil, day(90))
			}
		}
		if len(ids) != len(tt.want) {
			t.Errorf("day %d: got %v, want %v", tt.now, ids, tt.want)
			continue
		}
		for i := range ids {
			if ids[i] != tt.want[i] {
				t.Errorf("day %d: got %v, want %v", tt.now, ids, tt.want)
			}
		}
	}
}
