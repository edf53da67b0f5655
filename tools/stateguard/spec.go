package main

import (
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"

	"github.com/garcon/infrastructure/tools/internal/nodemodules"
)

// The replacement rules come from the CDK CLI's own service database,
// node_modules/aws-cdk/db.json.gz of the pinned CLI: the resource schemas'
// createOnlyProperties ("causesReplacement": "yes") and conditionalCreateOnlyProperties
// ("maybe") — the data behind `cdk diff`'s "requires replacement". A CLI upgrade brings
// the new properties with it; nothing is kept by hand but the documented exceptions
// below.

// specRelPath is where `npm ci` installs the service database, inside node_modules.
var specRelPath = filepath.Join("aws-cdk", "db.json.gz")

// specPath, when set (flag -spec), overrides the search for the service database.
var specPath string

var (
	rulesOnce sync.Once
	rules     map[string][]rule
	rulesErr  error
)

// loadRules reads the service database once and derives the rules of every stateful
// type from it.
func loadRules() (map[string][]rule, error) {
	rulesOnce.Do(func() {
		path := specPath
		if path == "" {
			path, rulesErr = findSpec()
			if rulesErr != nil {
				return
			}
		}
		var spec map[string]map[string]string
		if spec, rulesErr = readSpec(path); rulesErr == nil {
			rules, rulesErr = deriveRules(spec)
		}
	})
	return rules, rulesErr
}

// findSpec looks for the service database in the working directory and its parents.
func findSpec() (string, error) {
	path, err := nodemodules.Find(specRelPath)
	if err != nil {
		return "", fmt.Errorf("the CDK CLI's service database: %w, or pass -spec", err)
	}
	return path, nil
}

// readSpec returns, per stateful type, the causesReplacement value of each property
// that has one.
func readSpec(path string) (map[string]map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var db struct {
		Schema struct {
			Resource struct {
				Entities []struct {
					CloudFormationType string `json:"cloudFormationType"`
					Properties         map[string]struct {
						CausesReplacement string `json:"causesReplacement"`
					} `json:"properties"`
				} `json:"entities"`
			} `json:"resource"`
		} `json:"schema"`
	}
	if err := json.NewDecoder(zr).Decode(&db); err != nil {
		return nil, fmt.Errorf("%s: not the CDK service database (has its format changed?): %w", path, err)
	}
	out := map[string]map[string]string{}
	for _, e := range db.Schema.Resource.Entities {
		if !isStateful(e.CloudFormationType) {
			continue
		}
		props := map[string]string{}
		for name, p := range e.Properties {
			if p.CausesReplacement == "yes" || p.CausesReplacement == "maybe" {
				props[name] = p.CausesReplacement
			}
		}
		out[e.CloudFormationType] = props
	}
	return out, nil
}

// deriveRules turns the database's replacement marks into rules, applies the documented
// exceptions, and fails when a stateful type is missing from the database.
func deriveRules(spec map[string]map[string]string) (map[string][]rule, error) {
	out := map[string][]rule{}
	var errs []error
	for _, typ := range statefulResourceTypes {
		props, ok := spec[typ]
		if !ok {
			errs = append(errs, fmt.Errorf("the CDK service database has no %s", typ))
			continue
		}
		names := make([]string, 0, len(props))
		for name := range props {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			if _, skip := notReplacing[typ][name]; skip {
				continue
			}
			r := rule{Property: name}
			if props[name] == "maybe" {
				r.Effect = MayReplace
			}
			if special, ok := conditional[typ][name]; ok {
				r = special
			}
			out[typ] = append(out[typ], r)
		}
		out[typ] = append(out[typ], immutable[typ]...)
	}
	return out, errors.Join(errs...)
}

// rulesFor returns the replacement rules of a stateful type (none when the database could
// not be read: execute refuses to compare then).
func rulesFor(typ string) []rule {
	r, _ := loadRules()
	return r[typ]
}
