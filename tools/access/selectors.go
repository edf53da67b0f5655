package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/garcon/infrastructure/tools/internal/cloudassembly"
	"github.com/garcon/infrastructure/tools/internal/iamsim"
)

// --- principals --------------------------------------------------------------------

// Role is the template role at construct path path below the environment
// ("Service/Api/Task/ExecutionRole").
func Role(path string) Who {
	return Who{Desc: "role " + path, Of: func(v *View, _ *Resource) ([]*Principal, error) {
		for _, p := range v.Roles {
			if p.Env == v.Env && p.Name == path {
				return []*Principal{p}, nil
			}
		}
		return nil, nil
	}}
}

// Service is an AWS service principal; "{region}" in name is the resource's region
// ("logs.{region}.amazonaws.com").
func Service(name string) Who {
	return Who{Desc: name, Of: func(_ *View, r *Resource) ([]*Principal, error) {
		n := strings.ReplaceAll(name, "{region}", r.Region)
		return []*Principal{{Name: n, ARN: n, Kind: KindService}}, nil
	}}
}

// outsiderAccount is an account that is none of ours.
const outsiderAccount = "999999999999"

// Outsider is an administrator of another account: a role with the AWS managed policy
// AdministratorAccess in account 999999999999. It can do anything its own account allows;
// only our resource policies stand between it and our resources.
func Outsider() Who {
	return Who{Desc: "another account's administrator", Of: func(*View, *Resource) ([]*Principal, error) {
		return []*Principal{outsider()}, nil
	}}
}

func outsider() *Principal {
	return &Principal{
		Name: "outsider (" + outsiderAccount + ", AdministratorAccess)", ARN: "arn:aws:iam::" + outsiderAccount + ":role/outsider",
		Account: outsiderAccount, Kind: KindExternal,
		Identity: []iamsim.Policy{{Name: "AdministratorAccess", Managed: "AdministratorAccess"}},
	}
}

// AccountAdmin is an administrator of the environment's own account (a person or a
// break-glass role with AdministratorAccess): what the account's IAM allows, resource
// policies may still refuse (TLS-only statements, for example).
func AccountAdmin() Who {
	return Who{Desc: "the account's administrator", Of: func(v *View, _ *Resource) ([]*Principal, error) {
		return []*Principal{{
			Name: "administrator (" + v.Account + ", AdministratorAccess)", ARN: "arn:aws:iam::" + v.Account + ":role/administrator",
			Account: v.Account, Kind: KindExternal,
			Identity: []iamsim.Policy{{Name: "AdministratorAccess", Managed: "AdministratorAccess"}},
		}}, nil
	}}
}

// PlanRoles are the roles of the backup selections of every plan that copies into the
// vault (CopyActions[].DestinationBackupVaultArn): AWS Backup copies with them.
func PlanRoles() Who {
	return Who{Desc: "backup plan role", Of: func(v *View, vault *Resource) ([]*Principal, error) {
		plans, err := v.plansCopyingInto(vault)
		if err != nil {
			return nil, err
		}
		var out []*Principal
		for _, sel := range v.ofType("AWS::Backup::BackupSelection", false) {
			spec, err := v.Prop(sel, "BackupSelection")
			if err != nil {
				return nil, err
			}
			planID, err := v.PropString(sel, "BackupPlanId")
			if err != nil {
				return nil, err
			}
			roleArn, _ := spec.(map[string]any)["IamRoleArn"].(string)
			if plans[planID] && v.roleByArn[roleArn] != nil {
				out = append(out, v.roleByArn[roleArn])
			}
		}
		return out, nil
	}}
}

// plansCopyingInto returns the ids of the environment's backup plans whose rules copy
// into the vault.
func (v *View) plansCopyingInto(vault *Resource) (map[string]bool, error) {
	out := map[string]bool{}
	for _, plan := range v.ofType("AWS::Backup::BackupPlan", false) {
		spec, err := v.Prop(plan, "BackupPlan")
		if err != nil {
			return nil, err
		}
		for _, rule := range anyList(spec.(map[string]any)["BackupPlanRule"]) {
			for _, c := range anyList(rule.(map[string]any)["CopyActions"]) {
				if c.(map[string]any)["DestinationBackupVaultArn"] == vault.ARN {
					id, err := v.eval.EvalString(plan.Stack, map[string]any{"Ref": plan.LogicalID})
					if err != nil {
						return nil, err
					}
					out[id] = true
				}
			}
		}
	}
	return out, nil
}

// --- resources ---------------------------------------------------------------------

// At is the resource at construct path path below the environment.
func At(path string) What {
	return What{Desc: path, Of: func(v *View) ([]*Resource, error) {
		for _, r := range v.Resources {
			if r.Env == v.Env && r.Name == path && !r.Bootstrap {
				return []*Resource{r}, nil
			}
		}
		return nil, nil
	}}
}

// Every is every resource of type typ of the environment, its bootstrap stacks' included
// (their buckets and keys are the environment's too).
func Every(typ, desc string) What {
	return What{Desc: desc, Of: func(v *View) ([]*Resource, error) { return v.ofType(typ, true), nil }}
}

// Of the CloudFormation types flows use.
const (
	secretType  = "AWS::SecretsManager::Secret" //nolint:gosec // a CloudFormation type, not a credential
	keyType     = "AWS::KMS::Key"
	bucketType  = "AWS::S3::Bucket"
	topicType   = "AWS::SNS::Topic"
	logType     = "AWS::Logs::LogGroup"
	roleType    = "AWS::IAM::Role"
	vaultType   = "AWS::Backup::BackupVault"
	distType    = "AWS::CloudFront::Distribution"
	stackType   = "AWS::CloudFormation::Stack"
	newRoleType = "AWS::IAM::Role (new)"
)

// InjectedSecrets are the secrets every task definition of the environment injects.
func InjectedSecrets() What {
	return What{Desc: "secret a task definition injects", Of: func(v *View) ([]*Resource, error) {
		var out []*Resource
		for _, task := range v.ofType("AWS::ECS::TaskDefinition", false) {
			secrets, err := v.injectedSecrets(task)
			if err != nil {
				return nil, err
			}
			out = append(out, secrets...)
		}
		return out, nil
	}}
}

// AlarmTopics are the topics the environment's alarms notify.
func AlarmTopics() What {
	return What{Desc: "topic an alarm notifies", Of: func(v *View) ([]*Resource, error) {
		seen := map[*Resource]bool{}
		var out []*Resource
		for _, alarm := range v.ofType("AWS::CloudWatch::Alarm", false) {
			targets, err := v.alarmActions(alarm)
			if err != nil {
				return nil, err
			}
			for _, t := range targets {
				if r := v.byARN(t); r != nil && r.Type == topicType && !seen[r] {
					seen[r] = true
					out = append(out, r)
				}
			}
		}
		sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
		return out, nil
	}}
}

// EncryptedLogGroups are the log groups with a KmsKeyId.
func EncryptedLogGroups() What {
	return What{Desc: "log group encrypted with a key", Of: func(v *View) ([]*Resource, error) {
		var out []*Resource
		for _, lg := range v.ofType(logType, false) {
			if _, ok := lg.Stack.Resources[lg.LogicalID].Properties["KmsKeyId"]; ok {
				out = append(out, lg)
			}
		}
		return out, nil
	}}
}

// LoggingLoadBalancers are the load balancers with access logs enabled.
func LoggingLoadBalancers() What {
	return What{Desc: "load balancer with access logs", Of: func(v *View) ([]*Resource, error) {
		var out []*Resource
		for _, st := range v.Assembly.StacksOf(v.Env) {
			for _, id := range st.LogicalIDs() {
				lb := v.byStack[st][id]
				if lb == nil || lb.Type != "AWS::ElasticLoadBalancingV2::LoadBalancer" {
					continue
				}
				on, err := v.lbAttribute(lb, "access_logs.s3.enabled")
				if err != nil {
					return nil, err
				}
				if on == "true" {
					out = append(out, lb)
				}
			}
		}
		return out, nil
	}}
}

// DRVaults are the vaults the environment's backup plans copy into.
func DRVaults() What {
	return What{Desc: "vault a backup plan copies into", Of: func(v *View) ([]*Resource, error) {
		var out []*Resource
		for _, vault := range v.ofType(vaultType, false) {
			plans, err := v.plansCopyingInto(vault)
			if err != nil {
				return nil, err
			}
			if len(plans) > 0 {
				out = append(out, vault)
			}
		}
		return out, nil
	}}
}

// NeededBootstrapRoles are the bootstrap roles the CLI assumes to deploy the
// environment's stacks: deploy, lookup and asset publishing (CloudFormation, not the
// CLI, assumes the execution role).
func NeededBootstrapRoles() What {
	return What{Desc: "bootstrap role the CLI assumes", Of: func(v *View) ([]*Resource, error) {
		seen := map[string]bool{}
		var arns []string
		for _, st := range v.Assembly.StacksOf(v.Env) {
			for _, arn := range append([]string{st.Roles.Deploy, st.Roles.Lookup}, st.Roles.Publishing...) {
				if arn != "" && !seen[arn] {
					seen[arn] = true
					arns = append(arns, arn)
				}
			}
		}
		sort.Strings(arns)
		out := make([]*Resource, 0, len(arns))
		for _, arn := range arns {
			out = append(out, v.byARN(arn))
		}
		return out, nil
	}}
}

// EnvStacks are the environment's CloudFormation stacks, as resources of their own ARN.
func EnvStacks() What {
	return What{Desc: "stack of the environment", Of: func(v *View) ([]*Resource, error) {
		var out []*Resource
		for _, st := range v.Assembly.StacksOf(v.Env) {
			id, err := v.eval.EvalString(st, map[string]any{"Ref": "AWS::StackId"})
			if err != nil {
				return nil, err
			}
			out = append(out, &Resource{Name: st.StackName, Type: stackType, ARN: id, Account: st.Account,
				Region: st.Region, Env: st.Environment, Stack: st})
		}
		return out, nil
	}}
}

// NewRole is a role that does not exist yet (for iam:CreateRole).
func NewRole() What {
	return What{Desc: "a new role", Of: func(v *View) ([]*Resource, error) {
		arn := "arn:" + cloudassembly.Partition(v.region()) + ":iam::" + v.Account + ":role/garcon-new-role"
		return []*Resource{{Name: "role/garcon-new-role", Type: newRoleType, ARN: arn, Account: v.Account, Env: v.Env}}, nil
	}}
}

// region is the region of the environment's first stack.
func (v *View) region() string {
	if st := v.Assembly.StacksOf(v.Env); len(st) > 0 {
		return st[0].Region
	}
	return ""
}

// NewView returns the model seen from environment env.
func (m *Model) NewView(env string) (*View, error) {
	count := map[string]int{}
	for _, st := range m.Assembly.StacksOf(env) {
		count[st.Account]++
	}
	v := &View{Model: m, Env: env}
	for acct, n := range count {
		if n > count[v.Account] || (n == count[v.Account] && acct < v.Account) {
			v.Account = acct
		}
	}
	if v.Account == "" {
		return nil, fmt.Errorf("the assembly has no stack of environment %s", env)
	}
	return v, nil
}
