package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The contract check must fail when the task definition and the app
// disagree: each mutation of the real synthesized task definition is one
// mistake a CDK change could make.
func TestContractCheckCatchesMismatches(t *testing.T) {
	assemblies, err := loadAssemblies(cdkOut(t))
	require.NoError(t, err)
	var env *environmentAssembly
	var st *stackTemplate
	var base *containerDef
	for _, a := range assemblies {
		if s, c, err := a.apiContainer(); err == nil && strings.Contains(a.dir, "Production") {
			env, st, base = a, s, c
		}
	}
	require.NotNil(t, base, "no Production api container in the assembly")

	setEnv := func(c *containerDef, name string, value any) {
		for i := range c.Environment {
			if c.Environment[i].Name == name {
				c.Environment[i].Value = value
				return
			}
		}
		c.Environment = append(c.Environment, struct {
			Name  string `json:"Name"`
			Value any    `json:"Value"`
		}{name, value})
	}
	rename := func(c *containerDef, from, to string) {
		for i := range c.Environment {
			if c.Environment[i].Name == from {
				c.Environment[i].Name = to
			}
		}
	}
	cases := map[string]struct {
		mutate func(c *containerDef)
		want   string
	}{
		"unchanged":             {func(*containerDef) {}, ""},
		"database port":         {func(c *containerDef) { setEnv(c, "DB_PORT", "5432") }, "DB_PORT: the app is told 5432"},
		"port not a number":     {func(c *containerDef) { setEnv(c, "DB_PORT", "postgres") }, `DB_PORT="postgres" is not a port`},
		"weak PostgreSQL TLS":   {func(c *containerDef) { setEnv(c, "DB_SSLMODE", "require") }, "verify-full"},
		"Redis without TLS":     {func(c *containerDef) { setEnv(c, "REDIS_TLS", "false") }, "REDIS_TLS"},
		"renamed variable":      {func(c *containerDef) { rename(c, "DB_NAME", "DATABASE_NAME") }, "DATABASE_NAME: the app never reads it"},
		"Redis port left out":   {func(c *containerDef) { rename(c, "REDIS_PORT", "REDIS_PORT_NUMBER") }, "REDIS_PORT: the app is told 6379"},
		"listen port":           {func(c *containerDef) { setEnv(c, "PORT", "9090") }, "PORT: the app listens on 9090"},
		"secret in plain text":  {func(c *containerDef) { dropSecret(c, "JWT_SECRET"); setEnv(c, "JWT_SECRET", "x") }, "JWT_SECRET must be injected as a secret"},
		"writer is not the RDS": {func(c *containerDef) { setEnv(c, "DB_WRITER_HOST", "db.example.com") }, "DB_WRITER_HOST must be the Endpoint.Address"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c := *base
			c.Environment = append(c.Environment[:0:0], base.Environment...)
			c.Secrets = append(c.Secrets[:0:0], base.Secrets...)
			tc.mutate(&c)
			k := resolveContract(t, env, st, &c)
			k.check()
			if tc.want == "" {
				assert.Empty(t, k.problems)
				return
			}
			assert.Contains(t, strings.Join(k.problems, "\n"), tc.want)
		})
	}
}

func dropSecret(c *containerDef, name string) {
	for i := range c.Secrets {
		if c.Secrets[i].Name == name {
			c.Secrets = append(c.Secrets[:i], c.Secrets[i+1:]...)
			return
		}
	}
}

func TestGenerateSecretFollowsTheTemplateRules(t *testing.T) {
	v, err := generateSecret(cfnResource{Properties: map[string]any{"GenerateSecretString": map[string]any{
		"ExcludeCharacters": " %+~`#$&*()|[]{}:;<>?!'/@\"\\", "GenerateStringKey": "password",
		"PasswordLength": float64(30), "SecretStringTemplate": `{"username":"garcon_admin"}`,
	}}})
	require.NoError(t, err)
	assert.Regexp(t, `^\{"password":"[^ %+~`+"`"+`#$&*()|\[\]{}:;<>?!'/@"\\]{30}","username":"garcon_admin"\}$`, v)

	v, err = generateSecret(cfnResource{Properties: map[string]any{"GenerateSecretString": map[string]any{
		"ExcludePunctuation": true, "PasswordLength": float64(64)}}})
	require.NoError(t, err)
	assert.Regexp(t, `^[A-Za-z0-9]{64}$`, v)
}
