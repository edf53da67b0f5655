// Package tracing sets up OpenTelemetry for the service: a tracer provider
// that exports spans over OTLP/HTTP to the collector sidecar of the task
// (the AWS Distro for OpenTelemetry collector, which forwards them to
// X-Ray), X-Ray-compatible trace ids, the X-Ray and W3C propagators, and a
// slog handler that writes the current trace and span ids into every log
// line that carries a request context.
//
// Tracing is off unless OTEL_EXPORTER_OTLP_ENDPOINT is set (locally and in
// tests there is no collector): Setup then returns a no-op provider and
// instrumented code costs next to nothing.
package tracing

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.opentelemetry.io/contrib/propagators/aws/xray"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// ServiceName is the service.name resource attribute: the X-Ray service map
// shows the API under this name.
const ServiceName = "garcon"

// RequestIDAttribute is the span attribute that carries the request id of
// the X-Request-Id header (the same id as the request_id of the logs). The
// collector indexes it as an X-Ray annotation, so a trace can be found by
// the id a client reports.
const RequestIDAttribute = attribute.Key("garcon.request_id")

// ShutdownTimeout bounds the final flush of buffered spans at exit: the
// process must stop well within the ECS stop timeout even when the
// collector is gone.
const ShutdownTimeout = 2 * time.Second

// Config is what the service's environment says about tracing.
type Config struct {
	// Endpoint is the OTLP/HTTP base URL of the collector, e.g.
	// http://localhost:4318 (OTEL_EXPORTER_OTLP_ENDPOINT); spans go to its
	// /v1/traces. Empty turns tracing off.
	Endpoint string
	// SampleRatio is the share of new traces that are recorded, 0 to 1
	// (OTEL_TRACES_SAMPLER_ARG).
	SampleRatio float64
	// Environment is the deployment.environment.name resource attribute.
	Environment string
}

// Enabled reports whether spans are exported.
func (c Config) Enabled() bool { return c.Endpoint != "" }

// Provider is the service's tracer provider with its propagator.
type Provider struct {
	trace.TracerProvider
	// Propagator reads and writes X-Amzn-Trace-Id and W3C traceparent.
	Propagator propagation.TextMapPropagator
	shutdown   func(context.Context) error
}

// Shutdown flushes buffered spans (bounded by ShutdownTimeout) and stops
// the exporter. It is a no-op when tracing is off.
func (p *Provider) Shutdown(ctx context.Context) error {
	if p.shutdown == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, ShutdownTimeout)
	defer cancel()
	return p.shutdown(ctx)
}

// Propagator is the composite of the W3C trace context, baggage and the
// X-Ray header (X-Amzn-Trace-Id), in that order of precedence for
// extraction: an X-Ray header with a parent wins.
func Propagator() propagation.TextMapPropagator {
	return propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}, xray.Propagator{})
}

// Setup returns the service's provider: a no-op one when cfg is not
// enabled, else a batching SDK provider exporting over OTLP/HTTP.
func Setup(ctx context.Context, cfg Config) (*Provider, error) {
	if !cfg.Enabled() {
		return &Provider{TracerProvider: noop.NewTracerProvider(), Propagator: Propagator()}, nil
	}
	if cfg.SampleRatio < 0 || cfg.SampleRatio > 1 {
		return nil, fmt.Errorf("tracing: sample ratio %g is outside 0 to 1", cfg.SampleRatio)
	}
	exporter, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(strings.TrimSuffix(cfg.Endpoint, "/")+"/v1/traces"))
	if err != nil {
		return nil, fmt.Errorf("tracing: OTLP exporter for %q: %w", cfg.Endpoint, err)
	}
	tp := NewSDKProvider(cfg, sdktrace.WithBatcher(exporter))
	return &Provider{TracerProvider: tp, Propagator: Propagator(), shutdown: tp.Shutdown}, nil
}

// NewSDKProvider builds the SDK provider with the service's resource,
// sampler and X-Ray id generator, plus the given span processors (the
// exporter's batcher in production, a span recorder in tests).
func NewSDKProvider(cfg Config, opts ...sdktrace.TracerProviderOption) *sdktrace.TracerProvider {
	res := resource.NewSchemaless(
		attribute.String("service.name", ServiceName),
		attribute.String("deployment.environment.name", cfg.Environment),
	)
	base := []sdktrace.TracerProviderOption{
		sdktrace.WithResource(res),
		sdktrace.WithSampler(Sampler(cfg.SampleRatio)),
		// Trace ids whose first 32 bits are the start time, as X-Ray's own
		// ids are: X-Ray keeps traces by that time.
		sdktrace.WithIDGenerator(xray.NewIDGenerator()),
	}
	return sdktrace.NewTracerProvider(append(base, opts...)...)
}

// Sampler samples ratio of the traces by trace id. A span inside the
// process follows its parent; a decision that arrives with a request
// (traceparent or X-Amzn-Trace-Id from the internet) is not trusted, so a
// client cannot make every one of its requests recorded: the trace id it
// sent still decides, by the same ratio.
func Sampler(ratio float64) sdktrace.Sampler {
	byID := sdktrace.TraceIDRatioBased(ratio)
	return sdktrace.ParentBased(byID,
		sdktrace.WithRemoteParentSampled(byID),
		sdktrace.WithRemoteParentNotSampled(byID))
}

// XRayTraceID renders an OpenTelemetry trace id the way X-Ray shows it:
// "1-" + 8 hex digits (the start time) + "-" + 24 hex digits.
func XRayTraceID(id trace.TraceID) string {
	s := id.String()
	return "1-" + s[:8] + "-" + s[8:]
}

// ErrorHandler reports OpenTelemetry's internal errors (an export that
// failed because the collector is not up yet, for example) through report;
// otel.SetErrorHandler installs it.
type ErrorHandler func(err error)

// Handle implements otel.ErrorHandler.
func (f ErrorHandler) Handle(err error) {
	if err != nil && !errors.Is(err, context.Canceled) {
		f(err)
	}
}
