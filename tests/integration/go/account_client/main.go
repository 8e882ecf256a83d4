// account_client: messages across accounts with nats.go, as two users of a server.
//
//	account_client -url nats://127.0.0.1:4222 -pub a:pa -sub b:pb -publish news.x -expect a.news.x [-n 100]
//
// The -sub user subscribes to -expect; the -pub user publishes -n messages on -publish, each with a
// reply subject. Every message must arrive, in order, on -expect with its payload and reply
// intact. With -expect-none, nothing may arrive within half a second instead. Prints "ok" and
// exits 0 when that holds, else prints what went wrong and exits 1.
//
// With -request, the -sub user answers on -expect ("re:" + the request) and the -pub user sends
// -n requests on -publish (nats.go Request); every answer must come back.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
)

const wait = 5 * time.Second

func connect(url, userPass string) (*nats.Conn, error) {
	user, pass, _ := strings.Cut(userPass, ":")
	return nats.Connect(url, nats.UserInfo(user, pass), nats.MaxReconnects(0), nats.Timeout(wait))
}

func run() error {
	url := flag.String("url", "", "server URL")
	pubUser := flag.String("pub", "", "publisher user:password")
	subUser := flag.String("sub", "", "subscriber user:password")
	publish := flag.String("publish", "", "subject to publish on")
	expect := flag.String("expect", "", "subject the subscriber listens on")
	n := flag.Int("n", 100, "messages")
	none := flag.Bool("expect-none", false, "expect no message at all")
	request := flag.Bool("request", false, "request/reply through -expect instead")
	flag.Parse()
	sub, err := connect(*url, *subUser)
	if err != nil {
		return fmt.Errorf("subscriber: %v", err)
	}
	defer sub.Close()
	pub, err := connect(*url, *pubUser)
	if err != nil {
		return fmt.Errorf("publisher: %v", err)
	}
	defer pub.Close()
	if *request {
		return requests(pub, sub, *publish, *expect, *n)
	}
	msgs, err := sub.SubscribeSync(*expect)
	if err != nil {
		return err
	}
	if err := sub.Flush(); err != nil {
		return err
	}
	for i := 0; i < *n; i++ {
		if err := pub.PublishRequest(*publish, fmt.Sprintf("reply.%d", i), []byte(fmt.Sprintf("m%d", i))); err != nil {
			return err
		}
	}
	if err := pub.Flush(); err != nil {
		return err
	}
	if *none {
		if m, err := msgs.NextMsg(500 * time.Millisecond); err == nil {
			return fmt.Errorf("unexpected message on %q: %q", m.Subject, m.Data)
		}
		return nil
	}
	for i := 0; i < *n; i++ {
		m, err := msgs.NextMsg(wait)
		if err != nil {
			return fmt.Errorf("message %d: %v", i, err)
		}
		want := fmt.Sprintf("m%d", i)
		if m.Subject != *expect || string(m.Data) != want || m.Reply != fmt.Sprintf("reply.%d", i) {
			return fmt.Errorf("message %d: got %q %q reply %q, want %q %q reply %q", i, m.Subject, m.Data, m.Reply,
				*expect, want, fmt.Sprintf("reply.%d", i))
		}
	}
	return nil
}

func requests(pub, sub *nats.Conn, publish, expect string, n int) error {
	responder, err := sub.Subscribe(expect, func(m *nats.Msg) { m.Respond(append([]byte("re:"), m.Data...)) })
	if err != nil {
		return err
	}
	defer responder.Unsubscribe()
	if err := sub.Flush(); err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		want := fmt.Sprintf("q%d", i)
		reply, err := pub.Request(publish, []byte(want), wait)
		if err != nil {
			return fmt.Errorf("request %d: %v", i, err)
		}
		if string(reply.Data) != "re:"+want {
			return fmt.Errorf("request %d: got %q", i, reply.Data)
		}
	}
	return nil
}

func main() {
	if err := run(); err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	fmt.Println("ok")
}
