//go:build !unix

package link_test

import "time"

// cpuTime is unknown off unix; benchmarks then report zero CPU time.
func cpuTime() time.Duration { return 0 }
