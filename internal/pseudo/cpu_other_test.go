//go:build !unix

package pseudo

// cpuSeconds is not measured here; records/cpu-s then reads +Inf.
func cpuSeconds() float64 { return 0 }
