package audit

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/fault"
)

func sample() Event {
	return Event{
		Time: time.Date(2026, 11, 23, 9, 30, 1, 123456789, time.FixedZone("BST", 3600)),
		User: "analyst1", Partner: "council", Action: "query", Purpose: "violence-reduction",
		Target:    "dataset:incidents@3",
		Datasets:  []Dataset{{ID: "incidents@3", Owner: "police"}, {ID: "ae-attendances@1", Owner: "nhs"}, {ID: "calls@2", Owner: "police"}},
		Agreement: "dsa-7", Outcome: Allowed, Reason: "agreement",
		Details: json.RawMessage(`{ "rows" : 12, "note": "a<b & c" }`),
	}
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	cases := []struct {
		name string
		e    Event
	}{
		{"full", sample()},
		{"minimal", Event{User: "u", Action: "login", Outcome: Denied}},
		{"unicode", Event{User: "Zoë", Action: "export", Outcome: Error, Reason: "disk full ✗"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, err := Encode(42, c.e)
			if err != nil {
				t.Fatal(err)
			}
			idx, got, err := Decode(b)
			if err != nil {
				t.Fatalf("decode %s: %v", b, err)
			}
			if idx != 42 {
				t.Errorf("index = %d, want 42", idx)
			}
			again, err := Encode(idx, got)
			if err != nil || !bytes.Equal(again, b) {
				t.Errorf("re-encoded = %s, want %s (%v)", again, b, err)
			}
			if want := c.e.Time.UTC().Truncate(time.Microsecond); !got.Time.Equal(want) {
				t.Errorf("time = %v, want %v", got.Time, want)
			}
			if got.User != c.e.User || got.Reason != c.e.Reason || len(got.Datasets) != len(c.e.Datasets) {
				t.Errorf("decoded %+v, want %+v", got, c.e)
			}
		})
	}
}

func TestEncodeIsCanonical(t *testing.T) {
	b, err := Encode(7, sample())
	if err != nil {
		t.Fatal(err)
	}
	want := `{"v":1,"index":7,"time":"2026-11-23T08:30:01.123456Z","user":"analyst1","partner":"council","action":"query",` +
		`"purpose":"violence-reduction","target":"dataset:incidents@3","datasets":[{"id":"incidents@3","owner":"police"},` +
		`{"id":"ae-attendances@1","owner":"nhs"},{"id":"calls@2","owner":"police"}],"agreement":"dsa-7","outcome":"allowed",` +
		`"reason":"agreement","details":{"rows":12,"note":"a\u003cb \u0026 c"}}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
}

func TestDecodeRejectsEdits(t *testing.T) {
	good, _ := Encode(3, sample())
	cases := []struct {
		name string
		b    string
		want string
	}{
		{"space added", strings.Replace(string(good), `"user":`, `"user": `, 1), "canonical"},
		{"fields reordered", strings.Replace(string(good), `{"v":1,"index":3,`, `{"index":3,"v":1,`, 1), "canonical"},
		{"unknown field", strings.Replace(string(good), `"v":1,`, `"v":1,"x":1,`, 1), "unknown field"},
		{"other version", strings.Replace(string(good), `"v":1,`, `"v":2,`, 1), "version"},
		{"time not UTC", strings.Replace(string(good), `08:30:01.123456Z`, `09:30:01.123456+01:00`, 1), "canonical"},
		{"truncated", string(good[:len(good)-2]), "not a valid"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := Decode([]byte(c.b))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error = %v, want one containing %q", err, c.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	cases := []struct {
		name string
		edit func(*Event)
		ok   bool
	}{
		{"good", func(*Event) {}, true},
		{"dotted action", func(e *Event) { e.Action = "agreement.approve" }, true},
		{"no user", func(e *Event) { e.User = "" }, false},
		{"upper-case action", func(e *Event) { e.Action = "Query" }, false},
		{"empty action", func(e *Event) { e.Action = "" }, false},
		{"bad outcome", func(e *Event) { e.Outcome = "ok" }, false},
		{"dataset without owner", func(e *Event) { e.Datasets[0].Owner = "" }, false},
		{"details not an object", func(e *Event) { e.Details = json.RawMessage(`[1]`) }, false},
		{"details not JSON", func(e *Event) { e.Details = json.RawMessage(`{`) }, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := sample()
			c.edit(&e)
			err := e.Validate()
			if got := err == nil; got != c.ok {
				t.Fatalf("valid = %v (%v), want %v", got, err, c.ok)
			}
			if err != nil && fault.Code(err) != fault.Invalid {
				t.Errorf("code = %q, want %q", fault.Code(err), fault.Invalid)
			}
		})
	}
}

func TestOwners(t *testing.T) {
	e := sample()
	if got, want := strings.Join(e.Owners(), ","), "police,nhs"; got != want {
		t.Errorf("owners = %q, want %q", got, want)
	}
}

// FuzzDecode checks that whatever Decode accepts, Encode gives back byte
// for byte, so there is one accepted form per entry.
func FuzzDecode(f *testing.F) {
	good, _ := Encode(3, sample())
	f.Add(good)
	f.Add([]byte(`{"v":1,"index":0,"time":"0001-01-01T00:00:00Z","user":"u","action":"a","outcome":"allowed"}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		idx, e, err := Decode(b)
		if err != nil {
			return
		}
		again, err := Encode(idx, e)
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("decoded %q but re-encoded %q (%v)", b, again, err)
		}
	})
}
