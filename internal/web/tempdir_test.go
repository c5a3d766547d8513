package web

import (
	"os"
	"testing"

	"github.com/civiclink/civiclink/internal/tempcheck"
)

// TestMain fails the package's tests when they leave civiclink-* files or
// folders in the temporary directory.
func TestMain(m *testing.M) { os.Exit(tempcheck.Main(m)) }
