package main

import "github.com/garcon/infrastructure/tools/internal/iamsim"

// elbAccounts are the Elastic Load Balancing accounts that deliver access logs in the
// regions opened before August 2022, from AWS's documentation "Enable access logs for your
// Application Load Balancer" (Elastic Load Balancing User Guide, step 2: attach a policy
// to your S3 bucket). Regions opened since use the service principal
// logdelivery.elasticloadbalancing.amazonaws.com instead. The principal comes from this
// documented fact, never from our bucket policy: the row then tests that the policy
// names the right one.
var elbAccounts = map[string]string{
	"us-east-1": "127311923021", "us-east-2": "033677994240", "us-west-1": "027434742980",
	"us-west-2": "797873946194", "af-south-1": "098369216593", "ca-central-1": "985666609251",
	"eu-central-1": "054676820928", "eu-west-1": "156460612806", "eu-west-2": "652711504416",
	"eu-south-1": "635631232127", "eu-west-3": "009996457667", "eu-north-1": "897822967062",
	"ap-east-1": "754344448648", "ap-northeast-1": "582318560864", "ap-northeast-2": "600734575887",
	"ap-northeast-3": "383597477331", "ap-southeast-1": "114774131450", "ap-southeast-2": "783225319266",
	"ap-southeast-3": "589379963580", "ap-south-1": "718504428378", "me-south-1": "076674570225",
	"sa-east-1": "507241528517", "us-gov-west-1": "048591011584", "us-gov-east-1": "190560391635",
	"cn-north-1": "638102146993", "cn-northwest-1": "037604701340",
}

// elbLogDeliveryService delivers access logs in regions opened since August 2022.
const elbLogDeliveryService = "logdelivery.elasticloadbalancing.amazonaws.com"

// ELBLogDelivery is whoever delivers a load balancer's access logs in its region. The
// Elastic Load Balancing account is another account: AWS's side of that cross-account
// request (its own IAM) is modelled as allowing the write, so only our bucket policy is
// under test.
func ELBLogDelivery() Who {
	return Who{Desc: "Elastic Load Balancing log delivery", Of: func(_ *View, lb *Resource) ([]*Principal, error) {
		acct, ok := elbAccounts[lb.Region]
		if !ok {
			return []*Principal{{Name: elbLogDeliveryService, ARN: elbLogDeliveryService, Kind: KindService}}, nil
		}
		awsSide := map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
			"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*",
		}}}
		return []*Principal{{
			Name: "Elastic Load Balancing account " + acct + " (" + lb.Region + ")", ARN: "arn:aws:iam::" + acct + ":root",
			Account: acct, Kind: KindExternal,
			Identity: []iamsim.Policy{{Name: "AWS side of the delivery (not ours)", Document: awsSide}},
		}}, nil
	}}
}
