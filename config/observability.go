package config

import "math"

// Defaults of Tracing applied by WithDefaults when a field is zero.
const (
	// DefaultCollectorCPU is the collector sidecar's CPU units.
	DefaultCollectorCPU = 64
	// DefaultCollectorMemoryMiB is the collector sidecar's hard memory limit.
	DefaultCollectorMemoryMiB = 128
	// DefaultTraceSampleRatio traces every request.
	DefaultTraceSampleRatio = 1.0
)

// Tracing configures the API's OpenTelemetry traces and the AWS Distro for
// OpenTelemetry collector sidecar that sends them to X-Ray (README, "Tracing").
type Tracing struct {
	// Enabled runs the collector sidecar in every API task and points the API's exporter
	// at it. Default: false (no sidecar; the API exports nothing).
	Enabled bool
	// SampleRatio is the share of requests traced, 0.0001–1; the health checks are never
	// traced. Default: 1.
	SampleRatio float64
	// CollectorCPU is the sidecar's CPU units, out of Service.CPU (16 to a quarter of it).
	// Default: 64.
	CollectorCPU int
	// CollectorMemoryMiB is the sidecar's hard memory limit, out of Service.MemoryMiB (64 to
	// a quarter of it); the API container gets the rest. Default: 128.
	CollectorMemoryMiB int
}

// WithDefaults returns t with its zero fields set to their defaults.
func (t Tracing) WithDefaults() Tracing {
	if t.SampleRatio == 0 {
		t.SampleRatio = DefaultTraceSampleRatio
	}
	if t.CollectorCPU == 0 {
		t.CollectorCPU = DefaultCollectorCPU
	}
	if t.CollectorMemoryMiB == 0 {
		t.CollectorMemoryMiB = DefaultCollectorMemoryMiB
	}
	return t
}

// EcsExec configures ECS Exec: debugging sessions in the running API containers, opened
// only through the environment's `<StageName>-EcsExec` role (README, "ECS Exec").
type EcsExec struct {
	// Enabled turns ECS Exec on for the API service: sessions encrypted with the
	// environment's KMS key and logged, encrypted, to a log group kept a year, and the
	// `<StageName>-EcsExec` role that may start them. Default: false (nothing of it exists).
	Enabled bool
}

func (e Environment) validateObservability(p *problems) {
	t := e.Service.Tracing.WithDefaults()
	if !t.Enabled {
		return
	}
	if math.IsNaN(t.SampleRatio) || t.SampleRatio < 0.0001 || t.SampleRatio > 1 {
		p.addf("Service.Tracing.SampleRatio", "%s is out of range; allowed: 0.0001 to 1 (the share of requests traced)", plain(t.SampleRatio))
	}
	if maxCPU := e.Service.CPU / 4; t.CollectorCPU < 16 || t.CollectorCPU > max(maxCPU, 16) {
		p.addf("Service.Tracing.CollectorCPU", "%d is out of range; allowed: 16 to %d CPU units (a quarter of Service.CPU %d)", t.CollectorCPU, max(maxCPU, 16), e.Service.CPU)
	}
	if maxMiB := e.Service.MemoryMiB / 4; t.CollectorMemoryMiB < 64 || t.CollectorMemoryMiB > max(maxMiB, 64) {
		p.addf("Service.Tracing.CollectorMemoryMiB", "%d is out of range; allowed: 64 to %d MiB (a quarter of Service.MemoryMiB %d)", t.CollectorMemoryMiB, max(maxMiB, 64), e.Service.MemoryMiB)
	}
}
