package main

import (
	"context"
	"errors"
	"io"
	"log/slog"

	"github.com/garcon/infrastructure/app/internal/config"
	"github.com/garcon/infrastructure/app/internal/store"
)

// migrateCmd applies the embedded migrations to the writer and exits. It
// needs only the DB_* variables, so it can run as a one-off ECS task.
func migrateCmd(ctx context.Context, lookup config.LookupFunc, stdout, stderr io.Writer) int {
	db, err := config.LoadDatabase(lookup)
	if err != nil {
		var ce *config.Error
		if errors.As(err, &ce) {
			reportConfigError(stderr, err, ce.Strings())
		} else {
			reportConfigError(stderr, err, nil)
		}
		return exitConfig
	}
	env, _ := lookup("ENVIRONMENT")
	logger := newLogger(stdout, env)
	if err := store.CheckRootCert(db); err != nil {
		logger.Error("schema migration failed", slog.String("error", err.Error()))
		return exitFail
	}
	ctx, cancel := context.WithTimeout(ctx, migrateTimeout)
	defer cancel()
	res, err := store.Migrate(ctx, store.ConnString(db, db.WriterHost), migrateTimeout, migrateOptions(db)...)
	if err != nil {
		logger.Error("schema migration failed", slog.String("error", err.Error()))
		return exitFail
	}
	logger.Info("schema is current", slog.Uint64("version", uint64(res.Version)), slog.Bool("applied", res.Applied))
	return exitOK
}
