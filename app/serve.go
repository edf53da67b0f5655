package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	// Deprecated upstream without a successor the module proxy serves (README, "Tracing").
	"go.opentelemetry.io/contrib/instrumentation/github.com/aws/aws-sdk-go-v2/otelaws" //nolint:staticcheck // SA1019: still the AWS SDK's OpenTelemetry instrumentation
	"go.opentelemetry.io/contrib/propagators/aws/xray"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace"

	"github.com/garcon/infrastructure/app/internal/auth"
	"github.com/garcon/infrastructure/app/internal/cache"
	"github.com/garcon/infrastructure/app/internal/config"
	"github.com/garcon/infrastructure/app/internal/health"
	"github.com/garcon/infrastructure/app/internal/httpapi"
	"github.com/garcon/infrastructure/app/internal/menu"
	"github.com/garcon/infrastructure/app/internal/metrics"
	"github.com/garcon/infrastructure/app/internal/store"
	"github.com/garcon/infrastructure/app/internal/tracing"
	"github.com/garcon/infrastructure/app/internal/uploads"
)

// Server timeouts. ReadHeaderTimeout stops slowloris clients; IdleTimeout
// must exceed the ALB idle timeout (60 s by default) so that the ALB, not the
// task, closes idle keep-alive connections — otherwise the ALB can send a
// request on a connection the task is closing and return a 502.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 30 * time.Second
	idleTimeout       = 75 * time.Second
	maxHeaderBytes    = 64 << 10

	// migrateTimeout bounds one migration attempt, including the wait for
	// another task's advisory lock; the migrator retries after it.
	migrateTimeout = 60 * time.Second

	// poolCloseTimeout bounds the wait for the database pools at exit.
	poolCloseTimeout = time.Second
)

// newLogger is the JSON logger of the service; a line logged with a traced
// request's context carries trace_id, span_id and xray_trace_id.
func newLogger(w io.Writer, env string) *slog.Logger {
	return slog.New(tracing.LogHandler(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))).
		With(slog.String("service", "garcon"), slog.String("environment", env))
}

// serveHooks are the seams of serve that tests replace: how the serving
// pools get their credentials, and extra go-redis options.
type serveHooks struct {
	// credentials returns the CredentialSource of the serving pools.
	credentials  func(cfg config.Config, aws awsCredentials) (store.CredentialSource, error)
	redisOptions []cache.ClientOption
}

// awsCredentials is the SDK default chain (the ECS task role in production).
type awsCredentials = aws.CredentialsProvider

// productionHooks: IAM tokens built with the SDK signer, or DB_CREDENTIALS.
var productionHooks = serveHooks{credentials: defaultCredentials}

func defaultCredentials(cfg config.Config, creds awsCredentials) (store.CredentialSource, error) {
	if cfg.DB.Auth == config.DBAuthIAM {
		return store.IAMTokenSource{Region: cfg.AWSRegion, Credentials: creds}, nil
	}
	return store.StaticPassword(cfg.DB.Password), nil
}

func serve(ctx context.Context, lookup config.LookupFunc, stdout io.Writer, stderr io.Writer) int {
	return serveWith(ctx, lookup, stdout, stderr, productionHooks)
}

// serveWith runs the service: it listens at once (/livez answers even while
// the writer is unreachable), applies the migrations in the background with
// retries, and serves the API once they have run.
func serveWith(ctx context.Context, lookup config.LookupFunc, stdout, stderr io.Writer, hooks serveHooks) int {
	cfg, err := config.Load(lookup)
	if err != nil {
		var ce *config.Error
		if errors.As(err, &ce) {
			reportConfigError(stderr, err, ce.Strings())
		} else {
			reportConfigError(stderr, err, nil)
		}
		return exitConfig
	}
	logger := newLogger(stdout, cfg.Environment)
	// go-redis would print plain-text lines on stderr during an outage.
	cache.NewLogger(logger, cache.DefaultLogInterval).Install()
	tp, err := newTracing(ctx, cfg, logger)
	if err != nil {
		logger.Error("cannot set up tracing", slog.String("error", err.Error()))
		return exitFail
	}
	// Last out: the final spans of the drain are flushed too.
	defer func() {
		if err := tp.Shutdown(context.Background()); err != nil {
			logger.Warn("final span flush failed", slog.String("error", err.Error()))
		}
	}()
	return serveTraced(ctx, cfg, logger, stdout, hooks, tp)
}

// serveTraced wires the dependencies (traced with tp) and runs the server.
func serveTraced(ctx context.Context, cfg config.Config, logger *slog.Logger, stdout io.Writer, hooks serveHooks, tp *tracing.Provider) int {
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion(cfg.AWSRegion))
	if err != nil {
		logger.Error("cannot load AWS SDK configuration", slog.String("error", err.Error()))
		return exitFail
	}
	// Untraced, nothing is instrumented at all: no hook, no middleware.
	var traced trace.TracerProvider
	if cfg.Tracing.Enabled() {
		traced = tp
		// A span per AWS call (S3 presigning included); only X-Amzn-Trace-Id is
		// injected, which SigV4 never signs, so presigned URLs do not change.
		otelaws.AppendMiddlewares(&awsCfg.APIOptions, otelaws.WithTracerProvider(tp), otelaws.WithTextMapPropagator(xray.Propagator{}))
	}
	creds, err := hooks.credentials(cfg, awsCfg.Credentials)
	if err != nil {
		logger.Error("cannot set up database credentials", slog.String("error", err.Error()))
		return exitFail
	}
	pools, err := store.Open(ctx, cfg.DB, creds, traced)
	if err != nil {
		logger.Error("cannot create database pools", slog.String("error", err.Error()))
		return exitFail
	}
	// pgxpool's Close waits for connection attempts in flight, which a
	// frozen writer holds for the whole connect timeout: bound it so that
	// SIGTERM during an outage still exits promptly.
	defer closeWithin(pools.Close, poolCloseTimeout)
	logger.Info("database pools ready", slog.String("auth", cfg.DB.Auth), slog.String("user", cfg.DB.ServingUser()))

	redisClient := cache.NewClient(cfg.Redis, hooks.redisOptions...)
	defer func() { _ = redisClient.Close() }()
	if traced != nil {
		if err := cache.Instrument(redisClient, traced); err != nil {
			logger.Error("cannot trace Redis", slog.String("error", err.Error()))
			return exitFail
		}
	}
	menuCache := cache.NewMenuCache(redisClient, cache.DefaultPrefix, cfg.MenuCacheTTL, logger)
	rec := metrics.New(cfg.Environment, stdout)
	deps := httpapi.Deps{
		Logger:         logger,
		Menus:          menu.NewService(pools.Writer, pools.Reader, menuCache),
		Health:         health.NewServiceChecker(pools.Writer.Ping, pools.Reader.Ping, menuCache.Ping),
		Auth:           auth.NewVerifier([]byte(cfg.JWTSecret.Reveal()), cfg.JWTAudience),
		Uploads:        uploads.NewPresigner(s3.NewFromConfig(awsCfg), cfg.UploadsBucket),
		UploadMaxBytes: cfg.UploadMaxBytes,
		Metrics:        rec,
	}
	if traced != nil {
		deps.Tracing = tp
	}
	return listenAndServe(ctx, cfg, logger, deps)
}

// listenAndServe listens, runs the migrations in the background and serves
// until ctx is cancelled; it flushes the metrics at the end.
func listenAndServe(ctx context.Context, cfg config.Config, logger *slog.Logger, deps httpapi.Deps) int {
	mig := newMigrator(logger, func(ctx context.Context) (store.MigrationResult, error) {
		return store.Migrate(ctx, store.ConnString(cfg.DB, cfg.DB.WriterHost), migrateTimeout, migrateOptions(cfg.DB)...)
	})
	deps.Ready = mig.Ready
	rec := deps.Metrics
	rec.Start(metrics.DefaultInterval)
	handler := httpapi.New(deps)

	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", ":"+strconv.Itoa(cfg.Port))
	if err != nil {
		logger.Error("cannot listen", slog.Int("port", cfg.Port), slog.String("error", err.Error()))
		_ = rec.Stop()
		return exitFail
	}
	mctx, stopMigrations := context.WithCancel(ctx)
	defer stopMigrations()
	go mig.Run(mctx)

	code := runServer(ctx, logger, ln, handler, cfg.ShutdownTimeout)
	stopMigrations()
	mig.Wait(500 * time.Millisecond)
	if err := rec.Stop(); err != nil {
		logger.Error("final metrics flush failed", slog.String("error", err.Error()))
	}
	logger.Info("stopped", slog.Int("exit_code", code))
	return code
}

// newTracing sets up the tracer provider of cfg.Tracing (a no-op one when
// tracing is off) and reports OpenTelemetry's own errors — an export the
// collector refused or missed — as JSON log lines, never on stderr.
func newTracing(ctx context.Context, cfg config.Config, logger *slog.Logger) (*tracing.Provider, error) {
	otel.SetErrorHandler(tracing.ErrorHandler(func(err error) {
		logger.Warn("tracing", slog.String("component", "opentelemetry"), slog.String("error", err.Error()))
	}))
	tp, err := tracing.Setup(ctx, tracing.Config{
		Endpoint: cfg.Tracing.Endpoint, SampleRatio: cfg.Tracing.SampleRatio, Environment: cfg.Environment,
	})
	if err != nil {
		return nil, err
	}
	if cfg.Tracing.Enabled() {
		logger.Info("tracing on", slog.String("endpoint", cfg.Tracing.Endpoint), slog.Float64("sample_ratio", cfg.Tracing.SampleRatio))
	}
	return tp, nil
}

// closeWithin runs closeFn and waits for it at most limit (the process is
// about to exit; whatever is still connecting dies with it).
func closeWithin(closeFn func(), limit time.Duration) {
	done := make(chan struct{})
	go func() { closeFn(); close(done) }()
	t := time.NewTimer(limit)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	}
}

// migrateOptions: the migrations create and grant DB_APP_USER when one is
// configured (always with DB_AUTH=iam).
func migrateOptions(db config.Database) []store.MigrateOption {
	if db.AppUser == "" {
		return nil
	}
	return []store.MigrateOption{store.WithAppRole(db.AppUser)}
}

// runServer serves until ctx is cancelled (SIGTERM/SIGINT), then shuts down
// gracefully: the listener closes at once (new connections are refused),
// idle keep-alive connections are closed, and in-flight requests get up to
// shutdownTimeout to finish. It returns the process exit code.
func runServer(ctx context.Context, logger *slog.Logger, ln net.Listener, h http.Handler, shutdownTimeout time.Duration) int {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		// Requests outlive ctx: cancelling the signal context must not
		// cancel the in-flight requests we are about to drain.
		BaseContext: func(net.Listener) context.Context { return context.Background() },
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	logger.Info("listening", slog.String("addr", ln.Addr().String()))

	select {
	case err := <-serveErr:
		logger.Error("server failed", slog.String("error", err.Error()))
		return exitFail
	case <-ctx.Done():
	}

	logger.Info("shutdown signal received, draining", slog.Duration("timeout", shutdownTimeout))
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		logger.Error("drain timed out, closing remaining connections", slog.String("error", err.Error()))
		_ = srv.Close()
		return exitFail
	}
	if err := <-serveErr; err != nil && !errors.Is(err, http.ErrServerClosed) {
		logger.Error("server failed", slog.String("error", fmt.Sprint(err)))
		return exitFail
	}
	logger.Info("drained")
	return exitOK
}
