package store

import (
	"github.com/exaring/otelpgx"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.opentelemetry.io/otel/trace"
)

// Instrument records a client span per query, batch, prepare, connect and
// pool acquire of the pool configured by cfg with tp. The span holds the
// SQL text (statements here carry their values as parameters, which are
// left out) and is named after the statement's first word (otelpgx's default).
func Instrument(cfg *pgxpool.Config, tp trace.TracerProvider) {
	cfg.ConnConfig.Tracer = otelpgx.NewTracer(otelpgx.WithTracerProvider(tp))
}
