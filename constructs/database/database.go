// Package database provides the PostgreSQL database of an environment: an encrypted RDS
// instance in isolated subnets with read replicas, TLS forced, logs exported, Performance
// Insights, IAM authentication, automated backups and rotated master credentials.
package database

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsrds"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/garcon/infrastructure/internal/validation"
)

// AppUser is the database user the API's connection pools log in as, with IAM database
// authentication (a token per connection, valid 15 minutes): nothing the running tasks
// use is rotated under them. The app's migrations, run with the master credentials at
// start, create it and grant it rds_iam (app/README.md).
const AppUser = "garcon_app"

// DefaultPort is the PostgreSQL port. Not 5432: scanners probe the default port first
// (cdk-nag AwsSolutions-RDS11), and the port is wired to clients, never typed by hand.
const DefaultPort = 5433

// Props configures a Database.
type Props struct {
	// Vpc hosts the database in its isolated subnets and the rotation function in its
	// private subnets.
	Vpc awsec2.IVpc
	// InstanceClass is the instance class without "db.", e.g. "t4g.medium".
	InstanceClass string
	// AllocatedStorageGiB is the initial gp3 storage.
	AllocatedStorageGiB int
	// MaxAllocatedStorageGiB is the storage-autoscaling ceiling.
	MaxAllocatedStorageGiB int
	// MultiAZ runs a synchronous standby in another zone.
	MultiAZ bool
	// ReadReplicas is the number of read replicas (0–15).
	ReadReplicas int
	// BackupRetentionDays keeps automated backups, enabling point-in-time recovery (1–35).
	BackupRetentionDays int
	// EncryptionKey encrypts storage, Performance Insights, the master secret and the
	// rotation function's log group (its policy must admit CloudWatch Logs).
	EncryptionKey awskms.IKey
	// LogRetention is how long exported PostgreSQL logs are kept.
	LogRetention awslogs.RetentionDays
	// Disposable lets the database be destroyed with its stack: no deletion protection, no
	// final snapshot, automated backups and the master secret deleted with it. Set it for
	// environments that are torn down on purpose.
	// Default: false (protected: deletion protection, a snapshot when deleted, backups and
	// the master secret kept — the safe choice for the most stateful construct, as in
	// aws-rds).
	Disposable bool
	// DatabaseName is the database created on the instance.
	// Default: "garcon".
	DatabaseName string
	// EngineVersion is the PostgreSQL version; pinned to a minor release so upgrades are
	// reviewed changes rather than surprises in a maintenance window.
	// Default: PostgreSQL 17.9.
	EngineVersion awsrds.PostgresEngineVersion
	// SlowStatementMillis logs every statement that runs longer.
	// Default: 500.
	SlowStatementMillis int
}

// Database is an RDS PostgreSQL primary with its read replicas.
type Database struct {
	constructs.Construct
	// Instance is the writer.
	Instance awsrds.DatabaseInstance
	// Replicas are the read replicas (maybe none).
	Replicas []awsrds.DatabaseInstanceReadReplica
	// WriterEndpoint is the writer's address and port.
	WriterEndpoint awsrds.Endpoint
	// ReaderEndpoint is the first replica's endpoint, or the writer's when there is none,
	// so clients always have a reader to use.
	ReaderEndpoint awsrds.Endpoint
	// Secret holds the master credentials (JSON: username, password, host, port, dbname …),
	// rotated every 30 days.
	Secret awssecretsmanager.ISecret
	// DatabaseName is the database clients connect to.
	DatabaseName string
	// SecurityGroup is shared by the writer and its replicas; it admits nothing until a
	// client is allowed through Connections().
	SecurityGroup awsec2.SecurityGroup
}

// GrantConnect lets grantee connect to the writer and every replica as AppUser with IAM
// database authentication (rds-db:connect on each instance's resource id: a token is
// signed for one instance's endpoint, and each replica has its own resource id).
func (d *Database) GrantConnect(grantee awsiam.IGrantable) {
	d.Instance.GrantConnect(grantee, jsii.String(AppUser))
	for _, replica := range d.Replicas {
		replica.GrantConnect(grantee, jsii.String(AppUser))
	}
}

// Connections lets clients be allowed to the writer and replicas on the database port:
// db.Connections().AllowDefaultPortFrom(service, ...).
func (d *Database) Connections() awsec2.Connections { return d.Instance.Connections() }

// New creates the database, its replicas and the rotation of its credentials.
func New(scope constructs.Construct, id string, props *Props) *Database {
	p := props.withDefaults()
	p.validate(scope, id).Check()
	c := constructs.NewConstruct(scope, jsii.String(id))

	engine := awsrds.DatabaseInstanceEngine_Postgres(&awsrds.PostgresInstanceEngineProps{Version: p.EngineVersion})
	parameters := awsrds.NewParameterGroup(c, jsii.String("Parameters"), &awsrds.ParameterGroupProps{
		Engine:      engine,
		Description: jsii.String("Garçon PostgreSQL: TLS only, slow statements logged"),
		Parameters: &map[string]*string{
			"rds.force_ssl":              jsii.String("1"),
			"log_min_duration_statement": jsii.String(fmt.Sprint(p.SlowStatementMillis)),
			"log_lock_waits":             jsii.String("1"),
			"log_temp_files":             jsii.String("0"),
		},
	})
	securityGroup := awsec2.NewSecurityGroup(c, jsii.String("SecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              p.Vpc,
		Description:      jsii.String("PostgreSQL writer and replicas: clients are admitted explicitly"),
		AllowAllOutbound: jsii.Bool(false),
	})
	instance := newInstance(c, p, engine, parameters, securityGroup)
	suppressLogRetention(c)

	db := &Database{
		Construct:      c,
		Instance:       instance,
		WriterEndpoint: instance.InstanceEndpoint(),
		ReaderEndpoint: instance.InstanceEndpoint(),
		Secret:         instance.Secret(),
		DatabaseName:   p.DatabaseName,
		SecurityGroup:  securityGroup,
	}
	if !p.Disposable {
		// A snapshot restored later needs the credentials it was taken with. Retain the
		// secret itself: instance.Secret() is the SecretTargetAttachment wrapping it, and a
		// policy applied there leaves the AWS::SecretsManager::Secret to be deleted.
		retainGeneratedSecret(c, instance)
	}
	for i := range p.ReadReplicas {
		replica := newReplica(c, fmt.Sprintf("Replica%d", i+1), instance, parameters, securityGroup, p)
		db.Replicas = append(db.Replicas, replica)
	}
	if len(db.Replicas) > 0 {
		db.ReaderEndpoint = db.Replicas[0].InstanceEndpoint()
	}

	addRotation(c, instance, p)
	return db
}

// newInstance creates the writer in the isolated subnets: encrypted with the
// environment's key, IAM authentication on, backups and protection by tier.
func newInstance(c constructs.Construct, p Props, engine awsrds.IInstanceEngine, parameters awsrds.IParameterGroup,
	securityGroup awsec2.ISecurityGroup) awsrds.DatabaseInstance {
	isolated := &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED}
	removal := awscdk.RemovalPolicy_DESTROY
	if !p.Disposable {
		removal = awscdk.RemovalPolicy_SNAPSHOT
	}

	instance := awsrds.NewDatabaseInstance(c, jsii.String("Instance"), &awsrds.DatabaseInstanceProps{
		Engine:       engine,
		InstanceType: awsec2.NewInstanceType(jsii.String(p.InstanceClass)),
		Vpc:          p.Vpc,
		VpcSubnets:   isolated,
		// Every client is in the VPC; nothing is reachable from the internet.
		PubliclyAccessible: jsii.Bool(false),
		SecurityGroups:     &[]awsec2.ISecurityGroup{securityGroup},
		Port:               jsii.Number(DefaultPort),
		DatabaseName:       jsii.String(p.DatabaseName),
		Credentials: awsrds.Credentials_FromGeneratedSecret(jsii.String("garcon_admin"), &awsrds.CredentialsBaseOptions{
			EncryptionKey: p.EncryptionKey,
		}),
		IamAuthentication: jsii.Bool(true),
		ParameterGroup:    parameters,
		MultiAz:           jsii.Bool(p.MultiAZ),

		StorageType:          awsrds.StorageType_GP3,
		AllocatedStorage:     jsii.Number(p.AllocatedStorageGiB),
		MaxAllocatedStorage:  jsii.Number(p.MaxAllocatedStorageGiB),
		StorageEncrypted:     jsii.Bool(true),
		StorageEncryptionKey: p.EncryptionKey,

		BackupRetention:            awscdk.Duration_Days(jsii.Number(p.BackupRetentionDays)),
		PreferredBackupWindow:      jsii.String("02:00-03:00"),
		PreferredMaintenanceWindow: jsii.String("Sun:03:30-Sun:04:30"),
		CopyTagsToSnapshot:         jsii.Bool(true),
		// Keep automated backups after deletion so point-in-time restore still works.
		DeleteAutomatedBackups: jsii.Bool(p.Disposable),
		DeletionProtection:     jsii.Bool(!p.Disposable),
		RemovalPolicy:          removal,
		// The minor version is pinned; upgrades are reviewed code changes.
		AutoMinorVersionUpgrade: jsii.Bool(false),

		CloudwatchLogsExports:           jsii.Strings("postgresql", "upgrade"),
		CloudwatchLogsRetention:         p.LogRetention,
		EnablePerformanceInsights:       jsii.Bool(true),
		PerformanceInsightEncryptionKey: p.EncryptionKey,
		MonitoringInterval:              awscdk.Duration_Seconds(jsii.Number(60)),
	})
	suppressEnvironmentChoices(instance, p)
	suppressMonitoringRole(instance)
	return instance
}

// suppressLogRetention justifies the managed policy and wildcard of CDK's log-retention
// function, a singleton at stack level created for the instance's exported logs.
func suppressLogRetention(c constructs.Construct) {
	logRetention := *awscdk.Stack_Of(c).Node().Path() + "/LogRetentionaae0aa3c5b4d4f87b02d85b201efdd8a"
	cdknag.NagSuppressions_AddResourceSuppressionsByPath(awscdk.Stack_Of(c), jsii.String(logRetention), &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("AwsSolutions-IAM4"), Reason: jsii.String("CDK's log-retention function only needs AWSLambdaBasicExecutionRole to write its own logs."),
			AppliesTo: &[]any{jsii.String("Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")}},
		{Id: jsii.String("AwsSolutions-IAM5"), Reason: jsii.String("RDS creates the exported log groups itself, so their names are unknown until then; the function may only PutRetentionPolicy/DeleteRetentionPolicy."),
			AppliesTo: &[]any{jsii.String("Resource::*")}},
	}, jsii.Bool(true))

}

// addRotation rotates the master secret every 30 days with a function in the private
// subnets.
func addRotation(c constructs.Construct, instance awsrds.DatabaseInstance, p Props) {
	// The rotation function runs in the private subnets: it needs the database (the
	// rotation adds that rule through Connections) and the Secrets Manager API over HTTPS
	// (its public endpoint through the NAT gateways, or the interface endpoint), nothing else.
	rotationSecurityGroup := awsec2.NewSecurityGroup(c, jsii.String("RotationSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              p.Vpc,
		Description:      jsii.String("Master-secret rotation: to the database and the Secrets Manager API only"),
		AllowAllOutbound: jsii.Bool(false),
	})
	rotationSecurityGroup.AddEgressRule(awsec2.Peer_AnyIpv4(), awsec2.Port_Tcp(jsii.Number(443)),
		jsii.String("HTTPS to the Secrets Manager API"), nil)
	rotation := instance.AddRotationSingleUser(&awsrds.RotationSingleUserOptions{
		AutomaticallyAfter: awscdk.Duration_Days(jsii.Number(30)),
		VpcSubnets:         &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS},
		SecurityGroup:      rotationSecurityGroup,
	})
	retainRotationLogs(c, rotation, p)
}

// retainGeneratedSecret retains the secret that Credentials_FromGeneratedSecret creates
// as the instance's child "Secret" (the attachment is its child "Attachment").
func retainGeneratedSecret(c constructs.Construct, instance awsrds.DatabaseInstance) {
	secret, ok := instance.Node().TryFindChild(jsii.String("Secret")).(awscdk.IResource)
	if !ok {
		awscdk.Annotations_Of(c).AddError(jsii.String("database: the generated master secret is no longer the instance's child \"Secret\"; revisit retainGeneratedSecret"))
		return
	}
	secret.ApplyRemovalPolicy(awscdk.RemovalPolicy_RETAIN)
}

// retainRotationLogs creates the log group of the rotation function before the function
// exists: the function is deployed by a serverless application (outside this template)
// under a name CDK chooses, and would otherwise log to a group that keeps logs forever.
func retainRotationLogs(c constructs.Construct, rotation awssecretsmanager.SecretRotation, p Props) {
	app, ok := rotation.Node().DefaultChild().(awssam.CfnApplication)
	if !ok {
		awscdk.Annotations_Of(c).AddError(jsii.String("database: the rotation is no longer a serverless application; revisit retainRotationLogs"))
		return
	}
	functionName := ""
	if params, ok := app.Parameters().(map[string]any); ok {
		functionName, _ = params["functionName"].(string)
	}
	if functionName == "" {
		awscdk.Annotations_Of(c).AddError(jsii.String(fmt.Sprintf("database: the rotation application has no functionName parameter (%T)", app.Parameters())))
		return
	}
	logGroup := awslogs.NewLogGroup(c, jsii.String("RotationLogs"), &awslogs.LogGroupProps{
		LogGroupName:  jsii.String("/aws/lambda/" + functionName),
		Retention:     p.LogRetention,
		EncryptionKey: p.EncryptionKey, // its key policy must admit CloudWatch Logs
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	app.Node().AddDependency(logGroup)
}

func newReplica(scope constructs.Construct, id string, source awsrds.DatabaseInstance, parameters awsrds.IParameterGroup,
	securityGroup awsec2.ISecurityGroup, p Props) awsrds.DatabaseInstanceReadReplica {
	removal := awscdk.RemovalPolicy_DESTROY // a replica holds no data of its own
	replica := awsrds.NewDatabaseInstanceReadReplica(scope, jsii.String(id), &awsrds.DatabaseInstanceReadReplicaProps{
		SourceDatabaseInstance: source,
		InstanceType:           awsec2.NewInstanceType(jsii.String(p.InstanceClass)),
		Vpc:                    p.Vpc,
		VpcSubnets:             &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED},
		PubliclyAccessible:     jsii.Bool(false),
		SecurityGroups:         &[]awsec2.ISecurityGroup{securityGroup},
		Port:                   jsii.Number(DefaultPort),
		ParameterGroup:         parameters,
		IamAuthentication:      jsii.Bool(true),

		// Encryption is inherited from the source (CloudFormation rejects StorageEncrypted
		// on a replica).
		StorageType:         awsrds.StorageType_GP3,
		MaxAllocatedStorage: jsii.Number(p.MaxAllocatedStorageGiB),

		PreferredMaintenanceWindow: jsii.String("Sun:04:30-Sun:05:30"),
		AutoMinorVersionUpgrade:    jsii.Bool(false),
		DeletionProtection:         jsii.Bool(!p.Disposable),
		RemovalPolicy:              removal,

		CloudwatchLogsExports:           jsii.Strings("postgresql", "upgrade"),
		CloudwatchLogsRetention:         p.LogRetention,
		EnablePerformanceInsights:       jsii.Bool(true),
		PerformanceInsightEncryptionKey: p.EncryptionKey,
		MonitoringInterval:              awscdk.Duration_Seconds(jsii.Number(60)),
	})
	cdknag.NagSuppressions_AddResourceSuppressions(replica, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("AwsSolutions-RDS3"), Reason: jsii.String("A replica only offloads menu reads, most of them answered from Redis; losing its zone degrades uncached menu reads until RDS replaces it, accepted rather than paying for a standby per replica.")},
		{Id: jsii.String("AwsSolutions-RDS2"), Reason: jsii.String("A replica inherits the source's KMS storage encryption; CloudFormation rejects StorageEncrypted on a replica.")},
		{Id: jsii.String("AwsSolutions-RDS11"), Reason: jsii.String("The replica listens on DefaultPort (5433) like the writer; the rule cannot infer the engine of a replica, which has no Engine property.")},
		{Id: jsii.String("NIST.800.53.R5-RDSMultiAZSupport"), Reason: jsii.String("A replica only offloads menu reads, most of them answered from Redis; losing its zone degrades uncached menu reads until RDS replaces it, accepted rather than paying for a standby per replica.")},
		{Id: jsii.String("NIST.800.53.R5-RDSStorageEncrypted"), Reason: jsii.String("A replica inherits the source's KMS storage encryption; CloudFormation rejects StorageEncrypted on a replica.")},
		{Id: jsii.String("NIST.800.53.R5-RDSInBackupPlan"), Reason: jsii.String("A replica holds a copy of the writer, which the AWS Backup plan backs up; a lost replica is recreated from the writer.")},
	}, jsii.Bool(false))
	suppressMonitoringRole(replica)
	if p.Disposable {
		suppressUnprotected(replica)
	}
	return replica
}

// suppressEnvironmentChoices records why a staging-sized instance is allowed to skip
// production's protections; config.Validate forbids these settings in production.
func suppressEnvironmentChoices(instance awsrds.DatabaseInstance, p Props) {
	if !p.MultiAZ {
		cdknag.NagSuppressions_AddResourceSuppressions(instance, &[]*cdknag.NagPackSuppression{
			{Id: jsii.String("AwsSolutions-RDS3"), Reason: jsii.String("Single-AZ is the cost-sized staging choice (Database.MultiAZ); config validation requires Multi-AZ in production.")},
		}, jsii.Bool(false))
	}
	if p.Disposable {
		suppressUnprotected(instance)
	}
}

// suppressMonitoringRole explains the AWS-managed policy of the enhanced-monitoring role
// CDK creates for resource.
func suppressMonitoringRole(resource constructs.IConstruct) {
	cdknag.NagSuppressions_AddResourceSuppressions(resource, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("AwsSolutions-IAM4"), Reason: jsii.String("AmazonRDSEnhancedMonitoringRole is the AWS-maintained policy RDS documents for enhanced monitoring; it only writes to the RDSOSMetrics log group."),
			AppliesTo: &[]any{jsii.String("Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole")}},
	}, jsii.Bool(true))
}

func suppressUnprotected(resource constructs.IConstruct) {
	cdknag.NagSuppressions_AddResourceSuppressions(resource, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("AwsSolutions-RDS10"), Reason: jsii.String("Staging is destroyable by design; production instances have deletion protection.")},
	}, jsii.Bool(false))
}

func (p *Props) withDefaults() Props {
	out := *p
	if out.DatabaseName == "" {
		out.DatabaseName = "garcon"
	}
	if out.EngineVersion == nil {
		out.EngineVersion = awsrds.PostgresEngineVersion_VER_17_9()
	}
	if out.SlowStatementMillis == 0 {
		out.SlowStatementMillis = 500
	}
	return out
}

func (p *Props) validate(scope constructs.Construct, id string) *validation.Problems {
	v := validation.For(scope, id)
	v.Require(p.Vpc != nil, "Vpc", "is required; allowed: the environment's VPC (isolated subnets for the database, private ones for rotation)")
	v.Require(p.EncryptionKey != nil, "EncryptionKey", "is required; allowed: a customer-managed KMS key (storage, Performance Insights and the secret are always encrypted with it)")
	v.Require(p.InstanceClass != "", "InstanceClass", `is empty; allowed: an instance class without "db.", e.g. t4g.medium`)
	v.Require(p.AllocatedStorageGiB >= 20 && p.AllocatedStorageGiB <= 65536, "AllocatedStorageGiB", fmt.Sprintf("is %d; allowed: 20 to 65536", p.AllocatedStorageGiB))
	v.Require(p.MaxAllocatedStorageGiB > p.AllocatedStorageGiB, "MaxAllocatedStorageGiB",
		fmt.Sprintf("is %d; allowed: more than AllocatedStorageGiB (%d)", p.MaxAllocatedStorageGiB, p.AllocatedStorageGiB))
	v.Require(p.ReadReplicas >= 0 && p.ReadReplicas <= 15, "ReadReplicas", fmt.Sprintf("is %d; allowed: 0 to 15", p.ReadReplicas))
	v.Require(p.BackupRetentionDays >= 1 && p.BackupRetentionDays <= 35, "BackupRetentionDays", fmt.Sprintf("is %d; allowed: 1 to 35", p.BackupRetentionDays))
	v.Require(p.LogRetention != "", "LogRetention", "is required; allowed: an awslogs.RetentionDays")
	v.Require(p.SlowStatementMillis > 0, "SlowStatementMillis", fmt.Sprintf("is %d; allowed: a positive number of milliseconds", p.SlowStatementMillis))
	return v
}
