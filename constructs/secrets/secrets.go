// Package secrets provides the application secrets of an environment: a generated JWT
// signing key and the third-party API keys (Stripe, Google Maps), all encrypted with the
// environment's key. No secret value ever appears in code or in a template.
package secrets

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/garcon/infrastructure/internal/validation"
)

// Props configures Secrets.
type Props struct {
	// EncryptionKey encrypts every secret.
	EncryptionKey awskms.IKey
	// RemovalPolicy applies to every secret.
	// Default: awscdk.RemovalPolicy_RETAIN.
	RemovalPolicy awscdk.RemovalPolicy
}

// Secrets are the application's secrets, passed to the service as typed references.
type Secrets struct {
	constructs.Construct
	// JwtSigningKey is a generated 64-character HMAC key for the API's JWTs.
	JwtSigningKey awssecretsmanager.Secret
	// StripeAPIKey holds the Stripe secret key. Created with a random placeholder; an
	// operator puts the real key (see README, "Setting third-party API keys").
	StripeAPIKey awssecretsmanager.Secret
	// GoogleMapsAPIKey holds the Google Maps API key, set like StripeAPIKey.
	GoogleMapsAPIKey awssecretsmanager.Secret
}

// New creates the secrets.
func New(scope constructs.Construct, id string, props *Props) *Secrets {
	v := validation.For(scope, id)
	v.Require(props.EncryptionKey != nil, "EncryptionKey", "is required; allowed: the environment's customer-managed KMS key")
	v.Check()
	c := constructs.NewConstruct(scope, jsii.String(id))
	removal := props.RemovalPolicy
	if removal == "" {
		removal = awscdk.RemovalPolicy_RETAIN
	}
	newSecret := func(id, description, rotationReason string) awssecretsmanager.Secret {
		secret := awssecretsmanager.NewSecret(c, jsii.String(id), &awssecretsmanager.SecretProps{
			Description:   jsii.String(description),
			EncryptionKey: props.EncryptionKey,
			// CloudFormation generates the value once, at creation; later values put by an
			// operator are never overwritten by a deployment.
			GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
				PasswordLength:     jsii.Number(64),
				ExcludePunctuation: jsii.Bool(true),
			},
			RemovalPolicy: removal,
		})
		cdknag.NagSuppressions_AddResourceSuppressions(secret, &[]*cdknag.NagPackSuppression{
			{Id: jsii.String("AwsSolutions-SMG4"), Reason: jsii.String(rotationReason)},
			{Id: jsii.String("NIST.800.53.R5-SecretsManagerRotationEnabled"), Reason: jsii.String(rotationReason)},
		}, jsii.Bool(false))
		return secret
	}
	return &Secrets{
		Construct: c,
		JwtSigningKey: newSecret("JwtSigningKey", "Garçon API: HMAC key signing JWTs (generated)",
			"The API verifies with this one key, so rotating it signs every user out; it is rotated at a planned time by hand (docs/runbooks/jwt-signing-key.md)."),
		StripeAPIKey: newSecret("StripeApiKey", "Garçon API: Stripe secret key (set by an operator; the generated value is a placeholder)",
			"Stripe issues and rotates this key in its dashboard; an operator stores the new value here."),
		GoogleMapsAPIKey: newSecret("GoogleMapsApiKey", "Garçon API: Google Maps API key (set by an operator; the generated value is a placeholder)",
			"Google issues and rotates this key in its console; an operator stores the new value here."),
	}
}
