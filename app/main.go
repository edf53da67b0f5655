// Command garcon is the API server of Garçon, the restaurant ordering API.
//
// Subcommands:
//
//	garcon serve        run the HTTP API (default); applies migrations first
//	garcon migrate      apply the embedded schema migrations and exit
//	garcon healthcheck  GET http://127.0.0.1:$PORT/livez; exit 0 on 200, else 1
//
// Configuration comes only from environment variables (see README.md). On a
// configuration error the process prints one JSON line listing every problem
// and exits with status 2.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// Exit codes.
const (
	exitOK     = 0
	exitFail   = 1
	exitConfig = 2 // configuration or usage error: retrying will not help
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	code := run(ctx, os.Args[1:], os.LookupEnv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes a subcommand; ctx is cancelled by SIGTERM/SIGINT. It is
// separate from main so that tests can drive it without a process.
func run(ctx context.Context, args []string, lookup func(string) (string, bool), stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 {
		cmd = args[0]
	}
	if len(args) > 1 {
		return usage(stderr, fmt.Sprintf("unexpected arguments after %q: %v", cmd, args[1:]))
	}
	switch cmd {
	case "serve":
		return serve(ctx, lookup, newLockedWriter(stdout), stderr)
	case "migrate":
		return migrateCmd(ctx, lookup, newLockedWriter(stdout), stderr)
	case "healthcheck":
		return healthcheck(ctx, lookup, stderr)
	case "-h", "--help", "help":
		_ = usage(stdout, "")
		return exitOK
	default:
		return usage(stderr, fmt.Sprintf("unknown subcommand %q", cmd))
	}
}

func usage(w io.Writer, problem string) int {
	if problem != "" {
		_, _ = fmt.Fprintf(w, "garcon: %s\n", problem)
	}
	_, _ = fmt.Fprint(w, `usage: garcon [serve|migrate|healthcheck]
  serve        run the HTTP API (default); applies migrations first
  migrate      apply the embedded schema migrations and exit
  healthcheck  exit 0 if http://127.0.0.1:$PORT/livez answers 200 within 2s
configuration: environment variables, see README.md
`)
	return exitConfig
}

// reportConfigError prints every configuration problem as ONE JSON line, so
// that CloudWatch Logs shows a single event (a multi-line message would be
// split into one event per line).
func reportConfigError(w io.Writer, err error, problems []string) {
	line := struct {
		Time     string   `json:"time"`
		Level    string   `json:"level"`
		Msg      string   `json:"msg"`
		Error    string   `json:"error"`
		Problems []string `json:"problems"`
	}{time.Now().UTC().Format(time.RFC3339Nano), "ERROR", "invalid configuration, exiting", err.Error(), problems}
	b, _ := json.Marshal(line)
	_, _ = w.Write(append(b, '\n'))
}

// lockedWriter serialises writes, so that slog records and EMF metric lines
// written from different goroutines never interleave on stdout.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func newLockedWriter(w io.Writer) *lockedWriter { return &lockedWriter{w: w} }

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
