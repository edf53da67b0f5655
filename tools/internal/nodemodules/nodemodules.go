// Package nodemodules finds files that `npm ci` installs (the pinned CDK CLI's service
// database, cfn-guard and its rules) from anywhere inside the repository.
package nodemodules

import (
	"fmt"
	"os"
	"path/filepath"
)

// Find returns the path of node_modules/<rel> in the working directory or the nearest
// parent that has it.
func Find(rel string) (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	want := filepath.Join("node_modules", rel)
	for {
		path := filepath.Join(dir, want)
		if _, err := os.Stat(path); err == nil {
			return path, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("%s is not installed: run `make deps` (npm ci)", want)
		}
		dir = parent
	}
}
