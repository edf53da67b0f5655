package main

import (
	"fmt"
	"strings"

	"github.com/garcon/infrastructure/tools/internal/cloudassembly"
	"github.com/garcon/infrastructure/tools/internal/iamsim"
)

// The rotation function of a secret runs in a nested stack that the Serverless
// Application Repository deploys (AWS::Serverless::Application): its role is not in our
// templates. It is modelled from AWS's documentation of the permissions a rotation
// function needs ("Permissions for rotation functions", Secrets Manager User Guide),
// which the SAR rotation applications grant: DescribeSecret, GetSecretValue,
// PutSecretValue and UpdateSecretVersionStage on the account's secrets, GetRandomPassword,
// and kms:Decrypt and kms:GenerateDataKey on the kmsKeyArn the application is given.
// What the row tests is ours: that the application is given the secret's key, and that
// the secret's resource policy and the key's policy let the function through.

// RotatedSecrets are the secrets with an AWS::SecretsManager::RotationSchedule.
func RotatedSecrets() What {
	return What{Desc: "secret with a rotation schedule", Of: func(v *View) ([]*Resource, error) {
		var out []*Resource
		for _, sched := range v.ofType("AWS::SecretsManager::RotationSchedule", false) {
			s, err := v.scheduledSecret(sched)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		return out, nil
	}}
}

func (v *View) scheduledSecret(sched *Resource) (*Resource, error) {
	arn, err := v.PropString(sched, "SecretId")
	if err != nil {
		return nil, err
	}
	s := v.byARN(arn)
	if s == nil || s.Type != secretType {
		return nil, fmt.Errorf("%s rotates %s, which is not a secret of the templates", sched.Name, arn)
	}
	return s, nil
}

// RotationFunction is the role of the function each rotation schedule of the secret
// names, when it is a Serverless Application Repository rotation application.
func RotationFunction() Who {
	return Who{Desc: "rotation function", Of: func(v *View, s *Resource) ([]*Principal, error) {
		var out []*Principal
		for _, sched := range v.ofType("AWS::SecretsManager::RotationSchedule", false) {
			if target, err := v.scheduledSecret(sched); err != nil || target != s {
				continue
			}
			p, err := v.rotationRole(sched)
			if err != nil {
				return nil, err
			}
			out = append(out, p)
		}
		return out, nil
	}}
}

// rotationRole models the role of the SAR application the schedule's RotationLambdaARN
// comes from (Fn::GetAtt <application>.Outputs.RotationLambdaARN).
func (v *View) rotationRole(sched *Resource) (*Principal, error) {
	ref, _ := sched.Stack.Resources[sched.LogicalID].Properties["RotationLambdaARN"].(map[string]any)
	id, attr, err := getAttOf(ref)
	app := v.byStack[sched.Stack][id]
	if err != nil || app == nil || app.Type != "AWS::Serverless::Application" || attr != "Outputs.RotationLambdaARN" {
		return nil, fmt.Errorf("%s: RotationLambdaARN is not the output of a rotation application of the stack", sched.Name)
	}
	params, err := v.Prop(app, "Parameters")
	if err != nil {
		return nil, err
	}
	pm, _ := params.(map[string]any)
	fn, _ := pm["functionName"].(string)
	key, _ := pm["kmsKeyArn"].(string)
	if fn == "" {
		return nil, fmt.Errorf("%s: the rotation application has no functionName", app.Name)
	}
	st := sched.Stack
	arn := "arn:" + cloudassembly.Partition(st.Region) + ":iam::" + st.Account + ":role/" + fn + "Role"
	return &Principal{
		Name: app.Name + " (role modelled from AWS's rotation-function permissions)", ARN: arn,
		Account: st.Account, Env: st.Environment, Kind: KindExternal,
		Identity: []iamsim.Policy{{Name: "SAR rotation function policy", Document: rotationPolicy(st, key)}},
	}, nil
}

// rotationPolicy is the documented policy of a rotation function given the key key.
func rotationPolicy(st *cloudassembly.Stack, key string) map[string]any {
	secrets := "arn:" + cloudassembly.Partition(st.Region) + ":secretsmanager:" + st.Region + ":" + st.Account + ":secret:*"
	statements := []any{
		map[string]any{"Effect": "Allow", "Resource": secrets, "Action": []any{
			"secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue",
			"secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage",
		}},
		map[string]any{"Effect": "Allow", "Action": "secretsmanager:GetRandomPassword", "Resource": "*"},
	}
	if key != "" {
		statements = append(statements, map[string]any{
			"Effect": "Allow", "Action": []any{"kms:Decrypt", "kms:GenerateDataKey"}, "Resource": key,
		})
	}
	return map[string]any{"Version": "2012-10-17", "Statement": statements}
}

// getAttOf reads {"Fn::GetAtt": [id, attr]} (or "id.attr") without evaluating it.
func getAttOf(v map[string]any) (id, attr string, err error) {
	switch x := v["Fn::GetAtt"].(type) {
	case []any:
		if len(x) == 2 {
			id, _ = x[0].(string)
			attr, _ = x[1].(string)
		}
	case string:
		id, attr, _ = strings.Cut(x, ".")
	}
	if id == "" || attr == "" {
		return "", "", fmt.Errorf("not a Fn::GetAtt: %v", v)
	}
	return id, attr, nil
}

// RotateSecret is what a rotation does: read the current value and put the new one
// (secretsmanager:GetSecretValue, PutSecretValue, UpdateSecretVersionStage), with
// kms:Decrypt and kms:GenerateDataKey of the secret's key through Secrets Manager.
func RotateSecret() How {
	return How{Desc: "rotate a secret", Of: func(v *View, p *Principal, s *Resource) ([]Request, error) {
		k, err := v.keyOf(s)
		if err != nil {
			return nil, err
		}
		ctx := map[string]any{"kms:EncryptionContext:SecretARN": s.ARN}
		kms, err := keyRequests(p, k, "secretsmanager", ctx, "kms:Decrypt", "kms:GenerateDataKey")
		reqs := []Request{
			req("secretsmanager:GetSecretValue", s, nil), req("secretsmanager:PutSecretValue", s, nil),
			req("secretsmanager:UpdateSecretVersionStage", s, nil),
		}
		return append(reqs, kms...), err
	}}
}
