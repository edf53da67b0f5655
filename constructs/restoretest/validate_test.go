package restoretest_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// python3 returns the interpreter, or skips the test when there is none.
func python3(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed: validate.py is not checked here (CI has it)")
	}
	return path
}

// runPython runs python3 with args in this directory, writing byte code to a temporary
// directory so that the source tree stays clean.
func runPython(t *testing.T, args ...string) {
	t.Helper()
	cmd := exec.Command(python3(t), args...)
	cmd.Env = append(os.Environ(), "PYTHONPYCACHEPREFIX="+filepath.Join(t.TempDir(), "pycache"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python3 %v: %v\n%s", args, err, out)
	}
}

func TestValidationCodeCompiles(t *testing.T) {
	runPython(t, "-m", "py_compile", "validate.py")
}

// validate_test.py stubs boto3 and checks the handler's verdicts.
func TestValidationCodeUnitTests(t *testing.T) {
	runPython(t, "-m", "unittest", "validate_test")
}
