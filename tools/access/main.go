// Command access evaluates the access matrix of a synthesized cloud assembly: a table of
// flows (flows.go) — who does what to which resource, and whether AWS must allow it —
// expanded per environment over the principals and resources the templates hold, and
// decided by an independent IAM policy evaluator (@cloud-copilot/iam-simulate, through
// tools/internal/iamsim) from the identity policies, key policies, bucket, topic and
// trust policies the templates and the CDK bootstrap template define.
//
//	go run ./tools/access [-format text|json] [-compare BASE_CDK_OUT] [CDK_OUT]
//
// It prints the matrix and exits 1 when a row is not met or could not be evaluated. With
// -compare it prints only the rows whose outcome differs from the base assembly's (newly
// allowed, newly denied): the pull request comment's "Access changes".
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/garcon/infrastructure/tools/internal/bootstrap"
	"github.com/garcon/infrastructure/tools/internal/cloudassembly"
	"github.com/garcon/infrastructure/tools/internal/iamsim"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is the whole command; it returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("access", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "text", "output format: text or json")
	base := fs.String("compare", "", "base `cloud assembly`: print only the rows whose outcome changed")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	dir, err := cloudassembly.DirArg(fs.Args())
	if err == nil && *format != "text" && *format != "json" {
		err = fmt.Errorf("-format %q: want text or json", *format)
	}
	if err != nil {
		fmt.Fprintln(stderr, "access:", err)
		return 2
	}
	sim, root, err := newSimulator()
	if err != nil {
		fmt.Fprintln(stderr, "access:", err)
		return 2
	}
	defer func() { _ = sim.Close() }()
	head, err := Matrix(sim, root, dir)
	if err != nil {
		fmt.Fprintln(stderr, "access:", err)
		return 2
	}
	if *base != "" {
		return runCompare(sim, root, *base, dir, head, *format, stdout, stderr)
	}
	if *format == "json" {
		err = writeJSON(stdout, dir, head)
	} else {
		writeText(stdout, dir, head)
	}
	return exitStatus(err, head, stderr)
}

// closingRunner is a Runner to close when the run is done.
type closingRunner interface {
	Runner
	Close() error
}

// newSimulator starts the evaluator of a run (tests share one instead).
var newSimulator = startSimulator

// startSimulator starts the one evaluator process of the run.
func startSimulator() (closingRunner, string, error) {
	root, err := iamsim.Root(".")
	if err != nil {
		return nil, "", err
	}
	sim, err := iamsim.New(context.Background(), root, 1)
	return sim, root, err
}

// Matrix loads the assembly in dir, expands every flow and evaluates every row with sim;
// root is the repository (for the bootstrap template).
func Matrix(sim Runner, root, dir string) ([]*Row, error) {
	a, err := cloudassembly.Load(dir)
	if err != nil {
		return nil, err
	}
	return MatrixOf(sim, root, a)
}

// MatrixOf is Matrix of an assembly already loaded (tests change templates in memory).
func MatrixOf(sim Runner, root string, a *cloudassembly.Assembly) ([]*Row, error) {
	m, err := NewModel(a, filepath.Join(root, bootstrap.TemplatePath))
	if err != nil {
		return nil, err
	}
	rows, err := Expand(m, Flows)
	if err == nil && len(rows) == 0 {
		err = errNoRows
	}
	if err != nil {
		return nil, err
	}
	return rows, Evaluate(m, rows, sim)
}

// exitStatus is 2 for err, 1 when a row is not met (its count goes to stderr), else 0.
func exitStatus(err error, rows []*Row, stderr io.Writer) int {
	if err != nil {
		fmt.Fprintln(stderr, "access:", err)
		return 2
	}
	unmet := 0
	for _, r := range rows {
		if !r.Met() {
			unmet++
		}
	}
	if unmet > 0 {
		fmt.Fprintf(stderr, "access: %d of %d rows not met\n", unmet, len(rows))
		return 1
	}
	return 0
}

// errNoRows is returned for an assembly without any row.
var errNoRows = errors.New("no row: the assembly has no environment the flows apply to")
