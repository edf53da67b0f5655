package cache

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultLogInterval is the least time between two go-redis log lines with
// the same format: during an outage the pool reports every failed dial
// (about 25 lines in 5 s), which says nothing the first line did not.
const DefaultLogInterval = 5 * time.Second

// Logger adapts go-redis's internal logging (plain text lines on stderr by
// default) to the service's JSON slog output, rate-limited per message
// format. Lines that were suppressed are counted in the next one that is
// written ("suppressed").
type Logger struct {
	logger   *slog.Logger
	interval time.Duration
	now      func() time.Time

	mu    sync.Mutex
	state map[string]*logState
}

type logState struct {
	last       time.Time
	suppressed int
}

// NewLogger returns a Logger writing to logger at level WARN, at most one
// line per format per interval.
func NewLogger(logger *slog.Logger, interval time.Duration) *Logger {
	return &Logger{logger: logger, interval: interval, now: time.Now, state: map[string]*logState{}}
}

// Install makes l the process-wide go-redis logger (redis.SetLogger).
func (l *Logger) Install() { redis.SetLogger(l) }

// Printf implements go-redis's internal.Logging.
func (l *Logger) Printf(ctx context.Context, format string, v ...any) {
	now := l.now()
	l.mu.Lock()
	st, ok := l.state[format]
	if !ok {
		// The number of distinct formats is bounded by go-redis's source.
		st = &logState{}
		l.state[format] = st
	}
	if ok && now.Sub(st.last) < l.interval {
		st.suppressed++
		l.mu.Unlock()
		return
	}
	suppressed := st.suppressed
	st.last, st.suppressed = now, 0
	l.mu.Unlock()
	attrs := []slog.Attr{slog.String("component", "go-redis"), slog.String("detail", fmt.Sprintf(format, v...))}
	if suppressed > 0 {
		attrs = append(attrs, slog.Int("suppressed", suppressed))
	}
	l.logger.LogAttrs(ctx, slog.LevelWarn, "redis client", attrs...)
}
