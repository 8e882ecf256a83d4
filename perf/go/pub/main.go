// zats-go-pub: publishing as a real NATS application does it, with nats.go: P publisher
// connections, each its own nats.Conn calling Publish in a loop for the duration, then Flush
// (so the count covers what the server has read). Prints the total msgs/s; with -json one line
// in zats-bench's summary format, so perf/compare reads both the same way.
//
//	zats-go-pub -url nats://127.0.0.1:4222 [-pubs 4] [-duration 3] [-size 16] [-subject bench] [-json]
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
)

// checkEvery: a publisher looks at the stop flag once per this many messages, so the loop
// costs what Publish costs.
const checkEvery = 256

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "zats-go-pub: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	url := flag.String("url", nats.DefaultURL, "server URL")
	pubs := flag.Int("pubs", 4, "publisher connections")
	duration := flag.Float64("duration", 3, "seconds")
	size := flag.Int("size", 16, "payload bytes")
	subject := flag.String("subject", "bench", "subject")
	asJSON := flag.Bool("json", false, "print a JSON summary line")
	flag.Parse()
	if *pubs < 1 || *duration <= 0 || *size < 0 {
		fail("-pubs and -duration must be positive, -size not negative")
	}

	conns := make([]*nats.Conn, *pubs)
	for i := range conns {
		nc, err := nats.Connect(*url, nats.Name(fmt.Sprintf("zats-go-pub-%d", i)))
		if err != nil {
			fail("publisher %d: %v", i, err)
		}
		defer nc.Close()
		conns[i] = nc
	}
	payload := make([]byte, *size)
	for i := range payload {
		payload[i] = byte('a' + i%26)
	}

	var stop int32
	counts := make([]uint64, len(conns))
	errs := make([]error, len(conns))
	start := time.Now()
	timer := time.AfterFunc(time.Duration(*duration*float64(time.Second)), func() { atomic.StoreInt32(&stop, 1) })
	defer timer.Stop()
	var wg sync.WaitGroup
	for i, nc := range conns {
		wg.Add(1)
		go func(i int, nc *nats.Conn) {
			defer wg.Done()
			n := uint64(0)
			for atomic.LoadInt32(&stop) == 0 {
				for k := 0; k < checkEvery; k++ {
					if err := nc.Publish(*subject, payload); err != nil {
						errs[i] = err
						return
					}
				}
				n += checkEvery
			}
			if err := nc.Flush(); err != nil {
				errs[i] = err
				return
			}
			counts[i] = n
		}(i, nc)
	}
	wg.Wait()
	elapsed := time.Since(start).Seconds()
	for i, err := range errs {
		if err != nil {
			fail("publisher %d: %v", i, err)
		}
	}
	total := uint64(0)
	for _, n := range counts {
		total += n
	}
	rate := float64(total) / elapsed
	if *asJSON {
		out, _ := json.Marshal(map[string]interface{}{
			"type": "summary", "scenario": "go-pub", "pub_clients": *pubs, "size": *size,
			"pub_msgs": total, "seconds": elapsed, "pub_msgs_per_s": rate,
		})
		fmt.Println(string(out))
		return
	}
	fmt.Printf("nats.go publish, %d publisher(s), %d B: %d msgs in %.2fs = %.0f msgs/s\n",
		*pubs, *size, total, elapsed, rate)
}
