package store

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	rdsauth "github.com/aws/aws-sdk-go-v2/feature/rds/auth"

	"github.com/garcon/infrastructure/app/internal/config"
)

// CredentialSource supplies the password of every NEW serving connection.
// The pools call it from pgx's BeforeConnect hook, so whatever it returns is
// fetched fresh for each connection and never cached in a connection string:
// an IAM token (valid 15 minutes) is always new, and a rotated credential is
// picked up by the next connection without a restart. Established
// connections are not affected by a change of credential.
type CredentialSource interface {
	// Password returns the password for user at host:port.
	Password(ctx context.Context, host string, port uint16, user string) (string, error)
}

// ErrCredentials wraps a failure of a CredentialSource (for example no AWS
// credentials from the task role yet). It counts as "unavailable" (HTTP 503):
// the next attempt may succeed.
var ErrCredentials = errors.New("cannot obtain database credentials")

// StaticPassword is a CredentialSource that always returns one password:
// DB_AUTH=password, where the serving pools use DB_CREDENTIALS.
type StaticPassword config.Secret

// Password implements CredentialSource.
func (s StaticPassword) Password(context.Context, string, uint16, string) (string, error) {
	return config.Secret(s).Reveal(), nil
}

// IAMTokenSource is the production CredentialSource (DB_AUTH=iam): an RDS
// IAM authentication token per connection, built by the AWS SDK's own signer
// (a SigV4-presigned "connect" URL for host:port and the user, valid for 15
// minutes). Credentials come from the SDK default chain: the ECS task role,
// which needs rds-db:connect on the user's dbuser ARN.
type IAMTokenSource struct {
	Region      string
	Credentials aws.CredentialsProvider
}

// Password implements CredentialSource.
func (s IAMTokenSource) Password(ctx context.Context, host string, port uint16, user string) (string, error) {
	endpoint := net.JoinHostPort(host, strconv.Itoa(int(port)))
	tok, err := rdsauth.BuildAuthToken(ctx, endpoint, s.Region, user, s.Credentials)
	if err != nil {
		return "", fmt.Errorf("%w: RDS IAM token for %s@%s: %w", ErrCredentials, user, endpoint, err)
	}
	return tok, nil
}
