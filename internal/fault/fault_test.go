package fault_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/fault"
)

// TestCatch checks that Catch passes a function's error through and
// turns a panic into an internal error whose message says nothing of the
// panic and whose cause keeps it (value and stack) for the log.
func TestCatch(t *testing.T) {
	refused := fault.Errorf(fault.Forbidden, "no agreement covers this")
	tests := []struct {
		name      string
		f         func() error
		code      string
		inMessage string
		inCause   string
	}{
		{"no error", func() error { return nil }, "", "", ""},
		{"an error passes through", func() error { return refused }, fault.Forbidden, "no agreement", ""},
		{"a panic", func() error { panic("interface conversion: any is *T, not *U") }, fault.Internal, "internal error", "interface conversion"},
		{"a nil map write", func() error { var m map[string]int; m["x"] = 1; return nil }, fault.Internal, "internal error", "nil map"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := fault.Catch(tt.f)
			if tt.code == "" {
				if err != nil {
					t.Fatalf("err = %v, want nil", err)
				}
				return
			}
			if fault.Code(err) != tt.code || !strings.Contains(fault.Message(err), tt.inMessage) {
				t.Fatalf("err = %v (code %s, message %q), want code %s saying %q", err, fault.Code(err), fault.Message(err), tt.code, tt.inMessage)
			}
			if tt.inCause == "" {
				return
			}
			if strings.Contains(fault.Message(err), tt.inCause) {
				t.Errorf("message %q shows the panic to the user", fault.Message(err))
			}
			cause := errors.Unwrap(err)
			if cause == nil || !strings.Contains(cause.Error(), tt.inCause) || !strings.Contains(cause.Error(), "goroutine") {
				t.Errorf("cause %v does not keep the panic and its stack", cause)
			}
		})
	}
}
