// Command loadgen sends HTTP GET requests at a fixed rate (open loop) and
// reports latency percentiles. Unlike wrk, which measures a saturated server,
// it answers "what is p99 at N requests/s?": latency is measured from the
// moment each request was scheduled, so a stalled server cannot hide its
// stall by slowing the load down (coordinated omission).
//
// Usage:
//
//	loadgen -url 'http://127.0.0.1:18080/v1/restaurants/{n}/menu' -start 1000 -rate 500 -duration 15s
//
// "{n}" in the URL is replaced by a counter starting at -start (one value per
// request), which makes every request hit a different, uncached restaurant.
// It is a benchmark tool used by scripts/bench.sh, not part of the service.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	var (
		target   = flag.String("url", "", "URL to GET; {n} is replaced by a per-request counter")
		start    = flag.Int64("start", 1, "first value of {n}")
		rate     = flag.Int("rate", 500, "requests per second")
		duration = flag.Duration("duration", 15*time.Second, "how long to send requests")
		inflight = flag.Int("max-inflight", 256, "cap on concurrent requests (excess counts as dropped)")
		label    = flag.String("label", "", "name printed with the result")
	)
	flag.Parse()
	if *target == "" || *rate <= 0 || *duration <= 0 {
		flag.Usage()
		os.Exit(2)
	}
	res := run(*target, *start, *rate, *duration, *inflight)
	res.print(*label)
	if res.errors > 0 || res.dropped > 0 {
		os.Exit(1)
	}
}

type result struct {
	sent, ok, errors, dropped int64
	elapsed                   time.Duration
	latencies                 []time.Duration
}

func run(target string, start int64, rate int, duration time.Duration, maxInflight int) *result {
	transport := &http.Transport{MaxIdleConnsPerHost: maxInflight, MaxConnsPerHost: maxInflight}
	client := &http.Client{Transport: transport, Timeout: 10 * time.Second}
	defer transport.CloseIdleConnections()

	res := &result{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, maxInflight)
	var n atomic.Int64
	n.Store(start)

	interval := time.Second / time.Duration(rate)
	total := int(duration / interval)
	ctx, cancel := context.WithTimeout(context.Background(), duration+15*time.Second)
	defer cancel()
	begin := time.Now()
	for i := 0; i < total; i++ {
		scheduled := begin.Add(time.Duration(i) * interval)
		if d := time.Until(scheduled); d > 0 {
			time.Sleep(d)
		}
		select {
		case sem <- struct{}{}:
		default:
			res.dropped++
			continue
		}
		res.sent++
		url := strings.ReplaceAll(target, "{n}", strconv.FormatInt(n.Add(1)-1, 10))
		wg.Go(func() {
			defer func() { <-sem }()
			ok := get(ctx, client, url)
			lat := time.Since(scheduled)
			mu.Lock()
			defer mu.Unlock()
			if ok {
				res.ok++
				res.latencies = append(res.latencies, lat)
			} else {
				res.errors++
			}
		})
	}
	wg.Wait()
	res.elapsed = time.Since(begin)
	return res
}

func get(ctx context.Context, client *http.Client, url string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

func (r *result) percentile(p float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	i := int(float64(len(r.latencies)-1) * p)
	return r.latencies[i]
}

func (r *result) print(label string) {
	slices.Sort(r.latencies)
	ms := func(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000) }
	fmt.Printf("%-22s sent=%d ok=%d errors=%d dropped=%d rate=%.0f/s p50=%s p90=%s p99=%s max=%s\n",
		label, r.sent, r.ok, r.errors, r.dropped, float64(r.ok)/r.elapsed.Seconds(),
		ms(r.percentile(0.50)), ms(r.percentile(0.90)), ms(r.percentile(0.99)), ms(r.percentile(1)))
}
