// tls_client: connects to a NATS server over TLS with nats.go and checks that it works: a
// request/reply round trip and 100 messages through a subscription, then a clean close.
//
//	tls_client -url nats://127.0.0.1:4222 -ca ca.pem [-cert c.pem -key k.pem] -expect ok|fail
//
// Exits 0 when the outcome is the expected one (a failed connect for -expect fail), else 1.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/nats-io/nats.go"
)

const wait = 5 * time.Second

func exercise(nc *nats.Conn) error {
	sub, err := nc.Subscribe("svc.echo", func(m *nats.Msg) { m.Respond(m.Data) })
	if err != nil {
		return err
	}
	defer sub.Unsubscribe()
	reply, err := nc.Request("svc.echo", []byte("hello over tls"), wait)
	if err != nil {
		return fmt.Errorf("request: %v", err)
	}
	if string(reply.Data) != "hello over tls" {
		return fmt.Errorf("request: got %q", reply.Data)
	}
	msgs, err := nc.SubscribeSync("tls.stream")
	if err != nil {
		return err
	}
	for i := 0; i < 100; i++ {
		if err := nc.Publish("tls.stream", []byte(fmt.Sprintf("%d", i))); err != nil {
			return err
		}
	}
	for i := 0; i < 100; i++ {
		m, err := msgs.NextMsg(wait)
		if err != nil {
			return fmt.Errorf("message %d: %v", i, err)
		}
		if string(m.Data) != fmt.Sprintf("%d", i) {
			return fmt.Errorf("message %d: got %q", i, m.Data)
		}
	}
	return nc.Flush()
}

func main() {
	url := flag.String("url", "", "server URL")
	ca := flag.String("ca", "", "CA file the server's certificate chains to")
	cert := flag.String("cert", "", "client certificate file")
	key := flag.String("key", "", "client key file")
	expect := flag.String("expect", "ok", "ok or fail")
	flag.Parse()

	opts := []nats.Option{nats.RootCAs(*ca), nats.Timeout(wait), nats.NoReconnect()}
	if *cert != "" {
		opts = append(opts, nats.ClientCert(*cert, *key))
	}
	nc, err := nats.Connect(*url, opts...)
	if err == nil {
		err = exercise(nc)
		nc.Close()
	}
	switch {
	case *expect == "ok" && err == nil:
		fmt.Println("ok")
	case *expect == "fail" && err != nil:
		fmt.Printf("failed as expected: %v\n", err)
	default:
		fmt.Printf("unexpected outcome (want %s): %v\n", *expect, err)
		os.Exit(1)
	}
}
