package stacks

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/garcon/infrastructure/config"
	"github.com/garcon/infrastructure/constructs/cache"
	"github.com/garcon/infrastructure/constructs/database"
	"github.com/garcon/infrastructure/constructs/keys"
	"github.com/garcon/infrastructure/constructs/observability"
	"github.com/garcon/infrastructure/constructs/service"
	"github.com/garcon/infrastructure/constructs/waf"
)

// ServiceStack holds the stateless API tier: destroying and redeploying it loses no data.
type ServiceStack struct {
	awscdk.Stack
	// API is the Fargate service behind its load balancer.
	API *service.Service
	// WebACL protects the load balancer.
	WebACL *waf.WebACL
	// Alarms are the API's alarms (deployment alarms included), the regional WAF's and the
	// business KPI's.
	Alarms []awscloudwatch.Alarm
	// Dashboard shows the environment's golden signals and KPIs.
	Dashboard awscloudwatch.Dashboard
}

// NewServiceStack creates the API of env from the image in appDir, wired to net and data;
// its DNS records go into dnsStack's API zone, or the parent zone when dnsStack is nil.
//
// The dashboard graphs the Edge stack's distribution (a deploy-time reference to us-east-1).
func NewServiceStack(scope constructs.Construct, id string, env config.Environment, appDir string, net *NetworkStack, data *DataStack,
	dnsStack *DNSStack, edgeStack *EdgeStack, monitoring *observability.Monitoring) *ServiceStack {
	stack := awscdk.NewStack(scope, jsii.String(id), stackProps(env, "Fargate API, load balancer, WAF, DNS and auto scaling"))
	var zone awsroute53.IHostedZone
	if dnsStack != nil {
		zone = dnsStack.Zones.API
	} else {
		zone = parentZone(stack, env)
	}
	db, redis, s := data.Database, data.Cache, data.Secrets
	dataKey := awskms.Key_FromKeyArn(stack, jsii.String("DataKey"), data.Key.KeyArn())

	api := service.New(stack, "Api", &service.Props{
		Vpc:            net.Vpc,
		ImageDirectory: appDir,
		Arm64:          env.Service.Platform == config.PlatformARM64,
		CPU:            env.Service.CPU,
		MemoryMiB:      env.Service.MemoryMiB,
		MinTasks:       env.Service.MinTasks,
		MaxTasks:       env.Service.MaxTasks,
		Environment:    apiEnvironment(env, data),
		Secrets:        apiSecrets(stack, data),
		// New tasks whenever a value the environment or secrets read from another stack
		// may have changed (see revision.go).
		Labels: map[string]string{UpstreamRevisionLabel: *resourcesRevision(append([]constructs.IConstruct{
			db.Instance, redis.ReplicationGroup, redis.AuthToken, db.Secret,
			s.JwtSigningKey, s.StripeAPIKey, s.GoogleMapsAPIKey, data.Storage.Uploads,
		}, replicasOf(db)...)...)},
		LogRetention:     retentionDays(env.Logs.RetentionDays),
		LogEncryptionKey: dataKey,
		HostedZone:       zone,
		DomainName:       env.APIDomain(),
		AccessLogs:       data.Storage.Logs,
		Protected:        env.IsProtected(),
		Canary:           env.Service.Deployment == config.DeploymentCanary,
		// The same threshold alarms on operators and rolls back deployments.
		Alarm5xxPercent: env.Alarms.HTTP5xxPercent,
		Tracing:         tracingProps(env),
		EcsExec:         ecsExecProps(env, dataKey),
	})

	allowSecretsDecryption(api.TaskDefinition, data.Key, env.Region)

	// Least privilege, all through Connections and Grant*: the tasks reach the database
	// (writer and replicas share one security group) and Redis on their ports, and may put
	// objects under uploads/ — what presigned PUT URLs are signed for.
	api.Service.Connections().AllowToDefaultPort(db.Instance, jsii.String("API to PostgreSQL"))
	db.GrantConnect(api.TaskDefinition.TaskRole())
	api.Service.Connections().AllowTo(redis.SecurityGroup, redis.Connections().DefaultPort(), jsii.String("API to Redis"))
	allowUploads(api.TaskDefinition.TaskRole(), data.Storage.Uploads, data.Key, env.Region)
	cdknag.NagSuppressions_AddResourceSuppressions(api.TaskDefinition.TaskRole(), &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("AwsSolutions-IAM5"), Reason: jsii.String("Presigned uploads go to keys the API names at run time, all under uploads/ of the one bucket; the only action there is s3:PutObject."),
			AppliesTo: &[]any{jsii.String("Resource::<StorageUploadsBDC5E374.Arn>/uploads/*")}},
	}, jsii.Bool(true))

	watchProducers(stack, net.Stack, data.Stack, dnsStackOf(dnsStack), edgeStack.Stack)

	acl := waf.New(stack, "Waf", &waf.Props{
		Scope:            waf.ScopeRegional,
		Name:             fmt.Sprintf("garcon-%s-api", env.Name),
		RateLimit:        env.Service.WafRateLimit,
		LogRetention:     retentionDays(env.Logs.RetentionDays),
		LogEncryptionKey: dataKey,
		RemovalPolicy:    removalPolicy(env),
		// The API limits and validates request bodies itself (menus up to 1 MiB).
		CountOnlyRules: []string{"SizeRestrictions_BODY"},
	})
	acl.Associate("LoadBalancerAssociation", api.LoadBalancer.LoadBalancerArn())

	dashboard := monitorService(stack, env, monitoring, api, acl)

	output(stack, "ApiUrl", "https://"+api.DomainName, "The API's public URL")
	output(stack, "ClusterName", *api.Cluster.ClusterName(), "ECS cluster of the API")
	output(stack, "ServiceName", *api.Service.ServiceName(), "ECS service of the API")
	keys.EncryptLogGroups(stack, dataKey)
	return &ServiceStack{Stack: stack, API: api, WebACL: acl, Alarms: monitoring.AlarmsOf(stack), Dashboard: dashboard}
}

// allowUploads lets the task role sign presigned PUT URLs for keys under uploads/: a
// presigned request acts with its signer's permissions, so the role needs s3:PutObject
// there and, since the bucket encrypts with the Data key, kms:GenerateDataKey on that key
// when S3 asks KMS for the object's data key on the upload's behalf. Nothing else: no
// reads, deletes, retention or legal holds. (Bucket.GrantPut would add those object-lock
// and tagging actions; a grant on the Data key object would also write the Data key's
// policy, making Data depend on Service.)
func allowUploads(role awsiam.IRole, bucket awss3.IBucket, key awskms.IKey, region string) {
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("PutUploads"),
		Actions:   jsii.Strings("s3:PutObject"),
		Resources: jsii.Strings(*bucket.ArnForObjects(jsii.String("uploads/*"))),
	}))
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("EncryptUploads"),
		Actions:    jsii.Strings("kms:GenerateDataKey"),
		Resources:  jsii.Strings(*key.KeyArn()),
		Conditions: &map[string]any{"StringEquals": map[string]any{"kms:ViaService": fmt.Sprintf("s3.%s.amazonaws.com", region)}},
	}))
}

// tracingProps is the collector sidecar of env (nil when tracing is off).
func tracingProps(env config.Environment) *service.TracingProps {
	t := env.Service.Tracing.WithDefaults()
	if !t.Enabled {
		return nil
	}
	return &service.TracingProps{SampleRatio: t.SampleRatio, CollectorCPU: t.CollectorCPU, CollectorMemoryMiB: t.CollectorMemoryMiB}
}

// ecsExecProps is env's ECS Exec (nil when off): sessions encrypted with the Data key,
// opened only through the role named <StageName>-EcsExec.
func ecsExecProps(env config.Environment, key awskms.IKey) *service.EcsExecProps {
	if !env.Service.EcsExec.Enabled {
		return nil
	}
	return &service.EcsExecProps{Key: key, RoleName: EcsExecRoleName(env)}
}

// EcsExecRoleName is the name of the role that may open ECS Exec sessions in env.
func EcsExecRoleName(env config.Environment) string { return env.StageName + "-EcsExec" }

// UpstreamRevisionLabel is the Docker label of the API container that carries the
// revision of the values it reads from the Network, Data and Dns stacks.
const UpstreamRevisionLabel = "app.garcon.upstream-revision"

// replicasOf lists db's read replicas as constructs.
func replicasOf(db *database.Database) []constructs.IConstruct {
	out := make([]constructs.IConstruct, len(db.Replicas))
	for i, r := range db.Replicas {
		out[i] = r
	}
	return out
}

// dnsStackOf returns the stack of d, or nil when the environment has no Dns stack.
func dnsStackOf(d *DNSStack) awscdk.Stack {
	if d == nil {
		return nil
	}
	return d.Stack
}

// localSecret references a Data-stack secret from this stack so that granting it to the
// task's execution role lands in this stack's IAM policy. Granting the Data stack's own
// secret object would also write the role into the Data stack's key policy, making Data
// depend on Service while Service depends on Data: a cycle CloudFormation cannot deploy.
// The reference carries no key on purpose: a grant through an imported key writes nothing
// (see allowSecretsDecryption).
func localSecret(stack awscdk.Stack, id string, secret awssecretsmanager.ISecret) awsecs.Secret {
	local := awssecretsmanager.Secret_FromSecretAttributes(stack, jsii.String(id), &awssecretsmanager.SecretAttributes{
		SecretCompleteArn: secret.SecretArn(),
	})
	return awsecs.Secret_FromSecretsManager(local, nil)
}

// allowSecretsDecryption lets the task execution role decrypt the secrets ECS injects at
// start: Secrets Manager decrypts them with the Data key on the caller's behalf, so the
// caller needs kms:Decrypt on that key. A grant through an imported key
// (Key_FromKeyArn) is silently dropped — an imported key has no policy CDK can write to,
// and its kms:ViaService principal adds nothing to an identity policy — so the statement
// goes into the role's own policy, limited to Secrets Manager's use of the key. The key
// policy delegates to IAM in the account, which makes this statement sufficient.
func allowSecretsDecryption(task awsecs.TaskDefinition, key awskms.IKey, region string) {
	task.ObtainExecutionRole().AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("DecryptInjectedSecrets"),
		Actions:    jsii.Strings("kms:Decrypt"),
		Resources:  jsii.Strings(*key.KeyArn()),
		Conditions: &map[string]any{"StringEquals": map[string]any{"kms:ViaService": fmt.Sprintf("secretsmanager.%s.amazonaws.com", region)}},
	}))
}

func output(stack awscdk.Stack, id, value, description string) {
	awscdk.NewCfnOutput(stack, jsii.String(id), &awscdk.CfnOutputProps{
		Value:       jsii.String(value),
		Description: jsii.String(description),
	})
}

// apiEnvironment is the exact set of variables app/ reads (app/README.md); secrets never
// appear here.
func apiEnvironment(env config.Environment, data *DataStack) map[string]string {
	db, redis := data.Database, data.Cache
	return map[string]string{
		"ENVIRONMENT":    env.Name,
		"PORT":           fmt.Sprint(service.ContainerPort),
		"DB_WRITER_HOST": *db.WriterEndpoint.Hostname(),
		"DB_READER_HOST": *db.ReaderEndpoint.Hostname(),
		"DB_PORT":        fmt.Sprint(database.DefaultPort),
		"DB_NAME":        db.DatabaseName,
		"DB_SSLMODE":     "verify-full",
		// The pools log in as their own user with IAM tokens; the master credentials
		// (DB_CREDENTIALS) only run migrations at start.
		"DB_AUTH":        "iam",
		"DB_APP_USER":    database.AppUser,
		"JWT_AUDIENCE":   "garcon-api",
		"REDIS_HOST":     *redis.PrimaryEndpoint,
		"REDIS_PORT":     fmt.Sprint(cache.DefaultPort),
		"REDIS_TLS":      "true",
		"UPLOADS_BUCKET": *data.Storage.Uploads.BucketName(),
		"AWS_REGION":     env.Region,
	}
}

// apiSecrets are the secrets ECS injects, re-referenced in this stack by ARN (see
// localSecret) so the grants land on this stack's roles.
func apiSecrets(stack awscdk.Stack, data *DataStack) map[string]awsecs.Secret {
	db, redis, s := data.Database, data.Cache, data.Secrets
	return map[string]awsecs.Secret{
		"DB_CREDENTIALS":      localSecret(stack, "DbCredentials", db.Secret),
		"REDIS_AUTH_TOKEN":    localSecret(stack, "RedisAuthToken", redis.AuthToken),
		"JWT_SECRET":          localSecret(stack, "JwtSigningKey", s.JwtSigningKey),
		"STRIPE_API_KEY":      localSecret(stack, "StripeApiKey", s.StripeAPIKey),
		"GOOGLE_MAPS_API_KEY": localSecret(stack, "GoogleMapsApiKey", s.GoogleMapsAPIKey),
	}
}

// monitorService registers the API's and the WAF's alarms and the KPIs, then draws the
// environment's dashboard: last, once every stack has registered its signals.
func monitorService(stack awscdk.Stack, env config.Environment, monitoring *observability.Monitoring, api *service.Service, acl *waf.WebACL) awscloudwatch.Dashboard {
	monitoring.MonitorAPI(stack, observability.APIProps{
		LoadBalancer: api.LoadBalancer, TargetGroups: api.TargetGroups, Service: api.Service, Cluster: api.Cluster,
		DeploymentAlarms: api.DeploymentAlarms, MinTasks: env.Service.MinTasks, P99LatencyMillis: env.Alarms.P99LatencyMillis,
	})
	monitoring.WafBlocked(stack, "WafBlockedSpike", acl.ACLMetric, stack.Region(), env.Alarms.WafBlockedPer5Minutes)
	// A disposable environment sees too little traffic for a learned band; silence there
	// must not page.
	kpiMissing := awscloudwatch.TreatMissingData_NOT_BREACHING
	if env.IsProtected() {
		kpiMissing = awscloudwatch.TreatMissingData_BREACHING
	}
	monitoring.MonitorKPIs(stack, kpiMissing)
	return monitoring.NewDashboard(stack, "Dashboard")
}
