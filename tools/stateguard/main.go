// Command stateguard compares two synthesized cloud assemblies and fails when the head
// assembly would delete or replace a stateful resource of the base assembly: a VPC,
// database instance, Redis replication group, bucket, KMS key, secret or backup vault.
//
//	stateguard -base <base cdk.out> [-head cdk.out] [-acknowledge]
//	stateguard -list [-head cdk.out]
//
// Stacks are matched by display name ("Production/Data") across the nested stage
// assemblies; resources by logical id. A resource is reported when its logical id is gone
// (or its stack is), when its type changed, or when a property that CloudFormation
// documents as "Update requires: Replacement" for its type changed. New stateful
// resources and changes to anything else pass. Which properties replace a resource comes
// from the pinned CDK CLI's service database (node_modules/aws-cdk/db.json.gz).
//
// Exit status: 0 when nothing stateful is deleted or replaced, or when the change is
// acknowledged (-acknowledge or GARCON_ACK_STATEFUL=1; findings are still printed);
// 1 when it would be; 2 when an assembly cannot be read.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/garcon/infrastructure/tools/internal/cloudassembly"
)

// ackEnv is the environment variable that acknowledges a stateful change.
const ackEnv = "GARCON_ACK_STATEFUL"

// errUsage marks command-line mistakes.
var errUsage = errors.New("usage")

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, os.Getenv(ackEnv) == "1"))
}

// run is the whole command: it parses args, writes the report to stdout and problems to
// stderr, and returns the exit status.
func run(args []string, stdout, stderr io.Writer, ackFromEnv bool) int {
	fs := flag.NewFlagSet("stateguard", flag.ContinueOnError)
	fs.SetOutput(stderr)
	base := fs.String("base", "", "the base cloud assembly directory (e.g. the target branch's cdk.out) (required unless -list)")
	head := fs.String("head", cloudassembly.DefaultDir, "the head cloud assembly directory")
	ack := fs.Bool("acknowledge", false, "report findings but exit 0 (same as "+ackEnv+"=1)")
	list := fs.Bool("list", false, "print each stack of -head as \"<display name>\\t<template path>\" and exit")
	fs.StringVar(&specPath, "spec", "", "the CDK CLI's service database (default: node_modules/aws-cdk/db.json.gz above the working directory)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: stateguard -base <dir> [-head cdk.out] [-acknowledge] | stateguard -list [-head cdk.out]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	blocked, err := execute(*base, *head, *list, *ack || ackFromEnv, stdout)
	if err != nil {
		fmt.Fprintln(stderr, "stateguard:", err)
		if errors.Is(err, errUsage) {
			fs.Usage()
		}
		return 2
	}
	if blocked {
		return 1
	}
	return 0
}

// execute lists the head's stacks, or compares base with head and writes the report; it
// returns true when unacknowledged findings block the change.
func execute(base, head string, list, acknowledged bool, stdout io.Writer) (bool, error) {
	if !list && base == "" {
		return false, fmt.Errorf("%w: -base is required", errUsage)
	}
	h, err := loadAssembly(head)
	if err != nil {
		return false, fmt.Errorf("head: %w", err)
	}
	if list {
		for _, st := range h.Stacks {
			fmt.Fprintf(stdout, "%s\t%s\n", st.Name, st.TemplatePath)
		}
		return false, nil
	}
	b, err := loadAssembly(base)
	if err != nil {
		return false, fmt.Errorf("base: %w", err)
	}
	if _, err := loadRules(); err != nil {
		return false, err
	}
	return Report(stdout, Compare(b, h), base, head, acknowledged), nil
}

// loadAssembly reads a cloud assembly with every stack of every nested stage assembly
// (sorted by display name) and its template. The guard compares templates only, so
// environment-agnostic stacks are read too.
func loadAssembly(dir string) (*cloudassembly.Assembly, error) {
	return cloudassembly.Load(dir, cloudassembly.AllowAgnosticStacks())
}
