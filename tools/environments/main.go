// Command environments prints the configured environments (config.All()) as JSON, the
// list the CI workflows build their jobs from, so that no workflow names an environment:
// adding one to config adds its diff, deploy and smoke-test jobs.
//
// Usage:
//
//	go run ./tools/environments [-branch BRANCH]
//
// With -branch only the environments deployed from that branch are printed (the deploy
// workflow's matrix for a push). The output is a JSON array; each element is an Entry.
//
// Exit codes: 0 printed (possibly an empty array); 1 the configuration is invalid.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/garcon/infrastructure/config"
)

// Entry is what a workflow needs to know about one environment.
type Entry struct {
	// Name is the environment's config name, also its GitHub environment and the prefix
	// of its CDK context key ("<name>.account").
	Name string `json:"name"`
	// Stage is the CDK stage: `cdk deploy '<stage>/*'`.
	Stage string `json:"stage"`
	// Protection is "protected" or "disposable".
	Protection string `json:"protection"`
	// ApprovalRequired is true for protected environments: their GitHub environment must
	// have required reviewers (make check-github verifies it).
	ApprovalRequired bool `json:"approvalRequired"`
	// Branch is the branch whose pushes deploy the environment.
	Branch string `json:"branch"`
	// GitHubEnvironment is the GitHub environment the deploy job runs in.
	GitHubEnvironment string `json:"githubEnvironment"`
	// AccountVariable is the repository variable that holds the environment's account id.
	AccountVariable string `json:"accountVariable"`
	// Region is the primary region.
	Region string `json:"region"`
	// APIURL and StaticURL are the environment's public URLs.
	APIURL string `json:"apiUrl"`
	// StaticURL is the static-assets host's URL.
	StaticURL string `json:"staticUrl"`
	// HealthURL is what the post-deploy smoke test probes.
	HealthURL string `json:"healthUrl"`
	// DelegatedDNS is true when the environment has zones of its own (README, "DNS ownership").
	DelegatedDNS bool `json:"delegatedDns"`
}

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("environments", flag.ContinueOnError)
	flags.SetOutput(stderr)
	branch := flags.String("branch", "", "print only the environments deployed from this branch")
	if err := flags.Parse(args); err != nil || flags.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: environments [-branch BRANCH]")
		return 2
	}
	envs := config.All()
	if err := config.ValidateAll(envs); err != nil {
		fmt.Fprintf(stderr, "environments: invalid configuration:\n%v\n", err)
		return 1
	}
	out := Entries(envs, *branch)
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		fmt.Fprintln(stderr, "environments:", err)
		return 1
	}
	return 0
}

// Entries returns an Entry per environment of envs, in config order, keeping only those
// deployed from branch unless it is empty.
func Entries(envs []config.Environment, branch string) []Entry {
	out := []Entry{}
	for _, e := range envs {
		if branch != "" && e.GitHub.Branch != branch {
			continue
		}
		out = append(out, Entry{
			Name: e.Name, Stage: e.StageName, Protection: string(e.Protection), ApprovalRequired: e.IsProtected(),
			Branch: e.GitHub.Branch, GitHubEnvironment: e.Name, AccountVariable: AccountVariable(e.Name), Region: e.Region,
			APIURL: "https://" + e.APIDomain(), StaticURL: "https://" + e.StaticDomain(), HealthURL: "https://" + e.APIDomain() + "/health",
			DelegatedDNS: e.DelegatesDNS(),
		})
	}
	return out
}

// AccountVariable is the repository variable of an environment's account id, read by
// scripts/account-context.sh: AWS_ACCOUNT_ID_ and the name upper-cased, '-' as '_'.
func AccountVariable(name string) string {
	return "AWS_ACCOUNT_ID_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}
