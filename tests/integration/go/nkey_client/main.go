// nkey_client: the client side of nkey authentication, with Debian's nats.go and nkeys.
//
//	nkey_client new-user                      prints "<seed> <public key>" of a fresh user nkey
//	nkey_client sign <seed> <text>            prints the signature of <text>, base64 URL, unpadded
//	nkey_client connect -url URL -seed FILE -subject S -expect ok|fail
//
// connect signs in with the seed file (nats.NkeyOptionFromSeed), then does a request/reply round
// trip on S and 100 messages through a subscription on S.stream; with -expect fail it expects the
// connect to be refused and prints the error. Exits 0 when the outcome is the expected one.
package main

import (
	"encoding/base64"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"
)

const wait = 5 * time.Second

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}

func newUser() {
	kp, err := nkeys.CreateUser()
	if err != nil {
		fail("create: %v", err)
	}
	seed, _ := kp.Seed()
	pub, _ := kp.PublicKey()
	fmt.Printf("%s %s\n", seed, pub)
}

func sign(seed, text string) {
	kp, err := nkeys.FromSeed([]byte(seed))
	if err != nil {
		fail("seed: %v", err)
	}
	sig, err := kp.Sign([]byte(text))
	if err != nil {
		fail("sign: %v", err)
	}
	fmt.Println(base64.RawURLEncoding.EncodeToString(sig))
}

func exercise(nc *nats.Conn, subject string) error {
	sub, err := nc.Subscribe(subject, func(m *nats.Msg) { m.Respond(m.Data) })
	if err != nil {
		return err
	}
	defer sub.Unsubscribe()
	reply, err := nc.Request(subject, []byte("signed in"), wait)
	if err != nil {
		return fmt.Errorf("request: %v", err)
	}
	if string(reply.Data) != "signed in" {
		return fmt.Errorf("request: got %q", reply.Data)
	}
	msgs, err := nc.SubscribeSync(subject + ".stream")
	if err != nil {
		return err
	}
	for i := 0; i < 100; i++ {
		if err := nc.Publish(subject+".stream", []byte(fmt.Sprintf("%d", i))); err != nil {
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

func connect(args []string) {
	fs := flag.NewFlagSet("connect", flag.ExitOnError)
	url := fs.String("url", "", "server URL")
	seed := fs.String("seed", "", "file holding the user's nkey seed")
	subject := fs.String("subject", "nkey.echo", "subject to exercise")
	expect := fs.String("expect", "ok", "ok or fail")
	fs.Parse(args)
	opt, err := nats.NkeyOptionFromSeed(*seed)
	if err != nil {
		fail("seed file: %v", err)
	}
	nc, err := nats.Connect(*url, opt, nats.MaxReconnects(0), nats.Timeout(wait))
	if *expect == "fail" {
		if err == nil {
			nc.Close()
			fail("connected, expected a refusal")
		}
		fmt.Println(err)
		return
	}
	if err != nil {
		fail("connect: %v", err)
	}
	defer nc.Close()
	if err := exercise(nc, *subject); err != nil {
		fail("%v", err)
	}
	fmt.Println("ok")
}

func main() {
	if len(os.Args) < 2 {
		fail("usage: nkey_client new-user | sign <seed> <text> | connect ...")
	}
	switch os.Args[1] {
	case "new-user":
		newUser()
	case "sign":
		if len(os.Args) != 4 {
			fail("usage: nkey_client sign <seed> <text>")
		}
		sign(os.Args[2], os.Args[3])
	case "connect":
		connect(os.Args[2:])
	default:
		fail("unknown command %q", os.Args[1])
	}
}
