package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/garcon/infrastructure/app/internal/auth"
	"github.com/garcon/infrastructure/app/internal/config"
	"github.com/garcon/infrastructure/app/internal/testsupport"
)

// Contract test: the real binary started from the synthesized ECS task
// definition — its environment names and values, its secrets in the shape
// ECS injects them (generated from the templates' own rules), its health
// check command run as ECS runs it — against the TLS test servers.
//
// Local substitutions, and only these: resource addresses (RDS and
// ElastiCache endpoints → the local TLS servers, the bucket → a fixed name),
// after checking that the template's ports are the resources' ports; the
// image's files (RDS CA bundle → DB_SSLROOTCERT, system roots →
// SSL_CERT_FILE, both the test CA); DB_AUTH=iam → password, because a local
// PostgreSQL has no IAM (the IAM token itself is pinned by
// internal/store's TestIAMTokenIsAPresignedConnectURL).

const envCDKOut = "GARCON_CDK_OUT"

func cdkOut(t *testing.T) string {
	t.Helper()
	dir := os.Getenv(envCDKOut)
	if dir == "" {
		dir = filepath.Join("..", "cdk.out")
	}
	if _, err := os.Stat(filepath.Join(dir, "manifest.json")); err != nil {
		msg := fmt.Sprintf("no cloud assembly at %s (%v): run `make synth` at the repository root, or set %s", dir, err, envCDKOut)
		if os.Getenv(testsupport.EnvRequire) == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return dir
}

// appVariables is every variable the app reads: config.Load and LoadPort
// are run over an empty environment and each lookup is recorded.
func appVariables() map[string]bool {
	seen := map[string]bool{}
	rec := func(k string) (string, bool) { seen[k] = true; return "", false }
	_, _ = config.Load(rec)
	_, _ = config.LoadPort(rec)
	return seen
}

// dockerExec is the image's ENTRYPOINT + CMD from the Dockerfile.
func dockerExec(t *testing.T) (entrypoint, cmd []string) {
	t.Helper()
	b, err := os.ReadFile("Dockerfile")
	require.NoError(t, err)
	for _, line := range strings.Split(string(b), "\n") {
		for prefix, dst := range map[string]*[]string{"ENTRYPOINT ": &entrypoint, "CMD ": &cmd} {
			if strings.HasPrefix(line, prefix) {
				require.NoError(t, json.Unmarshal([]byte(strings.TrimPrefix(line, prefix)), dst), line)
			}
		}
	}
	require.NotEmpty(t, entrypoint, "Dockerfile ENTRYPOINT (exec form)")
	return entrypoint, cmd
}

func TestContractTaskDefinitionStartsTheBinary(t *testing.T) {
	if !testsupport.TLS() {
		t.Skip("the contract test uses the production connection path: run it with GARCON_TEST_MODE=tls (make test does)")
	}
	assemblies, err := loadAssemblies(cdkOut(t))
	require.NoError(t, err)
	ran := 0
	for _, env := range assemblies {
		st, c, err := env.apiContainer()
		if err != nil {
			continue // an assembly without the service (e.g. DNS delegation)
		}
		ran++
		t.Run(strings.TrimPrefix(env.dir, "assembly-"), func(t *testing.T) { runContract(t, env, st, c) })
	}
	require.NotZero(t, ran, "no environment of the assembly has the api container")
}

// contract is the task definition resolved against its templates.
type contract struct {
	env                      map[string]string  // literal values
	refs                     map[string]*cfnRef // values that are resource references
	secrets                  map[string]*cfnRef
	writer, reader, redis    *cfnRef
	containerPort, targetGrp int
	healthPath               string
	problems                 []string
	receiver                 *otlpReceiver // stands in for the collector sidecar, when tracing is on
}

func (k *contract) fail(format string, args ...any) {
	k.problems = append(k.problems, fmt.Sprintf(format, args...))
}

func resolveContract(t *testing.T, env *environmentAssembly, st *stackTemplate, c *containerDef) *contract {
	t.Helper()
	k := &contract{env: map[string]string{}, refs: map[string]*cfnRef{}, secrets: map[string]*cfnRef{}}
	known := appVariables()
	for _, e := range c.Environment {
		if !known[e.Name] {
			k.fail("environment %s: the app never reads it (a typo, or an app change missing)", e.Name)
		}
		lit, ref, err := env.resolve(st, e.Value)
		require.NoError(t, err, e.Name)
		if ref != nil {
			k.refs[e.Name] = ref
		} else {
			k.env[e.Name] = lit
		}
	}
	for _, s := range c.Secrets {
		if !known[s.Name] {
			k.fail("secret %s: the app never reads it", s.Name)
		}
		_, ref, err := env.resolve(st, s.ValueFrom)
		require.NoError(t, err, s.Name)
		require.NotNil(t, ref, "secret %s must come from a Secrets Manager secret", s.Name)
		k.secrets[s.Name] = ref
	}
	if len(c.PortMappings) == 1 {
		k.containerPort = int(c.PortMappings[0].ContainerPort)
	}
	for _, r := range st.Resources {
		if r.Type == "AWS::ElasticLoadBalancingV2::TargetGroup" {
			p, _ := r.Properties["Port"].(float64)
			k.targetGrp = int(p)
			k.healthPath, _ = r.Properties["HealthCheckPath"].(string)
		}
	}
	k.writer, k.reader, k.redis = k.refs["DB_WRITER_HOST"], k.refs["DB_READER_HOST"], k.refs["REDIS_HOST"]
	return k
}

func resourcePort(r *cfnRef, prop string) int {
	switch v := r.resource().Properties[prop].(type) {
	case float64:
		return int(v)
	case string:
		n, _ := strconv.Atoi(v)
		return n
	}
	return 0
}

// check verifies what the app and the template must agree on, beyond what
// starting the binary proves: names, TLS, resource kinds and ports.
func (k *contract) check() {
	value := func(name string, def int) int {
		if v, ok := k.env[name]; ok {
			n, err := strconv.Atoi(v)
			if err != nil {
				k.fail("%s=%q is not a port", name, v)
			}
			return n
		}
		return def
	}
	if k.env["DB_SSLMODE"] != "verify-full" {
		k.fail("DB_SSLMODE=%q: production must verify the RDS certificate and host name (verify-full)", k.env["DB_SSLMODE"])
	}
	if k.env["REDIS_TLS"] != "true" {
		k.fail("REDIS_TLS=%q: ElastiCache in-transit encryption must be used", k.env["REDIS_TLS"])
	}
	for _, s := range []string{"DB_CREDENTIALS", "REDIS_AUTH_TOKEN", "JWT_SECRET", "STRIPE_API_KEY", "GOOGLE_MAPS_API_KEY"} {
		if _, ok := k.secrets[s]; !ok {
			k.fail("%s must be injected as a secret (Secrets), not missing or in plain Environment", s)
		}
	}
	for name, r := range map[string]*cfnRef{"DB_WRITER_HOST": k.writer, "DB_READER_HOST": k.reader} {
		if r == nil || r.resource().Type != "AWS::RDS::DBInstance" || r.attr != "Endpoint.Address" {
			k.fail("%s must be the Endpoint.Address of an AWS::RDS::DBInstance, got %v", name, r)
			continue
		}
		if p := resourcePort(r, "Port"); p != value("DB_PORT", config.DefaultDBPort) {
			k.fail("DB_PORT: the app is told %d, %s listens on %d", value("DB_PORT", config.DefaultDBPort), r.id, p)
		}
	}
	if k.redis == nil || k.redis.resource().Type != "AWS::ElastiCache::ReplicationGroup" || k.redis.attr != "PrimaryEndPoint.Address" {
		k.fail("REDIS_HOST must be the PrimaryEndPoint.Address of an AWS::ElastiCache::ReplicationGroup, got %v", k.redis)
	} else if p := resourcePort(k.redis, "Port"); p != value("REDIS_PORT", config.DefaultRedisPort) {
		k.fail("REDIS_PORT: the app is told %d, the replication group listens on %d", value("REDIS_PORT", config.DefaultRedisPort), p)
	}
	if port := value("PORT", config.DefaultPort); port != k.containerPort || port != k.targetGrp {
		k.fail("PORT: the app listens on %d, the container port is %d and the target group's %d", port, k.containerPort, k.targetGrp)
	}
	if k.writer != nil && k.env["DB_NAME"] != k.writer.resource().Properties["DBName"] {
		k.fail("DB_NAME=%q but the instance creates database %v", k.env["DB_NAME"], k.writer.resource().Properties["DBName"])
	}
}

// secretValue is what ECS injects for a secret: the whole SecretString. An
// RDS-attached secret also holds the instance's connection fields.
func secretValue(t *testing.T, r *cfnRef, dbHost string, dbPort int) string {
	t.Helper()
	secret := r
	var instance *cfnRef
	if r.resource().Type == "AWS::SecretsManager::SecretTargetAttachment" {
		var err error
		secret, err = refTo(r, "SecretId")
		require.NoError(t, err)
		instance, err = refTo(r, "TargetId")
		require.NoError(t, err)
	}
	require.Equal(t, "AWS::SecretsManager::Secret", secret.resource().Type, "%s", r)
	v, err := generateSecret(secret.resource())
	require.NoError(t, err, "%s", secret)
	if instance == nil {
		return v
	}
	var obj map[string]any
	require.NoError(t, json.Unmarshal([]byte(v), &obj), "an attached secret is JSON")
	p := instance.resource().Properties
	obj["host"], obj["port"], obj["dbname"] = dbHost, dbPort, p["DBName"]
	obj["engine"], obj["dbInstanceIdentifier"] = p["Engine"], "garcon-contract"
	b, err := json.Marshal(obj)
	require.NoError(t, err)
	return string(b)
}

var hostRE = regexp.MustCompile(`^127\.0\.0\.1:(\d+)$`)

func runContract(t *testing.T, env *environmentAssembly, st *stackTemplate, c *containerDef) {
	k := resolveContract(t, env, st, c)
	k.check()
	entry, cmd := dockerExec(t)
	hc := c.HealthCheck.Command
	if len(hc) < 2 || hc[0] != "CMD" || hc[1] != entry[0] {
		k.fail("HealthCheck.Command %v must be [\"CMD\", %q, …] (exec form, the image's binary)", hc, entry[0])
	}
	sort.Strings(k.problems)
	require.Empty(t, k.problems, "the task definition and the app disagree")
	local, port := localEnv(t, k)
	prepareServers(t, local)
	p, envList := startContainer(t, local, port, append(entry[1:], cmd...))
	// The container health check, exactly as ECS runs it inside the task.
	require.Eventually(t, func() bool {
		hcmd := exec.Command(buildBinary(t), hc[2:]...) //nolint:gosec // argv from the task definition
		hcmd.Env = envList
		return hcmd.Run() == nil
	}, 10*time.Second, 100*time.Millisecond, "health check %v never exited 0", hc[1:])
	// The ALB's health check over the whole wiring (writer, reader, Redis).
	require.Eventually(t, func() bool {
		code, body := p.get(t, k.healthPath)
		return code == http.StatusOK && strings.Contains(body, `"status":"ok"`)
	}, 20*time.Second, 100*time.Millisecond, "%s never answered 200 ok", k.healthPath)

	// A JWT for the configured audience, signed with the injected key.
	aud := local["JWT_AUDIENCE"]
	if aud == "" {
		aud = config.DefaultJWTAudience
	}
	tok, err := auth.Sign([]byte(local["JWT_SECRET"]), aud, "contract", true, time.Minute)
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPut, p.url("/v1/restaurants/42/menu"), strings.NewReader(menuJSON("Contract")))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	_ = res.Body.Close()
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Empty(t, nonJSONLines(p.stdout.String()))
	checkExportedTrace(t, k, local)
}

// checkExportedTrace: with tracing on and every request sampled, the PUT's
// server span and its children reach the collector's OTLP endpoint. (At a
// lower ratio a single request proves nothing either way.)
func checkExportedTrace(t *testing.T, k *contract, local map[string]string) {
	t.Helper()
	if k.receiver == nil || local["OTEL_TRACES_SAMPLER_ARG"] != "1" {
		t.Logf("tracing off or sampled (OTEL_TRACES_SAMPLER_ARG=%q): no span expected", local["OTEL_TRACES_SAMPLER_ARG"])
		return
	}
	var span *tracepb.Span
	require.Eventually(t, func() bool {
		span = k.receiver.serverSpan("PUT /v1/restaurants/{id}/menu")
		return span != nil && k.receiver.childrenOf(span) > 0
	}, 15*time.Second, 100*time.Millisecond, "the PUT's server span and its database spans never reached the collector endpoint")
}

// localEnv is the task's environment mapped onto the local TLS servers
// (see the comment at the top for the substitutions) and the listen port.
func localEnv(t *testing.T, k *contract) (map[string]string, int) {
	t.Helper()
	pgPort := hostRE.FindStringSubmatch(testsupport.HostPort(t, testsupport.RequirePostgres(t)))
	redisPort := hostRE.FindStringSubmatch(testsupport.RedisAddr())
	require.Len(t, pgPort, 2, "the TLS test servers listen on 127.0.0.1")
	require.Len(t, redisPort, 2)
	local := map[string]string{}
	for name, v := range k.env {
		local[name] = v
	}
	for name := range k.refs {
		local[name] = "127.0.0.1" // RDS and ElastiCache endpoints
	}
	if r := k.refs["UPLOADS_BUCKET"]; r != nil {
		require.Equal(t, "AWS::S3::Bucket", r.resource().Type)
		local["UPLOADS_BUCKET"] = "garcon-contract-uploads"
	}
	local["DB_PORT"], local["REDIS_PORT"] = pgPort[1], redisPort[1]
	port := freePort(t)
	local["PORT"] = strconv.Itoa(port)
	if local["DB_AUTH"] == config.DBAuthIAM {
		t.Logf("DB_AUTH=iam → password: no IAM on a local PostgreSQL")
		local["DB_AUTH"] = config.DBAuthPassword
	}
	dbPort, _ := strconv.Atoi(pgPort[1])
	for name, r := range k.secrets {
		local[name] = secretValue(t, r, "127.0.0.1", dbPort)
	}
	if ep, ok := local["OTEL_EXPORTER_OTLP_ENDPOINT"]; ok {
		// The collector sidecar → a receiver the test starts (see runContract).
		require.Equal(t, "http://127.0.0.1:4318", ep, "the API exports to the sidecar on the task's loopback")
		k.receiver = newOTLPReceiver(t)
		local["OTEL_EXPORTER_OTLP_ENDPOINT"] = k.receiver.URL
	}
	local["DB_SSLROOTCERT"] = testsupport.CAFile() // the image's RDS bundle
	local["SSL_CERT_FILE"] = testsupport.CAFile()  // the image's system roots
	local["HOME"] = t.TempDir()
	return local, port
}

// startContainer runs the binary as the container would: the image's
// ENTRYPOINT + CMD (argv) with the task's environment.
func startContainer(t *testing.T, local map[string]string, port int, argv []string) (*proc, []string) {
	t.Helper()
	envList := make([]string, 0, len(local))
	for name, v := range local {
		envList = append(envList, name+"="+v)
	}
	p := &proc{port: port, stdout: &syncBuf{}, stderr: &syncBuf{}, done: make(chan error, 1)}
	p.cmd = exec.Command(buildBinary(t), argv...) //nolint:gosec // argv from the Dockerfile
	p.cmd.Env, p.cmd.Stdout, p.cmd.Stderr = envList, p.stdout, p.stderr
	require.NoError(t, p.cmd.Start())
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		if err := <-p.done; err != nil {
			t.Logf("serve: %v (killed at cleanup)", err)
		}
		if t.Failed() {
			t.Logf("stdout:\n%s\nstderr:\n%s", tail(p.stdout.String(), 8192), p.stderr.String())
		}
	})
	return p, envList
}

// prepareServers creates what RDS and ElastiCache would hold: the master
// role with the generated password, its database, and the generated AUTH
// token as an extra password of Redis's default user.
func prepareServers(t *testing.T, local map[string]string) {
	t.Helper()
	var creds struct{ Username, Password string }
	require.NoError(t, json.Unmarshal([]byte(local["DB_CREDENTIALS"]), &creds))
	if app := local["DB_APP_USER"]; app != "" {
		testsupport.DropRoleAtCleanup(t, app)
	}
	testsupport.DropRoleAtCleanup(t, creds.Username)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, testsupport.RequirePostgres(t))
	require.NoError(t, err)
	defer func() { _ = admin.Close(context.Background()) }()
	role, db := pgx.Identifier{creds.Username}.Sanitize(), pgx.Identifier{local["DB_NAME"]}.Sanitize()
	_, _ = admin.Exec(ctx, "DROP DATABASE IF EXISTS "+db+" WITH (FORCE)")
	_, _ = admin.Exec(ctx, "CREATE ROLE "+role+" LOGIN CREATEROLE")
	require.NoError(t, testsupport.SetPassword(ctx, admin, creds.Username, creds.Password))
	for _, s := range []string{"GRANT " + role + " TO CURRENT_USER", "CREATE DATABASE " + db + " OWNER " + role} {
		_, err := admin.Exec(ctx, s)
		require.NoError(t, err, s)
	}
	base := testsupport.DatabaseURL()
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), base)
		if err == nil {
			_, _ = c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+db+" WITH (FORCE)")
			_ = c.Close(context.Background())
		}
	})

	rdb := testsupport.RequireRedis(t)
	tokenPass := ">" + local["REDIS_AUTH_TOKEN"]
	require.NoError(t, rdb.Do(ctx, "ACL", "SETUSER", "default", tokenPass).Err())
	t.Cleanup(func() {
		_ = rdb.Do(context.Background(), "ACL", "SETUSER", "default", "<"+local["REDIS_AUTH_TOKEN"]).Err()
	})
}
