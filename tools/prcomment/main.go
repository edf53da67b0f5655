// Command prcomment turns `cdk diff` output into the pull-request comment the diff
// workflow posts: a hidden marker (so the comment is updated in place), callouts for
// resources that would be replaced or destroyed and for IAM and security-group changes,
// the stateful guard's report, the monthly cost delta, the access changes, a summary table
// and one collapsible section per stack.
//
//	prcomment -source "the deployed stacks" [-guard guard.txt [-guard-failed]] \
//	          [-cost cost.md | -cost-error MESSAGE] [-access access.json | -access-error MESSAGE] \
//	          [-commit SHA] [-run-url URL] [-removed "Production/Old"] diff.txt...
//
// Each input file holds the output of one or more `cdk diff` runs (stderr, where the CLI
// writes the diff); stacks are found by the CLI's "Stack <name>" headers. The -cost file
// holds the output of `costestimate --compare BASE --format markdown HEAD`: the comment
// shows its totals per environment and, collapsed, its per-resource lines. The -access
// file holds the output of `access -compare BASE -format json HEAD`: the comment lists the
// flows of the access matrix the change newly allows or denies. The body goes to stdout.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/garcon/infrastructure/config"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string { return strings.Join(*s, ",") }

func (s *stringList) Set(v string) error {
	*s = append(*s, v)
	return nil
}

// run is the whole command; it returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("prcomment", flag.ContinueOnError)
	fs.SetOutput(stderr)
	in := Input{}
	var removed stringList
	guardFile := fs.String("guard", "", "file with the stateful guard's report")
	fs.BoolVar(&in.GuardFailed, "guard-failed", false, "the guard found stateful resources that would be replaced or deleted")
	fs.StringVar(&in.Source, "source", "the deployed stacks", "what the templates were compared with")
	fs.StringVar(&in.Commit, "commit", "", "head commit SHA")
	fs.StringVar(&in.RunURL, "run-url", "", "URL of the workflow run")
	fs.Var(&removed, "removed", "a base stack the head no longer has (repeatable)")
	costFile := fs.String("cost", "", "`file` with the monthly cost delta: the output of costestimate --compare BASE --format markdown HEAD")
	fs.StringVar(&in.CostError, "cost-error", "", "a `message` saying why the cost delta could not be computed (instead of -cost)")
	accessFile := fs.String("access", "", "`file` with the access changes: the output of access -compare BASE -format json HEAD")
	fs.StringVar(&in.AccessError, "access-error", "", "a `message` saying why the access changes could not be computed (instead of -access)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "prcomment: give at least one file of `cdk diff` output")
		return 2
	}
	var all strings.Builder
	for _, path := range fs.Args() {
		raw, err := os.ReadFile(path)
		if err != nil {
			fmt.Fprintln(stderr, "prcomment:", err)
			return 2
		}
		all.Write(raw)
		all.WriteString("\n")
	}
	in.Stacks = Parse(all.String())
	if len(in.Stacks) == 0 {
		fmt.Fprintln(stderr, "prcomment: no \"Stack <name>\" header in the input: is it `cdk diff` output (stderr)?")
		return 1
	}
	if err := readSections(&in, *guardFile, *costFile, *accessFile, stderr); err != nil {
		fmt.Fprintln(stderr, "prcomment:", err)
		return 2
	}
	in.Removed = removed
	in.Budgets = ConfigBudgets(config.All())
	fmt.Fprint(stdout, Render(in))
	return 0
}

// readSections reads the optional files of the guard's report, the cost delta and the
// access changes into in, warning on stderr about content in a format it does not know.
func readSections(in *Input, guardFile, costFile, accessFile string, stderr io.Writer) error {
	var err error
	if in.Guard, err = readOptional(guardFile); err != nil {
		return err
	}
	if in.Cost, err = readOptional(costFile); err != nil {
		return err
	}
	if in.Cost != "" && ParseCost(in.Cost) == nil {
		fmt.Fprintf(stderr, "prcomment: warning: %s has no \"## <environment>: $base → $head (delta per month)\" heading; it goes into the comment as is\n", costFile)
	}
	if in.Access, err = readOptional(accessFile); err != nil {
		return err
	}
	if _, ok := ParseAccess(in.Access); in.Access != "" && !ok {
		fmt.Fprintf(stderr, "prcomment: warning: %s is not the JSON of access -compare; it goes into the comment as is\n", accessFile)
	}
	return nil
}

// readOptional returns the content of the file at path, or "" when path is "".
func readOptional(path string) (string, error) {
	if path == "" {
		return "", nil
	}
	raw, err := os.ReadFile(path)
	return string(raw), err
}
