package storetest

import (
	"fmt"
	"os"
	"runtime"
	"testing"
	"time"
)

// Watchdog ends the test process, rather than let it hang, when the
// returned stop is not called within d: it writes what was under way and
// every goroutine's stack to stderr and panics. It is for work that
// cannot be interrupted once stuck — an open of a DuckDB file spinning in
// DuckDB's instance cache never returns and holds the cache's lock, so
// every later open in the process would wait behind it until go test's
// own timeout (store/close.go).
func Watchdog(tb testing.TB, what string, d time.Duration) (stop func()) {
	tb.Helper()
	name := tb.Name()
	t := time.AfterFunc(d, func() {
		buf := make([]byte, 1<<22)
		n := runtime.Stack(buf, true)
		fmt.Fprintf(os.Stderr, "%s: %s did not finish within %s; the goroutines:\n%s\n", name, what, d, buf[:n])
		panic(fmt.Sprintf("%s: %s did not finish within %s (stacks above)", name, what, d))
	})
	return func() { t.Stop() }
}
