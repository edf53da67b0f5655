package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/garcon/infrastructure/tools/internal/cloudassembly/cloudassemblytest"
)

// Staging, disposable, tears down end to end: every stack, and first the two vaults AWS
// Backup fills (the primary region's and the DR copy's), which CloudFormation cannot
// delete while they hold recovery points.
func TestDisposableEnvironmentPlanEmptiesEveryVault(t *testing.T) {
	asm := cloudassemblytest.Load(t)
	plan, err := Plan(asm, "Staging")
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Stacks) != len(asm.StacksOf("Staging")) {
		t.Errorf("plan has %d stacks, the stage %d", len(plan.Stacks), len(asm.StacksOf("Staging")))
	}
	var vaults []string
	for _, v := range plan.Vaults {
		vaults = append(vaults, v.StackName+"@"+v.Region)
	}
	want := []string{"Staging-Backup@eu-west-1", "Staging-Data@eu-west-3"}
	if strings.Join(vaults, ",") != strings.Join(want, ",") {
		t.Errorf("vaults %v, want %v", vaults, want)
	}
}

func TestProtectedEnvironmentIsRefused(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run([]string{"-stage", "Production", cloudassemblytest.Dir(t)}, &out, &errOut)
	if code != 1 || !strings.Contains(errOut.String(), "Production is protected, not disposable") || out.Len() != 0 {
		t.Fatalf("exit %d, stdout %q, stderr %q; want 1, nothing planned and the reason", code, out.String(), errOut.String())
	}
}

func TestUsage(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(nil, &out, &errOut); code != 2 {
		t.Errorf("no -stage: exit %d, want 2", code)
	}
	if code := run([]string{"-stage", "Nope", cloudassemblytest.Dir(t)}, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), `no stage "Nope"`) {
		t.Errorf("unknown stage: exit %d, stderr %q", code, errOut.String())
	}
}
