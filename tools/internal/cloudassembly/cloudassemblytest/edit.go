package cloudassemblytest

import (
	"encoding/json"
	"io/fs"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/garcon/infrastructure/tools/internal/cloudassembly"
)

// Copy copies the manifests and templates of the assembly src (every .json file, not the
// asset directories, which the tools never read) to a new temporary directory and returns
// it: a copy a test may edit with OpenTemplate.
func Copy(t testing.TB, src string) string {
	t.Helper()
	dst := t.TempDir()
	if err := copyJSON(src, dst); err != nil {
		t.Fatalf("copy %s: %v", src, err)
	}
	return dst
}

// copyJSON copies the .json files below src to dst, skipping asset directories; both are
// opened as roots, so nothing outside them is read or written.
func copyJSON(src, dst string) error {
	from, err := os.OpenRoot(src)
	if err != nil {
		return err
	}
	defer from.Close()
	to, err := os.OpenRoot(dst)
	if err != nil {
		return err
	}
	defer to.Close()
	return fs.WalkDir(from.FS(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if strings.HasPrefix(d.Name(), "asset.") {
				return fs.SkipDir
			}
			return to.MkdirAll(path, 0o750)
		}
		if !strings.HasSuffix(d.Name(), ".json") {
			return nil
		}
		raw, err := from.ReadFile(path)
		if err != nil {
			return err
		}
		return to.WriteFile(path, raw, 0o600)
	})
}

// Template is the template of one stack of an assembly, decoded as JSON for a test to
// edit and Save.
type Template struct {
	// Path is the template file.
	Path string
	// Doc is the decoded template.
	Doc map[string]any
}

// OpenTemplate reads the template of the stack whose display name is stack
// ("Production/Data") in the assembly dir, failing the test when there is none.
func OpenTemplate(t testing.TB, dir, stack string) *Template {
	t.Helper()
	a, err := cloudassembly.Load(dir, cloudassembly.AllowAgnosticStacks())
	if err != nil {
		t.Fatal(err)
	}
	st := a.Stack(stack)
	if st == nil {
		t.Fatalf("the assembly has no stack %s (stacks: %v)", stack, a.StackNames())
	}
	raw, err := os.ReadFile(st.TemplatePath)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &Template{Path: st.TemplatePath}
	if err := json.Unmarshal(raw, &tpl.Doc); err != nil {
		t.Fatal(err)
	}
	return tpl
}

// Resources returns the template's Resources section, keyed by logical id.
func (tp *Template) Resources() map[string]any { return tp.Doc["Resources"].(map[string]any) }

// First returns the first logical id (sorted) of a resource of type typ, failing the test
// when there is none.
func (tp *Template) First(t testing.TB, typ string) string {
	t.Helper()
	var ids []string
	for id, r := range tp.Resources() {
		if r.(map[string]any)["Type"] == typ {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		t.Fatalf("%s has no %s", tp.Path, typ)
	}
	sort.Strings(ids)
	return ids[0]
}

// Properties returns the Properties of the resource id, adding an empty map when it has
// none, so a test can set a property.
func (tp *Template) Properties(id string) map[string]any {
	r := tp.Resources()[id].(map[string]any)
	p, ok := r["Properties"].(map[string]any)
	if !ok {
		p = map[string]any{}
		r["Properties"] = p
	}
	return p
}

// Save writes the edited template back to its file.
func (tp *Template) Save(t testing.TB) {
	t.Helper()
	raw, err := json.Marshal(tp.Doc)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tp.Path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
}
