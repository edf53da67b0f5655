package main

import (
	"strings"
	"testing"
	"time"
)

// The flows the issue requires, by the start of their name: each must have rows in every
// application environment, so that a flow whose selector stops finding its resources is
// caught here and not only by a shorter matrix.
var requiredFlows = []string{
	"the task execution role reads and decrypts each secret",
	"CloudWatch publishes each alarm topic's notifications",
	"CloudWatch Logs uses the key of each encrypted log group",
	"ELB log delivery writes access logs",
	"CloudFront, as this distribution, reads its S3 origins",
	"AWS Backup copies into the DR vault",
	"the rotation function reads and updates its secret",
	"the task role writes uploads under uploads/",
	"the task role connects to each database instance as the app's database user",
	"the task role reads no secret",
	"the task role deletes no object",
	"the diff role, or a role it assumes, reads no secret value",
	"the diff role, or a role it assumes, reads no S3 object",
	"the diff role, or a role it assumes, reads no log events",
	"the drift role, or a role it assumes, reads no secret value",
	"the drift role, or a role it assumes, reads no S3 object",
	"the drift role, or a role it assumes, reads no log events",
	"the drift role, or a role it assumes, decrypts with no key",
	"the drift role, or a role it assumes, changes no stack",
	"nobody publishes to a topic without TLS",
	"nobody reads a bucket without TLS",
	"CloudFront, as another distribution, reads no origin",
	"another account's administrator decrypts with no key",
	"the CI deploy role itself (no chaining) cannot",
	"the account's administrator creates no key grant for a non-AWS resource",
	"the FIS role stops tasks of each cluster an experiment targets",
	"the FIS role reboots each database instance an experiment targets",
	"the FIS role reboots no database instance of another name",
	"the FIS role stops no task of another cluster",
	"the FIS role lists the tasks of each cluster an experiment targets",
	"the FIS role lists no task of another cluster",
	"the FIS role reads no secret value",
	"the FIS role reads no S3 object",
	"the FIS role decrypts with no key",
	"the restore-testing role reads no secret value",
	"the game-day role starts an experiment from each experiment template",
	"the game-day role describes each alarm of the environment",
	"the game-day role, or a role it assumes, reads no secret value",
	"the game-day role, or a role it assumes, reads no S3 object",
	"the game-day role, or a role it assumes, reads no log events",
	"the game-day role, or a role it assumes, updates no stack",
	"the game-day role, or a role it assumes, deletes no stack",
	"the game-day role assumes no role",
	"the task role puts trace segments to X-Ray",
	"the task role, or a role it assumes, starts no ECS Exec session",
	"no template role but the ECS Exec role, or a role it assumes, executes a command",
}

// The Optional flows, where config turns their feature on: ECS Exec in staging only, the
// Redis experiment only where Redis has replicas (production).
var requiredIn = map[string][]string{
	"Staging": {
		"the ECS Exec role opens a session into the api container of its cluster",
		"the ECS Exec role executes no command in the collector sidecar",
		"the ECS Exec role executes no command on another cluster's task",
		"an account principal with MFA assumes the ECS Exec role",
		"an account principal without MFA assumes no ECS Exec role",
	},
	"Production": {"the FIS role interrupts the AZ power of each replication group an experiment targets"},
}

// TestMatrixIsMetOnTheAssembly is the gate: every row of every environment of the
// synthesized app (GARCON_CDK_OUT) gets what it expects.
func TestMatrixIsMetOnTheAssembly(t *testing.T) {
	start := time.Now()
	rows := matrixOf(t, load(t))
	t.Logf("%d rows evaluated in %s", len(rows), time.Since(start).Round(time.Millisecond))
	for _, r := range rows {
		if !r.Met() {
			t.Errorf("%s: %s: %s → %s: expected %s, got %s: %s%v", r.Env, r.Flow.Name, r.principalName(), r.resourceName(),
				r.Flow.Expect, r.Actual, r.Detail, r.Err)
		}
	}
	sum := Summarize(rows)
	for _, env := range []string{"Staging", "Production"} {
		if sum[env].Rows < 25 {
			t.Errorf("%s has %d rows, want at least 25", env, sum[env].Rows)
		}
		for _, f := range append(requiredFlows, requiredIn[env]...) {
			rowsOf(t, rows, env, f)
		}
	}
	if sum["DnsZone"].Rows == 0 {
		t.Error("no row for the DNS delegation roles")
	}
	for i := range Flows {
		if Flows[i].Why == "" || Flows[i].Name == "" {
			t.Errorf("flow %d (%q) needs a name and a Why", i, Flows[i].Name)
		}
	}
}

// The CloudFront row must decrypt with the assets key, not only read the object.
func TestCloudFrontRowDecryptsWithTheAssetsKey(t *testing.T) {
	rows := matrixOf(t, load(t))
	for _, env := range []string{"Staging", "Production"} {
		for _, r := range rowsOf(t, rows, env, "CloudFront, as this distribution") {
			var labels []string
			for _, q := range r.Requests {
				labels = append(labels, q.Label())
			}
			if joined := strings.Join(labels, ", "); !strings.Contains(joined, "kms:Decrypt on Edge/Static/AssetsKey") {
				t.Errorf("%s: requests %s, want kms:Decrypt of the assets key", env, joined)
			}
		}
	}
}
