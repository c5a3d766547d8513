//go:build !unix

package linkrun_test

import "time"

// cpuTime is unknown off unix; benchmarks then report zero CPU time.
func cpuTime() time.Duration { return 0 }
