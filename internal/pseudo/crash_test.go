package pseudo

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain lets this test binary double as a child process that
// pseudonymises a file and says when it is half way, so that a test can kill
// it with SIGKILL mid-write.
func TestMain(m *testing.M) {
	if os.Getenv("CIVICLINK_PSEUDO_CHILD") == "1" {
		os.Exit(childRun(os.Getenv("CHILD_IN"), os.Getenv("CHILD_OUT")))
	}
	os.Exit(m.Run())
}

func childRun(in, out string) int {
	spec, err := ReadSpecFile("testdata/spec.json", "")
	if err != nil {
		fmt.Println(err)
		return 1
	}
	secret, _ := NewSecret([]byte("child secret"))
	said := false
	_, err = Run(context.Background(), Options{Spec: spec, Secret: secret, In: in, Out: out, Workers: 1, Progress: func(n int64) {
		if !said && n >= 2000 {
			fmt.Println("midway")
			said = true
			time.Sleep(time.Minute) // hold the half-written temporary file open until killed
		}
	}})
	if err != nil {
		fmt.Println(err)
		return 1
	}
	return 0
}

// A run killed with SIGKILL part way leaves no output file under its name.
func TestKilledRunLeavesNoOutput(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.csv"), filepath.Join(dir, "encoded.csv")
	writePeople(t, in, 20000)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "CIVICLINK_PSEUDO_CHILD=1", "CHILD_IN="+in, "CHILD_OUT="+out)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	if strings.TrimSpace(line) != "midway" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("child said %q, want midway", line)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("after SIGKILL the output %s exists (err %v); want no file under the final name", out, err)
	}
	if _, err := os.Stat(strings.TrimSuffix(out, ".csv") + ".schema.json"); !os.IsNotExist(err) {
		t.Errorf("after SIGKILL the output schema exists")
	}
	var tmp []string
	for _, n := range ls(t, dir) {
		if strings.Contains(n, ".tmp-") {
			tmp = append(tmp, n)
		}
	}
	if len(tmp) != 1 {
		t.Errorf("files in the folder: %v; want the killed run's one temporary file", ls(t, dir))
	}
}
