package config

import (
	"math"
	"net/url"
	"strconv"
)

// Tracing variables: the standard OpenTelemetry names, read by the service
// itself (and validated) rather than left to the SDK.
const (
	// EnvOTLPEndpoint is the OTLP/HTTP base URL of the collector sidecar;
	// tracing is off while it is unset.
	EnvOTLPEndpoint = "OTEL_EXPORTER_OTLP_ENDPOINT"
	// EnvTraceSampleRatio is the share of traces recorded (the argument of
	// the parent-based trace-id-ratio sampler).
	EnvTraceSampleRatio = "OTEL_TRACES_SAMPLER_ARG"
	// DefaultTraceSampleRatio records every trace, OpenTelemetry's default.
	DefaultTraceSampleRatio = 1.0
)

// Tracing is the OpenTelemetry part of the configuration.
type Tracing struct {
	// Endpoint is OTEL_EXPORTER_OTLP_ENDPOINT, e.g. http://localhost:4318;
	// empty means tracing is off (local development and tests).
	Endpoint string
	// SampleRatio is OTEL_TRACES_SAMPLER_ARG, 0 to 1.
	SampleRatio float64
}

func (p *parser) tracing() Tracing {
	t := Tracing{SampleRatio: DefaultTraceSampleRatio}
	if v, ok := p.get(EnvOTLPEndpoint); ok {
		u, err := url.Parse(v)
		switch {
		case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Port() == "":
			p.fail(EnvOTLPEndpoint, "%q is invalid; an http:// or https:// URL with host and port, e.g. http://localhost:4318 (unset: tracing off)", v)
		case (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil:
			p.fail(EnvOTLPEndpoint, "%q is invalid; the collector's base URL without path, query or credentials (/v1/traces is added)", v)
		default:
			t.Endpoint = u.Scheme + "://" + u.Host
		}
	}
	if v, ok := p.get(EnvTraceSampleRatio); ok {
		r, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(r) || r < 0 || r > 1 {
			p.fail(EnvTraceSampleRatio, "%q is invalid; a number from 0 to 1, the share of traces recorded (default %g)", v, DefaultTraceSampleRatio)
		} else {
			t.SampleRatio = r
		}
	}
	return t
}

// Enabled reports whether spans are exported (an endpoint is configured).
func (t Tracing) Enabled() bool { return t.Endpoint != "" }
