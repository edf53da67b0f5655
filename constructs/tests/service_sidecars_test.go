package tests

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/garcon/infrastructure/constructs/service"
	"github.com/garcon/infrastructure/internal/cdktest"
)

// The collector and ECS Exec props are checked with the rest: a sidecar that would not fit
// the task, a ratio outside 0–1, an Exec without its key or with a malformed role name.
func TestServiceSidecarMisuseIsReported(t *testing.T) {
	stack := cdktest.Stack(t, "eu-west-3")
	err := cdktest.InvalidProps(t, func() {
		service.New(stack, "Api", &service.Props{
			CPU: 256, MemoryMiB: 512, MinTasks: 1, MaxTasks: 1,
			Environment: map[string]string{"OTEL_TRACES_SAMPLER_ARG": "1"},
			Tracing:     &service.TracingProps{SampleRatio: 2, CollectorCPU: 128, CollectorMemoryMiB: 256},
			EcsExec:     &service.EcsExecProps{RoleName: "Staging/EcsExec"},
		})
	})
	assert.Subset(t, err.Problems, []string{
		"Environment: OTEL_TRACES_SAMPLER_ARG is set by Tracing; allowed: leave it to the Tracing prop",
		"Tracing.SampleRatio: is 2; allowed: 0.0001 to 1",
		"Tracing.CollectorCPU: is 128; allowed: 16 to a quarter of CPU (256)",
		"Tracing.CollectorMemoryMiB: is 256; allowed: 64 to a quarter of MemoryMiB (512), the API keeps the rest",
		"EcsExec.Key: is required; allowed: the environment's KMS key (sessions and their logs are encrypted with it)",
		`EcsExec.RoleName: "Staging/EcsExec" is not an IAM role name; allowed: 1-64 of A-Z a-z 0-9 +=,.@_-`,
	})
	assert.Empty(t, *stack.Node().Children())
}
