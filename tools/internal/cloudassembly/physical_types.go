package cloudassembly

import "strings"

// typeModels gives Ref and Fn::GetAtt per resource type, following the "Return values"
// section of each type in the CloudFormation resource reference. A type without a Ref
// model refers to a generated "<StackName>-<LogicalId>-<RANDOM>" id; an attribute
// without a model is an error, so a policy is never evaluated with a made-up value.
// (It is filled in init: some models refer back to it through same.)
var typeModels map[string]typeModel

func init() { typeModels = typeModelTable() }

func typeModelTable() map[string]typeModel {
	all := map[string]typeModel{}
	for _, group := range []map[string]typeModel{identityModels(), messagingModels(), edgeAndDataModels(), computeModels(), networkModels(), otherModels()} {
		for typ, m := range group {
			all[typ] = m
		}
	}
	return all
}

// identityModels are the models of IAM, KMS and Secrets Manager.
func identityModels() map[string]typeModel {
	return map[string]typeModel{
		"AWS::IAM::Role": {
			ref: nameThen("RoleName", 64, false, func(_ physical, n string) any { return n }),
			attrs: map[string]func(physical) (any, error){
				"Arn": nameThen("RoleName", 64, false, func(p physical, n string) any {
					return p.arn("iam", "", p.st.Account, "role"+iamPath(p)+n)
				}),
				"RoleId": idOf("AROA", 17, upperAlnum),
			},
		},
		"AWS::IAM::ManagedPolicy": {
			ref: same("PolicyArn"),
			attrs: map[string]func(physical) (any, error){
				"PolicyArn": nameThen("ManagedPolicyName", 128, false, func(p physical, n string) any {
					return p.arn("iam", "", p.st.Account, "policy"+iamPath(p)+n)
				}),
			},
		},
		"AWS::IAM::OIDCProvider": {
			ref:   same("Arn"),
			attrs: map[string]func(physical) (any, error){"Arn": oidcProviderArn},
		},
		"AWS::S3::Bucket": {
			ref: nameThen("BucketName", 63, true, func(_ physical, n string) any { return n }),
			attrs: map[string]func(physical) (any, error){
				"Arn":                bucket(func(p physical, n string) string { return p.arn("s3", "", "", n) }),
				"DomainName":         bucket(func(p physical, n string) string { return n + ".s3." + URLSuffix(p.st.Region) }),
				"RegionalDomainName": bucket(func(p physical, n string) string { return n + ".s3." + p.st.Region + "." + URLSuffix(p.st.Region) }),
				"DualStackDomainName": bucket(func(p physical, n string) string {
					return n + ".s3.dualstack." + p.st.Region + "." + URLSuffix(p.st.Region)
				}),
				"WebsiteURL": bucket(func(p physical, n string) string {
					return "http://" + n + ".s3-website-" + p.st.Region + "." + URLSuffix(p.st.Region)
				}),
			},
		},
		"AWS::KMS::Key": {
			ref: keyID,
			attrs: map[string]func(physical) (any, error){
				"Arn":   func(p physical) (any, error) { id, _ := keyID(p); return p.regional("kms", "key/"+id.(string)), nil },
				"KeyId": keyID,
			},
		},
		"AWS::KMS::Alias": {ref: propValue("AliasName", "")},
		"AWS::SecretsManager::Secret": {
			ref:   secretArn,
			attrs: map[string]func(physical) (any, error){"Id": secretArn},
		},
		// Ref of an attachment, a secret resource policy and a rotation schedule is the ARN
		// of the secret they name.
		"AWS::SecretsManager::SecretTargetAttachment": {ref: propValue("SecretId", "")},
		"AWS::SecretsManager::ResourcePolicy":         {ref: propValue("SecretId", "")},
		"AWS::SecretsManager::RotationSchedule":       {ref: propValue("SecretId", "")},
	}
}

// messagingModels are the models of SNS, SQS, CloudWatch Logs and alarms.
func messagingModels() map[string]typeModel {
	return map[string]typeModel{
		"AWS::SNS::Topic": {
			ref: same("TopicArn"),
			attrs: map[string]func(physical) (any, error){
				"TopicArn":  func(p physical) (any, error) { n, err := topicName(p); return p.regional("sns", n), err },
				"TopicName": func(p physical) (any, error) { return topicName(p) },
			},
		},
		"AWS::SQS::Queue": {
			ref: nameThen("QueueName", 80, false, func(p physical, n string) any {
				return "https://sqs." + p.st.Region + "." + URLSuffix(p.st.Region) + "/" + p.st.Account + "/" + n
			}),
			attrs: map[string]func(physical) (any, error){
				"Arn":       nameThen("QueueName", 80, false, func(p physical, n string) any { return p.regional("sqs", n) }),
				"QueueName": nameThen("QueueName", 80, false, func(_ physical, n string) any { return n }),
				"QueueUrl":  same(""),
			},
		},
		"AWS::Logs::LogGroup": {
			ref: nameThen("LogGroupName", 512, false, func(_ physical, n string) any { return n }),
			// The Arn attribute ends in ":*" (it matches the group's streams); LogGroupArn
			// (see tools/access) is the one without.
			attrs: map[string]func(physical) (any, error){
				"Arn": nameThen("LogGroupName", 512, false, func(p physical, n string) any { return p.regional("logs", "log-group:"+n+":*") }),
			},
		},
		"AWS::CloudWatch::Alarm": {
			ref: nameThen("AlarmName", 255, false, func(_ physical, n string) any { return n }),
			attrs: map[string]func(physical) (any, error){
				"Arn": nameThen("AlarmName", 255, false, func(p physical, n string) any { return p.regional("cloudwatch", "alarm:"+n) }),
			},
		},
		"AWS::CloudWatch::CompositeAlarm": {
			ref: nameThen("AlarmName", 255, false, func(_ physical, n string) any { return n }),
			attrs: map[string]func(physical) (any, error){
				"Arn": nameThen("AlarmName", 255, false, func(p physical, n string) any { return p.regional("cloudwatch", "alarm:"+n) }),
			},
		},
	}
}

// edgeAndDataModels are the models of CloudFront, Route 53, RDS, ElastiCache and AWS Backup.
func edgeAndDataModels() map[string]typeModel {
	return map[string]typeModel{
		"AWS::CloudFront::Distribution": {
			ref: idOf("E", 13, upperAlnum),
			attrs: map[string]func(physical) (any, error){
				"Id":         idOf("E", 13, upperAlnum),
				"DomainName": func(p physical) (any, error) { return "d" + p.token("domain", 13, lowerAlnum) + ".cloudfront.net", nil },
			},
		},
		"AWS::CloudFront::OriginAccessControl": {
			ref: idOf("E", 13, upperAlnum), attrs: map[string]func(physical) (any, error){"Id": idOf("E", 13, upperAlnum)},
		},
		"AWS::CloudFront::ResponseHeadersPolicy": {ref: uuidOf, attrs: map[string]func(physical) (any, error){"Id": uuidOf}},
		"AWS::CloudFront::CachePolicy":           {ref: uuidOf, attrs: map[string]func(physical) (any, error){"Id": uuidOf}},
		"AWS::Route53::HostedZone": {
			ref: idOf("Z", 21, upperAlnum),
			attrs: map[string]func(physical) (any, error){
				"Id": idOf("Z", 21, upperAlnum),
				"NameServers": func(p physical) (any, error) {
					return []any{"ns-" + p.token("ns1", 3, digits) + ".awsdns-01.com", "ns-" + p.token("ns2", 3, digits) + ".awsdns-02.net"}, nil
				},
			},
		},
		"AWS::Route53::RecordSet":   {ref: propValue("Name", "")},
		"AWS::Route53::HealthCheck": {ref: uuidOf, attrs: map[string]func(physical) (any, error){"HealthCheckId": uuidOf}},
		"AWS::RDS::DBInstance": {
			ref: nameThen("DBInstanceIdentifier", 63, true, func(_ physical, n string) any { return strings.ToLower(n) }),
			attrs: map[string]func(physical) (any, error){
				"DbiResourceId": idOf("db-", 26, upperAlnum),
				"DBInstanceArn": nameThen("DBInstanceIdentifier", 63, true, func(p physical, n string) any { return p.regional("rds", "db:"+strings.ToLower(n)) }),
				"Endpoint.Address": nameThen("DBInstanceIdentifier", 63, true, func(p physical, n string) any {
					return strings.ToLower(n) + "." + p.token("host", 12, lowerAlnum) + "." + p.st.Region + ".rds." + URLSuffix(p.st.Region)
				}),
				"Endpoint.Port": propValue("Port", "5432"),
			},
		},
		"AWS::RDS::DBSubnetGroup":    {ref: func(p physical) (any, error) { return p.generatedName(255, true), nil }},
		"AWS::RDS::DBParameterGroup": {ref: func(p physical) (any, error) { return p.generatedName(255, true), nil }},
		"AWS::ElastiCache::ReplicationGroup": {
			ref: nameThen("ReplicationGroupId", 40, true, func(_ physical, n string) any { return n }),
			attrs: map[string]func(physical) (any, error){
				"PrimaryEndPoint.Address": cacheEndpoint("master"),
				"PrimaryEndPoint.Port":    propValue("Port", "6379"),
				"ReaderEndPoint.Address":  cacheEndpoint("replica"),
				"ReaderEndPoint.Port":     propValue("Port", "6379"),
			},
		},
		"AWS::Backup::BackupVault": {
			ref: propValue("BackupVaultName", ""),
			attrs: map[string]func(physical) (any, error){
				"BackupVaultName": propValue("BackupVaultName", ""),
				"BackupVaultArn": func(p physical) (any, error) {
					n, err := p.prop("BackupVaultName")
					return p.regional("backup", "backup-vault:"+n), err
				},
			},
		},
		"AWS::Backup::BackupPlan": {
			ref: uuidOf,
			attrs: map[string]func(physical) (any, error){
				"BackupPlanId":  uuidOf,
				"BackupPlanArn": func(p physical) (any, error) { return p.regional("backup", "backup-plan:"+p.uuid("id")), nil },
				"VersionId":     func(p physical) (any, error) { return p.token("version", 40, mixedAlnum), nil },
			},
		},
	}
}

// computeModels are the models of ECS and load balancers.
func computeModels() map[string]typeModel {
	return map[string]typeModel{
		"AWS::ECS::Cluster": {
			ref: nameThen("ClusterName", 255, false, func(_ physical, n string) any { return n }),
			attrs: map[string]func(physical) (any, error){
				"Arn": nameThen("ClusterName", 255, false, func(p physical, n string) any { return p.regional("ecs", "cluster/"+n) }),
			},
		},
		"AWS::ECS::TaskDefinition": {
			ref: same("TaskDefinitionArn"),
			attrs: map[string]func(physical) (any, error){
				"TaskDefinitionArn": nameThen("Family", 255, false, func(p physical, n string) any { return p.regional("ecs", "task-definition/"+n+":1") }),
			},
		},
		"AWS::ECS::Service": {
			ref: same("ServiceArn"),
			attrs: map[string]func(physical) (any, error){
				"ServiceArn": nameThen("ServiceName", 255, false, func(p physical, n string) any { return p.regional("ecs", "service/"+n) }),
				"Name":       nameThen("ServiceName", 255, false, func(_ physical, n string) any { return n }),
			},
		},
		"AWS::ElasticLoadBalancingV2::LoadBalancer": {
			ref: same("LoadBalancerArn"),
			attrs: map[string]func(physical) (any, error){
				"LoadBalancerArn":      loadBalancer(func(p physical, full string) any { return p.regional("elasticloadbalancing", "loadbalancer/"+full) }),
				"LoadBalancerFullName": loadBalancer(func(_ physical, full string) any { return full }),
				"LoadBalancerName":     nameThen("Name", 32, false, func(_ physical, n string) any { return n }),
				"DNSName": nameThen("Name", 32, false, func(p physical, n string) any {
					return n + "-" + p.token("dns", 10, digits) + "." + p.st.Region + ".elb." + URLSuffix(p.st.Region)
				}),
				"CanonicalHostedZoneID": idOf("Z", 13, upperAlnum),
			},
		},
		"AWS::ElasticLoadBalancingV2::TargetGroup": {
			ref: same("TargetGroupArn"),
			attrs: map[string]func(physical) (any, error){
				"TargetGroupArn": nameThen("Name", 32, false, func(p physical, n string) any {
					return p.regional("elasticloadbalancing", "targetgroup/"+n+"/"+p.token("id", 16, hexDigits))
				}),
				"TargetGroupFullName": nameThen("Name", 32, false, func(p physical, n string) any { return "targetgroup/" + n + "/" + p.token("id", 16, hexDigits) }),
				"TargetGroupName":     nameThen("Name", 32, false, func(_ physical, n string) any { return n }),
			},
		},
		"AWS::ElasticLoadBalancingV2::Listener": {
			ref: func(p physical) (any, error) {
				return p.regional("elasticloadbalancing", "listener/app/"+p.generatedName(32, false)+"/"+p.token("id", 16, hexDigits)), nil
			},
		},
	}
}

// networkModels are the models of EC2 networking and Lambda.
func networkModels() map[string]typeModel {
	return map[string]typeModel{
		"AWS::EC2::VPC": {
			ref: idOf("vpc-", 17, hexDigits),
			attrs: map[string]func(physical) (any, error){
				"VpcId":                idOf("vpc-", 17, hexDigits),
				"CidrBlock":            propValue("CidrBlock", ""),
				"DefaultSecurityGroup": func(p physical) (any, error) { return "sg-" + p.token("default-sg", 17, hexDigits), nil },
				"Ipv6CidrBlocks":       func(physical) (any, error) { return []any{"2001:db8::/56"}, nil },
			},
		},
		"AWS::EC2::Subnet": {
			ref: idOf("subnet-", 17, hexDigits),
			attrs: map[string]func(physical) (any, error){
				"SubnetId": idOf("subnet-", 17, hexDigits), "AvailabilityZone": propValue("AvailabilityZone", ""),
			},
		},
		"AWS::EC2::SecurityGroup": {
			ref: idOf("sg-", 17, hexDigits),
			attrs: map[string]func(physical) (any, error){
				"GroupId": idOf("sg-", 17, hexDigits), "VpcId": propValue("VpcId", ""),
			},
		},
		"AWS::EC2::RouteTable":                {ref: idOf("rtb-", 17, hexDigits)},
		"AWS::EC2::InternetGateway":           {ref: idOf("igw-", 17, hexDigits)},
		"AWS::EC2::EgressOnlyInternetGateway": {ref: idOf("eigw-", 17, hexDigits)},
		"AWS::EC2::NatGateway":                {ref: idOf("nat-", 17, hexDigits)},
		"AWS::EC2::VPCEndpoint":               {ref: idOf("vpce-", 17, hexDigits)},
		"AWS::EC2::FlowLog":                   {ref: idOf("fl-", 17, hexDigits)},
		"AWS::EC2::EIP": {
			ref:   func(p physical) (any, error) { return "192.0.2." + p.token("ip", 2, digits), nil },
			attrs: map[string]func(physical) (any, error){"AllocationId": idOf("eipalloc-", 17, hexDigits)},
		},
		"AWS::Lambda::Function": {
			ref: nameThen("FunctionName", 64, false, func(_ physical, n string) any { return n }),
			attrs: map[string]func(physical) (any, error){
				"Arn": nameThen("FunctionName", 64, false, func(p physical, n string) any { return p.regional("lambda", "function:"+n) }),
			},
		},
	}
}

// otherModels are the models of WAF, ACM, SSM, ECR and nested stacks.
func otherModels() map[string]typeModel {
	return map[string]typeModel{
		"AWS::WAFv2::WebACL": {
			attrs: map[string]func(physical) (any, error){
				"Id": uuidOf,
				"Arn": nameThen("Name", 128, false, func(p physical, n string) any {
					scope := "regional"
					if strings.EqualFold(String(p.res.Properties["Scope"]), "CLOUDFRONT") {
						scope = "global"
					}
					return p.regional("wafv2", scope+"/webacl/"+n+"/"+p.uuid("id"))
				}),
			},
		},
		"AWS::CertificateManager::Certificate": {
			ref: func(p physical) (any, error) { return p.regional("acm", "certificate/"+p.uuid("id")), nil },
		},
		"AWS::SSM::Parameter": {ref: nameThen("Name", 1011, false, func(_ physical, n string) any { return n })},
		"AWS::ECR::Repository": {
			ref: nameThen("RepositoryName", 256, true, func(_ physical, n string) any { return n }),
			attrs: map[string]func(physical) (any, error){
				"Arn": nameThen("RepositoryName", 256, true, func(p physical, n string) any { return p.regional("ecr", "repository/"+n) }),
				"RepositoryUri": nameThen("RepositoryName", 256, true, func(p physical, n string) any {
					return p.st.Account + ".dkr.ecr." + p.st.Region + "." + URLSuffix(p.st.Region) + "/" + n
				}),
			},
		},
		// A SAR application is a nested stack: Ref is the nested stack's id.
		"AWS::Serverless::Application": {ref: nestedStackID},
		"AWS::CloudFormation::Stack":   {ref: nestedStackID},
	}
}

func iamPath(p physical) string {
	path := String(p.res.Properties["Path"])
	if path == "" {
		return "/"
	}
	return path
}

func uuidOf(p physical) (any, error) { return p.uuid("id"), nil }

func keyID(p physical) (any, error) { return p.uuid("key-id"), nil }

func stackID(st *Stack) string {
	p := physical{st: st, id: "AWS::StackId"}
	return p.regional("cloudformation", "stack/"+st.StackName+"/"+p.uuid("stack-id"))
}

func nestedStackID(p physical) (any, error) {
	name := p.generatedName(128, false)
	return p.regional("cloudformation", "stack/"+name+"/"+p.uuid("stack-id")), nil
}

// secretArn is "arn:…:secret:<Name or LogicalId-RANDOM>-<6 random>", the ARN Secrets
// Manager gives a secret (Ref and Id of AWS::SecretsManager::Secret).
func secretArn(p physical) (any, error) {
	name, err := p.prop("Name")
	if err != nil {
		return nil, err
	}
	if name == "" {
		name = p.id + "-" + p.token("name", 12, mixedAlnum)
	}
	return p.regional("secretsmanager", "secret:"+name+"-"+p.token("suffix", 6, mixedAlnum)), nil
}

func topicName(p physical) (string, error) {
	n, err := p.name("TopicName", 256, false)
	if err == nil && Bool(p.res.Properties["FifoTopic"]) && !strings.HasSuffix(n, ".fifo") {
		n = n[:min(len(n), 251)] + ".fifo"
	}
	return n, err
}

func oidcProviderArn(p physical) (any, error) {
	url, err := p.prop("Url")
	if err != nil {
		return nil, err
	}
	return p.arn("iam", "", p.st.Account, "oidc-provider/"+strings.TrimPrefix(url, "https://")), nil
}

func bucket(f func(p physical, name string) string) func(physical) (any, error) {
	return nameThen("BucketName", 63, true, func(p physical, n string) any { return f(p, n) })
}

// loadBalancer applies f to the load balancer's full name "app/<name>/<16 hex>".
func loadBalancer(f func(p physical, full string) any) func(physical) (any, error) {
	return nameThen("Name", 32, false, func(p physical, n string) any {
		kind := "app"
		switch String(p.res.Properties["Type"]) {
		case "network":
			kind = "net"
		case "gateway":
			kind = "gwy"
		}
		return f(p, kind+"/"+n+"/"+p.token("id", 16, hexDigits))
	})
}

func cacheEndpoint(role string) func(physical) (any, error) {
	return nameThen("ReplicationGroupId", 40, true, func(p physical, n string) any {
		return role + "." + n + "." + p.token("host", 6, lowerAlnum) + "." + p.st.Region + ".cache." + URLSuffix(p.st.Region)
	})
}
