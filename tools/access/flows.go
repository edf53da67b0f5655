package main

// The construct paths (below the environment) of the principals and resources the flows
// name. Everything else is found by relation.
const (
	executionRole = "Service/Api/Task/ExecutionRole"
	taskRole      = "Service/Api/Task/TaskRole"
	deployRole    = "CICD/GitHub/DeployRole"
	diffRole      = "CICD/GitHub/DiffRole"
	driftRole     = "CICD/DriftRole"
	uploadsBucket = "Data/Storage/Uploads"
)

// Flows is the access matrix: one line per flow, expanded per principal and resource in
// every environment of its scope. A flow is allowed only if all its requests are.
var Flows = append(append(allowedFlows(), deniedFlows()...), operationFlows()...)

// allowedFlows must be allowed: without them the first deploy fails or production fails
// silently.
func allowedFlows() []Flow {
	return []Flow{
		{Name: "the task execution role reads and decrypts each secret ECS injects", Expect: Allowed,
			Why: "ECS reads injected secrets with the execution role at task start; a missing kms:Decrypt stops every task",
			Who: Role(executionRole), What: InjectedSecrets(), How: ReadSecret()},
		{Name: "CloudWatch publishes each alarm topic's notifications and uses its key", Expect: Allowed,
			Why: "a topic policy replaces SNS's default: unless it names cloudwatch.amazonaws.com, alarms fire into nothing",
			Who: Service("cloudwatch.amazonaws.com"), What: AlarmTopics(), How: PublishAsAlarm()},
		{Name: "CloudWatch Logs uses the key of each encrypted log group", Expect: Allowed,
			Why: "without the key policy grant, creating the log group fails (and with it the deploy)",
			Who: Service("logs.{region}.amazonaws.com"), What: EncryptedLogGroups(), How: LogsUseKey()},
		{Name: "ELB log delivery writes access logs under the load balancer's prefix", Expect: Allowed,
			Why: "an access-log bucket the load balancer cannot write fails its deployment",
			Who: ELBLogDelivery(), What: LoggingLoadBalancers(), How: WriteAccessLogs()},
		{Name: "CloudFront, as this distribution, reads its S3 origins", Expect: Allowed,
			Why: "Origin Access Control signs as the distribution: without the grant every asset is a 403",
			Who: Service("cloudfront.amazonaws.com"), What: Every(distType, "distribution"), How: ServeOrigins(ThisDistribution)},
		{Name: "AWS Backup copies into the DR vault and uses its key", Expect: Allowed,
			Why: "a copy job that cannot use the DR vault's key fails, and no off-region backup exists",
			Who: PlanRoles(), What: DRVaults(), How: CopyIntoVault()},
		{Name: "the task role writes uploads under uploads/ with the bucket's key", Expect: Allowed,
			Why: "presigned PUTs are signed by the task role: SSE-KMS needs kms:GenerateDataKey too",
			Who: Role(taskRole), What: At(uploadsBucket), How: PutObject("uploads/menu-photo.jpg")},
		{Name: "the CI deploy role assumes each bootstrap role the CLI deploys with", Expect: Allowed,
			Why: "cdk deploy assumes the deploy, lookup and publishing roles of every region it deploys to",
			Who: Role(deployRole), What: NeededBootstrapRoles(), How: AssumeRole()},
		{Name: "the rotation function reads and updates its secret", Expect: Allowed,
			Why: "a rotation that cannot decrypt or put the new value fails, and the master password is never rotated",
			Who: RotationFunction(), What: RotatedSecrets(), How: RotateSecret()},
		{Name: "the task role connects to each database instance as the app's database user", Expect: Allowed,
			Why: "the API's pools log in with IAM database authentication: without rds-db:connect no request is served",
			Who: Role(taskRole), What: Every("AWS::RDS::DBInstance", "database instance"), How: ConnectAs(AppDBUser)},
		{Name: "control: the account's administrator creates a key grant for an AWS resource", Expect: Allowed,
			Why: "proves the grant denial below is about grants to non-AWS resources, not every grant",
			Who: AccountAdmin(), What: TemplateKeys(), How: CreateGrant(true)},
		{Name: "the CI diff role reads the template of each stack of its environment", Expect: Allowed,
			Why: "cdk diff compares with the deployed templates: this is all the pull-request role may do",
			Who: Role(diffRole), What: EnvStacks(), How: Do("cloudformation:GetTemplate")},
		{Name: "control: the account's administrator reads each bucket over TLS", Expect: Allowed,
			Why: "proves the plain-HTTP rows below are denied because of TLS, not for lack of a grant",
			Who: AccountAdmin(), What: Every(bucketType, "bucket"), How: GetObject("any-object")},
		{Name: "control: the account's administrator publishes to each topic over TLS", Expect: Allowed,
			Why: "proves the plain-HTTP rows below are denied because of TLS, not for lack of a grant",
			Who: AccountAdmin(), What: Every(topicType, "topic"), How: Publish()},
	}
}

// deniedFlows must be denied: each is a way data leaks or an environment is destroyed.
func deniedFlows() []Flow {
	return append(append(append(applicationDenials(), ciDenials()...), boundaryDenials()...), dnsFlows()...)
}

// dnsFlows are about the parent zone's delegation roles (the DnsZone stage): each lets
// exactly its environment's Dns stack write exactly the NS records of its names.
func dnsFlows() []Flow {
	const why = "the delegation role writes into garcon.app, which serves production: it may touch nothing but the delegated names' NS records"
	change := func(name, action string, rec Record, expect Outcome) Flow {
		return Flow{Name: name, Why: why, Expect: expect, Scope: DNSZone, Who: ItSelf(), What: DelegationRoles(), How: ChangeRecords(action, rec)}
	}
	return []Flow{
		{Name: "the delegated environment's Dns stack assumes its delegation role", Expect: Allowed, Scope: DNSZone,
			Why: "CrossAccountZoneDelegationRecord writes the NS records through this role: without it the delegated zones never resolve",
			Who: Delegators(), What: DelegationRoles(), How: AssumeRole()},
		change("the delegation role upserts the NS record of each delegated name", "UPSERT", DelegatedNS, Allowed),
		change("the delegation role deletes the NS record of each delegated name", "DELETE", DelegatedNS, Allowed),
		change("the delegation role writes no A record of a delegated name", "UPSERT", DelegatedA, Denied),
		change("the delegation role writes no NS record of the parent zone's apex", "UPSERT", ParentNS, Denied),
		change("the delegation role writes no NS record of another name", "UPSERT", SiblingNS, Denied),
		{Name: "the delegated account's administrator (not its Dns stack) assumes no delegation role", Expect: Denied, Scope: DNSZone,
			Why: "the trust policy admits only the delegated account's <Stage>-Dns-* roles", Who: DelegatedAccountAdmin(), What: DelegationRoles(), How: AssumeRole()},
		{Name: "another account's administrator assumes no delegation role", Expect: Denied, Scope: DNSZone,
			Why: "the trust policy names the delegated account only", Who: Outsider(), What: DelegationRoles(), How: AssumeRole()},
	}
}

func applicationDenials() []Flow {
	return []Flow{
		{Name: "the task role reads no secret", Expect: Denied, Chain: true,
			Why: "the running API gets its secrets injected; reading others would widen any compromise",
			Who: Role(taskRole), What: Every(secretType, "secret"), How: ReadSecret()},
		{Name: "the task role deletes no object", Expect: Denied, Chain: true,
			Why: "uploads are kept (versioned); the API never deletes",
			Who: Role(taskRole), What: Every(bucketType, "bucket"), How: DeleteObject("uploads/menu-photo.jpg")},
		{Name: "the task role connects to no database instance as another user (" + otherDBUser + ")", Expect: Denied, Chain: true,
			Why: "rds-db:connect is granted for the app's user only: any other login would bypass its grants",
			Who: Role(taskRole), What: Every("AWS::RDS::DBInstance", "database instance"), How: ConnectAs(OtherDBUser)},
		{Name: "the account's administrator creates no key grant for a non-AWS resource", Expect: Denied,
			Why: "a grant outlives policy changes: every key denies kms:CreateGrant unless it is for an AWS resource",
			Who: AccountAdmin(), What: TemplateKeys(), How: CreateGrant(false)},
	}
}

// ciDenials: the pull-request diff role runs code from any pull request of the
// repository; the deploy role's own permissions must be nothing but assuming the
// bootstrap roles (evaluated for the role itself, without chaining: through the CDK
// deploy role it does deploy, which is its purpose).
func ciDenials() []Flow {
	diff := func(name, why string, what What, how How) Flow {
		return Flow{Name: name, Why: why, Expect: Denied, Chain: true, Who: Role(diffRole), What: what, How: how}
	}
	deploy := func(action string, what What) Flow {
		return Flow{Name: "the CI deploy role itself (no chaining) cannot " + action, Expect: Denied,
			Why: "its only permission is assuming the CDK bootstrap roles", Who: Role(deployRole), What: what, How: Do(action)}
	}
	const prWhy = "pull requests run with the diff role: whatever it (or a role it assumes) reads, any pull request can"
	// The nightly drift check reads configuration through CloudFormation with its own
	// credentials (README, "Drift"); it must not read what the resources hold.
	drift := func(name string, what What, how How) Flow {
		return Flow{Name: name, Why: "the drift role reads resource configuration only (cicd.DriftReadActions)", Expect: Denied, Chain: true, Who: Role(driftRole), What: what, How: how}
	}
	return []Flow{
		diff("the diff role, or a role it assumes, reads no secret value", prWhy, Every(secretType, "secret"), ReadSecret()),
		diff("the diff role, or a role it assumes, reads no S3 object", prWhy, Every(bucketType, "bucket"), GetObject("any-object")),
		diff("the diff role, or a role it assumes, reads no log events (GetLogEvents)", prWhy, Every(logType, "log group"), Do("logs:GetLogEvents")),
		diff("the diff role, or a role it assumes, reads no log events (FilterLogEvents)", prWhy, Every(logType, "log group"), Do("logs:FilterLogEvents")),
		diff("the diff role, or a role it assumes, queries no logs (StartQuery)", prWhy, Every(logType, "log group"), Do("logs:StartQuery")),
		drift("the drift role, or a role it assumes, reads no secret value", Every(secretType, "secret"), ReadSecret()),
		drift("the drift role, or a role it assumes, reads no S3 object", Every(bucketType, "bucket"), GetObject("any-object")),
		drift("the drift role, or a role it assumes, reads no log events (GetLogEvents)", Every(logType, "log group"), Do("logs:GetLogEvents")),
		drift("the drift role, or a role it assumes, decrypts with no key", Every(keyType, "key"), Do("kms:Decrypt")),
		drift("the drift role, or a role it assumes, changes no stack", EnvStacks(), Do("cloudformation:UpdateStack")),
		deploy("s3:GetObject", Every(bucketType, "bucket")),
		deploy("secretsmanager:GetSecretValue", Every(secretType, "secret")),
		deploy("kms:Decrypt", Every(keyType, "key")),
		deploy("iam:CreateRole", NewRole()),
		deploy("cloudformation:DeleteStack", EnvStacks()),
	}
}

// boundaryDenials: TLS-only resource policies, a distribution-scoped origin, account
// boundaries.
func boundaryDenials() []Flow {
	return []Flow{
		{Name: "nobody publishes to a topic without TLS", Expect: Denied,
			Why: "every topic policy denies aws:SecureTransport false", Who: AccountAdmin(), What: Every(topicType, "topic"), How: WithoutTLS(Publish())},
		{Name: "nobody reads a bucket without TLS", Expect: Denied,
			Why: "every bucket policy denies aws:SecureTransport false", Who: AccountAdmin(), What: Every(bucketType, "bucket"), How: WithoutTLS(GetObject("any-object"))},
		{Name: "CloudFront, as another distribution, reads no origin", Expect: Denied,
			Why: "the origin grant names this distribution's ARN: any other distribution, even one of ours, is refused",
			Who: Service("cloudfront.amazonaws.com"), What: Every(distType, "distribution"), How: ServeOrigins(AnotherDistribution)},
		{Name: "another account's administrator decrypts with no key", Expect: Denied,
			Why: "key policies delegate to our account only", Who: Outsider(), What: Every(keyType, "key"), How: Do("kms:Decrypt")},
		{Name: "another account's administrator generates no data key", Expect: Denied,
			Why: "key policies delegate to our account only", Who: Outsider(), What: Every(keyType, "key"), How: Do("kms:GenerateDataKey")},
		{Name: "another account's administrator assumes no role", Expect: Denied,
			Why: "trust policies name our account, OIDC or services only", Who: Outsider(), What: Every(roleType, "role"), How: AssumeRole()},
	}
}
