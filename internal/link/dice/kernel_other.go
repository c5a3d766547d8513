//go:build !amd64 || purego

package dice

// archKernels returns no vector kernels: other architectures, and builds
// with the purego tag (to test the portable path on amd64), use the pure-Go
// scalar loop.
func archKernels() []kernel { return nil }
