// zats-go-reqrep: request/reply as a real NATS application does it, with nats.go: one
// responder connection answering on a subject, R requester connections each sending requests
// one after another (closed loop, one outstanding each) with nc.Request for the whole
// duration. Prints a summary (requests/s, latency percentiles, and with -server-pid the
// server's CPU per request); with -json one line in zats-bench's summary format, so
// perf/compare reads both the same way.
//
//	zats-go-reqrep -url nats://127.0.0.1:4222 [-requesters 1] [-duration 3] [-size 16]
//	               [-old-style] [-server-pid PID] [-json]
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
)

const subject = "bench.go.req"

// cpuSeconds reads utime+stime of a process from /proc (clock ticks of 1/100 s on Linux).
func cpuSeconds(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	utime, err1 := strconv.ParseFloat(fields[11], 64)
	stime, err2 := strconv.ParseFloat(fields[12], 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("bad /proc/%d/stat", pid)
	}
	return (utime + stime) / 100, nil
}

func percentile(sorted []time.Duration, q float64) int64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q/100*float64(len(sorted))+0.5) - 1
	if i < 0 {
		i = 0
	}
	if i >= len(sorted) {
		i = len(sorted) - 1
	}
	return sorted[i].Nanoseconds()
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "zats-go-reqrep: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	url := flag.String("url", nats.DefaultURL, "server URL")
	requesters := flag.Int("requesters", 1, "requester connections, one request outstanding each")
	duration := flag.Float64("duration", 3, "seconds")
	size := flag.Int("size", 16, "payload bytes")
	oldStyle := flag.Bool("old-style", false, "a fresh inbox per request (SUB, UNSUB max 1, PUB), as nats.go before 1.3 did")
	timeout := flag.Duration("timeout", 5*time.Second, "per-request timeout")
	serverPid := flag.Int("server-pid", 0, "report this process's CPU time per request")
	asJSON := flag.Bool("json", false, "print a JSON summary line")
	flag.Parse()
	if *requesters < 1 || *duration <= 0 || *size < 0 {
		fail("-requesters, -duration and -size must be positive")
	}

	responder, err := nats.Connect(*url, nats.Name("zats-go-reqrep-responder"))
	if err != nil {
		fail("responder: %v", err)
	}
	defer responder.Close()
	if _, err := responder.Subscribe(subject, func(m *nats.Msg) { _ = m.Respond(m.Data) }); err != nil {
		fail("responder: %v", err)
	}
	if err := responder.Flush(); err != nil {
		fail("responder: %v", err)
	}
	opts := []nats.Option{}
	if *oldStyle {
		opts = append(opts, nats.UseOldRequestStyle())
	}
	conns := make([]*nats.Conn, *requesters)
	for i := range conns {
		nc, err := nats.Connect(*url, append(opts, nats.Name(fmt.Sprintf("zats-go-reqrep-%d", i)))...)
		if err != nil {
			fail("requester %d: %v", i, err)
		}
		defer nc.Close()
		conns[i] = nc
		if _, err := nc.Request(subject, []byte("warm"), *timeout); err != nil {
			fail("requester %d: warm-up request: %v", i, err)
		}
	}

	payload := make([]byte, *size)
	for i := range payload {
		payload[i] = byte('a' + i%26)
	}
	cpuBefore := 0.0
	if *serverPid > 0 {
		if cpuBefore, err = cpuSeconds(*serverPid); err != nil {
			fail("%v", err)
		}
	}
	latencies := make([][]time.Duration, len(conns))
	errs := make([]error, len(conns))
	start := time.Now()
	deadline := start.Add(time.Duration(*duration * float64(time.Second)))
	var wg sync.WaitGroup
	for i, nc := range conns {
		wg.Add(1)
		go func(i int, nc *nats.Conn) {
			defer wg.Done()
			lat := make([]time.Duration, 0, 1<<16)
			for time.Now().Before(deadline) {
				t0 := time.Now()
				if _, err := nc.Request(subject, payload, *timeout); err != nil {
					errs[i] = err
					return
				}
				lat = append(lat, time.Since(t0))
			}
			latencies[i] = lat
		}(i, nc)
	}
	wg.Wait()
	elapsed := time.Since(start).Seconds()
	for i, err := range errs {
		if err != nil {
			fail("requester %d: %v", i, err)
		}
	}
	cpu := 0.0
	if *serverPid > 0 {
		after, err := cpuSeconds(*serverPid)
		if err != nil {
			fail("%v", err)
		}
		cpu = after - cpuBefore
	}

	var all []time.Duration
	for _, l := range latencies {
		all = append(all, l...)
	}
	sort.Slice(all, func(a, b int) bool { return all[a] < all[b] })
	n := len(all)
	rate := float64(n) / elapsed
	lat := map[string]int64{
		"p50": percentile(all, 50), "p90": percentile(all, 90), "p99": percentile(all, 99),
		"p99.9": percentile(all, 99.9), "max": percentile(all, 100),
	}
	summary := map[string]interface{}{
		"type": "summary", "scenario": "go-reqrep", "requesters": *requesters, "old_style": *oldStyle,
		"requests": n, "seconds": elapsed, "req_msgs_per_s": rate, "latency_ns": lat,
	}
	if *serverPid > 0 && n > 0 {
		summary["server_cpu_s"] = cpu
		summary["server_cpu_us_per_req"] = cpu * 1e6 / float64(n)
		summary["server_cores"] = cpu / elapsed
	}
	if *asJSON {
		out, _ := json.Marshal(summary)
		fmt.Println(string(out))
		return
	}
	fmt.Printf("nats.go request/reply, %d requester(s)%s: %d requests in %.2fs = %.0f req/s; "+
		"latency p50 %dus p90 %dus p99 %dus max %dus\n", *requesters, map[bool]string{true: " (old style)", false: ""}[*oldStyle],
		n, elapsed, rate, lat["p50"]/1000, lat["p90"]/1000, lat["p99"]/1000, lat["max"]/1000)
	if *serverPid > 0 && n > 0 {
		fmt.Printf("server CPU %.2fs = %.2f cores, %.1fus per request\n", cpu, cpu/elapsed, cpu*1e6/float64(n))
	}
}
