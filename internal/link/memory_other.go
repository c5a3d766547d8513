//go:build !linux

package link

// physicalMemory is the machine's memory in bytes (0 unknown: the default
// budget is then 4 GiB).
func physicalMemory() int64 { return 0 }
