package cloudassembly

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// BootstrapRoles are the roles of the CDK bootstrap stack that the CLI assumes to deploy
// one stack, as the stack's manifest entry and its asset manifest name them. ARNs have
// their ${AWS::Partition} placeholder replaced with the stack's partition.
type BootstrapRoles struct {
	// Deploy is the role `cdk deploy` assumes to create change sets (assumeRoleArn).
	Deploy string
	// CloudFormationExecution is the role CloudFormation deploys the stack with.
	CloudFormationExecution string
	// Lookup is the role the CLI assumes for context lookups and `cdk diff`.
	Lookup string
	// Publishing are the roles that publish the stack's file and image assets (the
	// template itself is a file asset), sorted and deduplicated.
	Publishing []string
}

// All returns every role ARN, sorted and deduplicated, without empty ones.
func (r BootstrapRoles) All() []string {
	return uniqueSorted(append([]string{r.Deploy, r.CloudFormationExecution, r.Lookup}, r.Publishing...))
}

// stackRoles are the role fields of a stack artifact's properties.
type stackRoles struct {
	AssumeRoleArn                  string `json:"assumeRoleArn"`
	CloudFormationExecutionRoleArn string `json:"cloudFormationExecutionRoleArn"`
	LookupRole                     struct {
		Arn string `json:"arn"`
	} `json:"lookupRole"`
}

// assetManifest is the part of a cdk:asset-manifest file that names publishing roles.
type assetManifest struct {
	Files        map[string]assetEntry `json:"files"`
	DockerImages map[string]assetEntry `json:"dockerImages"`
}

type assetEntry struct {
	Destinations map[string]struct {
		AssumeRoleArn string `json:"assumeRoleArn"`
	} `json:"destinations"`
}

// bootstrapRoles reads the roles of the stack artifact art, and of the asset manifests
// it depends on, from the manifest artifacts arts of directory dir.
func bootstrapRoles(dir string, st *Stack, art artifact, arts map[string]artifact) (BootstrapRoles, error) {
	partition := Partition(st.Region)
	sub := func(arn string) string { return strings.ReplaceAll(arn, "${AWS::Partition}", partition) }
	p := art.Properties
	roles := BootstrapRoles{
		Deploy: sub(p.AssumeRoleArn), CloudFormationExecution: sub(p.CloudFormationExecutionRoleArn),
		Lookup: sub(p.LookupRole.Arn),
	}
	for _, dep := range art.Dependencies {
		a, ok := arts[dep]
		if !ok || a.Type != artifactAssets || a.Properties.File == "" {
			continue
		}
		path := filepath.Join(dir, a.Properties.File)
		raw, err := os.ReadFile(path)
		if err != nil {
			return roles, err
		}
		var m assetManifest
		if err := json.Unmarshal(raw, &m); err != nil {
			return roles, fmt.Errorf("%s: not an asset manifest: %w", path, err)
		}
		for _, group := range []map[string]assetEntry{m.Files, m.DockerImages} {
			for _, e := range group {
				for _, d := range e.Destinations {
					roles.Publishing = append(roles.Publishing, sub(d.AssumeRoleArn))
				}
			}
		}
	}
	roles.Publishing = uniqueSorted(roles.Publishing)
	return roles, nil
}

// uniqueSorted returns the non-empty strings of in, sorted and deduplicated.
func uniqueSorted(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}
