// Package metrics emits business KPIs as CloudWatch Embedded Metric Format
// (EMF) log lines: CloudWatch Logs turns them into metrics without any
// agent, API call or IAM permission in the task.
//
// Counts are aggregated in memory and flushed as one line per interval
// (and at shutdown) rather than one line per event, which keeps log volume
// and cost flat under load. Zero counts are emitted too, so an alarm on
// "MenuViews == 0" sees data points instead of missing data.
package metrics

import (
	"encoding/json"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// Namespace and metric names. The CDK alarms refer to these exact strings.
const (
	Namespace        = "Garcon"
	DimEnvironment   = "Environment"
	MenuViews        = "MenuViews"
	MenuUpdates      = "MenuUpdates"
	UploadsRequested = "UploadsRequested"
	UnitCount        = "Count"
)

// DefaultInterval is the flush period; 60 s matches the standard
// CloudWatch resolution.
const DefaultInterval = 60 * time.Second

// Recorder counts business events and writes them as EMF.
type Recorder struct {
	env string
	out io.Writer
	now func() time.Time

	menuViews        atomic.Int64
	menuUpdates      atomic.Int64
	uploadsRequested atomic.Int64

	mu       sync.Mutex // serialises Flush so counts are never split or lost
	stop     chan struct{}
	done     chan struct{}
	stopOnce sync.Once
}

// New returns a recorder that writes to out (stdout in production; the
// awslogs driver ships each line to CloudWatch Logs). out must be safe for
// concurrent use with the application logger.
func New(environment string, out io.Writer) *Recorder {
	return &Recorder{env: environment, out: out, now: time.Now}
}

// MenuViewed counts one served menu (GET).
func (r *Recorder) MenuViewed() { r.menuViews.Add(1) }

// MenuUpdated counts one successful menu write (PUT).
func (r *Recorder) MenuUpdated() { r.menuUpdates.Add(1) }

// UploadRequested counts one presigned upload URL handed out.
func (r *Recorder) UploadRequested() { r.uploadsRequested.Add(1) }

type metricDef struct {
	Name string `json:"Name"`
	Unit string `json:"Unit"`
}

type directive struct {
	Namespace  string      `json:"Namespace"`
	Dimensions [][]string  `json:"Dimensions"`
	Metrics    []metricDef `json:"Metrics"`
}

type awsMeta struct {
	Timestamp         int64       `json:"Timestamp"`
	CloudWatchMetrics []directive `json:"CloudWatchMetrics"`
}

// Line is the EMF document; metric values and the dimension are top-level
// members as the specification requires.
type Line struct {
	AWS              awsMeta `json:"_aws"`
	Environment      string  `json:"Environment"`
	MenuViews        int64   `json:"MenuViews"`
	MenuUpdates      int64   `json:"MenuUpdates"`
	UploadsRequested int64   `json:"UploadsRequested"`
}

// Flush writes one EMF line with the counts since the previous flush and
// resets them. On a write error the counts are added back, so they are
// reported by the next flush.
func (r *Recorder) Flush() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	l := Line{
		AWS: awsMeta{
			Timestamp: r.now().UnixMilli(),
			CloudWatchMetrics: []directive{{
				Namespace:  Namespace,
				Dimensions: [][]string{{DimEnvironment}},
				Metrics: []metricDef{
					{Name: MenuViews, Unit: UnitCount},
					{Name: MenuUpdates, Unit: UnitCount},
					{Name: UploadsRequested, Unit: UnitCount},
				},
			}},
		},
		Environment:      r.env,
		MenuViews:        r.menuViews.Swap(0),
		MenuUpdates:      r.menuUpdates.Swap(0),
		UploadsRequested: r.uploadsRequested.Swap(0),
	}
	b, err := json.Marshal(l)
	if err == nil {
		// One Write call per line: the shared writer keeps it whole.
		_, err = r.out.Write(append(b, '\n'))
	}
	if err != nil {
		r.menuViews.Add(l.MenuViews)
		r.menuUpdates.Add(l.MenuUpdates)
		r.uploadsRequested.Add(l.UploadsRequested)
	}
	return err
}

// Start flushes every interval until Stop is called.
func (r *Recorder) Start(interval time.Duration) {
	r.stop = make(chan struct{})
	r.done = make(chan struct{})
	go func() {
		defer close(r.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				_ = r.Flush()
			case <-r.stop:
				return
			}
		}
	}()
}

// Stop ends the periodic flushing and writes the final counts, so events
// served while draining at shutdown are not lost.
func (r *Recorder) Stop() error {
	r.stopOnce.Do(func() {
		if r.stop != nil {
			close(r.stop)
			<-r.done
		}
	})
	return r.Flush()
}
