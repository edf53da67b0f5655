// Package cloudassemblytest gives the tools' tests the real synthesized assembly of this
// app, named by the GARCON_CDK_OUT environment variable (.ci/run sets it to the cdk.out of
// its `make synth` step). Tests that need it are skipped when it is not set.
package cloudassemblytest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/garcon/infrastructure/tools/internal/cloudassembly"
)

// Env is the environment variable that names a synthesized cloud assembly of this app.
const Env = "GARCON_CDK_OUT"

// Dir returns the directory Env names. It skips the test when Env is not set and fails it
// when the directory is not a cloud assembly (a wrong path must not pass as a skip).
func Dir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv(Env)
	if dir == "" {
		t.Skipf("%s is not set: this test needs a real synthesized assembly; run `make synth`, then "+
			"`%s=$PWD/cdk.out go test ./tools/...` (.ci/run does this)", Env, Env)
	}
	if _, err := os.Stat(filepath.Join(dir, "manifest.json")); err != nil { //nolint:gosec // the developer's own GARCON_CDK_OUT
		t.Fatalf("%s=%s is not a cloud assembly: %v", Env, dir, err)
	}
	return dir
}

// Load returns the assembly Dir names, read with cloudassembly.Load and opts; it fails
// the test when the assembly cannot be read.
func Load(t testing.TB, opts ...cloudassembly.Option) *cloudassembly.Assembly {
	t.Helper()
	dir := Dir(t)
	a, err := cloudassembly.Load(dir, opts...)
	if err != nil {
		t.Fatalf("%s=%s: %v", Env, dir, err)
	}
	return a
}
