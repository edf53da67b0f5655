// Command diagram draws the architecture of one environment of a synthesized cloud
// assembly as Graphviz DOT: one cluster per stack, the main resources as nodes, and their
// connections (security-group rules with ports, template references, the WAF association,
// backup selection and the cross-region backup copy). It reads the assembly as plain JSON
// (no CDK packages).
//
// Usage:
//
//	go run ./tools/diagram [-env Production] [-dot docs/architecture.dot] [-svg docs/architecture.svg] [-check] [CDK_OUT]
//
// It writes the DOT file and, with -svg, renders it with Graphviz's dot. With -check it
// writes nothing and fails when the DOT file differs from what the assembly gives (the
// DOT is compared, not the SVG, whose bytes vary between Graphviz versions).
//
// Exit codes: 0 written, or current with -check; 1 stale with -check, or an error (the
// assembly, the environment, dot); 2 bad arguments.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/garcon/infrastructure/config"
	"github.com/garcon/infrastructure/tools/internal/cloudassembly"
)

const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

type options struct {
	env, dot, svg, dir string
	check              bool
}

func parseArgs(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("diagram", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.env, "env", "Production", "environment (CDK stage) to draw")
	fs.StringVar(&o.dot, "dot", "docs/architecture.dot", "DOT file to write (or to check)")
	fs.StringVar(&o.svg, "svg", "", "SVG file to render with Graphviz dot (empty: none)")
	fs.BoolVar(&o.check, "check", false, "write nothing; fail if the DOT file is not what the assembly gives")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	dir, err := cloudassembly.DirArg(fs.Args())
	o.dir = dir
	return o, err
}

func run(args []string, stdout, stderr io.Writer) int {
	o, err := parseArgs(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintln(stderr, "diagram:", err)
		return exitUsage
	}
	asm, err := cloudassembly.Load(o.dir)
	if err != nil {
		fmt.Fprintln(stderr, "diagram:", err)
		return exitError
	}
	dot, err := Generate(asm, o.env)
	if err != nil {
		fmt.Fprintln(stderr, "diagram:", err)
		return exitError
	}
	if o.check {
		return check(o.dot, dot, stdout, stderr)
	}
	if err := write(o, dot); err != nil {
		fmt.Fprintln(stderr, "diagram:", err)
		return exitError
	}
	fmt.Fprintf(stdout, "diagram: wrote %s%s\n", o.dot, map[bool]string{true: " and " + o.svg, false: ""}[o.svg != ""])
	return exitOK
}

// Generate returns the DOT of env, with a note on how the other environments differ.
func Generate(asm *cloudassembly.Assembly, env string) (string, error) {
	g, err := Build(asm, env)
	if err != nil {
		return "", err
	}
	for _, other := range asm.Environments() {
		if other == env {
			continue
		}
		if other == config.DNSZoneStageName {
			g.Notes = append(g.Notes, other+" (not drawn): the delegation roles in the parent DNS zone's account (README, \"DNS ownership\").")
			continue
		}
		og, err := Build(asm, other)
		if err != nil {
			return "", err
		}
		diffs := Differences(g, og)
		stacks := "the same stacks"
		if extra := extraStacks(asm, env, other); len(extra) > 0 {
			stacks = "the same stacks and " + strings.Join(extra, ", ")
		}
		if len(diffs) == 0 {
			g.Notes = append(g.Notes, other+" (not drawn): "+stacks+", the same resources.")
			continue
		}
		g.Notes = append(g.Notes, other+" (not drawn) has "+stacks+"; it differs in: "+strings.Join(diffs, "; ")+".")
	}
	return DOT(g), nil
}

// extraStacks names the stacks other has and env has not ("Dns" of a delegated
// environment, say).
func extraStacks(asm *cloudassembly.Assembly, env, other string) []string {
	has := map[string]bool{}
	for _, st := range asm.StacksOf(env) {
		has[strings.TrimPrefix(st.Name, env+"/")] = true
	}
	var out []string
	for _, st := range asm.StacksOf(other) {
		if name := strings.TrimPrefix(st.Name, other+"/"); !has[name] {
			out = append(out, name)
		}
	}
	return out
}

func check(path, want string, stdout, stderr io.Writer) int {
	got, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintf(stderr, "diagram: %v: run `make diagram` and commit %s and its SVG\n", err, path)
		return exitError
	}
	if string(got) != want {
		fmt.Fprintf(stderr, "diagram: %s is stale (%s): run `make diagram` and commit the .dot and .svg\n", path, firstDifference(string(got), want))
		return exitError
	}
	fmt.Fprintf(stdout, "diagram: %s is current\n", path)
	return exitOK
}

// firstDifference names the first line that differs, so the failure says what changed.
func firstDifference(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return fmt.Sprintf("line %d: committed %q, generated %q", i+1, gl, wl)
		}
	}
	return "line endings differ"
}

func write(o options, dot string) error {
	if err := os.WriteFile(o.dot, []byte(dot), 0o644); err != nil { //nolint:gosec // a committed document, world-readable
		return err
	}
	if o.svg == "" {
		return nil
	}
	return render(o.dot, o.svg)
}

// render runs Graphviz: dot -Tsvg. Install it with `apt-get install graphviz`.
func render(dotPath, svgPath string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "dot", "-Tsvg", "-o", svgPath, dotPath)
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("dot -Tsvg (Graphviz; apt-get install graphviz): %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return nil
}
