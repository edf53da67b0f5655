package faults

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsfis"
	"github.com/aws/jsii-runtime-go"
)

type (
	target = awsfis.CfnExperimentTemplate_ExperimentTemplateTargetProperty
	action = awsfis.CfnExperimentTemplate_ExperimentTemplateActionProperty
)

// experiments lists the templates p allows: Redis needs Multi-AZ replicas (the
// ElastiCache power interruption acts only on Multi-AZ replication groups), the zone
// scenario needs to be asked for.
func experiments(p *Props) []experiment {
	out := []experiment{
		{
			name:        StopTasks,
			description: fmt.Sprintf("stop %d %% of the API's tasks; ECS replaces them and the load balancer routes around them", p.StopTaskPercent),
			targets:     map[string]*target{"ApiTasks": apiTasks(p)},
			actions:     map[string]*action{"StopTasks": stopTasks()},
		},
		{
			name:        DatabaseFailover,
			description: databaseDescription(p.DatabaseMultiAZ),
			targets:     map[string]*target{"Writer": writer(p)},
			actions:     map[string]*action{"RebootWriter": rebootWriter(p.DatabaseMultiAZ)},
		},
	}
	if p.RedisMultiAZ {
		out = append(out, experiment{
			name:        RedisFailover,
			description: fmt.Sprintf("cut the power of the Redis nodes in %s for %d minutes; a replica elsewhere becomes primary when the primary is there", p.Zone, p.InterruptMinutes),
			targets:     map[string]*target{"Redis": redis(p)},
			actions:     map[string]*action{"InterruptRedisZone": interruptRedis(p)},
		})
	}
	if p.AZPowerInterruption {
		out = append(out, experiment{
			name: AZPower,
			description: fmt.Sprintf("power interruption of %s: stop %d %% of the API's tasks, force the database to fail over, cut Redis in the zone for %d minutes, all at once",
				p.Zone, p.StopTaskPercent, p.InterruptMinutes),
			targets: map[string]*target{"ApiTasks": apiTasks(p), "Writer": writer(p), "Redis": redis(p)},
			actions: map[string]*action{
				"StopTasks": stopTasks(), "RebootWriter": rebootWriter(true), "InterruptRedisZone": interruptRedis(p),
			},
		})
	}
	return out
}

func databaseDescription(multiAZ bool) string {
	if multiAZ {
		return "reboot the database writer with a forced failover to its standby in another zone"
	}
	return "reboot the single-AZ database writer (no standby to fail over to): the API rides out a writer restart"
}

// apiTasks are a share of the service's running tasks, found by cluster and service.
func apiTasks(p *Props) *target {
	return &target{
		ResourceType:  jsii.String("aws:ecs:task"),
		SelectionMode: jsii.String(fmt.Sprintf("PERCENT(%d)", p.StopTaskPercent)),
		Parameters:    &map[string]*string{"cluster": p.ClusterName, "service": p.ServiceName},
	}
}

func stopTasks() *action {
	return &action{
		ActionId:    jsii.String("aws:ecs:stop-task"),
		Description: jsii.String("stop the selected API tasks"),
		Targets:     &map[string]*string{"Tasks": jsii.String("ApiTasks")},
	}
}

// writer is the database writer instance, by ARN.
func writer(p *Props) *target {
	return &target{
		ResourceType:  jsii.String("aws:rds:db"),
		ResourceArns:  &[]*string{p.DatabaseArn},
		SelectionMode: jsii.String("ALL"),
	}
}

func rebootWriter(forceFailover bool) *action {
	return &action{
		ActionId:    jsii.String("aws:rds:reboot-db-instances"),
		Description: jsii.String("reboot the writer"),
		Parameters:  &map[string]*string{"forceFailover": jsii.String(fmt.Sprint(forceFailover))},
		Targets:     &map[string]*string{"DBInstances": jsii.String("Writer")},
	}
}

// redis is the replication group's nodes in p.Zone.
func redis(p *Props) *target {
	return &target{
		ResourceType:  jsii.String("aws:elasticache:replicationgroup"),
		ResourceArns:  &[]*string{p.rgArn},
		SelectionMode: jsii.String("ALL"),
		Parameters:    &map[string]*string{"availabilityZoneIdentifier": jsii.String(p.Zone)},
	}
}

func interruptRedis(p *Props) *action {
	return &action{
		ActionId:    jsii.String("aws:elasticache:replicationgroup-interrupt-az-power"),
		Description: jsii.String("cut the power of the Redis nodes in the zone"),
		Parameters:  &map[string]*string{"duration": jsii.String(fmt.Sprintf("PT%dM", p.InterruptMinutes))},
		Targets:     &map[string]*string{"ReplicationGroups": jsii.String("Redis")},
	}
}
