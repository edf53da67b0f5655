package metrics

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// emf is decoded generically, so the test checks the wire format rather
// than the package's own struct tags.
type emf map[string]any

func parseLines(t *testing.T, out string) []emf {
	t.Helper()
	var lines []emf
	for _, l := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		var m emf
		require.NoError(t, json.Unmarshal([]byte(l), &m), "line %q", l)
		lines = append(lines, m)
	}
	return lines
}

func TestFlushWritesEMF(t *testing.T) {
	var buf bytes.Buffer
	r := New("production", &buf)
	r.now = func() time.Time { return time.UnixMilli(1764072000123) }
	for i := 0; i < 3; i++ {
		r.MenuViewed()
	}
	r.MenuUpdated()
	require.NoError(t, r.Flush())

	out := buf.String()
	assert.Equal(t, 1, strings.Count(out, "\n"), "exactly one line per flush")
	m := parseLines(t, out)[0]

	aws, ok := m["_aws"].(map[string]any)
	require.True(t, ok, "_aws member missing: %s", out)
	assert.Equal(t, float64(1764072000123), aws["Timestamp"])
	cwm := aws["CloudWatchMetrics"].([]any)
	require.Len(t, cwm, 1)
	d := cwm[0].(map[string]any)
	assert.Equal(t, "Garcon", d["Namespace"])
	assert.Equal(t, []any{[]any{"Environment"}}, d["Dimensions"])
	assert.ElementsMatch(t, []any{
		map[string]any{"Name": "MenuViews", "Unit": "Count"},
		map[string]any{"Name": "MenuUpdates", "Unit": "Count"},
		map[string]any{"Name": "UploadsRequested", "Unit": "Count"},
	}, d["Metrics"])

	// Dimension and metric values are top-level members.
	assert.Equal(t, "production", m["Environment"])
	assert.Equal(t, float64(3), m["MenuViews"])
	assert.Equal(t, float64(1), m["MenuUpdates"])
	assert.Equal(t, float64(0), m["UploadsRequested"])
}

func TestFlushResetsAndEmitsZeros(t *testing.T) {
	var buf bytes.Buffer
	r := New("staging", &buf)
	r.UploadRequested()
	require.NoError(t, r.Flush())
	require.NoError(t, r.Flush())
	lines := parseLines(t, buf.String())
	require.Len(t, lines, 2)
	assert.Equal(t, float64(1), lines[0]["UploadsRequested"])
	assert.Equal(t, float64(0), lines[1]["UploadsRequested"], "counts reset after a flush")
	assert.Equal(t, float64(0), lines[1]["MenuViews"], "zero values are still emitted")
}

type failingWriter struct{ fail bool }

func (f *failingWriter) Write(p []byte) (int, error) {
	if f.fail {
		return 0, errors.New("broken pipe")
	}
	return len(p), nil
}

func TestFailedFlushKeepsCounts(t *testing.T) {
	w := &failingWriter{fail: true}
	r := New("staging", w)
	r.MenuViewed()
	r.MenuViewed()
	require.Error(t, r.Flush())
	assert.Equal(t, int64(2), r.menuViews.Load(), "counts survive a failed write")
}

func TestConcurrentCountingAndStop(t *testing.T) {
	var mu sync.Mutex
	var buf bytes.Buffer
	r := New("staging", writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return buf.Write(p)
	}))
	r.Start(5 * time.Millisecond)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Go(func() {
			for i := 0; i < 1000; i++ {
				r.MenuViewed()
			}
		})
	}
	wg.Wait()
	require.NoError(t, r.Stop())
	mu.Lock()
	defer mu.Unlock()
	var total float64
	for _, l := range parseLines(t, buf.String()) {
		total += l["MenuViews"].(float64)
	}
	assert.Equal(t, float64(8000), total, "no count lost or doubled across periodic flushes and Stop")
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
