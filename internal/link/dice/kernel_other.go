//go:build !amd64

package dice

// archKernels returns no vector kernels: other architectures use the
// pure-Go scalar loop.
func archKernels() []kernel { return nil }
