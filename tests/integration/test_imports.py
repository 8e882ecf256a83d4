#!/usr/bin/env python3
# Stream exports and imports between accounts (issue 16): three accounts, a public export, one
# restricted to an account, a prefix and a `to` mapping, a wildcard import and a literal one; the
# reply subject kept; an import of an import not passed on; the configuration errors (not
# authorized, a wildcard prefix, a cycle, an unknown account); a reload that adds an import; and
# with zats, publisher and subscribers on different workers; nats.go (go/account_client) as users
# of the three accounts; service imports, chained (C imports from B what B imports from A) and
# wildcard ones mapped to other subjects; the mapping functions of subject transforms. Every case
# runs against the server under test and against nats-server (when installed), exact bytes: the
# outcome must be the same.
import json
import os
import re
import signal
import subprocess
import sys
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Server, run_tests  # noqa: E402
from authconf import TempConfig, connect_json  # noqa: E402
from test_monitor import MonServer  # noqa: E402

CONF = """
accounts {
  A {
    users = [ {user: a, password: a} ]
    exports = [
      {stream: "news.>"}
      {stream: "private.>", accounts: [B]}
      {stream: "alerts"}
    ]
  }
  B {
    users = [ {user: b, password: b} ]
    exports = [ {stream: "a.news.>"} ]
    imports = [
      {stream: {account: A, subject: "news.>"}, prefix: "a"}
      {stream: {account: A, subject: "private.>"}}
      {stream: {account: A, subject: "alerts"}, to: "b.alerts"}
    ]
  }
  C {
    users = [ {user: c, password: c} ]
    imports = [
      {stream: {account: A, subject: "news.sports"}}
      {stream: {account: B, subject: "a.news.>"}, prefix: "viaB"}
    ]
  }
}
"""


binaries = harness.server_and_reference


def login(server, user):
    c = server.client()
    c.read_info()
    c.send(b"CONNECT " + connect_json(user, user) + b"\r\nPING\r\n")
    c.expect(b"PONG\r\n")
    return c


class StreamImports(unittest.TestCase):
    def servers(self, conf=CONF, zats_args=()):
        for binary in binaries():
            cfg = TempConfig(conf)
            extra = list(zats_args) if "zats" in os.path.basename(binary) else []
            server = Server("-c", cfg.path, *extra, binary=binary).start()
            try:
                with self.subTest(server=os.path.basename(binary)):
                    yield server
            finally:
                server.__exit__(None, None, None)
                cfg.cleanup()

    def subscribe(self, server, user, *subjects):
        c = login(server, user)
        for i, s in enumerate(subjects, 1):
            c.send(b"SUB %s %d\r\n" % (s.encode(), i))
        c.send(b"PING\r\n")
        c.expect(b"PONG\r\n")
        return c

    def check_deliveries(self, server):
        b = self.subscribe(server, "b", "a.news.>", "private.>", "b.alerts", "news.>")
        c = self.subscribe(server, "c", "news.>", "viaB.a.news.>", "a.news.>")
        a = login(server, "a")
        a.send(b"PUB news.sports 2\r\ns1\r\n"
               b"PUB news.weather _INBOX.r1 2\r\nw1\r\n"
               b"PUB private.x 2\r\np1\r\n"
               b"PUB alerts 2\r\nal\r\n"
               b"PUB other 2\r\nno\r\nPING\r\n")
        a.expect(b"PONG\r\n")
        b.expect(b"MSG a.news.sports 1 2\r\ns1\r\n"
                 b"MSG a.news.weather 1 _INBOX.r1 2\r\nw1\r\n"
                 b"MSG private.x 2 2\r\np1\r\n"
                 b"MSG b.alerts 3 2\r\nal\r\n")
        # C imports news.sports only; B's copy (a.news.*) is not passed on to C's import from B.
        c.expect(b"MSG news.sports 1 2\r\ns1\r\n")
        # Published in B itself, a.news.* reaches C through its import from B.
        bp = login(server, "b")
        bp.send(b"PUB a.news.local 2\r\nbl\r\nPING\r\n")
        bp.expect(b"PONG\r\n")
        b.expect(b"MSG a.news.local 1 2\r\nbl\r\n")
        c.expect(b"MSG viaB.a.news.local 2 2\r\nbl\r\n")
        for conn in (a, b, c, bp):
            conn.send(b"PING\r\n")
            conn.expect(b"PONG\r\n")
            conn.expect_nothing(0.1)
            conn.close()

    def test_stream_imports_deliver_with_the_importers_subjects(self):
        for s in self.servers():
            self.check_deliveries(s)

    def test_across_workers(self):
        # zats: four workers, connections placed round-robin, so the publisher and each
        # importing subscriber sit on different workers.
        for s in self.servers(zats_args=("--cores", "4", "--placement", "round-robin")):
            self.check_deliveries(s)

    def test_wildcard_import_mapped_by_a_subject_transform(self):
        # `to` with the source's wildcards: `*` in order, `$N`, `{{wildcard(N)}}`, and `>`.
        conf = """
accounts {
  A { users = [ {user: a, password: a} ], exports = [ {stream: ">"} ] }
  B {
    users = [ {user: b, password: b} ]
    imports = [
      {stream: {account: A, subject: "orders.*.*"}, to: "shop.$2.$1"}
      {stream: {account: A, subject: "stock.*"}, to: "inv.{{wildcard(1)}}.now"}
      {stream: {account: A, subject: "log.*.>"}, to: "logs.*.all.>"}
    ]
  }
}
"""
        for s in self.servers(conf):
            b = self.subscribe(s, "b", ">")
            a = login(s, "a")
            a.send(b"PUB orders.eu.7 1\r\n1\r\nPUB stock.nuts 1\r\n2\r\nPUB log.web.x.y 1\r\n3\r\nPING\r\n")
            a.expect(b"PONG\r\n")
            b.expect(b"MSG shop.7.eu 1 1\r\n1\r\nMSG inv.nuts.now 1 1\r\n2\r\nMSG logs.web.all.x.y 1 1\r\n3\r\n")
            b.expect_nothing(0.1)

    def test_no_import_no_delivery(self):
        conf = CONF.replace('{stream: {account: A, subject: "alerts"}, to: "b.alerts"}', "")
        for s in self.servers(conf):
            b = self.subscribe(s, "b", "b.alerts", "alerts")
            a = login(s, "a")
            a.send(b"PUB alerts 2\r\nal\r\nPING\r\n")
            a.expect(b"PONG\r\n")
            b.expect_nothing(0.2)
            a.close()
            b.close()

    def test_reload_adds_an_import(self):
        conf = CONF.replace('{stream: {account: A, subject: "alerts"}, to: "b.alerts"}', "")
        for binary in binaries():
            with self.subTest(server=os.path.basename(binary)):
                cfg = TempConfig(conf)
                with Server("-c", cfg.path, binary=binary) as s:
                    b = self.subscribe(s, "b", "b.alerts")
                    a = login(s, "a")
                    cfg.write(CONF)
                    s.proc.send_signal(signal.SIGHUP)
                    deadline = time.monotonic() + 5
                    got = False
                    while not got and time.monotonic() < deadline:
                        a.send(b"PUB alerts 2\r\nal\r\nPING\r\n")
                        a.expect(b"PONG\r\n")
                        b.send(b"PING\r\n")
                        frame = b.expect_any([b"MSG b.alerts 1 2\r\nal\r\n", b"PONG\r\n"])
                        got = frame.startswith(b"MSG")
                        if got:
                            b.expect(b"PONG\r\n")
                        else:
                            time.sleep(0.05)
                    self.assertTrue(got, "the reloaded import never delivered")
                    a.close()
                    b.close()
                cfg.cleanup()


SERVICE_CONF = """
accounts {
  A {
    users = [ {user: a, password: a} ]
    exports = [
      {service: "help"}
      {service: "feed.>", response_type: stream}
      {service: "private", accounts: [B]}
    ]
  }
  B {
    users = [ {user: b, password: b} ]
    imports = [
      {service: {account: A, subject: "help"}, to: "b.help"}
      {service: {account: A, subject: "feed.>"}}
      {service: {account: A, subject: "private"}}
    ]
  }
  C {
    users = [ {user: c, password: c} ]
    imports = [ {service: {account: A, subject: "help"}} ]
  }
}
"""


class ServiceImports(unittest.TestCase):
    servers = StreamImports.servers
    subscribe = StreamImports.subscribe

    def request(self, responder, requester, publish, served, inbox="_INBOX.r", payload=b"ask", sid="1"):
        """requester publishes on `publish` with reply `inbox`; the responder (subscribed to
        `served` as `sid`) must get it on `served` with a new _R_. reply, returned."""
        requester.send(b"PUB %s %s %d\r\n%s\r\nPING\r\n" % (publish.encode(), inbox.encode(), len(payload), payload))
        requester.expect(b"PONG\r\n")
        line = responder.read_until(b"\r\n").decode()
        parts = line.split()
        self.assertEqual(parts[:3], ["MSG", served, sid], line)
        self.assertEqual(len(parts), 5, line)
        self.assertTrue(parts[3].startswith("_R_."), line)
        responder.expect(payload + b"\r\n")
        return parts[3].encode()

    def check_services(self, s):
        a = self.subscribe(s, "a", "help", "feed.>")
        b = self.subscribe(s, "b", "_INBOX.r")
        # Singleton: the first response goes back, a second one is dropped.
        reply = self.request(a, b, "b.help", "help")
        a.send(b"PUB " + reply + b" 2\r\nr1\r\nPUB " + reply + b" 2\r\nr2\r\nPING\r\n")
        a.expect(b"PONG\r\n")
        b.expect(b"MSG _INBOX.r 1 2\r\nr1\r\n")
        b.send(b"PING\r\n")
        b.expect(b"PONG\r\n")
        # Streamed: every response goes back.
        reply = self.request(a, b, "feed.x", "feed.x", sid="2")
        a.send(b"".join(b"PUB " + reply + b" 2\r\ns%d\r\n" % i for i in range(3)) + b"PING\r\n")
        a.expect(b"PONG\r\n")
        b.expect(b"MSG _INBOX.r 1 2\r\ns0\r\nMSG _INBOX.r 1 2\r\ns1\r\nMSG _INBOX.r 1 2\r\ns2\r\n")
        # No reply: the request arrives without one.
        b.send(b"PUB b.help 2\r\nnr\r\nPING\r\n")
        b.expect(b"PONG\r\n")
        a.expect(b"MSG help 1 2\r\nnr\r\n")
        # C imports help under its own name; a response from A reaches C only.
        c = self.subscribe(s, "c", "_INBOX.c")
        reply = self.request(a, c, "help", "help", inbox="_INBOX.c")
        a.send(b"PUB " + reply + b" 2\r\nrc\r\nPING\r\n")
        a.expect(b"PONG\r\n")
        c.expect(b"MSG _INBOX.c 1 2\r\nrc\r\n")
        # A response on a made-up reply subject goes nowhere.
        a.send(b"PUB _R_.nothing.1 2\r\nxx\r\nPING\r\n")
        a.expect(b"PONG\r\n")
        for conn in (a, b, c):
            conn.send(b"PING\r\n")
            conn.expect(b"PONG\r\n")
            conn.expect_nothing(0.1)
            conn.close()

    def test_requests_and_responses_cross_accounts(self):
        for s in self.servers(SERVICE_CONF):
            self.check_services(s)

    def test_across_workers(self):
        for s in self.servers(SERVICE_CONF, zats_args=("--cores", "4", "--placement", "round-robin")):
            self.check_services(s)


CHAIN_CONF = """
accounts {
  A {
    users = [ {user: a, password: a} ]
    exports = [ {service: "help", response_type: %s}, {service: "svc.*.*"} ]
  }
  B {
    users = [ {user: b, password: b} ]
    imports = [
      {service: {account: A, subject: "help"}}
      {service: {account: A, subject: "svc.*.*"}, to: "mine.$2.$1"}
    ]
    exports = [ {service: "help", response_type: %s} ]
  }
  C {
    users = [ {user: c, password: c} ]
    imports = [ {service: {account: B, subject: "help"}, to: "c.help"} ]
  }
}
"""


class ResponseThreshold(unittest.TestCase):
    """An export's response_threshold: responses are taken back for that long after the request
    (nats-server sweeps them at most one threshold later), then dropped."""
    servers = StreamImports.servers
    subscribe = StreamImports.subscribe
    request = ServiceImports.request

    def test_late_responses_are_dropped(self):
        conf = """
accounts {
  A { users = [ {user: a, password: a} ], exports = [ {service: "help", response: stream, threshold: "200ms"} ] }
  B { users = [ {user: b, password: b} ], imports = [ {service: {account: A, subject: "help"}} ] }
}
"""
        for s in self.servers(conf):
            a = self.subscribe(s, "a", "help")
            b = self.subscribe(s, "b", "_INBOX.r")
            reply = self.request(a, b, "help", "help")
            a.send(b"PUB " + reply + b" 2\r\nr1\r\nPING\r\n")
            a.expect(b"PONG\r\n")
            b.expect(b"MSG _INBOX.r 1 2\r\nr1\r\n")
            time.sleep(0.8)  # past twice the threshold: gone on both servers
            a.send(b"PUB " + reply + b" 2\r\nr2\r\nPING\r\n")
            a.expect(b"PONG\r\n")
            b.send(b"PING\r\n")
            b.expect(b"PONG\r\n")
            b.expect_nothing(0.1)
            for conn in (a, b):
                conn.close()


class ServiceChains(unittest.TestCase):
    """C imports from B a service that B imports from A: a request from C reaches A (and B's own
    subscribers) and the responses come back to C across both mappings, each hop keeping to its
    export's response type; a wildcard service import mapped to other subjects."""
    servers = StreamImports.servers
    subscribe = StreamImports.subscribe
    request = ServiceImports.request

    def chain(self, s, expected):
        a = self.subscribe(s, "a", "help")
        b = self.subscribe(s, "b", "help")
        c = self.subscribe(s, "c", "_INBOX.c")
        reply = self.request(a, c, "c.help", "help", inbox="_INBOX.c")
        # B's own subscriber gets the request too, with B's reply subject for it.
        line = b.read_until(b"\r\n").split()
        self.assertEqual(line[:3], [b"MSG", b"help", b"1"])
        self.assertTrue(line[3].startswith(b"_R_.") and line[3] != reply, line)
        b.expect(b"ask\r\n")
        # Two responses, an empty one (the end of a stream), and one more.
        a.send(b"".join(b"PUB " + reply + b" %d\r\n%s\r\n" % (len(p), p) for p in (b"r1", b"r2", b"", b"r3")) +
               b"PING\r\n")
        a.expect(b"PONG\r\n")
        c.expect(b"".join(b"MSG _INBOX.c 1 %d\r\n%s\r\n" % (len(p), p) for p in expected))
        for conn in (a, b, c):
            conn.send(b"PING\r\n")
            conn.expect(b"PONG\r\n")
            conn.expect_nothing(0.1)
            conn.close()

    def test_chained_requests_and_responses(self):
        for a_type, b_type, expected in (("singleton", "chunked", [b"r1"]),
                                         ("stream", "chunked", [b"r1", b"r2", b""]),
                                         ("stream", "singleton", [b"r1"])):
            with self.subTest(a=a_type, b=b_type):
                for s in self.servers(CHAIN_CONF % (a_type, b_type)):
                    self.chain(s, expected)

    def test_requests_say_who_asked(self):
        # A responder that takes headers gets each imported request with nats-server's
        # Nats-Request-Info header: the requester's account, the account a chained request came
        # through, the requester's round trip; added to the request's own headers (an earlier one
        # replaced). The round trip and our reply subjects differ run to run: compared without.
        def normalized(data):
            data = re.sub(rb"_R_\.[A-Za-z0-9]+\.[A-Za-z0-9]+", b"_R_", data)
            data = re.sub(rb'(,"rtt":\d+)', b"", data)
            # Header and total sizes change with the round trip's digits: recount them.
            return re.sub(rb"HMSG (\S+) (\d+) (\S+) \d+ \d+\r\n(.*?\r\n\r\n)(.*?)\r\n",
                          lambda m: b"HMSG %s %s %s %d %d\r\n%s%s\r\n" % (
                              m.group(1), m.group(2), m.group(3), len(m.group(4)), len(m.group(4)) + len(m.group(5)),
                              m.group(4), m.group(5)), data, flags=re.S)

        def connect(s, user):
            c = s.client()
            c.read_info()
            c.send(b"CONNECT " + connect_json(user, user, headers=True) + b"\r\nPING\r\n")
            c.expect(b"PONG\r\n")
            return c

        own = b"NATS/1.0\r\nX: 1\r\nNats-Request-Info: {\"acc\":\"forged\"}\r\n\r\n"
        def hmsg(header, body):
            block = b"NATS/1.0\r\n" + header + b"\r\n"
            return b"HMSG help 1 _R_ %d %d\r\n%s%s\r\n" % (len(block), len(block) + len(body), block, body)

        expected = (hmsg(b'Nats-Request-Info: {"acc":"B"}\r\n', b"ask") +
                    hmsg(b'X: 1\r\nNats-Request-Info: {"acc":"B"}\r\n', b"own") +
                    hmsg(b'Nats-Request-Info: {"acc":"C","svc":"B"}\r\n', b"ask"))
        for s in self.servers(CHAIN_CONF % ("singleton", "singleton")):
            a = connect(s, "a")
            a.send(b"SUB help 1\r\nPING\r\n")
            a.expect(b"PONG\r\n")
            b, c = connect(s, "b"), connect(s, "c")
            b.send(b"PUB help _INBOX.b 3\r\nask\r\nHPUB help _INBOX.b %d %d\r\n%sown\r\nPING\r\n"
                   % (len(own), len(own) + 3, own))
            b.expect(b"PONG\r\n")
            c.send(b"PUB c.help _INBOX.c 3\r\nask\r\nPING\r\n")
            c.expect(b"PONG\r\n")
            a.send(b"PING\r\n")
            got = a.read_until(b"PONG\r\n")
            self.assertEqual(normalized(got[:-len(b"PONG\r\n")]), expected)
            for conn in (a, b, c):
                conn.close()

    def test_a_sharing_import_tells_the_requester(self):
        # `share: true`: the requester's connection and the server go with the request; a chain
        # through an import that does not share tells the server only where a later one shares.
        conf = """
server_name: S1
accounts {
  A { users = [ {user: a, password: a} ], exports = [ {service: "svc.>"} ] }
  B {
    users = [ {user: b, password: b} ]
    imports = [ {service: {account: A, subject: "svc.>"}, share: true} ]
    exports = [ {service: "svc.>"} ]
  }
  C { users = [ {user: c, password: c} ], imports = [ {service: {account: B, subject: "svc.>"}} ] }
  D { users = [ {user: d, password: d} ], imports = [ {service: {account: B, subject: "svc.>"}, share: true} ] }
}
"""

        def normalized(data):
            data = re.sub(rb"_R_\.[A-Za-z0-9]+\.[A-Za-z0-9]+", b"_R_", data)
            data = re.sub(rb'(,"rtt":\d+)', b"", data)
            data = re.sub(rb'"start":"[^"]+"', b'"start":"T"', data)
            data = re.sub(rb'"id":\d+', b'"id":1', data)
            return re.sub(rb"HMSG (\S+) (\d+) (\S+) \d+ \d+\r\n(.*?\r\n\r\n)(.*?)\r\n",
                          lambda m: b"HMSG %s %d %d\r\n%s%s\r\n" % (m.group(1), len(m.group(4)),
                                                                len(m.group(4)) + len(m.group(5)), m.group(4),
                                                                m.group(5)), data, flags=re.S)

        def details(acc, user, via=b""):
            return (b'{"start":"T","host":"127.0.0.1","id":1,"acc":"%s"%s,"user":"%s","name":"n","lang":"py",'
                    b'"ver":"9","server":"S1","kind":"Client","client_type":"nats"}' % (acc, via, user))

        def expected(info):
            block = b"NATS/1.0\r\nNats-Request-Info: " + info + b"\r\n\r\n"
            return b"svc.x %d %d\r\n%sreq\r\n" % (len(block), len(block) + 3, block)

        for s in self.servers(conf):
            a = s.client()
            a.read_info()
            a.send(b"CONNECT " + connect_json("a", "a", headers=True) + b"\r\nSUB svc.> 1\r\nPING\r\n")
            a.expect(b"PONG\r\n")
            for user in ("b", "c", "d"):
                r = s.client()
                r.read_info()
                r.send(b"CONNECT " + connect_json(user, user, headers=True, name="n", lang="py", version="9") +
                       b"\r\nPUB svc.x _INBOX.r 3\r\nreq\r\nPING\r\n")
                r.expect(b"PONG\r\n")
                r.close()
            a.send(b"PING\r\n")
            got = a.read_until(b"PONG\r\n")[:-len(b"PONG\r\n")]
            self.assertEqual(normalized(got).split(b"HMSG "), [
                b"", expected(details(b"B", b"b")), expected(b'{"acc":"C","svc":"B","server":"S1"}'),
                expected(details(b"D", b"d", b',"svc":"B"'))])
            a.close()

    def test_chained_across_workers(self):
        workers = ("--cores", "4", "--placement", "round-robin")
        for s in self.servers(CHAIN_CONF % ("stream", "chunked"), zats_args=workers):
            self.chain(s, [b"r1", b"r2", b""])

    def test_wildcard_service_import_mapped(self):
        for s in self.servers(CHAIN_CONF % ("singleton", "singleton")):
            a = self.subscribe(s, "a", "svc.>")
            b = self.subscribe(s, "b", "_INBOX.b")
            reply = self.request(a, b, "mine.x.y", "svc.y.x", inbox="_INBOX.b")
            a.send(b"PUB " + reply + b" 2\r\nok\r\nPING\r\n")
            a.expect(b"PONG\r\n")
            b.expect(b"MSG _INBOX.b 1 2\r\nok\r\n")
            for conn in (a, b):
                conn.send(b"PING\r\n")
                conn.expect(b"PONG\r\n")
                conn.expect_nothing(0.1)
                conn.close()

    def test_a_response_reply_is_mapped_back(self):
        # A answers with a reply subject of its own: C gets one of C's for it, and what C publishes
        # there comes back to A, across both hops.
        for s in self.servers(CHAIN_CONF % ("singleton", "singleton")):
            a = self.subscribe(s, "a", "help", "back")
            c = self.subscribe(s, "c", "_INBOX.c")
            reply = self.request(a, c, "c.help", "help", inbox="_INBOX.c")
            a.send(b"PUB " + reply + b" back 2\r\nr1\r\nPING\r\n")
            a.expect(b"PONG\r\n")
            line = c.read_until(b"\r\n").split()
            self.assertEqual(line[:3] + line[4:], [b"MSG", b"_INBOX.c", b"1", b"2"], line)
            self.assertTrue(line[3].startswith(b"_R_."), line)
            c.expect(b"r1\r\n")
            c.send(b"PUB " + line[3] + b" 3\r\nack\r\nPING\r\n")
            c.expect(b"PONG\r\n")
            a.expect(b"MSG back 2 3\r\nack\r\n")
            for conn in (a, c):
                conn.send(b"PING\r\n")
                conn.expect(b"PONG\r\n")
                conn.expect_nothing(0.1)
                conn.close()

    def test_an_imported_request_is_delivered_even_with_no_responder(self):
        # The import itself takes the request: no no-responders status, unlike a plain publish.
        for s in self.servers(CHAIN_CONF % ("singleton", "singleton")):
            for user, subject in (("c", "c.help"), ("b", "help"), ("b", "nobody")):
                with self.subTest(user=user, subject=subject):
                    c = s.client()
                    c.read_info()
                    c.send(b"CONNECT " + connect_json(user, user, headers=True, no_responders=True) +
                           b"\r\nSUB _INBOX.h 9\r\nPUB %s _INBOX.h 1\r\nq\r\nPING\r\n" % subject.encode())
                    if subject == "nobody":
                        c.expect(b"HMSG _INBOX.h 9 16 16\r\nNATS/1.0 503\r\n\r\n\r\nPONG\r\n")
                    else:
                        c.expect(b"PONG\r\n")
                    c.expect_nothing(0.1)
                    c.close()


class TransformFunctions(unittest.TestCase):
    """The mapping functions of nats-server 2.9.10 in stream imports' `to`: the same subjects."""
    servers = StreamImports.servers
    subscribe = StreamImports.subscribe

    def test_mapping_functions_in_stream_imports(self):
        conf = """
accounts {
  A { users = [ {user: a, password: a} ], exports = [ {stream: ">"} ] }
  B {
    users = [ {user: b, password: b} ]
    imports = [
      {stream: {account: A, subject: "p.*.*"}, to: "part.{{partition(5,1,2)}}.$1.$2"}
      {stream: {account: A, subject: "l.*"}, to: "left.{{SplitFromLeft(1,2)}}"}
      {stream: {account: A, subject: "r.*"}, to: "right.{{splitFromRight(1,2)}}"}
      {stream: {account: A, subject: "sl.*"}, to: "sliceleft.{{sliceFromLeft(1,2)}}"}
      {stream: {account: A, subject: "sr.*"}, to: "sliceright.{{SliceFromRight(1,2)}}"}
      {stream: {account: A, subject: "sp.*.>"}, to: "split.{{split(1,-)}}.>"}
    ]
  }
}
"""
        published = ["p.ab.cd", "p.x.y", "l.abcde", "l.a", "r.abcde", "sl.abcde", "sr.abcde", "sp.-ab--c-.z.w"]
        for s in self.servers(conf):
            b = self.subscribe(s, "b", ">")
            a = login(s, "a")
            a.send(b"".join(b"PUB %s 1\r\nx\r\n" % p.encode() for p in published) + b"PING\r\n")
            a.expect(b"PONG\r\n")
            # Partitions are FNV-1a of the tokens, mod 5, as nats-server computes them.
            b.expect(b"MSG part.3.ab.cd 1 1\r\nx\r\nMSG part.2.x.y 1 1\r\nx\r\n"
                     b"MSG left.ab.cde 1 1\r\nx\r\nMSG left.a 1 1\r\nx\r\n"
                     b"MSG right.abc.de 1 1\r\nx\r\nMSG sliceleft.ab.cd.e 1 1\r\nx\r\n"
                     b"MSG sliceright.a.bc.de 1 1\r\nx\r\nMSG split.ab.c.z.w 1 1\r\nx\r\n")
            b.expect_nothing(0.1)
            a.close()
            b.close()


class NatsGo(unittest.TestCase):
    # (publisher, subscriber, published subject, subject subscribed to, delivered?)
    CASES = [
        ("a:a", "b:b", "news.sports", "a.news.sports", True),
        ("a:a", "b:b", "private.x", "private.x", True),
        ("a:a", "b:b", "alerts", "b.alerts", True),
        ("a:a", "c:c", "news.sports", "news.sports", True),
        ("a:a", "c:c", "news.weather", "news.weather", False),
        ("a:a", "c:c", "private.x", "private.x", False),
        ("b:b", "c:c", "a.news.x", "viaB.a.news.x", True),
    ]

    def test_official_client_across_three_accounts(self):
        tool = harness.go_program("account_client")
        if tool is None:
            self.skipTest("account_client not built (needs go and Debian's nats.go: tools/bootstrap)")
        for binary in binaries():
            cfg = TempConfig(CONF)
            with Server("-c", cfg.path, binary=binary) as s:
                for pub, sub, subject, expect, delivered in self.CASES:
                    with self.subTest(server=os.path.basename(binary), pub=pub, sub=sub, subject=subject):
                        argv = [tool, "-url", s.url, "-pub", pub, "-sub", sub, "-publish", subject, "-expect", expect]
                        if not delivered:
                            argv.append("-expect-none")
                        r = subprocess.run(argv, capture_output=True, text=True, timeout=60)
                        self.assertEqual((r.returncode, r.stdout.strip()), (0, "ok"), r.stdout + r.stderr)
            cfg.cleanup()


class NatsGoServices(unittest.TestCase):
    # (requester, responder, request subject, responder's subject, answered?)
    CASES = [
        ("b:b", "a:a", "b.help", "help", True),
        ("b:b", "a:a", "feed.x", "feed.x", True),
        ("c:c", "a:a", "help", "help", True),
        ("c:c", "a:a", "private", "private", False),
    ]

    def test_requests_across_accounts(self):
        tool = harness.go_program("account_client")
        if tool is None:
            self.skipTest("account_client not built (needs go and Debian's nats.go: tools/bootstrap)")
        for binary in binaries():
            cfg = TempConfig(SERVICE_CONF)
            with Server("-c", cfg.path, binary=binary) as s:
                for pub, sub, subject, expect, answered in self.CASES:
                    with self.subTest(server=os.path.basename(binary), pub=pub, subject=subject):
                        argv = [tool, "-url", s.url, "-pub", pub, "-sub", sub, "-publish", subject, "-expect", expect,
                                "-request", "-n", "20" if answered else "1"]
                        r = subprocess.run(argv, capture_output=True, text=True, timeout=60)
                        out = (r.returncode, r.stdout.strip())
                        if answered:
                            self.assertEqual(out, (0, "ok"), r.stdout + r.stderr)
                        else:
                            self.assertEqual(out, (1, "request 0: nats: no responders available for request"),
                                             r.stdout + r.stderr)
            cfg.cleanup()

    def test_chained_requests(self):
        # nats.go requesters in C, responders in A, through B's import of A's service.
        tool = harness.go_program("account_client")
        if tool is None:
            self.skipTest("account_client not built (needs go and Debian's nats.go: tools/bootstrap)")
        for binary in binaries():
            cfg = TempConfig(CHAIN_CONF % ("singleton", "singleton"))
            with Server("-c", cfg.path, binary=binary) as s:
                for pub, sub, subject, expect in (("c:c", "a:a", "c.help", "help"),
                                                  ("b:b", "a:a", "mine.x.y", "svc.y.x")):
                    with self.subTest(server=os.path.basename(binary), subject=subject):
                        argv = [tool, "-url", s.url, "-pub", pub, "-sub", sub, "-publish", subject, "-expect", expect,
                                "-request", "-n", "20"]
                        r = subprocess.run(argv, capture_output=True, text=True, timeout=60)
                        self.assertEqual((r.returncode, r.stdout.strip()), (0, "ok"), r.stdout + r.stderr)
            cfg.cleanup()


class Cluster(unittest.TestCase):
    """Two zats servers routed together: an import's copy and a service's responses cross the route."""

    def conn(self, node, user):
        c = harness.Conn(node.port)
        c.handshake(connect_json(user, user))
        return c

    def test_imports_across_a_route(self):
        from cluster_harness import Node, next_message_line, sync  # noqa: E402
        cfg = TempConfig(SERVICE_CONF.replace("  C {", """  D {
    users = [ {user: d, password: d} ]
    exports = [ {stream: "news.>"} ]
  }
  E {
    users = [ {user: e, password: e} ]
    imports = [ {stream: {account: D, subject: "news.>"}, prefix: "d"} ]
  }
  C {"""))
        self.addCleanup(cfg.cleanup)
        one = Node(extra=["-c", cfg.path]).start()
        self.addCleanup(one.__exit__, None, None, None)
        two = Node(routes=[one], extra=["-c", cfg.path]).start()
        self.addCleanup(two.__exit__, None, None, None)
        one.wait_routes(1)
        two.wait_routes(1)
        # Service: the responder in A on one server, the requester in B on the other.
        a = self.conn(one, "a")
        a.send(b"SUB help 1\r\n")
        sync(a)
        b = self.conn(two, "b")
        b.send(b"SUB _INBOX.r 1\r\n")
        sync(b)
        deadline = time.monotonic() + 10
        line = None
        while line is None and time.monotonic() < deadline:
            b.send(b"PUB b.help _INBOX.r 3\r\nask\r\n")
            line = next_message_line(a, timeout=0.2)
        self.assertIsNotNone(line, "the request never crossed the route")
        reply = line.split()[3]
        self.assertTrue(reply.startswith(b"_R_."), line)
        a.read_until(b"\r\n")
        while next_message_line(a, timeout=0.2) is not None:  # later tries
            a.read_until(b"\r\n")
        deadline = time.monotonic() + 10
        got = None
        while got is None and time.monotonic() < deadline:
            a.send(b"PUB " + reply + b" 2\r\nr1\r\n")
            got = next_message_line(b, timeout=0.2)
        self.assertEqual(got, b"MSG _INBOX.r 1 2\r\n")
        # Stream: published in D on one server, delivered in E on the other.
        e = self.conn(two, "e")
        e.send(b"SUB d.news.x 1\r\n")
        sync(e)
        d = self.conn(one, "d")
        deadline = time.monotonic() + 10
        got = None
        while got is None and time.monotonic() < deadline:
            d.send(b"PUB news.x 2\r\nnx\r\n")
            got = next_message_line(e, timeout=0.2)
        self.assertEqual(got, b"MSG d.news.x 1 2\r\n")
        for c in (a, b, d, e):
            c.close()


class Accountz(unittest.TestCase):
    def test_exports_and_imports_as_the_reference_shows_them(self):
        conf = CONF.replace('{stream: "alerts"}', '{stream: "alerts"}\n      {service: "help", response_type: stream}')
        conf = conf.replace('{stream: {account: A, subject: "alerts"}, to: "b.alerts"}',
                            '{stream: {account: A, subject: "alerts"}, to: "b.alerts"}\n'
                            '      {service: {account: A, subject: "help"}, to: "b.help"}')
        seen = {}
        for binary in binaries():
            s = MonServer(binary, conf=conf).start()
            try:
                for acc in ("A", "B", "C"):
                    url = "http://127.0.0.1:%d/accountz?acc=%s" % (s.mport, acc)
                    detail = json.load(urllib.request.urlopen(url, timeout=5))["account_detail"]
                    exports = sorted(json.dumps(e, sort_keys=True) for e in detail.get("exports", []))
                    # nats-server adds its system account's service imports; zats has none.
                    imports = sorted(json.dumps(i, sort_keys=True) for i in detail.get("imports", [])
                                     if i.get("account") != "$SYS")
                    seen.setdefault(acc, {})[binary] = (exports, imports)
            finally:
                s.stop()
                s._cleanup_files()
        for acc, by_binary in seen.items():
            self.assertEqual(len(set(map(repr, by_binary.values()))), 1, (acc, by_binary))
        exports, _ = seen["A"][binaries()[0]]
        self.assertEqual(len(exports), 4)
        self.assertIn('{"response_type": "Streamed", "subject": "help", "type": "service"}', exports)
        self.assertIn('{"approved_accounts": ["B"], "subject": "private.>", "type": "stream"}', exports)
        _, imports = seen["B"][binaries()[0]]
        self.assertEqual(len(imports), 4)
        self.assertIn('{"account": "A", "invalid": false, "share": false, "subject": "b.help", "to": "help", '
                      '"tracking": false, "type": "service"}', imports)
        self.assertIn('{"account": "A", "invalid": false, "local_subject": "a.news.>", "share": false, '
                      '"subject": "news.>", "tracking": false, "type": "stream"}', imports)


TOKEN_POSITION_CONF = """
accounts {
  A {
    users = [ {user: a, password: a} ]
    exports = [
      {service: "svc.*.req", account_token_position: 2}
      {stream: "feed.*", account_token_position: 2, accounts: [C]}
    ]
  }
  B {
    users = [ {user: b, password: b} ]
    imports = [
      {service: {account: A, subject: "svc.B.req"}, to: "ask"}
      {stream: {account: A, subject: "feed.B"}}
    ]
  }
  C { users = [ {user: c, password: c} ] }
}
"""


class AccountTokenPosition(unittest.TestCase):
    """An export's account_token_position: that token of the subject is the importer's own
    account name, whatever else the export says (B may import svc.B.req though the stream names
    only C); the configuration errors are in ConfigErrors."""
    servers = StreamImports.servers
    subscribe = StreamImports.subscribe

    def test_the_importer_takes_its_own_subjects(self):
        for s in self.servers(TOKEN_POSITION_CONF):
            a = self.subscribe(s, "a", "svc.B.req")
            b = self.subscribe(s, "b", "_INBOX.r", "feed.*")
            reply = ServiceImports.request(self, a, b, "ask", "svc.B.req")
            a.send(b"PUB " + reply + b" 2\r\nok\r\nPUB feed.B 1\r\nb\r\nPUB feed.C 1\r\nc\r\nPING\r\n")
            a.expect(b"PONG\r\n")
            b.expect(b"MSG _INBOX.r 1 2\r\nok\r\nMSG feed.B 2 1\r\nb\r\n")
            b.send(b"PING\r\n")
            b.expect(b"PONG\r\n")
            b.expect_nothing(0.1)


class ConfigErrors(unittest.TestCase):
    CASES = [
        ("\naccounts {\n  A { exports = [ {service: \"svc.*.req\", account_token_position: 2} ] }\n  B { }\n"
         "  C { imports = [ {service: {account: A, subject: \"svc.B.req\"}} ] }\n}\n",
         'Error adding service import "svc.B.req": service import not authorized'),
        ("\naccounts {\n  A { exports = [ {stream: \"feed.*\", account_token_position: 2} ] }\n  B { }\n"
         "  C { imports = [ {stream: {account: A, subject: \"feed.B\"}} ] }\n}\n",
         'Error adding stream import "feed.B": stream import not authorized'),
        ("\naccounts {\n  A { exports = [ {service: \"svc.x.req\", account_token_position: 2} ] }\n}\n",
         'Error adding service export "svc.x.req": sublist: invalid subject'),
        ("\naccounts {\n  A { exports = [ {stream: \"feed.*\", account_token_position: 3} ] }\n}\n",
         'Error adding stream export "feed.*": sublist: invalid subject'),
        ("\naccounts {\n  A { exports = [ {stream: \"private.>\", accounts: [B]} ] }\n  B { }\n"
         "  C { imports = [ {stream: {account: A, subject: \"private.>\"}} ] }\n}\n",
         'Error adding stream import "private.>": stream import not authorized'),
        ("\naccounts {\n  A { exports = [ {stream: \"x.>\"} ] }\n"
         "  B { imports = [ {stream: {account: A, subject: \"y.>\"}} ] }\n}\n",
         'Error adding stream import "y.>": stream import not authorized'),
        ("\naccounts {\n  A { exports = [ {stream: \"x.>\"} ], imports = [ {stream: {account: B, subject: \"x.>\"}} ] }\n"
         "  B { exports = [ {stream: \"x.>\"} ], imports = [ {stream: {account: A, subject: \"x.>\"}} ] }\n}\n",
         'Error adding stream import "x.>": import forms a cycle'),
        ("\naccounts {\n  A { exports = [ {stream: \"x.>\"} ] }\n"
         "  B { imports = [ {stream: {account: A, subject: \"x.>\"}, prefix: \"p.*\"} ] }\n}\n",
         'Error adding stream import "x.>": stream import prefix can not contain wildcard tokens'),
        ("\naccounts {\n  A { exports = [ {stream: \"x.>\", accounts: [Z]} ] }\n}\n",
         '"Z" account not defined for stream export'),
        ("\naccounts {\n  A { exports = [ {service: \"private\", accounts: [B]} ] }\n  B { }\n"
         "  C { imports = [ {service: {account: A, subject: \"private\"}} ] }\n}\n",
         'Error adding service import "private": service import not authorized'),
        ("\naccounts {\n  A { exports = [ {service: \"q\"} ], imports = [ {service: {account: B, subject: \"q\"}} ] }\n"
         "  B { exports = [ {service: \"q\"} ], imports = [ {service: {account: A, subject: \"q\"}} ] }\n}\n",
         'Error adding service import "q": import forms a cycle'),
        ("\naccounts {\n  A { exports = [ {stream: \"x.>\"} ] }\n"
         "  B { imports = [ {stream: {account: A, subject: \"x.>\"}}, {stream: {account: A, subject: \"x.>\"}} ] }\n}\n",
         'Error adding stream import "x.>": stream import already exists'),
        ("\naccounts {\n  A { exports = [ {service: \"svc.>\"} ] }\n"
         "  B { imports = [ {service: {account: A, subject: \"svc.*.*\"}, to: \"mine.*\"} ] }\n}\n",
         'Error adding service import "svc.*.*": failed to create mapping transform for service import subject '
         '"mine.*" to "svc.*.*": invalid mapping destination: not using all of the token wildcard(s) in mine.$1'),
        ("\naccounts {\n  A { exports = [ {service: \"svc.>\"} ] }\n"
         "  B { imports = [ {service: {account: A, subject: \"svc.*\"}, to: \"m.$2\"} ] }\n}\n",
         'Error adding service import "svc.*": failed to create mapping transform for service import subject '
         '"m.$2" to "svc.*": invalid mapping destination: wildcard index out of range in $2: [2]'),
        ("\naccounts {\n  A { exports = [ {service: \"svc.>\"} ] }\n"
         "  B { imports = [ {service: {account: A, subject: \"svc.*\"}, to: \"mine.>\"} ] }\n}\n",
         'Error adding service import "svc.*": failed to create mapping transform for service import subject '
         '"mine.>" to "svc.*": invalid subject'),
        ("\naccounts {\n  A { exports = [ {stream: \">\"} ] }\n"
         "  B { imports = [ {stream: {account: A, subject: \"x.*\"}, to: \"y.{{nope(1)}}\"} ] }\n}\n",
         'Error adding stream import "x.*": failed to create mapping transform for stream import subject "x.*" to '
         '"y.{{nope(1)}}": invalid mapping destination: unknown function in {{nope(1)}}'),
        ("\naccounts {\n  A { exports = [ {stream: \">\"} ] }\n"
         "  B { imports = [ {stream: {account: A, subject: \"x.*\"}, to: \"y.{{partition(3)}}\"} ] }\n}\n",
         'Error adding stream import "x.*": failed to create mapping transform for stream import subject "x.*" to '
         '"y.{{partition(3)}}": invalid mapping destination: not enough arguments passed to the function in '
         '{{partition(3)}}'),
        ("\naccounts {\n  A { exports = [ {stream: \">\"} ] }\n"
         "  B { imports = [ {stream: {account: A, subject: \"x.*\"}, to: \"y.{{split(1,a b)}}\"} ] }\n}\n",
         'Error adding stream import "x.*": failed to create mapping transform for stream import subject "x.*" to '
         '"y.{{split(1,a b)}}": invalid mapping destination: function argument is invalid or in the wrong format in '
         '{{split(1,a b)}}'),
        ("\naccounts {\n  A { exports = [ {stream: \">\"} ] }\n"
         "  B { imports = [ {stream: {account: A, subject: \"x.*\"}, to: \"y.{{wildcard(1,2)}}\"} ] }\n}\n",
         'Error adding stream import "x.*": failed to create mapping transform for stream import subject "x.*" to '
         '"y.{{wildcard(1,2)}}": invalid mapping destination: too many arguments passed to the function in '
         '{{wildcard(1,2)}}'),
    ]

    def refused(self, conf, binary=None):
        """`-t` on `conf`: it must fail; the run and the file's path (for the messages)."""
        cfg = TempConfig(conf)
        r = subprocess.run([binary or harness.server_binary(), "-t", "-c", cfg.path], capture_output=True, text=True,
                           timeout=30)
        cfg.cleanup()
        self.assertEqual(r.returncode, 1, r.stderr)
        return r, cfg.path

    def test_refused_like_the_reference(self):
        for conf, problem in self.CASES:
            for binary in binaries():
                with self.subTest(server=os.path.basename(binary), problem=problem):
                    r, path = self.refused(conf, binary)
                    self.assertIn("%s:2:1: %s" % (path, problem), r.stderr)

    def test_errors_in_nats_servers_order(self):
        # Stream exports, service exports, stream imports, service imports, whatever the file's order.
        conf = ("\naccounts {\n  A { exports = [ {service: \"s.x\", account_token_position: 2}, "
                "{stream: \"t.x\", account_token_position: 2} ] }\n"
                "  C { imports = [ {service: {account: A, subject: \"nope\"}}, {stream: {account: A, subject: \"nope\"}} ] }\n}\n")
        for binary in binaries():
            with self.subTest(server=os.path.basename(binary)):
                r, path = self.refused(conf, binary)
                problems = [line[line.index("Error adding"):] for line in r.stderr.splitlines() if "Error adding" in line]
                self.assertEqual(problems, ['Error adding stream export "t.x": sublist: invalid subject',
                                            'Error adding service export "s.x": sublist: invalid subject',
                                            'Error adding stream import "nope": stream import not authorized',
                                            'Error adding service import "nope": service import not authorized'])

    def test_a_token_position_must_be_a_number(self):
        conf = 'accounts {\n  A { exports = [ {service: "q.*", account_token_position: "x"} ] }\n}\n'
        for binary in binaries():
            with self.subTest(server=os.path.basename(binary)):
                r, path = self.refused(conf, binary)
                self.assertRegex(r.stderr, r"%s:2:\d+: interface conversion: interface \{\} is string, not int64"
                                 % re.escape(path))

    def test_latency_tracking_refused(self):
        # nats-server would publish latency results on the subject; zats does not track latency
        # yet, and refuses the key rather than send nothing.
        for latency in ('"lat.results"', '{sampling: 50, subject: "lat.results"}'):
            r, path = self.refused('accounts {\n  A { exports = [ {service: "svc", latency: %s} ] }\n}\n' % latency)
            self.assertIn("%s:2:36: latency (service latency tracking) is not supported by zats yet" % path, r.stderr)

    def test_duplicate_service_import_subject(self):
        conf = ("\naccounts {\n  A { exports = [ {service: \"svc.>\"} ] }\n"
                "  B { imports = [ {service: {account: A, subject: \"svc.a\"}, to: x}, "
                "{service: {account: A, subject: \"svc.b\"}, to: x} ] }\n}\n")
        for binary in binaries():
            with self.subTest(server=os.path.basename(binary)):
                r, path = self.refused(conf, binary)
                # The line is the same; the column is where the import starts (nats-server's is just
                # past its end).
                self.assertRegex(r.stderr, r"%s:4:\d+: Duplicate service import subject \"x\", previously used in "
                                 r"import for account \"A\", subject \"svc.a\"" % re.escape(path))

    def test_response_threshold_errors(self):
        for key, value, message in (("response_threshold", "5", "got int64"),
                                    ("threshold", '"soon"', 'got "soon"')):
            conf = ('accounts {\n  A { exports = [ {service: "svc", %s: %s} ] }\n}\n' % (key, value))
            for binary in binaries():
                with self.subTest(server=os.path.basename(binary), key=key):
                    r, path = self.refused(conf, binary)
                    self.assertIn("%s:2:%d: Expected response threshold to be a parseable time duration, %s"
                                  % (path, 36, message), r.stderr)
        conf = 'accounts {\n  A { exports = [ {service: "svc", threshold: "1s", response_time: "2s"} ] }\n}\n'
        for binary in binaries():
            with self.subTest(server=os.path.basename(binary)):
                r, path = self.refused(conf, binary)
                # At the second key: in file order for zats; nats-server reads a map in Go's random
                # order, so either key may be the second there.
                column = r"53" if binary == harness.server_binary() else r"(36|53)"
                self.assertRegex(r.stderr, r"%s:2:%s: Duplicate response threshold detected" % (re.escape(path), column))

    def test_mapping_functions_in_a_service_import_refused(self):
        # nats-server 2.9.10 takes them but cannot reverse them: it would listen on the literal
        # subject "m.{{wildcard(1)}}" and send requests to "svc.*". zats refuses the import.
        conf = ("\naccounts {\n  A { exports = [ {service: \"svc.>\"} ] }\n"
                "  B { imports = [ {service: {account: A, subject: \"svc.*\"}, to: \"m.{{wildcard(1)}}\"} ] }\n}\n")
        r, path = self.refused(conf)
        self.assertIn("%s:2:1: Error adding service import \"svc.*\": failed to create mapping transform for service "
                      "import subject \"m.{{wildcard(1)}}\" to \"svc.*\": zats refuses mapping functions in a service "
                      "import's subject" % path, r.stderr)


if __name__ == "__main__":
    run_tests()
