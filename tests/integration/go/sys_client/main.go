// sys_client: asks a server for its monitoring data over NATS, as the nats CLI does, and decodes
// each answer into nats-server's own types (github.com/nats-io/nats-server/server, Debian's
// golang-github-nats-io-nats-server-dev): a field the type does not have, or a value of the wrong
// kind, fails the request.
//
//	sys_client -url nats://127.0.0.1:4222 -user sys:pass -account A
//
// The user must be one of the system account's; -account names an account with a client
// connected. Prints "ok <subject>" per request, or "FAIL <subject>: <why>", and exits 1 when one
// failed.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/nats-io/nats-server/server"
	"github.com/nats-io/nats.go"
)

const wait = 5 * time.Second

// One request and what its answer must decode into; check looks at the decoded answer.
type request struct {
	subject string
	payload string
	answer  func() (interface{}, func() error)
	strict  bool // no field the type lacks (the /varz answer has zats's own section)
}

// An answer of the endpoint form, {"server": ..., "data": ...}, with data of type T.
func endpoint[T any](check func(*T) error) func() (interface{}, func() error) {
	return func() (interface{}, func() error) {
		data := new(T)
		resp := &server.ServerAPIResponse{Data: data}
		return resp, func() error {
			if resp.Error != nil {
				return fmt.Errorf("error answer: %+v", *resp.Error)
			}
			if resp.Server == nil || resp.Server.ID == "" {
				return errors.New("no server in the answer")
			}
			return check(data)
		}
	}
}

func requests(account string) []request {
	return []request{
		{"$SYS.REQ.SERVER.PING", "", func() (interface{}, func() error) {
			m := &server.ServerStatsMsg{}
			return m, func() error {
				if m.Server.ID == "" || m.Stats.Connections < 1 || m.Stats.Start.IsZero() {
					return fmt.Errorf("statsz incomplete: %+v", *m)
				}
				return nil
			}
		}, true},
		{"$SYS.REQ.SERVER.PING.VARZ", "", endpoint(func(v *server.Varz) error {
			if v.ID == "" || v.Connections < 1 || v.Start.IsZero() {
				return fmt.Errorf("varz incomplete: id %q, %d connections", v.ID, v.Connections)
			}
			return nil
		}), false},
		{"$SYS.REQ.SERVER.PING.CONNZ", `{"subscriptions_detail": true, "auth": true, "sort": "msgs_to"}`,
			endpoint(func(c *server.Connz) error {
				if c.NumConns < 2 || len(c.Conns) != c.NumConns || c.Conns[0].RTT == "" {
					return fmt.Errorf("connz incomplete: %d connections", c.NumConns)
				}
				return nil
			}), true},
		{"$SYS.REQ.SERVER.PING.CONNZ", `{"state": 2, "limit": 1}`, endpoint(func(c *server.Connz) error {
			if c.Limit != 1 || len(c.Conns) != 1 {
				return fmt.Errorf("connz limit 1: %d shown", len(c.Conns))
			}
			return nil
		}), true},
		{"$SYS.REQ.SERVER.PING.SUBSZ", `{"subscriptions": true}`, endpoint(func(s *server.Subsz) error {
			if s.Total < 1 || len(s.Subs) != s.Total {
				return fmt.Errorf("subsz: %d of %d listed", len(s.Subs), s.Total)
			}
			return nil
		}), true},
		{"$SYS.REQ.SERVER.PING.ROUTEZ", "", endpoint(func(r *server.Routez) error { return nil }), true},
		{"$SYS.REQ.SERVER.PING.GATEWAYZ", "", endpoint(func(g *server.Gatewayz) error { return nil }), true},
		{"$SYS.REQ.SERVER.PING.LEAFZ", "", endpoint(func(l *server.Leafz) error { return nil }), true},
		{"$SYS.REQ.SERVER.PING.ACCOUNTZ", "", endpoint(func(a *server.Accountz) error {
			if len(a.Accounts) < 2 {
				return fmt.Errorf("accountz: %v", a.Accounts)
			}
			return nil
		}), true},
		{"$SYS.REQ.SERVER.PING.JSZ", "", endpoint(func(j *server.JSInfo) error { return nil }), true},
		{"$SYS.REQ.SERVER.PING.HEALTHZ", "", endpoint(func(h *server.HealthStatus) error {
			if h.Status != "ok" {
				return fmt.Errorf("healthz: %+v", *h)
			}
			return nil
		}), true},
		{"$SYS.REQ.ACCOUNT." + account + ".INFO", "", endpoint(func(a *server.AccountInfo) error {
			if a.AccountName != account || a.ClientCnt < 1 {
				return fmt.Errorf("account info: %+v", *a)
			}
			return nil
		}), true},
		{"$SYS.REQ.ACCOUNT." + account + ".STATZ", "", endpoint(func(a *server.AccountStatz) error {
			if len(a.Accounts) != 1 || a.Accounts[0].Account != account || a.Accounts[0].Conns < 1 {
				return fmt.Errorf("account statz: %+v", a.Accounts)
			}
			return nil
		}), true},
		{"$SYS.REQ.ACCOUNT." + account + ".CONNS", "", func() (interface{}, func() error) {
			m := &server.AccountNumConns{}
			return m, func() error {
				if m.Account != account || m.Conns < 1 || m.Server.ID == "" {
					return fmt.Errorf("account connections: %+v", *m)
				}
				return nil
			}
		}, true},
	}
}

func decode(data []byte, into interface{}, strict bool) error {
	d := json.NewDecoder(bytes.NewReader(data))
	if strict {
		d.DisallowUnknownFields()
	}
	return d.Decode(into)
}

func run() error {
	url := flag.String("url", "", "server URL")
	userPass := flag.String("user", "", "a system account user, user:password")
	account := flag.String("account", "", "an account with a client connected")
	flag.Parse()
	user, pass, _ := strings.Cut(*userPass, ":")
	nc, err := nats.Connect(*url, nats.UserInfo(user, pass), nats.MaxReconnects(0), nats.Timeout(wait))
	if err != nil {
		return err
	}
	defer nc.Close()
	failed := 0
	for _, r := range requests(*account) {
		into, check := r.answer()
		msg, err := nc.Request(r.subject, []byte(r.payload), wait)
		if err == nil {
			err = decode(msg.Data, into, r.strict)
		}
		if err == nil {
			err = check()
		}
		if err != nil {
			failed++
			fmt.Printf("FAIL %s %s: %v\n", r.subject, r.payload, err)
			continue
		}
		fmt.Printf("ok %s %s\n", r.subject, r.payload)
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d requests failed", failed, len(requests(*account)))
	}
	return nil
}

func main() {
	if err := run(); err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
}
