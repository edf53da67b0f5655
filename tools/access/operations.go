package main

import (
	"fmt"
	"hash/fnv"
	"sort"
	"strings"

	"github.com/garcon/infrastructure/tools/internal/cloudassembly"
)

// Selectors and requests of the operational roles: the AWS FIS experiments, the game-day
// workflow, ECS Exec and the API's traces.

// Of the CloudFormation types the operational flows use.
const (
	clusterType     = "AWS::ECS::Cluster"
	fisTemplateType = "AWS::FIS::ExperimentTemplate"
	alarmType       = "AWS::CloudWatch::Alarm"
	dbInstanceType  = "AWS::RDS::DBInstance"
)

// otherName is the name of a resource of the environment's account that none of our
// templates creates (another team's cluster, a database created by hand ...).
const otherName = "garcon-other"

// TemplateRolesExcept are the environment's template roles (not the bootstrap stacks'),
// except the one at construct path path.
func TemplateRolesExcept(path string) Who {
	return Who{Desc: "template role other than " + path, Of: func(v *View, _ *Resource) ([]*Principal, error) {
		var out []*Principal
		for _, p := range v.Roles {
			if r := v.resByArn[p.ARN]; p.Env == v.Env && p.Name != path && r != nil && !r.Bootstrap {
				out = append(out, p)
			}
		}
		return out, nil
	}}
}

// Renamed is each resource of w as if it had another name (otherName) in the same
// account, region and type: a resource no policy of ours should reach.
func Renamed(w What) What {
	return What{Desc: w.Desc + ", renamed " + otherName, Of: func(v *View) ([]*Resource, error) {
		found, err := w.Of(v)
		out := make([]*Resource, 0, len(found))
		for _, r := range found {
			c := *r
			cut := max(strings.LastIndex(r.ARN, "/"), strings.LastIndex(r.ARN, ":"))
			c.Name, c.ARN, c.Policy = r.Name+" (renamed "+otherName+")", r.ARN[:cut+1]+otherName, nil
			out = append(out, &c)
		}
		return out, err
	}}
}

// AccountWide is the resource "*" of the environment's account, for the actions without
// resource-level permissions (xray:PutTraceSegments).
func AccountWide() What {
	return What{Desc: "account-wide action", Of: func(v *View) ([]*Resource, error) {
		return []*Resource{{Name: "* (no resource-level permission)", Type: "*", ARN: "*", Account: v.Account,
			Region: v.region(), Env: v.Env}}, nil
	}}
}

// ExecClusters are the environment's ECS clusters with ECS Exec configured
// (Configuration.ExecuteCommandConfiguration).
func ExecClusters() What {
	return What{Desc: "cluster with ECS Exec", Of: func(v *View) ([]*Resource, error) {
		var out []*Resource
		for _, c := range v.ofType(clusterType, false) {
			cfg, err := v.execConfig(c)
			if err != nil {
				return nil, err
			}
			if cfg != nil {
				out = append(out, c)
			}
		}
		return out, nil
	}}
}

// execConfig returns the cluster's ExecuteCommandConfiguration (nil without one).
func (v *View) execConfig(c *Resource) (map[string]any, error) {
	conf, err := v.Prop(c, "Configuration")
	m, _ := conf.(map[string]any)
	cfg, _ := m["ExecuteCommandConfiguration"].(map[string]any)
	return cfg, err
}

// execKey returns the key the cluster's ECS Exec sessions are encrypted with.
func (v *View) execKey(c *Resource) (*Resource, error) {
	cfg, err := v.execConfig(c)
	if err != nil {
		return nil, err
	}
	ref, _ := cfg["KmsKeyId"].(string)
	k, err := v.key(ref, c)
	if err == nil && k == nil {
		err = fmt.Errorf("%s encrypts no ECS Exec session with a key", c.Name)
	}
	return k, err
}

// ExperimentTemplates are the environment's FIS experiment templates, each with an ARN
// of the real shape (arn:…:fis:<region>:<account>:experiment-template/EXT…): FIS assigns
// the id, which the evaluator does not model.
func ExperimentTemplates() What {
	return What{Desc: "FIS experiment template", Of: func(v *View) ([]*Resource, error) {
		var out []*Resource
		for _, t := range v.ofType(fisTemplateType, false) {
			c := *t
			c.ARN = "arn:" + cloudassembly.Partition(t.Region) + ":fis:" + t.Region + ":" + t.Account +
				":experiment-template/EXT" + fakeID(t.Stack.StackName+"/"+t.LogicalID, 14)
			out = append(out, &c)
		}
		return out, nil
	}}
}

// fakeID is a deterministic upper-case hexadecimal id of n digits (n ≤ 16) for seed.
func fakeID(seed string, n int) string {
	h := fnv.New64a()
	_, _ = h.Write([]byte(seed))
	return fmt.Sprintf("%016X", h.Sum64())[:n]
}

// FaultTargets are the resources the environment's FIS experiment templates target with
// targets of resourceType: by ResourceArns, or for "aws:ecs:task" the cluster named by
// the target's cluster parameter (the tasks are that cluster's).
func FaultTargets(resourceType, desc string) What {
	return What{Desc: desc + " an experiment targets", Of: func(v *View) ([]*Resource, error) {
		seen := map[*Resource]bool{}
		for _, t := range v.ofType(fisTemplateType, false) {
			targets, err := v.Prop(t, "Targets")
			if err != nil {
				return nil, err
			}
			m, _ := targets.(map[string]any)
			for _, name := range sortedKeys(m) {
				found, err := v.faultTarget(t, name, m[name].(map[string]any), resourceType)
				if err != nil {
					return nil, err
				}
				for _, r := range found {
					seen[r] = true
				}
			}
		}
		out := make([]*Resource, 0, len(seen))
		for r := range seen {
			out = append(out, r)
		}
		sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
		return out, nil
	}}
}

// faultTarget resolves one target of template t when it is of resourceType.
func (v *View) faultTarget(t *Resource, name string, target map[string]any, resourceType string) ([]*Resource, error) {
	if target["ResourceType"] != resourceType {
		return nil, nil
	}
	var arns []string
	if resourceType == "aws:ecs:task" {
		params, _ := target["Parameters"].(map[string]any)
		cluster, _ := params["cluster"].(string)
		for _, c := range v.ofType(clusterType, false) {
			if strings.HasSuffix(c.ARN, ":cluster/"+cluster) {
				arns = append(arns, c.ARN)
			}
		}
		if len(arns) == 0 {
			return nil, fmt.Errorf("%s target %s: cluster %q is not a cluster of the templates", t.Name, name, cluster)
		}
	}
	arns = append(arns, stringList(target["ResourceArns"])...)
	out := make([]*Resource, 0, len(arns))
	for _, arn := range arns {
		r := v.byARN(arn)
		if r == nil {
			return nil, fmt.Errorf("%s target %s: %s is not a resource of the templates", t.Name, name, arn)
		}
		out = append(out, r)
	}
	return out, nil
}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// taskARN is the ARN of a (fake) task of cluster c: arn:…:ecs:<region>:<account>:task/<cluster>/<id>.
func taskARN(c *Resource) (string, error) {
	prefix, name, ok := strings.Cut(c.ARN, ":cluster/")
	if c.Type != clusterType || !ok {
		return "", fmt.Errorf("%s is not an ECS cluster", c.Name)
	}
	return prefix + ":task/" + name + "/" + strings.ToLower(fakeID(c.ARN, 16)+fakeID(name, 16)), nil
}

// OnTask is action on a task of the cluster (ecs:StopTask, ecs:DescribeTasks), with the
// ecs:cluster condition key of the request.
func OnTask(action string) How {
	return How{Desc: action + " on a task", Of: func(_ *View, _ *Principal, c *Resource) ([]Request, error) {
		task, err := taskARN(c)
		if err != nil {
			return nil, err
		}
		return []Request{{Action: action, ARN: task, Account: c.Account, Context: map[string]any{"ecs:cluster": c.ARN}}}, nil
	}}
}

// ListTasks is ecs:ListTasks of the cluster: the action takes no resource of ours (IAM
// authorizes it on a container instance, "*" in a policy), so the cluster is its ecs:cluster
// condition key.
func ListTasks() How {
	return How{Desc: "ecs:ListTasks", Of: func(_ *View, _ *Principal, c *Resource) ([]Request, error) {
		prefix, name, ok := strings.Cut(c.ARN, ":cluster/")
		if c.Type != clusterType || !ok {
			return nil, fmt.Errorf("%s is not an ECS cluster", c.Name)
		}
		instance := prefix + ":container-instance/" + name + "/" + strings.ToLower(fakeID(name, 16)+fakeID(c.ARN, 16))
		return []Request{{Action: "ecs:ListTasks", ARN: instance, Account: c.Account, Context: map[string]any{"ecs:cluster": c.ARN}}}, nil
	}}
}

// execContext is the request context of ecs:ExecuteCommand into container of task.
func execContext(c *Resource, task, container string) map[string]any {
	return map[string]any{"ecs:cluster": c.ARN, "ecs:task": task, "ecs:container-name": container}
}

// ExecuteCommand is ecs:ExecuteCommand into container of a task of the cluster, on the
// task's ARN, with the ecs:cluster, ecs:task and ecs:container-name keys. AWS also
// authorizes the call on the cluster (ExecSession); a denial row needs only this one
// request to be refused, so that no policy may grant it on our tasks at all.
func ExecuteCommand(container string) How {
	return How{Desc: "ecs:ExecuteCommand into " + container, Of: func(_ *View, _ *Principal, c *Resource) ([]Request, error) {
		task, err := taskARN(c)
		if err != nil {
			return nil, err
		}
		return []Request{{Action: "ecs:ExecuteCommand", ARN: task, Account: c.Account, Context: execContext(c, task, container)}}, nil
	}}
}

// ExecSession is what opening an ECS Exec session into container takes: ecs:ExecuteCommand
// on the cluster and on the task (both resource types are required) and, as the session's
// client, kms:GenerateDataKey of the key the cluster's ExecuteCommandConfiguration
// encrypts sessions with.
func ExecSession(container string) How {
	return How{Desc: "an ECS Exec session into " + container, Of: func(v *View, p *Principal, c *Resource) ([]Request, error) {
		task, err := taskARN(c)
		if err != nil {
			return nil, err
		}
		k, err := v.execKey(c)
		if err != nil {
			return nil, err
		}
		ctx := execContext(c, task, container)
		kms, err := keyRequests(p, k, "", nil, "kms:GenerateDataKey")
		return append([]Request{
			{Action: "ecs:ExecuteCommand", On: c, ARN: c.ARN, Account: c.Account, Context: ctx},
			{Action: "ecs:ExecuteCommand", ARN: task, Account: c.Account, Context: ctx},
		}, kms...), err
	}}
}

// StartExperiment is fis:StartExperiment from the template: AWS authorizes it on the
// template and on the new experiment (both resource types are required).
func StartExperiment() How {
	return How{Desc: "fis:StartExperiment", Of: func(_ *View, _ *Principal, t *Resource) ([]Request, error) {
		prefix, _, ok := strings.Cut(t.ARN, ":experiment-template/")
		if !ok {
			return nil, fmt.Errorf("%s is not an experiment template", t.Name)
		}
		return []Request{
			req("fis:StartExperiment", t, nil),
			{Action: "fis:StartExperiment", ARN: prefix + ":experiment/EXP" + fakeID(t.ARN, 14), Account: t.Account},
		}, nil
	}}
}

// WithMFA sets aws:MultiFactorAuthPresent on every request of h.
func WithMFA(h How, present bool) How {
	desc, flag := h.Desc+" without MFA", "false"
	if present {
		desc, flag = h.Desc+" with MFA", "true"
	}
	return How{Desc: desc, Of: func(v *View, p *Principal, r *Resource) ([]Request, error) {
		reqs, err := h.Of(v, p, r)
		for i := range reqs {
			reqs[i].Context = merge(reqs[i].Context, map[string]any{"aws:MultiFactorAuthPresent": flag})
		}
		return reqs, err
	}}
}
