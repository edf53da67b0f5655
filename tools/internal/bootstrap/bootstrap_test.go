package bootstrap

import (
	"path/filepath"
	"testing"

	"github.com/garcon/infrastructure/tools/internal/cloudassembly"
)

func TestParseTemplateShortForms(t *testing.T) {
	tpl, err := ParseTemplate([]byte("Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      RoleName: !Sub 'cdk-${Qualifier}'\n      Arn: !GetAtt Other.Arn\n      Max: 3600\n"))
	if err != nil {
		t.Fatal(err)
	}
	props := tpl["Resources"].(map[string]any)["R"].(map[string]any)["Properties"].(map[string]any)
	if sub, _ := props["RoleName"].(map[string]any)["Fn::Sub"].(string); sub != "cdk-${Qualifier}" {
		t.Errorf("!Sub: %v", props["RoleName"])
	}
	if att, _ := props["Arn"].(map[string]any)["Fn::GetAtt"].([]any); len(att) != 2 || att[0] != "Other" || att[1] != "Arn" {
		t.Errorf("!GetAtt: %v", props["Arn"])
	}
	if props["Max"] != float64(3600) {
		t.Errorf("numbers are float64 as in JSON: %#v", props["Max"])
	}
}

// The CLI's own template gives the roles the CLI assumes their documented names.
func TestTheCLIsTemplateNamesTheBootstrapRoles(t *testing.T) {
	tpl, err := ReadTemplate(filepath.Join("..", "..", "..", TemplatePath))
	if err != nil {
		t.Fatal(err) // says "run `make deps`" when the CLI is not installed
	}
	st, err := tpl.Stack("Staging", "111111111111", "eu-west-3", "")
	if err != nil {
		t.Fatal(err)
	}
	e := cloudassembly.NewEvaluator(st)
	arn, err := e.EvalString(st, map[string]any{"Fn::GetAtt": []any{"DeploymentActionRole", "Arn"}})
	if want := "arn:aws:iam::111111111111:role/cdk-hnb659fds-deploy-role-111111111111-eu-west-3"; err != nil || arn != want {
		t.Errorf("deploy role %q (%v), want %q", arn, err, want)
	}
	if q := QualifierOf(arn); q != DefaultQualifier {
		t.Errorf("QualifierOf(%s) = %q", arn, q)
	}
	if q := QualifierOf("arn:aws:iam::111111111111:role/Staging-Service-TaskRole"); q != "" {
		t.Errorf("not a bootstrap role: %q", q)
	}
}
