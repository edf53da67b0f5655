package store

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/garcon/infrastructure/app/internal/config"
)

const (
	fakeAccessKey = "AKIDGARCONTEST0001"
	fakeSecretKey = "garcon-fake-secret-key-for-tests-only"
)

// The token the app sends as the password of a new connection: the SDK's
// presigned "connect" URL, checked field by field and by recomputing its
// SigV4 signature with the known fake secret.
func TestIAMTokenIsAPresignedConnectURL(t *testing.T) {
	src := IAMTokenSource{Region: "eu-west-1",
		Credentials: credentials.NewStaticCredentialsProvider(fakeAccessKey, fakeSecretKey, "")}
	before := time.Now().UTC().Add(-time.Second)
	tok, err := src.Password(context.Background(), "garcon.abc123.eu-west-1.rds.amazonaws.com", 5433, "garcon_app")
	require.NoError(t, err)

	require.False(t, strings.HasPrefix(tok, "http"), "RDS expects host:port/?…, without a scheme")
	u, err := url.Parse("https://" + tok)
	require.NoError(t, err)
	assert.Equal(t, "garcon.abc123.eu-west-1.rds.amazonaws.com:5433", u.Host, "signed for the DB host and port")
	q := u.Query()
	assert.Equal(t, "connect", q.Get("Action"))
	assert.Equal(t, "garcon_app", q.Get("DBUser"))
	assert.Equal(t, "900", q.Get("X-Amz-Expires"), "15 minutes")
	assert.Equal(t, "AWS4-HMAC-SHA256", q.Get("X-Amz-Algorithm"))
	cred := strings.Split(q.Get("X-Amz-Credential"), "/")
	require.Len(t, cred, 5)
	assert.Equal(t, fakeAccessKey, cred[0])
	assert.Equal(t, []string{"eu-west-1", "rds-db", "aws4_request"}, cred[2:])
	signed, err := time.Parse("20060102T150405Z", q.Get("X-Amz-Date"))
	require.NoError(t, err)
	assert.False(t, signed.Before(before.Truncate(time.Second)), "signed now: %s", signed)
	assert.Len(t, q.Get("X-Amz-Signature"), 64)

	// Recompute the signature as RDS does: same request, same time.
	sig := q.Get("X-Amz-Signature")
	q.Del("X-Amz-Signature")
	for _, k := range []string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders"} {
		q.Del(k)
	}
	req, err := http.NewRequest(http.MethodGet, "https://"+u.Host+"/?"+q.Encode(), nil)
	require.NoError(t, err)
	presigned, _, err := v4.NewSigner().PresignHTTP(context.Background(),
		aws.Credentials{AccessKeyID: fakeAccessKey, SecretAccessKey: fakeSecretKey},
		req, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "rds-db", "eu-west-1", signed)
	require.NoError(t, err)
	pu, err := url.Parse(presigned)
	require.NoError(t, err)
	assert.Equal(t, sig, pu.Query().Get("X-Amz-Signature"), "signature made with the task's credentials")

	// A new token per call (connection): never a cached string.
	time.Sleep(1100 * time.Millisecond)
	tok2, err := src.Password(context.Background(), "garcon.abc123.eu-west-1.rds.amazonaws.com", 5433, "garcon_app")
	require.NoError(t, err)
	assert.NotEqual(t, tok, tok2)
}

func TestIAMTokenWithoutCredentialsIsUnavailable(t *testing.T) {
	src := IAMTokenSource{Region: "eu-west-1", Credentials: aws.AnonymousCredentials{}}
	_, err := src.Password(context.Background(), "db.example.com", 5432, "garcon_app")
	if err == nil {
		t.Skip("the SDK signs anonymously without error")
	}
	assert.ErrorIs(t, err, ErrCredentials)
	assert.True(t, IsUnavailable(err), "no task credentials yet is a retryable 503")
}

// pgx's own reason reaches the log, and the password never does.
func TestBadRootCertErrorsSayWhyWithoutThePassword(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "not-a-cert.pem")
	require.NoError(t, os.WriteFile(notPEM, []byte("this is not a certificate\n"), 0o600))
	const password = "s3cret-Pa55word-never-logged"
	for name, tc := range map[string]struct{ file, want string }{
		"missing": {filepath.Join(dir, "missing.pem"), "unable to read CA file"},
		"not PEM": {notPEM, "unable to add CA to cert pool"},
	} {
		t.Run(name, func(t *testing.T) {
			db := config.Database{WriterHost: "db.example.com", ReaderHost: "db.example.com", Port: 5432, Name: "garcon",
				User: "garcon_master", Password: config.NewSecret(password), Auth: config.DBAuthPassword,
				SSLMode: "verify-full", SSLRootCert: tc.file}
			_, err := NewPoolConfig(ConnString(db, db.WriterHost), WriterPoolOptions)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "invalid PostgreSQL connection settings")
			assert.Contains(t, err.Error(), tc.want, "pgx's reason is passed through")
			assert.NotContains(t, err.Error(), password)

			_, err = Migrate(context.Background(), ConnString(db, db.WriterHost), time.Second)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), password)

			if name == "not PEM" { // Open stats the file first for a missing one
				_, err = Open(context.Background(), db, StaticPassword(db.Password), nil)
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.want)
				assert.NotContains(t, err.Error(), password)
			}
		})
	}
}

type failingSource struct{}

func (failingSource) Password(context.Context, string, uint16, string) (string, error) {
	return "", errors.New("no credentials yet")
}

func TestCredentialSourceFailureIsUnavailable(t *testing.T) {
	db := config.Database{WriterHost: "127.0.0.1", ReaderHost: "127.0.0.1", Port: 1, Name: "garcon",
		User: "m", Password: config.NewSecret("p"), Auth: config.DBAuthIAM, AppUser: "garcon_app", SSLMode: "disable"}
	pools, err := Open(context.Background(), db, failingSource{}, nil)
	require.NoError(t, err)
	defer pools.Close()
	err = pools.Writer.Ping(context.Background())
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrCredentials)
	assert.True(t, IsUnavailable(err))
}
