package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/garcon/infrastructure/tools/internal/cloudassembly/cloudassemblytest"
)

// noClose lends the shared evaluator to run, which closes what it starts.
type noClose struct{ Runner }

func (noClose) Close() error { return nil }

// useShared makes run use the shared evaluator for the rest of the test.
func useShared(t *testing.T) {
	sim, root := simulator(t)
	newSimulator = func() (closingRunner, string, error) { return noClose{sim}, root, nil }
	t.Cleanup(func() { newSimulator = startSimulator })
}

func TestCompareListsNewlyAllowedAndNewlyDenied(t *testing.T) {
	head := matrixOf(t, load(t))
	a := load(t)
	pol := properties(t, a, env, "Service/Api/Task/ExecutionRole/DefaultPolicy")
	setStatements(pol, "PolicyDocument", without(t, statements(t, pol, "PolicyDocument"), hasSid("DecryptInjectedSecrets")))
	base := matrixOf(t, a)

	check := func(changes []Change, want string) {
		t.Helper()
		if len(changes) != 5 {
			t.Fatalf("%d changes, want the 5 injected secrets: %+v", len(changes), changes)
		}
		for _, c := range changes {
			if c.Change != want || c.Env != env || c.Principal != executionRole {
				t.Errorf("change %+v, want %s for %s in %s", c, want, executionRole, env)
			}
		}
	}
	check(Compare(base, head), NewlyAllowed)
	check(Compare(head, base), NewlyDenied)
	if c := Compare(head, head); len(c) != 0 {
		t.Errorf("an assembly compared with itself: %+v", c)
	}
}

func TestNewRowsThatAreAllowedAreChanges(t *testing.T) {
	head := matrixOf(t, load(t))
	var base []*Row
	for _, r := range head {
		if r.resourceName() != "Data/Secrets/StripeApiKey" {
			base = append(base, r)
		}
	}
	changes := Compare(base, head)
	for _, c := range changes {
		if c.Resource != "Data/Secrets/StripeApiKey" || c.Change != NewlyAllowed || c.Base != "" {
			t.Errorf("unexpected change %+v", c)
		}
	}
	if len(changes) == 0 {
		t.Error("a new secret the execution role reads is a newly allowed flow")
	}
}

func TestCommandLineJSONAndText(t *testing.T) {
	useShared(t)
	dir := cloudassemblytest.Dir(t)
	var out, errOut bytes.Buffer
	if code := run([]string{"-format", "json", dir}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	var m MatrixJSON
	if err := json.Unmarshal(out.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	if m.Summary["Staging"].Rows < 25 || m.Summary["Staging"].Met != m.Summary["Staging"].Rows || len(m.Rows) == 0 {
		t.Errorf("summary %+v", m.Summary)
	}
	out.Reset()
	if code := run([]string{dir}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	for _, want := range []string{"== Staging: ", "the task execution role reads and decrypts each secret ECS injects — must be allowed",
		"  ok   allowed  Service/Api/Task/ExecutionRole → Data/Secrets/JwtSigningKey\n", " not met\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("text output lacks %q", want)
		}
	}
	if code := run([]string{"-format", "yaml", dir}, &out, &errOut); code != 2 {
		t.Errorf("-format yaml: exit %d, want 2", code)
	}
}

// An unmet row fails the command and says why, in the matrix and on stderr.
func TestCommandLineFailsOnAnUnmetRow(t *testing.T) {
	useShared(t)
	base := cloudassemblytest.Copy(t, cloudassemblytest.Dir(t))
	tpl := cloudassemblytest.OpenTemplate(t, base, "Staging/Data")
	pol := tpl.Properties("AlarmTopicPolicyDD12BE57")
	setStatements(pol, "PolicyDocument", without(t, statements(t, pol, "PolicyDocument"), hasSid("AllowCloudWatchAlarmsOfThisEnvironment")))
	tpl.Save(t)

	var out, errOut bytes.Buffer
	if code := run([]string{base}, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "1 of ") {
		t.Errorf("exit %d, stderr %q: want 1 and the count of unmet rows", code, errOut.String())
	}
	if want := "  FAIL denied   cloudwatch.amazonaws.com → Data/AlarmTopic/Topic\n         expected allowed: sns:Publish on Data/AlarmTopic/Topic: ImplicitlyDenied"; !strings.Contains(out.String(), want) {
		t.Errorf("output lacks %q", want)
	}

	out.Reset()
	code := run([]string{"-compare", base, "-format", "json", cloudassemblytest.Dir(t)}, &out, &errOut)
	var c CompareJSON
	if err := json.Unmarshal(out.Bytes(), &c); err != nil || code != 0 {
		t.Fatalf("exit %d, %v:\n%s", code, err, errOut.String())
	}
	if len(c.Changes) != 1 || c.Changes[0].Change != NewlyAllowed || c.Changes[0].Resource != "Data/AlarmTopic/Topic" || c.Changes[0].Base != Denied {
		t.Errorf("changes %+v, want the Data topic newly allowed", c.Changes)
	}
}
