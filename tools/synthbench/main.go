// Command synthbench measures a full offline `cdk synth`: it runs the command several
// times and prints the median wall time and the peak resident memory of the whole process
// tree (CDK CLI + Go app + jsii's Node runtime), sampled from /proc.
//
// Usage: go run ./tools/synthbench [-runs 5] [-- command args...]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

func main() {
	runs := flag.Int("runs", 5, "number of measured runs (after one warm-up run)")
	interval := flag.Duration("interval", 20*time.Millisecond, "memory sampling interval")
	flag.Parse()
	argv := flag.Args()
	if len(argv) == 0 {
		argv = []string{"cdk", "synth", "--quiet", "--strict"}
	}
	if *runs < 1 {
		fmt.Fprintln(os.Stderr, "synthbench: -runs must be at least 1")
		os.Exit(2)
	}

	// One unmeasured run warms the Go build cache and the OS page cache.
	if _, _, err := measure(argv, *interval); err != nil {
		fmt.Fprintln(os.Stderr, "synthbench: warm-up:", err)
		os.Exit(1)
	}
	var walls []time.Duration
	var peaks []int64
	for i := 0; i < *runs; i++ {
		wall, peak, err := measure(argv, *interval)
		if err != nil {
			fmt.Fprintf(os.Stderr, "synthbench: run %d: %v\n", i+1, err)
			os.Exit(1)
		}
		fmt.Printf("run %d: %.2fs, peak RSS %d MiB\n", i+1, wall.Seconds(), peak>>20)
		walls = append(walls, wall)
		peaks = append(peaks, peak)
	}
	slices.Sort(walls)
	fmt.Printf("%q over %d runs: median %.2fs (min %.2fs, max %.2fs), peak RSS of the process tree %d MiB\n",
		strings.Join(argv, " "), *runs, walls[len(walls)/2].Seconds(), walls[0].Seconds(), walls[len(walls)-1].Seconds(), slices.Max(peaks)>>20)
}

// measure runs argv once and returns its wall time and the largest total RSS of the
// process and all of its descendants seen while it ran.
func measure(argv []string, interval time.Duration) (time.Duration, int64, error) {
	cmd := exec.CommandContext(context.Background(), argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, 0, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var peak int64
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case err := <-done:
			return time.Since(start), peak, err
		case <-ticker.C:
			peak = max(peak, treeRSS(cmd.Process.Pid))
		}
	}
}

// treeRSS sums the resident memory of pid and its descendants.
func treeRSS(root int) int64 {
	children := map[int][]int{}
	rss := map[int]int64{}
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, path := range stats {
		raw, err := os.ReadFile(path)
		if err != nil {
			continue // the process exited meanwhile
		}
		// Fields after the command name (which may hold spaces) start after the last ')'.
		s := string(raw)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
		if len(fields) < 22 {
			continue
		}
		pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(path)))
		ppid, _ := strconv.Atoi(fields[1])
		pages, _ := strconv.ParseInt(fields[21], 10, 64)
		children[ppid] = append(children[ppid], pid)
		rss[pid] = pages * int64(os.Getpagesize())
	}
	var total int64
	queue := []int{root}
	for len(queue) > 0 {
		pid := queue[0]
		queue = queue[1:]
		total += rss[pid]
		queue = append(queue, children[pid]...)
	}
	return total
}
