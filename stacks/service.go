package stacks

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/garcon/infrastructure/config"
	"github.com/garcon/infrastructure/constructs/cache"
	"github.com/garcon/infrastructure/constructs/database"
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

// NewServiceStack creates the API of env from the image in appDir, wired to net and data.
func NewServiceStack(scope constructs.Construct, id string, env config.Environment, appDir string, net *NetworkStack, data *DataStack) *ServiceStack {
	stack := awscdk.NewStack(scope, jsii.String(id), stackProps(env, "Fargate API, load balancer, WAF, DNS and auto scaling"))
	zone := awsroute53.HostedZone_FromHostedZoneAttributes(stack, jsii.String("Zone"), &awsroute53.HostedZoneAttributes{
		HostedZoneId: jsii.String(env.DNS.HostedZoneID),
		ZoneName:     jsii.String(env.DNS.ZoneName),
	})
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
		// The exact variables app/ reads (app/README.md); secrets never appear here.
		Environment: map[string]string{
			"ENVIRONMENT":    env.Name,
			"PORT":           fmt.Sprint(service.ContainerPort),
			"DB_WRITER_HOST": *db.WriterEndpoint.Hostname(),
			"DB_READER_HOST": *db.ReaderEndpoint.Hostname(),
			"DB_PORT":        fmt.Sprint(database.DefaultPort),
			"DB_NAME":        db.DatabaseName,
			"DB_SSLMODE":     "verify-full",
			"REDIS_HOST":     *redis.PrimaryEndpoint,
			"REDIS_PORT":     fmt.Sprint(cache.DefaultPort),
			"REDIS_TLS":      "true",
			"UPLOADS_BUCKET": *data.Storage.Uploads.BucketName(),
			"AWS_REGION":     env.Region,
		},
		Secrets: map[string]awsecs.Secret{
			"DB_CREDENTIALS":      localSecret(stack, "DbCredentials", db.Secret, dataKey),
			"REDIS_AUTH_TOKEN":    localSecret(stack, "RedisAuthToken", redis.AuthToken, dataKey),
			"JWT_SECRET":          localSecret(stack, "JwtSigningKey", s.JwtSigningKey, dataKey),
			"STRIPE_API_KEY":      localSecret(stack, "StripeApiKey", s.StripeAPIKey, dataKey),
			"GOOGLE_MAPS_API_KEY": localSecret(stack, "GoogleMapsApiKey", s.GoogleMapsAPIKey, dataKey),
		},
		LogRetention:     retentionDays(env.Logs.RetentionDays),
		LogEncryptionKey: dataKey,
		HostedZone:       zone,
		HostName:         env.DNS.APIHost,
		AccessLogs:       data.Storage.Logs,
		Protected:        env.IsProduction(),
		Canary:           env.Service.Deployment == config.DeploymentCanary,
		// The same threshold alarms on operators and rolls back deployments.
		Alarm5xxPercent: env.Alarms.HTTP5xxPercent,
	})

	// Least privilege, all through Connections and Grant*: the tasks reach the database
	// (writer and replicas share one security group) and Redis on their ports, and may put
	// objects under uploads/ — what presigned PUT URLs are signed for.
	api.Service.Connections().AllowToDefaultPort(db.Instance, jsii.String("API to PostgreSQL"))
	api.Service.Connections().AllowTo(redis.SecurityGroup, redis.Connections().DefaultPort(), jsii.String("API to Redis"))
	data.Storage.Uploads.GrantPut(api.TaskDefinition.TaskRole(), jsii.String("uploads/*"))
	cdknag.NagSuppressions_AddResourceSuppressions(api.TaskDefinition.TaskRole(), &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("AwsSolutions-IAM5"), Reason: jsii.String("GrantPut's object-level wildcards are scoped to keys under uploads/ of the one bucket and to its one KMS key, exactly what presigned PUT URLs need."),
			AppliesTo: &[]any{
				jsii.String("Action::s3:Abort*"), jsii.String("Action::kms:GenerateDataKey*"), jsii.String("Action::kms:ReEncrypt*"),
				jsii.String("Resource::<StorageUploadsBDC5E374.Arn>/uploads/*"),
			}},
	}, jsii.Bool(true))

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

	notify := observability.Alarms{Topic: data.AlarmTopic.Topic}
	var alarms []awscloudwatch.Alarm
	for _, deploymentAlarm := range api.DeploymentAlarms {
		alarms = append(alarms, notify.Add(deploymentAlarm))
	}
	alarms = append(alarms, notify.APIAlarms(stack, observability.APIProps{
		LoadBalancer: api.LoadBalancer, TargetGroup: api.TargetGroup, Service: api.Service, Cluster: api.Cluster,
		MinTasks: env.Service.MinTasks, P99LatencyMillis: env.Alarms.P99LatencyMillis, Percent5xx: env.Alarms.HTTP5xxPercent,
	})...)
	alarms = append(alarms, notify.WafBlockedAlarm(stack, "WafBlockedSpike", acl.ACLMetric, stack.Region(), env.Alarms.WafBlockedPer5Minutes))
	// Staging sees too little traffic for a learned band; silence there must not page.
	kpiMissing := awscloudwatch.TreatMissingData_NOT_BREACHING
	if env.IsProduction() {
		kpiMissing = awscloudwatch.TreatMissingData_BREACHING
	}
	alarms = append(alarms, notify.MenuViewsDropAlarm(stack, env.Name, kpiMissing))
	dashboard := observability.NewDashboard(stack, "Dashboard", &observability.DashboardProps{
		Environment: env.Name, LoadBalancer: api.LoadBalancer, TargetGroup: api.TargetGroup, Cluster: api.Cluster, Service: api.Service,
		Database: db.Instance, Replicas: db.Replicas, CacheGroupID: redis.ReplicationGroup.Ref(), CacheNodes: 1 + env.Cache.Replicas,
		Alarms: append(append([]awscloudwatch.Alarm{}, alarms...), data.Alarms...),
	})

	output(stack, "ApiUrl", "https://"+api.DomainName, "The API's public URL")
	output(stack, "ClusterName", *api.Cluster.ClusterName(), "ECS cluster of the API")
	output(stack, "ServiceName", *api.Service.ServiceName(), "ECS service of the API")
	return &ServiceStack{Stack: stack, API: api, WebACL: acl, Alarms: alarms, Dashboard: dashboard}
}

// localSecret references a Data-stack secret from this stack so that granting it to the
// task's execution role lands in this stack's IAM policy. Granting the Data stack's own
// secret object would also write the role into the Data stack's key policy, making Data
// depend on Service while Service depends on Data: a cycle CloudFormation cannot deploy.
func localSecret(stack awscdk.Stack, id string, secret awssecretsmanager.ISecret, key awskms.IKey) awsecs.Secret {
	local := awssecretsmanager.Secret_FromSecretAttributes(stack, jsii.String(id), &awssecretsmanager.SecretAttributes{
		SecretCompleteArn: secret.SecretArn(),
		EncryptionKey:     key,
	})
	return awsecs.Secret_FromSecretsManager(local, nil)
}

func output(stack awscdk.Stack, id, value, description string) {
	awscdk.NewCfnOutput(stack, jsii.String(id), &awscdk.CfnOutputProps{
		Value:       jsii.String(value),
		Description: jsii.String(description),
	})
}
