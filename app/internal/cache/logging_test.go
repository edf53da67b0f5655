package cache

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoggerIsJSONAndRateLimitedPerFormat(t *testing.T) {
	var buf bytes.Buffer
	l := NewLogger(slog.New(slog.NewJSONHandler(&buf, nil)), 5*time.Second)
	now := time.Unix(1000, 0)
	l.now = func() time.Time { return now }
	ctx := context.Background()
	const dial = "redis: connection pool: failed to dial after %d attempts: %v"

	for i := 0; i < 25; i++ { // an outage: one failed dial every 200 ms
		l.Printf(ctx, dial, 1, "connection refused")
		l.Printf(ctx, "redis: discarding bad PubSub connection: %v", "EOF")
		now = now.Add(200 * time.Millisecond)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	require.Len(t, lines, 2, "one line per format in 5 s: %s", buf.String())
	var first map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &first))
	assert.Equal(t, "WARN", first["level"])
	assert.Equal(t, "go-redis", first["component"])
	assert.Equal(t, "redis: connection pool: failed to dial after 1 attempts: connection refused", first["detail"])

	l.Printf(ctx, dial, 2, "connection refused") // 5 s later
	lines = strings.Split(strings.TrimSpace(buf.String()), "\n")
	require.Len(t, lines, 3)
	var third map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[2]), &third))
	assert.Equal(t, float64(24), third["suppressed"], "the suppressed lines are counted")
}
