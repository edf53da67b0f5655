// Package auth verifies the bearer JWTs of API clients.
//
// Tokens are HS256 with the shared JWT_SECRET, issued by "garcon" for the
// audience JWT_AUDIENCE. The algorithm is pinned, so a token signed with
// "none" or an asymmetric algorithm (the classic key-confusion attack) is
// rejected; exp and aud are mandatory, so a token minted for another service
// that shares the issuer and key cannot be replayed here.
package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Issuer is the only accepted iss claim.
const Issuer = "garcon"

// Leeway tolerates clock skew between the issuer and this service.
const Leeway = 30 * time.Second

// Errors returned by Verify. ErrMissing and ErrInvalid map to 401.
var (
	ErrMissing = errors.New("missing bearer token")
	ErrInvalid = errors.New("invalid token")
	ErrExpired = fmt.Errorf("%w: token expired", ErrInvalid)
)

// Claims are the claims the API uses.
type Claims struct {
	// Admin grants menu writes.
	Admin bool `json:"admin,omitempty"`
	jwt.RegisteredClaims
}

// subjectRE restricts sub to characters that are safe inside an S3 key.
var subjectRE = regexp.MustCompile(`^[A-Za-z0-9_-][A-Za-z0-9._@-]{0,127}$`)

// Verifier checks tokens.
type Verifier struct {
	secret []byte
	parser *jwt.Parser
}

// NewVerifier returns a Verifier for the HS256 secret that accepts only
// tokens whose aud claim contains audience (JWT_AUDIENCE).
func NewVerifier(secret []byte, audience string) *Verifier {
	return &Verifier{
		secret: secret,
		parser: jwt.NewParser(
			jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
			jwt.WithIssuer(Issuer),
			jwt.WithAudience(audience),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
			jwt.WithLeeway(Leeway),
		),
	}
}

// Verify parses and validates a compact JWT.
func (v *Verifier) Verify(token string) (*Claims, error) {
	claims := &Claims{}
	_, err := v.parser.ParseWithClaims(token, claims, func(t *jwt.Token) (any, error) {
		// WithValidMethods already pinned the algorithm; this type check
		// is a second line of defence should the options ever change.
		if _, ok := t.Method.(*jwt.SigningMethodHMAC); !ok {
			return nil, fmt.Errorf("unexpected signing method %v", t.Header["alg"])
		}
		return v.secret, nil
	})
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return nil, ErrExpired
	case err != nil:
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if !subjectRE.MatchString(claims.Subject) {
		return nil, fmt.Errorf("%w: sub claim missing or not [A-Za-z0-9._@-]{1,128}", ErrInvalid)
	}
	return claims, nil
}

// FromRequest extracts and verifies the "Authorization: Bearer" token.
func (v *Verifier) FromRequest(r *http.Request) (*Claims, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return nil, ErrMissing
	}
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return nil, fmt.Errorf("%w: Authorization header must be \"Bearer <token>\"", ErrInvalid)
	}
	return v.Verify(strings.TrimSpace(token))
}

// Sign issues a token for audience; used by tests, the benchmark and
// operators' tooling.
func Sign(secret []byte, audience, sub string, admin bool, ttl time.Duration) (string, error) {
	now := time.Now()
	c := Claims{
		Admin: admin,
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    Issuer,
			Subject:   sub,
			Audience:  jwt.ClaimStrings{audience},
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
		},
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(secret)
}

type ctxKey struct{}

// WithClaims stores verified claims in a context.
func WithClaims(ctx context.Context, c *Claims) context.Context {
	return context.WithValue(ctx, ctxKey{}, c)
}

// ClaimsFrom returns the claims stored by WithClaims.
func ClaimsFrom(ctx context.Context) (*Claims, bool) {
	c, ok := ctx.Value(ctxKey{}).(*Claims)
	return c, ok
}
