// Command configdoc renders the README's configuration table from the config package:
// one row per field of config.Environment with its type, the staging and production
// values and its doc comment. With -w it rewrites the table in README.md in place; without
// it, it prints the table. A test keeps README.md current.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/garcon/infrastructure/config"
)

func main() {
	write := flag.Bool("w", false, "rewrite the table in README.md instead of printing it")
	flag.Parse()

	root := repoRoot()
	table, err := Render(filepath.Join(root, "config"), config.All())
	if err != nil {
		fmt.Fprintln(os.Stderr, "configdoc:", err)
		os.Exit(1)
	}
	if !*write {
		fmt.Print(table)
		return
	}
	readme := filepath.Join(root, "README.md")
	raw, err := os.ReadFile(readme)
	if err != nil {
		fmt.Fprintln(os.Stderr, "configdoc:", err)
		os.Exit(1)
	}
	updated, err := Replace(string(raw), table)
	if err != nil {
		fmt.Fprintln(os.Stderr, "configdoc:", err)
		os.Exit(1)
	}
	if err := os.WriteFile(readme, []byte(updated), 0o644); err != nil { //nolint:gosec // README is world-readable
		fmt.Fprintln(os.Stderr, "configdoc:", err)
		os.Exit(1)
	}
}

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}
