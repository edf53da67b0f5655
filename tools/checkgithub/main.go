// Command checkgithub verifies, with `gh api`, the GitHub settings the pipeline depends
// on but no file in the repository shows, and reports what is missing:
//
//   - every configured environment exists as a GitHub environment, deploys from its
//     branch only (deployment branch policy), has required reviewers who cannot approve
//     their own deployment when it is protected, and has the variables AWS_ACCOUNT_ID,
//     AWS_DEPLOY_ROLE_ARN, E2E_RESTAURANT_ID and AWS_GAMEDAY_ROLE_ARN (gameday.yml);
//   - the repository variables the workflows read (AWS_REGION, DNS_ZONE_ACCOUNT_ID,
//     AWS_ACCOUNT_ID_<ENV>, AWS_DIFF_ROLE_ARN_<ENV>, AWS_DRIFT_ROLE_ARN_<ENV> for drift.yml);
//   - each deploy branch is protected (rulesets, else classic branch protection): pull
//     requests with an approval, stale approvals dismissed, the required checks
//     "all green" and, into a protected environment's branch, "deployed and verified",
//     up to date, no force pushes or deletion;
//   - the OIDC subject claim is GitHub's default, which the roles' trust policies match;
//   - the labels the workflows read exist.
//
// Usage:
//
//	go run ./tools/checkgithub [-repo owner/name]     (make check-github)
//
// The repository defaults to the configured one (config GitHub.Repository). It needs `gh`
// logged in with admin read access to the repository (environments, protection).
//
// Exit codes: 0 everything in place; 1 something is missing (each listed); 2 usage or API
// error (gh missing, not logged in, no access).
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
)

func main() { os.Exit(run(os.Args[1:], ghAPI{}, os.Stdout, os.Stderr)) }

func run(args []string, api API, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("checkgithub", flag.ContinueOnError)
	flags.SetOutput(stderr)
	envs := config.All()
	repo := flags.String("repo", repositoryOf(envs), "the repository, owner/name")
	if err := flags.Parse(args); err != nil || flags.NArg() > 0 || !strings.Contains(*repo, "/") {
		fmt.Fprintln(stderr, "usage: checkgithub [-repo owner/name]")
		return 2
	}
	report, err := NewChecker(api, *repo, EnvironmentsOf(envs)).Run()
	if err != nil {
		fmt.Fprintln(stderr, "checkgithub:", err)
		return 2
	}
	for _, line := range report.OK {
		fmt.Fprintln(stdout, "ok       "+line)
	}
	for _, line := range report.Missing {
		fmt.Fprintln(stdout, "MISSING  "+line)
	}
	if len(report.Missing) > 0 {
		fmt.Fprintf(stdout, "\n%d setting(s) of %s missing or different; see docs/ci-cd.md, \"GitHub settings this needs\".\n", len(report.Missing), *repo)
		return 1
	}
	fmt.Fprintf(stdout, "\nevery setting the pipeline needs is in place in %s.\n", *repo)
	return 0
}

// repositoryOf is the repository the environments deploy from (config validates that
// there is one per environment; the first is as good as any).
func repositoryOf(envs []config.Environment) string {
	if len(envs) == 0 {
		return ""
	}
	return envs[0].GitHub.Repository
}

// ghAPI calls `gh api`.
type ghAPI struct{}

// Get runs `gh api <path>`; a 404 is ErrNotFound.
func (ghAPI) Get(path string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "gh", "api", "-H", "Accept: application/vnd.github+json", path)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err == nil {
		return stdout.Bytes(), nil
	}
	if strings.Contains(stderr.String(), "(HTTP 404)") {
		return nil, ErrNotFound
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return nil, fmt.Errorf("%s", strings.TrimSpace(stderr.String()))
	}
	return nil, fmt.Errorf("run gh (install the GitHub CLI and `gh auth login`): %w", err)
}
