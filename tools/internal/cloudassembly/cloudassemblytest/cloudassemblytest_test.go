package cloudassemblytest

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/garcon/infrastructure/tools/internal/cloudassembly"
)

func TestSkipsWithoutTheVariable(t *testing.T) {
	t.Setenv(Env, "")
	ran, skipped := false, false
	t.Run("needs an assembly", func(t *testing.T) {
		defer func() { skipped = t.Skipped() }()
		Dir(t)
		ran = true
	})
	if ran || !skipped {
		t.Fatalf("without %s: Dir returned = %v, skipped = %v; want a skip", Env, ran, skipped)
	}
}

func TestDirAndLoad(t *testing.T) {
	fixture := filepath.Join("..", "..", "..", "costestimate", "testdata", "assembly")
	t.Setenv(Env, fixture)
	if got := Dir(t); got != fixture {
		t.Fatalf("Dir = %q, want %q", got, fixture)
	}
	if a := Load(t); len(a.Stacks) != 4 || a.Dir != fixture {
		t.Fatalf("Load read %d stacks from %q, want the fixture's 4", len(a.Stacks), a.Dir)
	}
}

func TestCopyAndEditATemplate(t *testing.T) {
	// A source with an asset directory, which Copy leaves out.
	src := Copy(t, filepath.Join("..", "..", "..", "costestimate", "testdata", "assembly"))
	asset := filepath.Join(src, "asset.0123abcd")
	if err := os.MkdirAll(asset, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(asset, "index.json"), []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}

	dir := Copy(t, src)
	if _, err := os.Stat(filepath.Join(dir, "asset.0123abcd")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the asset directory was copied (stat: %v)", err)
	}
	tpl := OpenTemplate(t, dir, "Test/Net")
	nat := tpl.First(t, "AWS::EC2::NatGateway")
	if nat != "Nat1" {
		t.Fatalf("First = %s, want Nat1 (of Nat1, Nat2)", nat)
	}
	tpl.Properties(nat)["ConnectivityType"] = "private"
	tpl.Save(t)

	edited, err := cloudassembly.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := edited.Stack("Test/Net").Resources[nat].Properties["ConnectivityType"]; got != "private" {
		t.Errorf("the copy's %s has ConnectivityType %v, want the saved edit", nat, got)
	}
	orig, err := cloudassembly.Load(src)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := orig.Stack("Test/Net").Resources[nat].Properties["ConnectivityType"]; ok {
		t.Error("editing the copy changed the source")
	}
}
