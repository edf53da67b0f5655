// Command costestimate prints a monthly cost estimate of every environment of a
// synthesized cloud assembly, from its templates, the usage assumptions in config
// (Environment.Usage) and the pinned price table prices.json. It reads the assembly as
// plain JSON (no CDK packages), so it builds and runs in seconds, offline.
//
// Usage:
//
//	go run ./tools/costestimate [--format text|markdown|json] [--summary] [--top N] [--compare BASE] [CDK_OUT]
//	go run ./tools/costestimate --readme README.md [--check] [CDK_OUT]
//
// CDK_OUT defaults to cdk.out. With --compare, it prints the per-resource and total
// monthly delta of CDK_OUT (head) against the assembly BASE instead; both are priced with
// today's config usage and price table, so the delta shows what the templates change.
//
// Exit codes: 0 the estimate (or delta) was printed; 1 an assembly, the price table or
// config could not be read, or an environment has no usage assumptions; 2 bad arguments.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/garcon/infrastructure/config"
	"github.com/garcon/infrastructure/tools/internal/cloudassembly"
	"github.com/garcon/infrastructure/tools/internal/costreport"
)

// Exit codes, documented in the package comment and README.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

type options struct {
	format, compare string
	readme          string
	check           bool
	summary         bool
	top             int
	dir             string
}

func parseArgs(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("costestimate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.format, "format", "text", "output format: text, markdown, or json (with --compare: the costreport.Delta that tools/prcomment reads)")
	fs.StringVar(&o.compare, "compare", "", "base cloud assembly: print the monthly delta of CDK_OUT against it")
	fs.BoolVar(&o.summary, "summary", false, "print only the totals per environment and stack and the largest drivers")
	fs.IntVar(&o.top, "top", 5, "how many of the largest cost drivers to list per environment")
	fs.StringVar(&o.readme, "readme", "", "write the totals table into this README's cost-table markers instead of printing")
	fs.BoolVar(&o.check, "check", false, "with --readme: only check that the README's table is current")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: costestimate [--format text|markdown] [--summary] [--top N] [--compare BASE] [CDK_OUT]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	dir, err := cloudassembly.DirArg(fs.Args())
	if err != nil {
		fs.Usage()
		return o, err
	}
	o.dir = dir
	if o.format != "text" && o.format != "markdown" && o.format != "json" {
		return o, fmt.Errorf("--format %q; allowed: text, markdown, json", o.format)
	}
	if o.format == "json" && o.compare == "" {
		return o, fmt.Errorf("--format json needs --compare: it writes the cost delta tools/prcomment reads")
	}
	if o.top < 1 {
		return o, fmt.Errorf("--top %d; allowed: 1 or more", o.top)
	}
	return o, nil
}

func run(args []string, stdout, stderr io.Writer) int {
	o, err := parseArgs(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintln(stderr, "costestimate:", err)
		return exitUsage
	}
	if err := report(o, stdout); err != nil {
		fmt.Fprintln(stderr, "costestimate:", err)
		return exitError
	}
	return exitOK
}

func report(o options, stdout io.Writer) error {
	if err := config.ValidateAll(config.All()); err != nil {
		return fmt.Errorf("invalid configuration: %w", err)
	}
	prices, err := LoadPrices()
	if err != nil {
		return err
	}
	assumptions := ConfigAssumptions(config.All())
	head, err := estimateDir(o.dir, prices, assumptions)
	if err != nil {
		return err
	}
	if o.readme != "" {
		return updateReadme(o.readme, head, o.check)
	}
	if o.compare != "" {
		base, err := estimateDir(o.compare, prices, assumptions)
		if err != nil {
			return err
		}
		if o.format == "json" {
			return costreport.Write(stdout, DeltaReport(Compare(base, head)))
		}
		d, err := newDocWriter(o.format, stdout)
		if err != nil {
			return err
		}
		return RenderCompare(d, Compare(base, head))
	}
	d, err := newDocWriter(o.format, stdout)
	if err != nil {
		return err
	}
	switch {
	case o.summary:
		return RenderSummary(d, head, o.top)
	}
	return RenderEstimate(d, head, prices, o.top)
}

func estimateDir(dir string, prices *PriceTable, assumptions map[string]Assumptions) (*Estimate, error) {
	asm, err := cloudassembly.Load(dir)
	if err != nil {
		return nil, err
	}
	return Run(asm, prices, assumptions)
}

// ConfigAssumptions keys each environment's usage and primary region by its stage name
// ("Staging"), the name its stacks carry in the assembly. The parent zone account's
// stage (config.DNSZoneStageName) holds no usage-priced resources: it gets none.
func ConfigAssumptions(envs []config.Environment) map[string]Assumptions {
	out := make(map[string]Assumptions, len(envs)+1)
	for _, e := range envs {
		out[e.StageName] = Assumptions{Usage: e.Usage, PrimaryRegion: e.Region}
	}
	out[config.DNSZoneStageName] = Assumptions{PrimaryRegion: "us-east-1"}
	return out
}
