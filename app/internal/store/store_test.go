package store

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/garcon/infrastructure/app/internal/config"
)

// rdsBundle is the CA bundle committed for the image; using it here also
// proves that it parses.
func rdsBundle(t *testing.T) string {
	t.Helper()
	p, err := filepath.Abs("../../certs/rds-global-bundle.pem")
	require.NoError(t, err)
	return p
}

func TestConnStringEscapesCredentials(t *testing.T) {
	db := config.Database{
		WriterHost: "w.example.com", Port: 5432, Name: "garcon",
		User: "app", Password: config.NewSecret(`p@ss:w/rd?#&=%`),
		SSLMode: "verify-full", SSLRootCert: rdsBundle(t),
	}
	cfg, err := NewPoolConfig(ConnString(db, db.WriterHost), WriterPoolOptions)
	require.NoError(t, err)
	assert.Equal(t, `p@ss:w/rd?#&=%`, cfg.ConnConfig.Password)
	assert.Equal(t, "app", cfg.ConnConfig.User)
	assert.Equal(t, "w.example.com", cfg.ConnConfig.Host)
	assert.Equal(t, "garcon", cfg.ConnConfig.Database)
	require.NotNil(t, cfg.ConnConfig.TLSConfig, "verify-full must use TLS")
	assert.Equal(t, "w.example.com", cfg.ConnConfig.TLSConfig.ServerName, "verify-full checks the host name")
	assert.False(t, cfg.ConnConfig.TLSConfig.InsecureSkipVerify)
	assert.Empty(t, cfg.ConnConfig.Fallbacks, "verify-full never falls back to plaintext")
}

func TestCheckRootCert(t *testing.T) {
	db := config.Database{SSLMode: "verify-full", SSLRootCert: "/nonexistent/bundle.pem"}
	err := CheckRootCert(db)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "DB_SSLROOTCERT")
	db.SSLMode = "require"
	assert.NoError(t, CheckRootCert(db), "no CA needed without verification")
	db.SSLMode, db.SSLRootCert = "verify-ca", rdsBundle(t)
	assert.NoError(t, CheckRootCert(db))
}

// The committed bundle is the Amazon RDS global CA bundle
// (global-bundle.pem from the RDS trust store). Its SHA-256 is the one
// published for that file; a change must be deliberate (see
// certs/README.md).
func TestRDSBundleIsTheOfficialOne(t *testing.T) {
	raw, err := os.ReadFile(rdsBundle(t))
	require.NoError(t, err)
	sum := sha256.Sum256(raw)
	assert.Equal(t, "e5bb2084ccf45087bda1c9bffdea0eb15ee67f0b91646106e466714f9de3c7e3", hex.EncodeToString(sum[:]))

	var certs []*x509.Certificate
	for rest := raw; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		c, err := x509.ParseCertificate(block.Bytes)
		require.NoError(t, err)
		certs = append(certs, c)
	}
	require.Len(t, certs, 108)
	subjects := map[string]bool{}
	for _, c := range certs {
		assert.True(t, c.IsCA, c.Subject.String())
		assert.NoError(t, c.CheckSignatureFrom(c), "self-signed root %s", c.Subject)
		assert.True(t, c.NotAfter.After(time.Now().AddDate(10, 0, 0)), "%s expires %s", c.Subject, c.NotAfter)
		subjects[c.Subject.CommonName] = true
	}
	for _, cn := range []string{"Amazon RDS eu-west-1 Root CA RSA2048 G1", "Amazon RDS us-east-1 Root CA RSA2048 G1", "Amazon RDS eu-central-1 Root CA ECC384 G1"} {
		assert.True(t, subjects[cn], "missing %s", cn)
	}
}
