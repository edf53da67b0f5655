package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
)

// cdkOutEnv names a real synthesized assembly for the tests below; .ci/run sets it to
// the cdk.out of its `make synth` step.
const cdkOutEnv = "GARCON_CDK_OUT"

// realAssembly returns the assembly named by GARCON_CDK_OUT, or skips the test.
func realAssembly(t *testing.T) string {
	t.Helper()
	dir := os.Getenv(cdkOutEnv)
	if dir == "" {
		t.Skipf("%s is not set: these tests need a real synthesized assembly; run `make synth` and then "+
			"`%s=$PWD/cdk.out go test ./tools/stateguard/...` (.ci/run does this)", cdkOutEnv, cdkOutEnv)
	}
	if _, err := os.Stat(filepath.Join(dir, "manifest.json")); err != nil {
		t.Fatalf("%s=%s is not a cloud assembly: %v", cdkOutEnv, dir, err)
	}
	return dir
}

// copyAssembly copies the manifests and templates of src (not the asset directories,
// which the guard never reads) to a new temporary directory.
func copyAssembly(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		if d.IsDir() {
			if strings.HasPrefix(d.Name(), "asset.") {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if !strings.HasSuffix(d.Name(), ".json") {
			return nil
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), raw, 0o600)
	})
	if err != nil {
		t.Fatalf("copy %s: %v", src, err)
	}
	return dst
}

// template is a stack template of the copied assembly, editable as JSON.
type template struct {
	path string
	doc  map[string]any
}

// openTemplate reads the template of the stack named stack in the assembly dir.
func openTemplate(t *testing.T, dir, stack string) *template {
	t.Helper()
	a, err := LoadAssembly(dir)
	if err != nil {
		t.Fatal(err)
	}
	st, ok := a.Stacks[stack]
	if !ok {
		t.Fatalf("the assembly has no stack %s (stacks: %v)", stack, a.StackNames())
	}
	raw, err := os.ReadFile(st.TemplatePath)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &template{path: st.TemplatePath}
	if err := json.Unmarshal(raw, &tpl.doc); err != nil {
		t.Fatal(err)
	}
	return tpl
}

func (tp *template) resources() map[string]any { return tp.doc["Resources"].(map[string]any) }

// first returns the first logical id (sorted) of a resource of type typ.
func (tp *template) first(t *testing.T, typ string) string {
	t.Helper()
	var ids []string
	for id, r := range tp.resources() {
		if r.(map[string]any)["Type"] == typ {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		t.Fatalf("%s has no %s", tp.path, typ)
	}
	sort.Strings(ids)
	return ids[0]
}

func (tp *template) properties(id string) map[string]any {
	r := tp.resources()[id].(map[string]any)
	p, ok := r["Properties"].(map[string]any)
	if !ok {
		p = map[string]any{}
		r["Properties"] = p
	}
	return p
}

func (tp *template) save(t *testing.T) {
	t.Helper()
	raw, err := json.Marshal(tp.doc)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tp.path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestMain removes the binary buildGuard built, if any.
func TestMain(m *testing.M) {
	code := m.Run()
	if builtBin != "" {
		_ = os.RemoveAll(filepath.Dir(builtBin))
	}
	os.Exit(code)
}

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// buildGuard builds this command once per test run (stdlib only: about a second) and
// returns the binary's path.
func buildGuard(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "stateguard-bin-")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "stateguard")
		if runtime.GOOS == "windows" {
			builtBin += ".exe"
		}
		if out, err := exec.Command("go", "build", "-o", builtBin, ".").CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %w\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

// runBinary runs the built guard and returns its exit status and combined output.
func runBinary(t *testing.T, bin string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), ackEnv+"=")
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0, string(out)
	case errors.As(err, &exit):
		return exit.ExitCode(), string(out)
	default:
		t.Fatalf("run %s: %v", bin, err)
		return -1, ""
	}
}

func TestRealAssemblyAgainstItselfPasses(t *testing.T) {
	src := realAssembly(t)
	head := copyAssembly(t, src)
	a, err := LoadAssembly(src)
	if err != nil {
		t.Fatal(err)
	}
	h, err := LoadAssembly(head)
	if err != nil {
		t.Fatal(err)
	}
	res := Compare(a, h)
	if len(res.Findings) != 0 || res.Stateful == 0 {
		t.Fatalf("identical assemblies: %d findings, %d stateful resources; want 0 findings over > 0 resources: %v",
			len(res.Findings), res.Stateful, res.Findings)
	}
}

func TestRealAssemblyRenamedDatabaseFails(t *testing.T) {
	src := realAssembly(t)
	head := copyAssembly(t, src)
	tpl := openTemplate(t, head, "Production/Data")
	id := tpl.first(t, "AWS::RDS::DBInstance")
	res := tpl.resources()
	res[id+"Renamed"] = res[id]
	delete(res, id)
	tpl.save(t)

	base, err := LoadAssembly(src)
	if err != nil {
		t.Fatal(err)
	}
	h, err := LoadAssembly(head)
	if err != nil {
		t.Fatal(err)
	}
	findings := Compare(base, h).Findings
	if len(findings) != 1 || findings[0].Stack != "Production/Data" || findings[0].LogicalID != id || findings[0].Kind != Deleted {
		t.Fatalf("findings = %v, want one DELETED finding for Production/Data %s", findings, id)
	}

	bin := buildGuard(t)
	code, out := runBinary(t, bin, "-base", src, "-head", head)
	want := "Production/Data: " + id + " (AWS::RDS::DBInstance) would be DELETED"
	if code != 1 || !strings.Contains(out, want) || !strings.Contains(out, id+"Renamed") {
		t.Fatalf("binary: exit %d, want 1 with %q naming the new id; output:\n%s", code, want, out)
	}
	if code, out := runBinary(t, bin, "-base", src, "-head", head, "-acknowledge"); code != 0 || !strings.Contains(out, want) {
		t.Fatalf("binary -acknowledge: exit %d, want 0 with the finding still printed; output:\n%s", code, out)
	}
}

func TestRealAssemblyNamedBucketFails(t *testing.T) {
	src := realAssembly(t)
	head := copyAssembly(t, src)
	tpl := openTemplate(t, head, "Production/Data")
	id := tpl.first(t, "AWS::S3::Bucket")
	tpl.properties(id)["BucketName"] = "garcon-production-renamed"
	tpl.save(t)

	code, out := runBinary(t, buildGuard(t), "-base", src, "-head", head)
	want := "Production/Data: " + id + ` (AWS::S3::Bucket) would be REPLACED: BucketName changed (unset) → "garcon-production-renamed"`
	if code != 1 || !strings.Contains(out, want) {
		t.Fatalf("exit %d, want 1 with %q; output:\n%s", code, want, out)
	}
}

func TestRealAssemblyUnrelatedChangesPass(t *testing.T) {
	src := realAssembly(t)
	head := copyAssembly(t, src)
	tpl := openTemplate(t, head, "Production/Data")
	logs := tpl.first(t, "AWS::Logs::LogGroup")
	tpl.properties(logs)["RetentionInDays"] = 3653
	bucket := tpl.first(t, "AWS::S3::Bucket")
	props := tpl.properties(bucket)
	tags, _ := props["Tags"].([]any)
	props["Tags"] = append(tags, map[string]any{"Key": "reviewed-by", "Value": "stateguard-test"})
	db := tpl.first(t, "AWS::RDS::DBInstance")
	tpl.properties(db)["BackupRetentionPeriod"] = 35
	tpl.save(t)

	if code, out := runBinary(t, buildGuard(t), "-base", src, "-head", head); code != 0 || !strings.Contains(out, "OK") {
		t.Fatalf("a log retention, a bucket tag and a backup retention change: exit %d, want 0; output:\n%s", code, out)
	}
}
