package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/garcon/infrastructure/tools/internal/cloudassembly/cloudassemblytest"
)

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
	src := cloudassemblytest.Dir(t)
	head := cloudassemblytest.Copy(t, src)
	res := Compare(loadDir(t, src), loadDir(t, head))
	if len(res.Findings) != 0 || res.Stateful == 0 {
		t.Fatalf("identical assemblies: %d findings, %d stateful resources; want 0 findings over > 0 resources: %v",
			len(res.Findings), res.Stateful, res.Findings)
	}
}

func TestRealAssemblyRenamedDatabaseFails(t *testing.T) {
	src := cloudassemblytest.Dir(t)
	head := cloudassemblytest.Copy(t, src)
	tpl := cloudassemblytest.OpenTemplate(t, head, "Production/Data")
	id := tpl.First(t, "AWS::RDS::DBInstance")
	res := tpl.Resources()
	res[id+"Renamed"] = res[id]
	delete(res, id)
	tpl.Save(t)

	findings := Compare(loadDir(t, src), loadDir(t, head)).Findings
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
	src := cloudassemblytest.Dir(t)
	head := cloudassemblytest.Copy(t, src)
	tpl := cloudassemblytest.OpenTemplate(t, head, "Production/Data")
	id := tpl.First(t, "AWS::S3::Bucket")
	tpl.Properties(id)["BucketName"] = "garcon-production-renamed"
	tpl.Save(t)

	code, out := runBinary(t, buildGuard(t), "-base", src, "-head", head)
	want := "Production/Data: " + id + ` (AWS::S3::Bucket) would be REPLACED: BucketName changed (unset) → "garcon-production-renamed"`
	if code != 1 || !strings.Contains(out, want) {
		t.Fatalf("exit %d, want 1 with %q; output:\n%s", code, want, out)
	}
}

func TestRealAssemblyUnrelatedChangesPass(t *testing.T) {
	src := cloudassemblytest.Dir(t)
	head := cloudassemblytest.Copy(t, src)
	tpl := cloudassemblytest.OpenTemplate(t, head, "Production/Data")
	logs := tpl.First(t, "AWS::Logs::LogGroup")
	tpl.Properties(logs)["RetentionInDays"] = 3653
	bucket := tpl.First(t, "AWS::S3::Bucket")
	props := tpl.Properties(bucket)
	tags, _ := props["Tags"].([]any)
	props["Tags"] = append(tags, map[string]any{"Key": "reviewed-by", "Value": "stateguard-test"})
	db := tpl.First(t, "AWS::RDS::DBInstance")
	tpl.Properties(db)["BackupRetentionPeriod"] = 35
	tpl.Save(t)

	if code, out := runBinary(t, buildGuard(t), "-base", src, "-head", head); code != 0 || !strings.Contains(out, "OK") {
		t.Fatalf("a log retention, a bucket tag and a backup retention change: exit %d, want 0; output:\n%s", code, out)
	}
}

// Finding 13.3: a CloudFormation update of the production listener rule resets the
// weights ECS moved during a canary release; the guard fails such a change like a
// stateful one, while the staging service (rolling, ECS owns nothing) is free to change.
func TestRealAssemblyECSOwnedListenerRuleChangeFails(t *testing.T) {
	src := cloudassemblytest.Dir(t)
	head := cloudassemblytest.Copy(t, src)
	tpl := cloudassemblytest.OpenTemplate(t, head, "Production/Service")
	rule := tpl.First(t, "AWS::ElasticLoadBalancingV2::ListenerRule")
	tpl.Properties(rule)["Priority"] = 11
	tpl.Save(t)

	code, out := runBinary(t, buildGuard(t), "-base", src, "-head", head)
	want := "Production/Service: " + rule + " (AWS::ElasticLoadBalancingV2::ListenerRule) would be CHANGED (owned by ECS at run time): production listener rule of ECS service"
	if code != 1 || !strings.Contains(out, want) || !strings.Contains(out, "[Priority] changed") || !strings.Contains(out, "aws elbv2 describe-rules") {
		t.Fatalf("exit %d, want 1 with %q, the changed property and the advice; output:\n%s", code, want, out)
	}

	staging := cloudassemblytest.Copy(t, src)
	svc := cloudassemblytest.OpenTemplate(t, staging, "Staging/Service")
	groups := svc.First(t, "AWS::ElasticLoadBalancingV2::TargetGroup")
	svc.Properties(groups)["HealthCheckIntervalSeconds"] = 10
	svc.Save(t)
	if code, out := runBinary(t, buildGuard(t), "-base", src, "-head", staging); code != 0 {
		t.Fatalf("a rolling service's target group is CloudFormation's alone: exit %d, want 0; output:\n%s", code, out)
	}
}
