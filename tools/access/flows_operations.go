package main

// The construct paths (below the environment) of the operational roles and the resources
// their flows name.
const (
	faultsRole      = "Resilience/Faults/Role"
	gameDayRole     = "CICD/GameDayRole"
	restoreTestRole = "Resilience/RestoreTest/Role"
	// validationRole is the restore-validation function's: it looks at restored copies
	// through control-plane APIs only.
	validationRole = "Resilience/RestoreTest/ValidationRole"
	execRole       = "Service/Api/ExecRole"
	apiCluster     = "Service/Api/Cluster"
	dbWriter       = "Data/Database/Instance"
	// apiContainer is the container ECS Exec sessions may enter; collectorContainer is
	// the tracing sidecar of the same task (service.CollectorContainerName).
	apiContainer       = "api"
	collectorContainer = "aws-otel-collector"
)

// operationFlows are the flows of the roles that act on a running environment: AWS FIS
// experiments, the game-day workflow, restore testing, ECS Exec and the API's traces.
func operationFlows() []Flow {
	return append(append(append(faultFlows(), gameDayFlows()...), execFlows()...), tracingFlows()...)
}

// faultFlows: the experiment role does what the experiment templates' actions call, on
// the resources they target, and nothing else.
func faultFlows() []Flow {
	const why = "FIS acts with this role during game days: it may break exactly this environment's targets, and read nothing"
	deny := func(name string, what What, how How) Flow {
		return Flow{Name: name, Why: why, Expect: Denied, Chain: true, Who: Role(faultsRole), What: what, How: how}
	}
	return []Flow{
		{Name: "the FIS role stops tasks of each cluster an experiment targets", Expect: Allowed,
			Why: "aws:ecs:stop-task calls ecs:StopTask on the tasks it selects: without it the experiment fails at its first action",
			Who: Role(faultsRole), What: FaultTargets("aws:ecs:task", "cluster whose tasks"), How: OnTask("ecs:StopTask")},
		{Name: "the FIS role lists the tasks of each cluster an experiment targets", Expect: Allowed,
			Why: "aws:ecs:stop-task resolves its targets with ecs:ListTasks, held to the cluster by ecs:cluster",
			Who: Role(faultsRole), What: FaultTargets("aws:ecs:task", "cluster whose tasks"), How: ListTasks()},
		{Name: "the FIS role reboots each database instance an experiment targets", Expect: Allowed,
			Why: "aws:rds:reboot-db-instances calls rds:RebootDBInstance (with failover) on the writer",
			Who: Role(faultsRole), What: FaultTargets("aws:rds:db", "database instance"), How: Do("rds:RebootDBInstance")},
		{Name: "the FIS role interrupts the AZ power of each replication group an experiment targets", Expect: Allowed, Optional: true,
			Why: "aws:elasticache:replicationgroup-interrupt-az-power calls elasticache:InterruptClusterAzPower (only where Redis has replicas)",
			Who: Role(faultsRole), What: FaultTargets("aws:elasticache:replicationgroup", "replication group"), How: Do("elasticache:InterruptClusterAzPower")},
		deny("the FIS role reboots no database instance of another name", Renamed(At(dbWriter)), Do("rds:RebootDBInstance")),
		deny("the FIS role stops no task of another cluster", Renamed(At(apiCluster)), OnTask("ecs:StopTask")),
		deny("the FIS role lists no task of another cluster", Renamed(At(apiCluster)), ListTasks()),
		deny("the FIS role reads no secret value", Every(secretType, "secret"), ReadSecret()),
		deny("the FIS role reads no S3 object", Every(bucketType, "bucket"), GetObject("any-object")),
		deny("the FIS role decrypts with no key", Every(keyType, "key"), Do("kms:Decrypt")),
		{Name: "the restore-testing role reads no secret value", Expect: Denied, Chain: true,
			Why: "AWS Backup restores copies with this role: its KMS statement is for rds, s3 and backup, never for Secrets Manager",
			Who: Role(restoreTestRole), What: Every(secretType, "secret"), How: ReadSecret()},
		validationDenial("reads no secret value", Every(secretType, "secret"), ReadSecret()),
		validationDenial("reads no S3 object", Every(bucketType, "bucket"), GetObject("any-object")),
		validationDenial("decrypts with no key", Every(keyType, "key"), Do("kms:Decrypt")),
		validationDenial("reads no log events", Every(logType, "log group"), Do("logs:GetLogEvents")),
	}
}

// validationDenial is a flow the restore-validation function's role must not have: it
// proves a copy restored by describing it and listing one key name, never by reading data.
func validationDenial(what string, res What, how How) Flow {
	return Flow{Name: "the restore-validation role " + what, Expect: Denied, Chain: true,
		Why: "the validation function checks restored copies through describe and list calls only: it must read no data",
		Who: Role(validationRole), What: res, How: how}
}

// gameDayFlows: the game-day workflow's role starts, watches and stops experiments and
// reads alarms; it runs from a reviewed branch but must still read no data.
func gameDayFlows() []Flow {
	const why = "the game-day role starts and stops experiments and reads alarms: nothing else, whatever the workflow runs"
	deny := func(name string, what What, how How) Flow {
		return Flow{Name: name, Why: why, Expect: Denied, Chain: true, Who: Role(gameDayRole), What: what, How: how}
	}
	return []Flow{
		{Name: "the game-day role starts an experiment from each experiment template", Expect: Allowed,
			Why: "the workflow calls fis:StartExperiment, authorized on the template and the new experiment",
			Who: Role(gameDayRole), What: ExperimentTemplates(), How: StartExperiment()},
		{Name: "the game-day role describes each alarm of the environment", Expect: Allowed,
			Why: "the job summary and the stop decision read the alarms of both regions",
			Who: Role(gameDayRole), What: Every(alarmType, "alarm"), How: Do("cloudwatch:DescribeAlarms")},
		deny("the game-day role, or a role it assumes, reads no secret value", Every(secretType, "secret"), ReadSecret()),
		deny("the game-day role, or a role it assumes, reads no S3 object", Every(bucketType, "bucket"), GetObject("any-object")),
		deny("the game-day role, or a role it assumes, reads no log events", Every(logType, "log group"), Do("logs:GetLogEvents")),
		deny("the game-day role, or a role it assumes, updates no stack", EnvStacks(), Do("cloudformation:UpdateStack")),
		deny("the game-day role, or a role it assumes, deletes no stack", EnvStacks(), Do("cloudformation:DeleteStack")),
		{Name: "the game-day role assumes no role", Expect: Denied,
			Why: why, Who: Role(gameDayRole), What: Every(roleType, "role"), How: AssumeRole()},
	}
}

// execFlows: ECS Exec is a shell in a production-like container; one named role, with
// MFA, into the api container of this cluster only.
func execFlows() []Flow {
	const why = "ECS Exec is a shell inside the API: only the named Exec role may open one, and only into its cluster's api container"
	return []Flow{
		{Name: "the ECS Exec role opens a session into the api container of its cluster", Expect: Allowed, Optional: true,
			Why: "ecs:ExecuteCommand on the cluster and the task with ecs:container-name api, and the session key's data key: without them ECS Exec is on but unusable",
			Who: Role(execRole), What: ExecClusters(), How: ExecSession(apiContainer)},
		{Name: "the ECS Exec role executes no command in the collector sidecar", Expect: Denied, Optional: true, Why: why,
			Who: Role(execRole), What: ExecClusters(), How: ExecuteCommand(collectorContainer)},
		{Name: "the ECS Exec role executes no command on another cluster's task", Expect: Denied, Optional: true, Why: why,
			Who: Role(execRole), What: Renamed(ExecClusters()), How: ExecuteCommand(apiContainer)},
		{Name: "an account principal with MFA assumes the ECS Exec role", Expect: Allowed, Optional: true,
			Why: "the trust policy delegates to the account's IAM, with MFA: control for the row below",
			Who: AccountAdmin(), What: At(execRole), How: WithMFA(AssumeRole(), true)},
		{Name: "an account principal without MFA assumes no ECS Exec role", Expect: Denied, Optional: true,
			Why: "the trust policy requires aws:MultiFactorAuthPresent", Who: AccountAdmin(), What: At(execRole), How: WithMFA(AssumeRole(), false)},
		{Name: "the task role, or a role it assumes, starts no ECS Exec session", Expect: Denied, Chain: true, Why: why,
			Who: Role(taskRole), What: At(apiCluster), How: ExecuteCommand(apiContainer)},
		{Name: "no template role but the ECS Exec role, or a role it assumes, executes a command", Expect: Denied, Chain: true, Why: why,
			Who: TemplateRolesExcept(execRole), What: At(apiCluster), How: ExecuteCommand(apiContainer)},
	}
}

// tracingFlows: the collector sidecar exports with the task role.
func tracingFlows() []Flow {
	return []Flow{
		{Name: "the task role puts trace segments to X-Ray", Expect: Allowed,
			Why: "the collector's awsxray exporter signs with the task role: without xray:PutTraceSegments every span is dropped",
			Who: Role(taskRole), What: AccountWide(), How: Do("xray:PutTraceSegments")},
	}
}
