// tls_storm: a reconnect storm of TLS clients against a server while established TLS clients
// keep publishing (nats-server #2573). Each established pair publishes sequence-numbered
// messages at a steady rate on its own subject and its subscriber checks every one arrives, in
// order. Meanwhile -conns new TLS connections are made, -parallel at a time (connect, flush,
// close). Prints one JSON object:
//
//	{"connects_ok":2000,"connects_failed":0,"storm_ms":...,"published":...,"delivered":...,
//	 "out_of_order":0,"max_gap_ms":...,"during_storm":...,"expected_during_storm":...}
//
// max_gap_ms is the longest time any subscriber waited between two of its messages while the
// storm ran; during_storm counts the messages delivered while it ran. Exits 1 on setup errors.
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

type pair struct {
	pub, sub   *nats.Conn
	published  int64
	delivered  int64
	outOfOrder int64
	lastSeen   int64 // unix ns of the last message, atomically
	maxGapNs   int64 // while the storm runs, atomically
}

var storming atomic.Bool
var deliveredDuringStorm atomic.Int64

func connect(url, ca string) (*nats.Conn, error) {
	return nats.Connect(url, nats.RootCAs(ca), nats.Timeout(20*time.Second), nats.NoReconnect())
}

func (p *pair) onMessage(m *nats.Msg) {
	var seq int64
	fmt.Sscanf(string(m.Data), "%d", &seq)
	if seq != atomic.LoadInt64(&p.delivered) {
		atomic.AddInt64(&p.outOfOrder, 1)
	}
	atomic.AddInt64(&p.delivered, 1)
	now := time.Now().UnixNano()
	last := atomic.SwapInt64(&p.lastSeen, now)
	if storming.Load() {
		deliveredDuringStorm.Add(1)
		if gap := now - last; gap > atomic.LoadInt64(&p.maxGapNs) {
			atomic.StoreInt64(&p.maxGapNs, gap)
		}
	}
}

// publish sends one message every interval until stop is closed.
func (p *pair) publish(subject string, interval time.Duration, stop <-chan struct{}, done *sync.WaitGroup) {
	defer done.Done()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			p.pub.Publish(subject, []byte(fmt.Sprintf("%d", p.published)))
			p.published++
		}
	}
}

func storm(url, ca string, conns, parallel int) (ok, failed int64) {
	var wg sync.WaitGroup
	next := make(chan struct{}, conns)
	for i := 0; i < conns; i++ {
		next <- struct{}{}
	}
	close(next)
	for w := 0; w < parallel; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range next {
				nc, err := connect(url, ca)
				if err == nil {
					err = nc.Flush()
					nc.Close()
				}
				if err != nil {
					atomic.AddInt64(&failed, 1)
				} else {
					atomic.AddInt64(&ok, 1)
				}
			}
		}()
	}
	wg.Wait()
	return ok, failed
}

func main() {
	url := flag.String("url", "", "server URL")
	ca := flag.String("ca", "", "CA file")
	conns := flag.Int("conns", 2000, "TLS connections in the storm")
	parallel := flag.Int("parallel", 100, "connections made at a time")
	pairs := flag.Int("established", 4, "established publisher/subscriber pairs")
	interval := flag.Duration("interval", 2*time.Millisecond, "publish interval of each established publisher")
	flag.Parse()

	var ps []*pair
	for i := 0; i < *pairs; i++ {
		p := &pair{}
		var err error
		if p.pub, err = connect(*url, *ca); err != nil {
			fmt.Fprintln(os.Stderr, "established publisher:", err)
			os.Exit(1)
		}
		if p.sub, err = connect(*url, *ca); err != nil {
			fmt.Fprintln(os.Stderr, "established subscriber:", err)
			os.Exit(1)
		}
		subject := fmt.Sprintf("steady.%d", i)
		if _, err := p.sub.Subscribe(subject, p.onMessage); err != nil {
			fmt.Fprintln(os.Stderr, "subscribe:", err)
			os.Exit(1)
		}
		p.sub.Flush()
		ps = append(ps, p)
	}
	stop := make(chan struct{})
	var publishers sync.WaitGroup
	for i, p := range ps {
		publishers.Add(1)
		atomic.StoreInt64(&p.lastSeen, time.Now().UnixNano())
		go p.publish(fmt.Sprintf("steady.%d", i), *interval, stop, &publishers)
	}
	time.Sleep(500 * time.Millisecond)

	storming.Store(true)
	for _, p := range ps {
		atomic.StoreInt64(&p.lastSeen, time.Now().UnixNano())
	}
	started := time.Now()
	ok, failed := storm(*url, *ca, *conns, *parallel)
	stormTime := time.Since(started)
	storming.Store(false)

	time.Sleep(500 * time.Millisecond)
	close(stop)
	publishers.Wait()
	var published, delivered, outOfOrder, maxGap int64
	for _, p := range ps {
		p.pub.Flush()
		deadline := time.Now().Add(10 * time.Second)
		for atomic.LoadInt64(&p.delivered) < p.published && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		p.sub.Close()
		p.pub.Close()
		published += p.published
		delivered += atomic.LoadInt64(&p.delivered)
		outOfOrder += atomic.LoadInt64(&p.outOfOrder)
		if g := atomic.LoadInt64(&p.maxGapNs); g > maxGap {
			maxGap = g
		}
	}
	expected := int64(float64(stormTime) / float64(*interval)) * int64(*pairs)
	json.NewEncoder(os.Stdout).Encode(map[string]int64{
		"connects_ok":           ok,
		"connects_failed":       failed,
		"storm_ms":              stormTime.Milliseconds(),
		"published":             published,
		"delivered":             delivered,
		"out_of_order":          outOfOrder,
		"max_gap_ms":            maxGap / int64(time.Millisecond),
		"during_storm":          deliveredDuringStorm.Load(),
		"expected_during_storm": expected,
	})
}
