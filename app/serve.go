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

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/garcon/infrastructure/app/internal/auth"
	"github.com/garcon/infrastructure/app/internal/cache"
	"github.com/garcon/infrastructure/app/internal/config"
	"github.com/garcon/infrastructure/app/internal/health"
	"github.com/garcon/infrastructure/app/internal/httpapi"
	"github.com/garcon/infrastructure/app/internal/menu"
	"github.com/garcon/infrastructure/app/internal/metrics"
	"github.com/garcon/infrastructure/app/internal/store"
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

	// migrateTimeout bounds the schema migration at startup, including the
	// wait for another task's advisory lock; it must stay inside the ECS
	// health check grace period.
	migrateTimeout = 60 * time.Second
)

func newLogger(w io.Writer, env string) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo})).
		With(slog.String("service", "garcon"), slog.String("environment", env))
}

func serve(ctx context.Context, lookup config.LookupFunc, stdout io.Writer, stderr io.Writer) int {
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

	pools, err := store.Open(ctx, cfg.DB)
	if err != nil {
		logger.Error("cannot create database pools", slog.String("error", err.Error()))
		return exitFail
	}
	defer pools.Close()

	mctx, cancel := context.WithTimeout(ctx, migrateTimeout)
	res, err := store.Migrate(mctx, store.ConnString(cfg.DB, cfg.DB.WriterHost), migrateTimeout)
	cancel()
	if err != nil {
		logger.Error("schema migration failed", slog.String("error", err.Error()))
		return exitFail
	}
	logger.Info("schema is current", slog.Uint64("version", uint64(res.Version)), slog.Bool("applied", res.Applied))

	redisClient := cache.NewClient(cfg.Redis)
	defer func() { _ = redisClient.Close() }()
	menuCache := cache.NewMenuCache(redisClient, cache.DefaultPrefix, cfg.MenuCacheTTL, logger)

	awsCfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion(cfg.AWSRegion))
	if err != nil {
		logger.Error("cannot load AWS SDK configuration", slog.String("error", err.Error()))
		return exitFail
	}
	presigner := uploads.NewPresigner(s3.NewFromConfig(awsCfg), cfg.UploadsBucket)

	rec := metrics.New(cfg.Environment, stdout)
	rec.Start(metrics.DefaultInterval)

	handler := httpapi.New(httpapi.Deps{
		Logger:         logger,
		Menus:          menu.NewService(pools.Writer, pools.Reader, menuCache),
		Health:         health.NewServiceChecker(pools.Writer.Ping, pools.Reader.Ping, menuCache.Ping),
		Auth:           auth.NewVerifier([]byte(cfg.JWTSecret.Reveal())),
		Uploads:        presigner,
		UploadMaxBytes: cfg.UploadMaxBytes,
		Metrics:        rec,
	})

	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", ":"+strconv.Itoa(cfg.Port))
	if err != nil {
		logger.Error("cannot listen", slog.Int("port", cfg.Port), slog.String("error", err.Error()))
		_ = rec.Stop()
		return exitFail
	}
	code := runServer(ctx, logger, ln, handler, cfg.ShutdownTimeout)
	if err := rec.Stop(); err != nil {
		logger.Error("final metrics flush failed", slog.String("error", err.Error()))
	}
	logger.Info("stopped", slog.Int("exit_code", code))
	return code
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
