package ingest_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/civiclink/civiclink/internal/ingest"
)

type parquetIncident struct {
	IncidentID string  `parquet:"incident_id"`
	OccurredOn int32   `parquet:"occurred_on,date"` // days since 1970-01-01
	CrimeType  *string `parquet:"crime_type,optional"`
	Victims    int64   `parquet:"victims"`
	Cost       float64 `parquet:"cost"`
	Abuse      bool    `parquet:"domestic_abuse"`
}

func TestRunParquet(t *testing.T) {
	theft := "theft"
	rows := []parquetIncident{
		{"p1", days(2024, 1, 3), &theft, 2, 1.5, true},
		{"p2", days(2024, 2, 29), nil, 0, 0, false},
	}
	path := filepath.Join(t.TempDir(), "inc.parquet")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := parquet.Write(f, rows); err != nil {
		t.Fatal(err)
	}
	f.Close()

	st, _ := newStore(t)
	res, err := ingest.Run(context.Background(), st, ingest.Request{DatasetID: "incidents", Path: path})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if res.Version.Rows != 2 || res.Version.Format != "parquet" {
		t.Fatalf("version = %+v, want 2 parquet rows", res.Version)
	}
	var when time.Time
	var crime *string
	if err := st.DB().QueryRow(`SELECT occurred_on, crime_type FROM `+res.Version.Table+` WHERE incident_id = 'p2'`).Scan(&when, &crime); err != nil {
		t.Fatal(err)
	}
	if !when.Equal(time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)) || crime != nil {
		t.Errorf("p2 = %v %v, want 2024-02-29 and a null crime type", when, crime)
	}
}

func TestRunParquetNotParquet(t *testing.T) {
	st, _ := newStore(t)
	_, err := ingest.Run(context.Background(), st, ingest.Request{DatasetID: "incidents", Path: writeTemp(t, "x.parquet", []byte("not parquet at all"))})
	if err == nil || versions(t, st) != 0 {
		t.Fatalf("want an error and no version, got %v", err)
	}
}

func days(y int, m time.Month, d int) int32 {
	return int32(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}
