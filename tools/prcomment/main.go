// Command prcomment turns `cdk diff` output into the pull-request comment the diff
// workflow posts: a hidden marker (so the comment is updated in place), callouts for
// resources that would be replaced or destroyed and for IAM and security-group changes,
// the stateful guard's report, a summary table and one collapsible section per stack.
//
//	prcomment -source "the deployed stacks" [-guard guard.txt [-guard-failed]] \
//	          [-commit SHA] [-run-url URL] [-removed "Production/Old"] diff.txt...
//
// Each input file holds the output of one or more `cdk diff` runs (stderr, where the CLI
// writes the diff); stacks are found by the CLI's "Stack <name>" headers. The body goes
// to stdout.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
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
	if *guardFile != "" {
		raw, err := os.ReadFile(*guardFile)
		if err != nil {
			fmt.Fprintln(stderr, "prcomment:", err)
			return 2
		}
		in.Guard = string(raw)
	}
	in.Removed = removed
	fmt.Fprint(stdout, Render(in))
	return 0
}
