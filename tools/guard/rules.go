package main

import (
	"bufio"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// applicableRules lists the rule files under rulesDir that can report on the templates:
// those whose "Reports on:" header names a resource type some template has, and those
// without such a header (kept, since nothing says what they check). A Control Tower rule
// selects its resources by type (`Resources.*[ Type == %RESOURCE_TYPE ]`) and skips when
// there are none, so leaving out the others changes no finding; it makes the run about
// three times faster (5 s instead of 15 s for the whole app on 2 cores).
func applicableRules(rulesDir string, present map[string]bool) ([]string, error) {
	var rules []string
	err := filepath.WalkDir(rulesDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".guard") {
			return err
		}
		types, err := reportsOn(path)
		if err != nil {
			return err
		}
		if len(types) == 0 || anyPresent(types, present) {
			rules = append(rules, path)
		}
		return nil
	})
	sort.Strings(rules)
	return rules, err
}

// reportsOn reads the resource types listed under a rule file's "# Reports on:" header.
func reportsOn(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var types []string
	inHeader := false
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		line := strings.TrimSpace(scanner.Text())
		switch {
		case line == "# Reports on:":
			inHeader = true
		case inHeader && strings.HasPrefix(line, "#   AWS::") || inHeader && strings.HasPrefix(line, "# AWS::"):
			types = append(types, strings.TrimSpace(strings.TrimPrefix(line, "#")))
		case inHeader:
			return types, scanner.Err()
		}
	}
	return types, scanner.Err()
}

func anyPresent(types []string, present map[string]bool) bool {
	for _, t := range types {
		if present[t] {
			return true
		}
	}
	return false
}
