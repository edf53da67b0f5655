package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/garcon/infrastructure/app/internal/config"
)

// healthcheckTimeout must stay below the ECS container health check timeout
// (5 s by default).
const healthcheckTimeout = 2 * time.Second

// healthcheck is the ECS container health check (the distroless image has
// no curl or shell). It checks liveness only — /livez, not /health — so that
// a database failover does not make ECS replace every task at once; the ALB
// target group uses /health for routing.
func healthcheck(ctx context.Context, lookup config.LookupFunc, stderr io.Writer) int {
	port, err := config.LoadPort(lookup)
	if err != nil {
		_, _ = fmt.Fprintf(stderr, "healthcheck: %v\n", err)
		return exitFail
	}
	ctx, cancel := context.WithTimeout(ctx, healthcheckTimeout)
	defer cancel()
	url := "http://127.0.0.1:" + strconv.Itoa(port) + "/livez"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		_, _ = fmt.Fprintf(stderr, "healthcheck: %v\n", err)
		return exitFail
	}
	client := &http.Client{Timeout: healthcheckTimeout}
	resp, err := client.Do(req)
	if err != nil {
		_, _ = fmt.Fprintf(stderr, "healthcheck: %v\n", err)
		return exitFail
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = fmt.Fprintf(stderr, "healthcheck: %s answered %d\n", url, resp.StatusCode)
		return exitFail
	}
	return exitOK
}
