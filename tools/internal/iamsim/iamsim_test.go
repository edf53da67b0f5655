package iamsim

import (
	"context"
	"strings"
	"testing"
)

// These tests prove the wiring to the evaluator, not the evaluator: a statement that
// must decide a request does, through the bridge, for the request shapes tools/access
// sends. They need the repository's Node.js (make deps); without it they fail saying so.

const (
	acct    = "111111111111"
	keyArn  = "arn:aws:kms:eu-west-3:111111111111:key/0b1c2d3e-4f50-4617-a829-3a4b5c6d7e8f"
	roleArn = "arn:aws:iam::111111111111:role/app"
)

func simulator(t *testing.T) *Simulator {
	t.Helper()
	root, err := Root(".")
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(context.Background(), root, 2)
	if err != nil {
		t.Fatal(err) // names the missing file and says "run `make deps`"
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return s
}

func doc(statements ...map[string]any) map[string]any {
	list := make([]any, len(statements))
	for i, s := range statements {
		list[i] = s
	}
	return map[string]any{"Version": "2012-10-17", "Statement": list}
}

func allow(action, resource string) map[string]any {
	return map[string]any{"Effect": "Allow", "Action": action, "Resource": resource}
}

// rootKeyPolicy is CDK's default key policy: the key's account may use it through IAM.
func rootKeyPolicy(account string) map[string]any {
	return doc(map[string]any{"Effect": "Allow", "Principal": map[string]any{"AWS": "arn:aws:iam::" + account + ":root"}, "Action": "kms:*", "Resource": "*"})
}

func decrypt(principal string, identity ...Policy) Simulation {
	return Simulation{
		Principal: principal, Action: "kms:Decrypt", Resource: keyArn, ResourceAccount: acct,
		Context: map[string]any{"aws:SecureTransport": "true"}, IdentityPolicies: identity,
		ResourcePolicy: rootKeyPolicy(acct),
	}
}

func TestExplicitDenyBeatsAllow(t *testing.T) {
	s := simulator(t)
	deny := map[string]any{"Effect": "Deny", "Action": "kms:Decrypt", "Resource": "*", "Sid": "NoDecrypt"}
	res, err := s.Run([]Simulation{
		decrypt(roleArn, Policy{Name: "allow", Document: doc(allow("kms:Decrypt", "*"))}),
		decrypt(roleArn, Policy{Name: "allow", Document: doc(allow("kms:Decrypt", "*"))}, Policy{Name: "deny", Document: doc(deny)}),
	})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Decision != Allowed {
		t.Errorf("identity allow + key policy delegating to the account: %s (%s), want Allowed", res[0].Decision, res[0].Why())
	}
	if res[1].Decision != ExplicitlyDenied || !strings.Contains(res[1].Why(), "NoDecrypt") {
		t.Errorf("allow + explicit deny: %s (%s), want ExplicitlyDenied naming NoDecrypt", res[1].Decision, res[1].Why())
	}
}

func TestCrossAccountKeyUseNeedsAKeyPolicyGrant(t *testing.T) {
	s := simulator(t)
	outsider := "arn:aws:iam::999999999999:role/outsider"
	admin := Policy{Name: "AdministratorAccess", Managed: "AdministratorAccess"}
	granted := decrypt(outsider, admin)
	granted.ResourcePolicy = doc(
		map[string]any{"Effect": "Allow", "Principal": map[string]any{"AWS": "arn:aws:iam::" + acct + ":root"}, "Action": "kms:*", "Resource": "*"},
		map[string]any{"Effect": "Allow", "Principal": map[string]any{"AWS": "arn:aws:iam::999999999999:root"}, "Action": "kms:Decrypt", "Resource": "*"},
	)
	res, err := s.Run([]Simulation{decrypt(outsider, admin), granted})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Allowed() {
		t.Errorf("another account's administrator used a key whose policy names only its own account: %s", res[0].Why())
	}
	if !res[1].Allowed() {
		t.Errorf("with a key-policy grant to its account: %s (%s), want Allowed (the control of the row above)", res[1].Decision, res[1].Why())
	}
}

func TestInvalidSimulationsAreErrorsNotDenials(t *testing.T) {
	s := simulator(t)
	badAction := decrypt(roleArn)
	badAction.Action = "kms:DecryptEverything"
	unknownManaged := decrypt(roleArn, Policy{Name: "x", Managed: "NoSuchPolicyAnywhere"})
	badPolicy := decrypt(roleArn, Policy{Name: "broken", Document: map[string]any{"Statement": "nope"}})
	res, err := s.Run([]Simulation{badAction, unknownManaged, badPolicy})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"invalid.action", "NoSuchPolicyAnywhere", "broken"} {
		if res[i].Error == "" || res[i].Decision != "" || !strings.Contains(res[i].Error, want) {
			t.Errorf("simulation %d: %+v, want an error mentioning %q", i, res[i], want)
		}
		if res[i].Allowed() {
			t.Errorf("simulation %d: an invalid simulation must not count as allowed", i)
		}
	}
}

func TestRunAnswersInOrderAndEvaluatesEachRequestOnce(t *testing.T) {
	s := simulator(t)
	allowed := decrypt(roleArn, Policy{Name: "allow", Document: doc(allow("kms:Decrypt", keyArn))})
	denied := decrypt(roleArn)
	res, err := s.Run([]Simulation{allowed, denied, allowed, denied, denied})
	if err != nil {
		t.Fatal(err)
	}
	got := []bool{res[0].Allowed(), res[1].Allowed(), res[2].Allowed(), res[3].Allowed(), res[4].Allowed()}
	if want := []bool{true, false, true, false, false}; !equal(got, want) {
		t.Errorf("allowed = %v, want %v", got, want)
	}
	if _, err := s.Run([]Simulation{allowed}); err != nil || s.Evaluated != 2 {
		t.Errorf("evaluated %d simulations (err %v), want the 2 distinct ones", s.Evaluated, err)
	}
}

func equal(a, b []bool) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// iam-simulate drops "kms:EncryptionContext:<key>" from the request (it only recognises
// "/"-separated variable keys); the bridge evaluates such requests again with them, or
// CloudWatch Logs could never be shown to use a key.
func TestEncryptionContextKeysReachTheEvaluator(t *testing.T) {
	s := simulator(t)
	logs := "logs.eu-west-3.amazonaws.com"
	keyPolicy := doc(map[string]any{
		"Effect": "Allow", "Principal": map[string]any{"Service": logs}, "Action": "kms:Decrypt*", "Resource": "*",
		"Condition": map[string]any{"ArnLike": map[string]any{"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:eu-west-3:" + acct + ":log-group:*"}},
	})
	sim := func(group string) Simulation {
		return Simulation{
			Principal: logs, Action: "kms:Decrypt", Resource: keyArn, ResourceAccount: acct, ResourcePolicy: keyPolicy,
			Context: map[string]any{"kms:EncryptionContext:aws:logs:arn": group, "aws:SecureTransport": "true"},
		}
	}
	res, err := s.Run([]Simulation{sim("arn:aws:logs:eu-west-3:" + acct + ":log-group:app"), sim("arn:aws:logs:eu-west-3:999999999999:log-group:app")})
	if err != nil {
		t.Fatal(err)
	}
	if !res[0].Allowed() || !strings.Contains(res[0].Note, "kms:EncryptionContext:aws:logs:arn") {
		t.Errorf("a log group of the account: %+v, want Allowed with a note", res[0])
	}
	if res[1].Allowed() {
		t.Errorf("a log group of another account: %+v, want denied", res[1])
	}
}
