// Command teardown prints what tearing down one disposable environment involves, from a
// synthesized cloud assembly: its stacks (with their regions) and the backup vaults that
// must be emptied first — CloudFormation cannot delete a vault that holds recovery points,
// and AWS Backup keeps adding them. scripts/destroy-environment.sh runs the plan.
//
// It refuses an environment that retains anything (a DeletionPolicy of Retain or
// Snapshot): such an environment is protected, and tearing it down is not a script's job.
//
// Usage:
//
//	go run ./tools/teardown -stage Staging [CDK_OUT]
//
// Output, tab-separated, one line each: "stack <name> <region>" for every stack, then
// "vault <stack name> <region> <logical id>" for every backup vault.
//
// Exit codes: 0 the plan was printed; 1 the environment is protected or the assembly
// cannot be read; 2 bad arguments or an unknown stage.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/garcon/infrastructure/tools/internal/cloudassembly"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("teardown", flag.ContinueOnError)
	flags.SetOutput(stderr)
	stage := flags.String("stage", "", "the environment's stage, e.g. Staging")
	if err := flags.Parse(args); err != nil {
		return 2
	}
	dir, err := cloudassembly.DirArg(flags.Args())
	if err != nil || *stage == "" {
		fmt.Fprintln(stderr, "usage: teardown -stage <Stage> [CDK_OUT]")
		return 2
	}
	asm, err := cloudassembly.Load(dir)
	if err != nil {
		fmt.Fprintln(stderr, "teardown:", err)
		return 1
	}
	plan, err := Plan(asm, *stage)
	if err != nil {
		fmt.Fprintln(stderr, "teardown:", err)
		if unknown := (unknownStageError{}); errors.As(err, &unknown) {
			return 2
		}
		return 1
	}
	for _, s := range plan.Stacks {
		fmt.Fprintf(stdout, "stack\t%s\t%s\n", s.StackName, s.Region)
	}
	for _, v := range plan.Vaults {
		fmt.Fprintf(stdout, "vault\t%s\t%s\t%s\n", v.StackName, v.Region, v.LogicalID)
	}
	return 0
}

// Vault is a backup vault to empty before its stack is deleted.
type Vault struct {
	// StackName and Region locate the stack that holds the vault.
	StackName, Region string
	// LogicalID is the vault's logical id (its name is resolved in the account).
	LogicalID string
}

// TeardownPlan is what tearing down one environment involves.
type TeardownPlan struct {
	// Stacks are the environment's stacks, sorted by name.
	Stacks []*cloudassembly.Stack
	// Vaults are the backup vaults of those stacks.
	Vaults []Vault
}

type unknownStageError struct{ stage string }

func (e unknownStageError) Error() string {
	return fmt.Sprintf("the assembly has no stage %q", e.stage)
}

// Plan returns the teardown plan of stage, or an error listing every resource the
// environment retains when it is not disposable.
func Plan(asm *cloudassembly.Assembly, stage string) (*TeardownPlan, error) {
	stacks := asm.StacksOf(stage)
	if len(stacks) == 0 {
		return nil, unknownStageError{stage}
	}
	plan := &TeardownPlan{Stacks: stacks}
	var retained []string
	for _, st := range stacks {
		for _, id := range st.LogicalIDs() {
			res := st.Resources[id]
			switch res.DeletionPolicy {
			case "Retain", "RetainExceptOnCreate", "Snapshot":
				retained = append(retained, fmt.Sprintf("%s/%s (%s, %s)", st.Name, id, res.Type, res.DeletionPolicy))
			}
			if res.Type == "AWS::Backup::BackupVault" {
				plan.Vaults = append(plan.Vaults, Vault{StackName: st.StackName, Region: st.Region, LogicalID: id})
			}
		}
	}
	if len(retained) > 0 {
		sort.Strings(retained)
		return nil, fmt.Errorf("%s is protected, not disposable: %d resources survive the deletion of their stacks, e.g. %s; "+
			"tear down only environments whose config says so", stage, len(retained), retained[0])
	}
	return plan, nil
}
