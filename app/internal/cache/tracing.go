package cache

import (
	"github.com/redis/go-redis/extra/redisotel/v9"
	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel/trace"
)

// Instrument records a client span per Redis command (and per pipeline) of
// client with tp. Command arguments are left out of the spans: they hold
// whole menu documents, and nothing in a trace needs them.
func Instrument(client *redis.Client, tp trace.TracerProvider) error {
	return redisotel.InstrumentTracing(client,
		redisotel.WithTracerProvider(tp),
		redisotel.WithDBStatement(false))
}
