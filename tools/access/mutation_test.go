package main

import (
	"strings"
	"testing"
)

// Each test changes one statement of the real assembly in memory — the fix of a finding
// undone, a key-policy statement dropped, a condition altered, a grant added — and shows
// that the row which depends on it changes outcome. They prove the matrix is decided by
// the templates' policies through the evaluator, not by how the rows are written.

const env = "Staging"

// Finding 1: without DecryptInjectedSecrets, ECS cannot decrypt any injected secret.
func TestExecutionRoleWithoutDecryptFails(t *testing.T) {
	a := load(t)
	pol := properties(t, a, env, "Service/Api/Task/ExecutionRole/DefaultPolicy")
	setStatements(pol, "PolicyDocument", without(t, statements(t, pol, "PolicyDocument"), hasSid("DecryptInjectedSecrets")))
	rows := rowsOf(t, matrixOf(t, a), env, "the task execution role reads and decrypts")
	requireAll(t, rows, Denied, "execution role without kms:Decrypt")
	for _, r := range rows {
		if !strings.HasPrefix(r.Detail, "kms:Decrypt on Data/Key: ImplicitlyDenied") {
			t.Errorf("%s: detail %q, want the kms:Decrypt refusal", r.resourceName(), r.Detail)
		}
	}
}

// Finding 3: a topic policy without the CloudWatch Allow receives no alarm.
func TestTopicPolicyWithoutCloudWatchFails(t *testing.T) {
	a := load(t)
	pol := properties(t, a, env, "Data/AlarmTopic/Topic/Policy")
	setStatements(pol, "PolicyDocument", without(t, statements(t, pol, "PolicyDocument"), hasSid("AllowCloudWatchAlarmsOfThisEnvironment")))
	for _, r := range rowsOf(t, matrixOf(t, a), env, "CloudWatch publishes each alarm topic") {
		want := Allowed // the Edge topic has a policy of its own
		if r.resourceName() == "Data/AlarmTopic/Topic" {
			want = Denied
		}
		requireAll(t, []*Row{r}, want, "topic policy without CloudWatch")
	}
}

// A missing key-policy statement denies: the topic's key without its CloudWatch grant.
func TestTopicKeyWithoutCloudWatchStatementFails(t *testing.T) {
	a := load(t)
	key := properties(t, a, env, "Data/AlarmTopic/Key")
	setStatements(key, "KeyPolicy", without(t, statements(t, key, "KeyPolicy"), hasSid("AllowCloudWatchAlarmsToPublish")))
	for _, r := range rowsOf(t, matrixOf(t, a), env, "CloudWatch publishes each alarm topic") {
		if r.resourceName() == "Data/AlarmTopic/Topic" {
			requireAll(t, []*Row{r}, Denied, "topic key without CloudWatch")
			if !strings.Contains(r.Detail, "on Data/AlarmTopic/Key") {
				t.Errorf("detail %q, want the key's refusal", r.Detail)
			}
		}
	}
}

// A condition mismatch denies: kms:ViaService naming S3 instead of Secrets Manager.
func TestWrongViaServiceFails(t *testing.T) {
	a := load(t)
	pol := properties(t, a, env, "Service/Api/Task/ExecutionRole/DefaultPolicy")
	for _, s := range statements(t, pol, "PolicyDocument") {
		if st := s.(map[string]any); st["Sid"] == "DecryptInjectedSecrets" {
			st["Condition"] = map[string]any{"StringEquals": map[string]any{"kms:ViaService": "s3.eu-west-3.amazonaws.com"}}
		}
	}
	requireAll(t, rowsOf(t, matrixOf(t, a), env, "the task execution role reads and decrypts"), Denied, "kms:ViaService s3")
}

// Deny wins over allow: an explicit Deny next to the role's Allow refuses the request.
func TestExplicitDenyWinsOverAllow(t *testing.T) {
	a := load(t)
	pol := properties(t, a, env, "Service/Api/Task/ExecutionRole/DefaultPolicy")
	deny := map[string]any{"Sid": "NoDecrypt", "Effect": "Deny", "Action": "kms:Decrypt", "Resource": "*"}
	setStatements(pol, "PolicyDocument", append(statements(t, pol, "PolicyDocument"), deny))
	for _, r := range rowsOf(t, matrixOf(t, a), env, "the task execution role reads and decrypts") {
		requireAll(t, []*Row{r}, Denied, "allow and deny")
		if !strings.Contains(r.Detail, "ExplicitlyDenied") || !strings.Contains(r.Detail, "NoDecrypt") {
			t.Errorf("detail %q, want the explicit deny NoDecrypt", r.Detail)
		}
	}
}

// Another account is denied because the key policy names none: granting it flips the row.
func TestAnotherAccountIsDeniedUnlessTheKeyPolicyNamesIt(t *testing.T) {
	a := load(t)
	key := properties(t, a, env, "Data/Key")
	grant := map[string]any{"Effect": "Allow", "Principal": map[string]any{"AWS": "arn:aws:iam::" + outsiderAccount + ":root"},
		"Action": "kms:Decrypt", "Resource": "*"}
	setStatements(key, "KeyPolicy", append(statements(t, key, "KeyPolicy"), grant))
	for _, r := range rowsOf(t, matrixOf(t, a), env, "another account's administrator decrypts with no key") {
		want := Denied
		if r.resourceName() == "Data/Key" {
			want = Allowed
		}
		requireAll(t, []*Row{r}, want, "outsider granted Data/Key")
	}
}

// Finding 6: a diff role that may assume the lookup role (ReadOnlyAccess) reads data;
// the chain is found and named.
func TestDiffRoleThroughTheLookupRoleFails(t *testing.T) {
	a := load(t)
	pol := properties(t, a, env, "CICD/GitHub/DiffRole/DefaultPolicy")
	acct := a.StacksOf(env)[0].Account
	lookup := "arn:aws:iam::" + acct + ":role/cdk-hnb659fds-lookup-role-" + acct + "-eu-west-3"
	assume := map[string]any{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": lookup}
	setStatements(pol, "PolicyDocument", append(statements(t, pol, "PolicyDocument"), assume))
	rows := matrixOf(t, a)
	for _, flow := range []string{"the diff role, or a role it assumes, reads no S3 object", "the diff role, or a role it assumes, reads no log events"} {
		for _, r := range rowsOf(t, rows, env, flow) {
			if r.Actual == Allowed && (len(r.Via) != 1 || r.Via[0].ARN != lookup) {
				t.Errorf("%s: allowed via %v, want via the lookup role", r.resourceName(), r.Via)
			}
		}
		if got := rowsOf(t, rows, env, flow); got[len(got)-1].Actual != Allowed {
			t.Errorf("%s: %s is %s through the lookup role, want allowed (ReadOnlyAccess)", flow, got[len(got)-1].resourceName(), got[len(got)-1].Actual)
		}
	}
}

// The grant denial is the key policy's DenyGrantsExceptForAWSServices.
func TestKeyWithoutGrantDenialFails(t *testing.T) {
	a := load(t)
	key := properties(t, a, env, "Data/Key")
	setStatements(key, "KeyPolicy", without(t, statements(t, key, "KeyPolicy"), hasSid("DenyGrantsExceptForAWSServices")))
	for _, r := range rowsOf(t, matrixOf(t, a), env, "the account's administrator creates no key grant") {
		want := Denied
		if r.resourceName() == "Data/Key" {
			want = Allowed
		}
		requireAll(t, []*Row{r}, want, "Data/Key without the grant denial")
	}
}

// A delegation role allowed every record type could repoint a delegated name.
func TestDelegationRoleForAnyRecordTypeFails(t *testing.T) {
	a := load(t)
	pol := properties(t, a, "DnsZone", "Delegation/Staging/Role/DefaultPolicy")
	for _, s := range statements(t, pol, "PolicyDocument") {
		if cond, ok := s.(map[string]any)["Condition"].(map[string]any); ok {
			cond["ForAllValues:StringEquals"].(map[string]any)["route53:ChangeResourceRecordSetsRecordTypes"] = []any{"NS", "A"}
		}
	}
	rows := matrixOf(t, a)
	requireAll(t, rowsOf(t, rows, "DnsZone", "the delegation role writes no A record"), Allowed, "delegation for NS and A")
	requireAll(t, rowsOf(t, rows, "DnsZone", "the delegation role writes no NS record of the parent"), Denied, "delegation for NS and A")
}

// A selector that finds nothing is an error row, never a pass: without its rotation
// schedule, the rotation flow has no secret to evaluate.
func TestSelectorFindingNothingIsAnError(t *testing.T) {
	a := load(t)
	for _, st := range a.StacksOf(env) {
		for id, r := range st.Resources {
			if r.Type == "AWS::SecretsManager::RotationSchedule" {
				delete(st.Resources, id)
			}
		}
	}
	rows := rowsOf(t, matrixOf(t, a), env, "the rotation function reads and updates")
	if len(rows) != 1 || rows[0].Met() || rows[0].Actual != Invalid || !strings.Contains(rows[0].Err.Error(), "found no secret with a rotation schedule") {
		t.Errorf("rows %+v, want one invalid row saying it found no rotated secret", rows[0])
	}
}
