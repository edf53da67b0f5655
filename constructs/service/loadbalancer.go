package service

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// newLoadBalancer creates the internet-facing load balancer with its HTTP redirect and
// HTTPS listener, and puts the service behind it: in one target group, or for a canary
// in two, with the group ECS shifts traffic to returned second (nil otherwise).
func newLoadBalancer(c constructs.Construct, p Props, certificate awscertificatemanager.ICertificate, fargate awsecs.FargateService) (
	awselasticloadbalancingv2.ApplicationLoadBalancer, awselasticloadbalancingv2.ApplicationTargetGroup, awselasticloadbalancingv2.ApplicationTargetGroup) {
	alb, https := newListeners(c, p, certificate)
	if !p.Canary {
		return alb, attachTargets(https, fargate), nil
	}
	mainGroup, canaryGroup := attachCanaryTargets(c, p, https, fargate)
	return alb, mainGroup, canaryGroup
}

// newListeners creates the dual-stack load balancer, its port-80 redirect and its HTTPS
// listener.
func newListeners(c constructs.Construct, p Props, certificate awscertificatemanager.ICertificate) (
	awselasticloadbalancingv2.ApplicationLoadBalancer, awselasticloadbalancingv2.ApplicationListener) {
	alb := awselasticloadbalancingv2.NewApplicationLoadBalancer(c, jsii.String("LoadBalancer"), &awselasticloadbalancingv2.ApplicationLoadBalancerProps{
		Vpc:                     p.Vpc,
		InternetFacing:          jsii.Bool(true),
		VpcSubnets:              &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PUBLIC},
		IpAddressType:           awselasticloadbalancingv2.IpAddressType_DUAL_STACK,
		DropInvalidHeaderFields: jsii.Bool(true),
		DeletionProtection:      jsii.Bool(p.Protected),
	})
	alb.LogAccessLogs(p.AccessLogs, jsii.String("alb/api"))
	for _, port := range []float64{80, 443} {
		alb.Connections().AllowFromAnyIpv4(awsec2.Port_Tcp(jsii.Number(port)), jsii.String("public API (IPv4)"))
		alb.Connections().AllowFrom(awsec2.Peer_AnyIpv6(), awsec2.Port_Tcp(jsii.Number(port)), jsii.String("public API (IPv6)"))
	}
	cdknag.NagSuppressions_AddResourceSuppressions(alb, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("AwsSolutions-EC23"), Reason: jsii.String("The public API's load balancer must accept HTTP (redirected) and HTTPS from the whole internet; WAF filters what reaches it.")},
	}, jsii.Bool(true))

	redirect := alb.AddRedirect(&awselasticloadbalancingv2.ApplicationLoadBalancerRedirectConfig{
		SourcePort: jsii.Number(80), SourceProtocol: awselasticloadbalancingv2.ApplicationProtocol_HTTP,
		TargetPort: jsii.Number(443), TargetProtocol: awselasticloadbalancingv2.ApplicationProtocol_HTTPS,
		Open: jsii.Bool(false), // opened above, for IPv4 and IPv6
	})
	cdknag.NagSuppressions_AddResourceSuppressions(redirect, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("NIST.800.53.R5-ELBv2ACMCertificateRequired"), Reason: jsii.String("This listener only answers plain HTTP with a permanent redirect to HTTPS; no content is served on it.")},
	}, jsii.Bool(false))
	https := alb.AddListener(jsii.String("Https"), &awselasticloadbalancingv2.BaseApplicationListenerProps{
		Port:         jsii.Number(443),
		Protocol:     awselasticloadbalancingv2.ApplicationProtocol_HTTPS,
		Certificates: &[]awselasticloadbalancingv2.IListenerCertificate{awselasticloadbalancingv2.ListenerCertificate_FromCertificateManager(certificate)},
		// TLS 1.3 and 1.2 with forward-secret AEAD ciphers only, plus post-quantum key exchange.
		SslPolicy: awselasticloadbalancingv2.SslPolicy_TLS13_12_RES_PQ,
		Open:      jsii.Bool(false),
	})
	// HSTS on every HTTPS response, set by the load balancer (ALB response header
	// modification) so no handler or error page can forget it; the static host gets the
	// same policy from CloudFront's response headers.
	https.SetAttribute(jsii.String("routing.http.response.strict_transport_security.header_value"), jsii.String(HSTS))
	return alb, https
}

// healthCheck is the target groups' check of /health.
func healthCheck() *awselasticloadbalancingv2.HealthCheck {
	return &awselasticloadbalancingv2.HealthCheck{
		Path:                    jsii.String(HealthCheckPath),
		HealthyHttpCodes:        jsii.String("200"),
		Interval:                awscdk.Duration_Seconds(jsii.Number(15)),
		Timeout:                 awscdk.Duration_Seconds(jsii.Number(5)),
		HealthyThresholdCount:   jsii.Number(2),
		UnhealthyThresholdCount: jsii.Number(3),
	}
}

// attachTargets puts the service's tasks in one target group, the listener's default.
func attachTargets(https awselasticloadbalancingv2.ApplicationListener, fargate awsecs.FargateService) awselasticloadbalancingv2.ApplicationTargetGroup {
	return https.AddTargets(jsii.String("Api"), &awselasticloadbalancingv2.AddApplicationTargetsProps{
		Port:                jsii.Number(ContainerPort),
		Protocol:            awselasticloadbalancingv2.ApplicationProtocol_HTTP,
		Targets:             &[]awselasticloadbalancingv2.IApplicationLoadBalancerTarget{fargate},
		HealthCheck:         healthCheck(),
		DeregistrationDelay: awscdk.Duration_Seconds(jsii.Number(DeregistrationDelay)),
	})
}

// attachCanaryTargets creates the main and canary target groups behind a weighted
// production rule (100/0) and hands the rule to ECS's canary deployment.
func attachCanaryTargets(c constructs.Construct, p Props, https awselasticloadbalancingv2.ApplicationListener, fargate awsecs.FargateService) (
	awselasticloadbalancingv2.ApplicationTargetGroup, awselasticloadbalancingv2.ApplicationTargetGroup) {
	// Canary: the tasks of the running revision sit in the main group, the new revision's
	// in the canary group, and ECS moves the weights of the production rule between them.
	newGroup := func(id string) awselasticloadbalancingv2.ApplicationTargetGroup {
		return awselasticloadbalancingv2.NewApplicationTargetGroup(c, jsii.String(id), &awselasticloadbalancingv2.ApplicationTargetGroupProps{
			Vpc:                 p.Vpc,
			Port:                jsii.Number(ContainerPort),
			Protocol:            awselasticloadbalancingv2.ApplicationProtocol_HTTP,
			TargetType:          awselasticloadbalancingv2.TargetType_IP,
			HealthCheck:         healthCheck(),
			DeregistrationDelay: awscdk.Duration_Seconds(jsii.Number(DeregistrationDelay)),
		})
	}
	mainGroup, canaryGroup := newGroup("Targets"), newGroup("CanaryTargets")
	https.AddAction(jsii.String("Default"), &awselasticloadbalancingv2.AddApplicationActionProps{
		Action: awselasticloadbalancingv2.ListenerAction_FixedResponse(jsii.Number(404), &awselasticloadbalancingv2.FixedResponseOptions{
			ContentType: jsii.String("application/json"),
			MessageBody: jsii.String(`{"error":{"code":"not_found","message":"no route"}}`),
		}),
	})
	productionRule := awselasticloadbalancingv2.NewApplicationListenerRule(c, jsii.String("ProductionRule"), &awselasticloadbalancingv2.ApplicationListenerRuleProps{
		Listener:   https,
		Priority:   jsii.Number(10),
		Conditions: &[]awselasticloadbalancingv2.ListenerCondition{awselasticloadbalancingv2.ListenerCondition_PathPatterns(jsii.Strings("/*"))},
		// Both groups belong to the rule (100/0): ECS moves the weights during a deployment.
		Action: awselasticloadbalancingv2.ListenerAction_WeightedForward(&[]*awselasticloadbalancingv2.WeightedTargetGroup{
			{TargetGroup: mainGroup, Weight: jsii.Number(100)},
			{TargetGroup: canaryGroup, Weight: jsii.Number(0)},
		}, nil),
	})
	target := fargate.LoadBalancerTarget(&awsecs.LoadBalancerTargetOptions{
		ContainerName: jsii.String("api"),
		ContainerPort: jsii.Number(ContainerPort),
		AlternateTarget: awsecs.NewAlternateTarget(jsii.String("Canary"), &awsecs.AlternateTargetProps{
			AlternateTargetGroup: canaryGroup,
			ProductionListener:   awsecs.ListenerRuleConfiguration_ApplicationListenerRule(productionRule),
		}),
	})
	target.AttachToApplicationTargetGroup(mainGroup)
	cdknag.NagSuppressions_AddResourceSuppressions(fargate, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("AwsSolutions-IAM4"), Reason: jsii.String("AmazonECSInfrastructureRolePolicyForLoadBalancers is the AWS-maintained policy ECS documents for shifting listener-rule weights during canary deployments."),
			AppliesTo: &[]any{jsii.String("Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers")}},
	}, jsii.Bool(true))
	return mainGroup, canaryGroup
}

// groupsOf lists the target groups ECS may route to (canary may be nil).
func groupsOf(main, canary awselasticloadbalancingv2.ApplicationTargetGroup) []awselasticloadbalancingv2.ApplicationTargetGroup {
	if canary == nil {
		return []awselasticloadbalancingv2.ApplicationTargetGroup{main}
	}
	return []awselasticloadbalancingv2.ApplicationTargetGroup{main, canary}
}
