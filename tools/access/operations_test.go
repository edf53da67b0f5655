package main

import (
	"strings"
	"testing"
)

// The operational roles' rows are decided by their statements: each test alters one in
// memory and shows the row that depends on it change outcome.

// Without its ecs:container-name condition, the Exec role could open a shell in the
// collector sidecar too.
func TestExecRoleWithoutContainerConditionReachesTheSidecar(t *testing.T) {
	a := load(t)
	pol := properties(t, a, env, "Service/Api/ExecRole/DefaultPolicy")
	found := false
	for _, s := range statements(t, pol, "PolicyDocument") {
		if st := s.(map[string]any); st["Sid"] == "ExecIntoApiContainers" {
			delete(st, "Condition")
			found = true
		}
	}
	if !found {
		t.Fatal("no ExecIntoApiContainers statement: the test no longer matches the templates")
	}
	requireAll(t, rowsOf(t, matrixOf(t, a), env, "the ECS Exec role executes no command in the collector"), Allowed, "no container condition")
}

// A reboot statement on every database of the account would let an experiment reboot a
// database that is not this environment's writer.
func TestFaultsRoleOnEveryDatabaseRebootsAnother(t *testing.T) {
	a := load(t)
	pol := properties(t, a, env, "Resilience/Faults/Role/DefaultPolicy")
	for _, s := range statements(t, pol, "PolicyDocument") {
		if st := s.(map[string]any); st["Sid"] == "RebootWriter" {
			st["Resource"] = "arn:aws:rds:eu-west-3:111111111111:db:*"
		}
	}
	requireAll(t, rowsOf(t, matrixOf(t, a), env, "the FIS role reboots no database instance of another name"), Allowed, "db:*")
}

// An Optional flow has no row where its feature is off (ECS Exec in production), and
// rows where it is on.
func TestOptionalFlowsFollowTheFeature(t *testing.T) {
	rows := matrixOf(t, load(t))
	for _, r := range rows {
		if r.Env == "Production" && strings.HasPrefix(r.Flow.Name, "the ECS Exec role") {
			t.Errorf("production has ECS Exec row %s → %s, but ECS Exec is off there", r.principalName(), r.resourceName())
		}
		if r.Env == env && strings.HasPrefix(r.Flow.Name, "the FIS role interrupts the AZ power") {
			t.Errorf("staging has a Redis AZ power row, but its Redis has no replica")
		}
	}
	requireAll(t, rowsOf(t, rows, env, "the ECS Exec role opens a session"), Allowed, "ECS Exec in staging")
}
