package main

import (
	"fmt"

	"github.com/garcon/infrastructure/tools/internal/cloudassembly"
)

// otherDBUser is a database user the API never logs in as.
const otherDBUser = "postgres"

// ConnectAs is rds-db:connect to the instance as a database user: AppDBUser (the
// DB_APP_USER the principal's task definition gives its container) or a literal name.
func ConnectAs(user func(v *View, p *Principal) (string, error)) How {
	return How{Desc: "rds-db:connect", Of: func(v *View, p *Principal, db *Resource) ([]Request, error) {
		if db.Type != "AWS::RDS::DBInstance" {
			return nil, fmt.Errorf("%s is not a database instance", db.Name)
		}
		name, err := user(v, p)
		if err != nil {
			return nil, err
		}
		id, err := v.eval.EvalString(db.Stack, map[string]any{"Fn::GetAtt": []any{db.LogicalID, "DbiResourceId"}})
		if err != nil {
			return nil, err
		}
		arn := "arn:" + cloudassembly.Partition(db.Region) + ":rds-db:" + db.Region + ":" + db.Account + ":dbuser:" + id + "/" + name
		return []Request{{Action: "rds-db:connect", On: db, ARN: arn, Account: db.Account}}, nil
	}}
}

// AppDBUser is the DB_APP_USER of the container of the task definition whose task role is p.
func AppDBUser(v *View, p *Principal) (string, error) {
	for _, task := range v.ofType("AWS::ECS::TaskDefinition", false) {
		role, err := v.PropString(task, "TaskRoleArn")
		if err != nil || role != p.ARN {
			continue
		}
		defs, err := v.Prop(task, "ContainerDefinitions")
		if err != nil {
			return "", err
		}
		for _, def := range anyList(defs) {
			for _, e := range anyList(def.(map[string]any)["Environment"]) {
				if kv, _ := e.(map[string]any); kv["Name"] == "DB_APP_USER" {
					if s, ok := kv["Value"].(string); ok && s != "" {
						return s, nil
					}
				}
			}
		}
	}
	return "", fmt.Errorf("no task definition with task role %s sets DB_APP_USER", p.Name)
}

// OtherDBUser is a user the API never logs in as.
func OtherDBUser(*View, *Principal) (string, error) { return otherDBUser, nil }

// CreateGrant is kms:CreateGrant on the key, for an AWS resource (as EBS, RDS or AWS
// Backup create them for the caller) or not (a grant to anybody, which outlives policy
// changes).
func CreateGrant(forAWSResource bool) How {
	desc := "kms:CreateGrant (not for an AWS resource)"
	flag := "false"
	if forAWSResource {
		desc, flag = "kms:CreateGrant for an AWS resource", "true"
	}
	return How{Desc: desc, Of: func(_ *View, _ *Principal, k *Resource) ([]Request, error) {
		if k.Type != keyType {
			return nil, fmt.Errorf("%s is not a key", k.Name)
		}
		return []Request{req("kms:CreateGrant", k, map[string]any{"kms:GrantIsForAWSResource": flag})}, nil
	}}
}

// TemplateKeys are the environment's keys, without the bootstrap stacks' (whose policy
// is the CDK CLI's, not ours).
func TemplateKeys() What {
	return What{Desc: "key of the templates", Of: func(v *View) ([]*Resource, error) { return v.ofType(keyType, false), nil }}
}
