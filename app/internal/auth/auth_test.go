package auth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var secret = []byte("0123456789abcdef0123456789abcdef")

const audience = "garcon-api"

func sign(t *testing.T, method jwt.SigningMethod, key any, claims jwt.Claims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(method, claims).SignedString(key)
	require.NoError(t, err)
	return s
}

func claims(sub string, admin bool, exp time.Duration) Claims {
	now := time.Now()
	return Claims{Admin: admin, RegisteredClaims: jwt.RegisteredClaims{
		Issuer: Issuer, Subject: sub, Audience: jwt.ClaimStrings{audience},
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(exp)),
	}}
}

func TestVerifyValidTokens(t *testing.T) {
	v := NewVerifier(secret, audience)
	tok, err := Sign(secret, audience, "owner-42", true, time.Minute)
	require.NoError(t, err)
	c, err := v.Verify(tok)
	require.NoError(t, err)
	assert.True(t, c.Admin)
	assert.Equal(t, "owner-42", c.Subject)

	c, err = v.Verify(sign(t, jwt.SigningMethodHS256, secret, claims("diner@example.com", false, time.Minute)))
	require.NoError(t, err)
	assert.False(t, c.Admin)

	// aud may be a list; one entry must be ours.
	multi := claims("u3", false, time.Minute)
	multi.Audience = jwt.ClaimStrings{"garcon-backoffice", audience}
	_, err = v.Verify(sign(t, jwt.SigningMethodHS256, secret, multi))
	require.NoError(t, err)
}

func TestVerifyRejects(t *testing.T) {
	v := NewVerifier(secret, audience)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)

	valid := sign(t, jwt.SigningMethodHS256, secret, claims("u1", true, time.Minute))
	parts := strings.Split(valid, ".")
	// Same header, payload of another (admin) subject, original signature.
	otherParts := strings.Split(sign(t, jwt.SigningMethodHS256, secret, claims("u2", true, 2*time.Minute)), ".")

	noExp := claims("u1", true, time.Minute)
	noExp.ExpiresAt = nil
	wrongIss := claims("u1", true, time.Minute)
	wrongIss.Issuer = "evil"
	noSub := claims("", true, time.Minute)
	noAud := claims("u1", true, time.Minute)
	noAud.Audience = nil
	otherAud := claims("u1", true, time.Minute)
	otherAud.Audience = jwt.ClaimStrings{"garcon-backoffice"}
	badSub := claims("../../etc", true, time.Minute)
	future := claims("u1", true, time.Hour)
	future.IssuedAt = jwt.NewNumericDate(time.Now().Add(time.Hour))
	noneTok, err := jwt.NewWithClaims(jwt.SigningMethodNone, claims("u1", true, time.Minute)).SignedString(jwt.UnsafeAllowNoneSignatureType)
	require.NoError(t, err)

	cases := map[string]struct {
		token   string
		expired bool
	}{
		"expired":                  {sign(t, jwt.SigningMethodHS256, secret, claims("u1", true, -time.Hour)), true},
		"forged with another key":  {sign(t, jwt.SigningMethodHS256, []byte("another-secret-another-secret-xx"), claims("u1", true, time.Minute)), false},
		"tampered payload":         {parts[0] + "." + otherParts[1] + "." + parts[2], false},
		"alg none":                 {noneTok, false},
		"HS512 (alg not pinned)":   {sign(t, jwt.SigningMethodHS512, secret, claims("u1", true, time.Minute)), false},
		"RS256":                    {sign(t, jwt.SigningMethodRS256, rsaKey, claims("u1", true, time.Minute)), false},
		"ES256":                    {sign(t, jwt.SigningMethodES256, ecKey, claims("u1", true, time.Minute)), false},
		"no exp":                   {sign(t, jwt.SigningMethodHS256, secret, noExp), false},
		"wrong issuer":             {sign(t, jwt.SigningMethodHS256, secret, wrongIss), false},
		"no subject":               {sign(t, jwt.SigningMethodHS256, secret, noSub), false},
		"no audience":              {sign(t, jwt.SigningMethodHS256, secret, noAud), false},
		"another audience":         {sign(t, jwt.SigningMethodHS256, secret, otherAud), false},
		"subject unsafe in S3 key": {sign(t, jwt.SigningMethodHS256, secret, badSub), false},
		"issued in the future":     {sign(t, jwt.SigningMethodHS256, secret, future), false},
		"garbage":                  {"not.a.jwt", false},
		"empty":                    {"", false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := v.Verify(tc.token)
			require.Error(t, err)
			assert.True(t, errors.Is(err, ErrInvalid), "must be ErrInvalid: %v", err)
			assert.Equal(t, tc.expired, errors.Is(err, ErrExpired), "expired classification: %v", err)
		})
	}
}

func TestAdminClaimMustBeBoolean(t *testing.T) {
	v := NewVerifier(secret, audience)
	tok := sign(t, jwt.SigningMethodHS256, secret, jwt.MapClaims{
		"iss": Issuer, "aud": audience, "sub": "u1", "exp": time.Now().Add(time.Minute).Unix(), "admin": "true",
	})
	_, err := v.Verify(tok)
	assert.ErrorIs(t, err, ErrInvalid)
}

func TestFromRequest(t *testing.T) {
	v := NewVerifier(secret, audience)
	tok, err := Sign(secret, audience, "u1", false, time.Minute)
	require.NoError(t, err)

	r := httptest.NewRequest("GET", "/", nil)
	_, err = v.FromRequest(r)
	assert.ErrorIs(t, err, ErrMissing)

	r.Header.Set("Authorization", "Basic dXNlcjpwYXNz")
	_, err = v.FromRequest(r)
	assert.ErrorIs(t, err, ErrInvalid)

	r.Header.Set("Authorization", "Bearer ")
	_, err = v.FromRequest(r)
	assert.ErrorIs(t, err, ErrInvalid)

	r.Header.Set("Authorization", "bearer "+tok) // scheme is case-insensitive (RFC 7235)
	c, err := v.FromRequest(r)
	require.NoError(t, err)
	assert.Equal(t, "u1", c.Subject)

	ctx := WithClaims(r.Context(), c)
	got, ok := ClaimsFrom(ctx)
	assert.True(t, ok)
	assert.Equal(t, c, got)
}
