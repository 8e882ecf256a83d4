#!/usr/bin/env python3
# Clustering between zats nodes (docs/compatibility.md, Clustering): messages and interest
# across routes (plain, wildcard, queue groups exactly once cluster-wide, headers, replies),
# interest removed when subscribers go and when a node dies, gossip completing the mesh from one
# seed, duplicate and self routes, cluster names and route authorization, the route port
# refusing clients, client URLs (INFO connect_urls, async INFO, no_advertise, lame duck notices), accounts kept
# apart, and the monitoring view (/routez, /varz cluster). Every node is a real zats process.
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Conn, run_tests  # noqa: E402
from cluster_harness import Node, client_interest, drain_probes, lame_duck_notices, read_payloads, sync, wait_for, wait_interest  # noqa: E402


def msg(subject, sid, payload, reply=b""):
    return b"MSG %s %s %s%d\r\n%s\r\n" % (subject, sid, reply + b" " if reply else b"", len(payload), payload)


class TwoNodes(unittest.TestCase):
    def setUp(self):
        self.a = Node(name="A").start()
        self.b = Node(name="B", routes=[self.a]).start()
        self.a.wait_routes(1)
        self.b.wait_routes(1)

    def tearDown(self):
        self.b.stop()
        self.a.stop()

    def test_pub_sub_both_ways_with_wildcards(self):
        sa, sb = self.a.client(), self.b.client()
        sa.send(b"SUB foo.* 1\r\nSUB bar.> 2\r\n")
        sync(sa)
        wait_interest(sb, sa, b"foo.x", b"1")
        sb.send(b"SUB foo.x 7\r\n")
        sync(sb)
        wait_interest(sa, sb, b"foo.x", b"7")
        drain_probes(sa, b"foo.x")  # sa's own subscription saw the probes too
        sb.send(b"PUB bar.baz.q 5\r\nhello\r\nPUB foo.y 2\r\nhi\r\n")
        sync(sb)
        sa.expect(msg(b"bar.baz.q", b"2", b"hello") + msg(b"foo.y", b"1", b"hi"))
        sa.send(b"PUB foo.x 3\r\nabc\r\nPING\r\n")
        sa.expect(msg(b"foo.x", b"1", b"abc") + b"PONG\r\n")
        sb.expect(msg(b"foo.x", b"7", b"abc"))

    def test_order_headers_and_reply_across_the_route(self):
        sub = self.b.client()
        sub.send(b"SUB ord 1\r\n")
        sync(sub)
        pub = self.a.client()
        wait_interest(pub, sub, b"ord", b"1")
        frames = b"".join(b"PUB ord r.%d %d\r\n%d\r\n" % (i, len(b"%d" % i), i) for i in range(500))
        pub.send(frames + b"HPUB ord rep 12 14\r\nNATS/1.0\r\n\r\nhi\r\n")
        sync(pub)
        for i in range(500):
            sub.expect(msg(b"ord", b"1", b"%d" % i, b"r.%d" % i))
        sub.expect(b"HMSG ord 1 rep 12 14\r\nNATS/1.0\r\n\r\nhi\r\n")

    def test_request_reply_across_nodes(self):
        responder = self.b.client()
        responder.send(b"SUB svc 1\r\n")
        sync(responder)
        requester = self.a.client()
        wait_interest(requester, responder, b"svc", b"1")
        for i in range(20):
            # A new reply subscription each time: the reply must never beat its RS+.
            requester.send(b"SUB _INBOX.%d 9\r\nPUB svc _INBOX.%d 1\r\nq\r\n" % (i, i))
            line = responder.read_until(b"\r\n")
            self.assertEqual(line, b"MSG svc 1 _INBOX.%d 1\r\n" % i)
            responder.read_until(b"\r\n")
            responder.send(b"PUB _INBOX.%d 1\r\nr\r\n" % i)
            requester.expect(msg(b"_INBOX.%d" % i, b"9", b"r"))
            requester.send(b"UNSUB 9\r\n")

    def test_queue_group_exactly_once_cluster_wide(self):
        members = [self.a.client(), self.a.client(), self.b.client()]
        for m in members:
            m.send(b"SUB work.* grp 1\r\n")
            sync(m)
        plain = self.b.client()
        plain.send(b"SUB work.* 2\r\n")
        sync(plain)
        pub = self.a.client()
        wait_interest(pub, plain, b"work.x", b"2")
        # Probes went to the group too: count from here on.
        for m in members:
            drain_probes(m, b"work.x")
        self.b.wait_subscriptions(2 + 1)  # plain + queue member on B, and A's group weight
        n = 300
        pub.send(b"".join(b"PUB work.x %d\r\n%d\r\n" % (len(b"%d" % i), i) for i in range(n)))
        sync(pub)
        for i in range(n):
            plain.expect(msg(b"work.x", b"2", b"%d" % i))
        got = []
        for m in members:
            got += [int(p) for p in read_payloads(m, b"work.x")]
        self.assertEqual(sorted(got), list(range(n)))  # each message to exactly one member

    def test_interest_removed_when_subscribers_go(self):
        sub = self.b.client()
        sub.send(b"SUB gone.a 1\r\nSUB gone.b 2\r\n")
        sync(sub)
        pub = self.a.client()
        wait_interest(pub, sub, b"gone.a", b"1")
        base = self.a.client_subscriptions()
        sub.send(b"UNSUB 1\r\n")
        sync(sub)
        self.a.wait_subscriptions(base - 1)
        pub.send(b"PUB gone.a 1\r\nx\r\nPUB gone.b 1\r\ny\r\n")
        sync(pub)
        sub.expect(msg(b"gone.b", b"2", b"y"))
        sub.close()  # the connection's last subscription leaves with it
        self.a.wait_subscriptions(base - 2)

    def test_monitoring_routez_and_varz_cluster(self):
        sub = self.b.client()
        sub.send(b"SUB mon.x 1\r\nSUB mon.q g 2\r\n")
        sync(sub)
        self.a.wait_subscriptions(2)
        rz = self.a.routez(subs=True)
        self.assertEqual(rz["num_routes"], 1)
        r = rz["routes"][0]
        self.assertEqual(r["remote_id"], self.b.server_id())
        self.assertFalse(r["did_solicit"])
        self.assertEqual(client_interest(r), 2)
        self.assertEqual(sorted(s for s in r["subscriptions_list"] if not s.startswith("$SYS.")), ["mon.q", "mon.x"])
        rb = self.b.routez()["routes"][0]
        self.assertTrue(rb["did_solicit"])
        self.assertTrue(rb["is_configured"])
        v = self.a.varz()
        self.assertEqual(v["routes"], 1)
        self.assertEqual(v["cluster"]["name"], "c1")
        self.assertEqual(v["cluster"]["cluster_port"], self.a.cluster_port)
        self.assertEqual(sorted(v["connect_urls"]), sorted(["127.0.0.1:%d" % self.a.port, "127.0.0.1:%d" % self.b.port]))
        self.assertEqual(self.b.varz()["cluster"]["urls"], ["127.0.0.1:%d" % self.a.cluster_port])
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % self.a.http_port, timeout=2) as resp:
            metrics = resp.read().decode()
        self.assertIn("zats_routes 1\n", metrics)
        series = 'zats_route_subscriptions{rid="%d",remote_id="%s"} %d\n' % (r["rid"], self.b.server_id(),
                                                                              r["subscriptions"])
        self.assertIn(series, metrics)
        self.assertIn('zats_route_in_msgs_total{rid="%d"' % r["rid"], metrics)
        promtool = shutil.which("promtool")
        if promtool:
            check = subprocess.run([promtool, "check", "metrics"], input=metrics, capture_output=True, text=True)
            self.assertEqual(check.returncode, 0, check.stdout + check.stderr)


class Gossip(unittest.TestCase):
    def test_one_seed_completes_the_mesh(self):
        a = Node(name="A").start()
        b = Node(name="B", routes=[a]).start()
        c = Node(name="C", routes=[b]).start()
        try:
            for n in (a, b, c):
                n.wait_routes(2)
            ids = {n.server_id() for n in (a, b, c)}
            for n in (a, b, c):
                remotes = {r["remote_id"] for r in n.routez()["routes"]}
                self.assertEqual(remotes, ids - {n.server_id()})
            # One message per route per publish: C's subscriber gets each message once.
            sub = c.client()
            sub.send(b"SUB g 1\r\n")
            sync(sub)
            pub = a.client()
            wait_interest(pub, sub, b"g", b"1")
            pub.send(b"PUB g 2\r\nok\r\n")
            sync(pub)
            sub.expect(msg(b"g", b"1", b"ok"))
            sub.expect_nothing(0.2)
        finally:
            for n in (c, b, a):
                n.stop()

    def test_every_node_lists_every_node_including_itself(self):
        nodes = [Node(name=n) for n in "ABC"]
        for n in nodes:
            n.routes = [m for m in nodes]  # a typical static config: the whole cluster, self too
        try:
            for n in nodes:
                n.start()
            for n in nodes:
                n.wait_routes(2)
            for n in nodes:
                ids = [r["remote_id"] for r in n.routez()["routes"]]
                self.assertEqual(len(ids), len(set(ids)))  # one route per peer, none to itself
                self.assertNotIn(n.server_id(), ids)
        finally:
            for n in nodes:
                n.stop()

    def test_both_sides_dialling_keep_one_route(self):
        a = Node(name="A")
        b = Node(name="B", routes=[a])
        a.routes = [b]
        try:
            a.start()
            b.start()
            a.wait_routes(1)
            b.wait_routes(1)
            time.sleep(1.5)  # the retry loop has had time to make a second route if it would
            self.assertEqual(a.routez()["num_routes"], 1)
            self.assertEqual(b.routez()["num_routes"], 1)
        finally:
            b.stop()
            a.stop()


class Failures(unittest.TestCase):
    def test_killed_node_interest_goes_and_a_restart_resyncs(self):
        a = Node(name="A").start()
        b = Node(name="B", routes=[a]).start()
        try:
            a.wait_routes(1)
            sb = b.client()
            sb.send(b"SUB k.* 1\r\nSUB k.q g 2\r\n")
            sync(sb)
            a.wait_subscriptions(2)
            b.kill()
            a.wait_routes(0)
            a.wait_subscriptions(0)
            pub = a.client()
            pub.send(b"PUB k.x 1\r\nx\r\n")  # no interest anywhere: dropped, nothing breaks
            sync(pub)
            # B comes back on the same ports; its explicit route dials A again.
            b2 = Node(name="B", routes=[a])
            b2.port, b2.cluster_port, b2.http_port = b.port, b.cluster_port, b.http_port
            b2.start()
            a.wait_routes(1)
            sa = a.client()
            sa.send(b"SUB back 5\r\n")
            sync(sa)
            b2.wait_subscriptions(1)  # A's interest re-synced to the new B
            s2 = b2.client()
            s2.send(b"SUB k.* 1\r\n")
            sync(s2)
            wait_interest(pub, s2, b"k.x", b"1")
            s2.send(b"PUB back 2\r\nhi\r\n")
            sync(s2)
            sa.expect(msg(b"back", b"5", b"hi"))
            b2.stop()
        finally:
            b.stop()
            a.stop()

    def test_accepting_side_redials_nobody_dialling_side_retries(self):
        a = Node(name="A").start()
        b = Node(name="B", routes=[a]).start()
        try:
            b.wait_routes(1)
            a.stop()
            b.wait_routes(0)
            a2 = Node(name="A")
            a2.port, a2.cluster_port, a2.http_port = a.port, a.cluster_port, a.http_port
            a2.start()
            a2.wait_routes(1)  # B kept dialling its explicit route
            a2.stop()
        finally:
            b.stop()
            a.stop()


class Handshake(unittest.TestCase):
    def test_cluster_name_mismatch_forms_no_route(self):
        a = Node(name="A", cluster_name="alpha").start()
        b = Node(name="B", cluster_name="beta", routes=[a]).start()
        try:
            time.sleep(1.2)
            self.assertEqual(a.routez()["num_routes"], 0)
            self.assertEqual(b.routez()["num_routes"], 0)
        finally:
            b.stop()
            a.stop()

    def test_dynamic_name_gives_way_to_a_configured_one(self):
        a = Node(name="A", cluster_name="fixed").start()
        b = Node(name="B", cluster_name=None, routes=[a]).start()
        try:
            wait_for("B to take the configured name", lambda: b.varz()["cluster"]["name"] == "fixed")
            b.wait_routes(1)
            wait_for("B's clients to see it", lambda: b.client().info.get("cluster") == "fixed")
        finally:
            b.stop()
            a.stop()

    def test_route_authorization(self):
        a = Node(name="A", cluster_user=("ruser", "rpass")).start()
        good = Node(name="B", cluster_user=("ruser", "rpass"), routes=[a]).start()
        bad = Node(name="C", routes=["nats-route://ruser:wrong@127.0.0.1:%d" % a.cluster_port]).start()
        try:
            good.wait_routes(1)
            a.wait_routes(1)
            time.sleep(1.2)
            self.assertEqual(bad.routez()["num_routes"], 0)
            self.assertEqual(a.routez()["num_routes"], 1)
            raw = Conn(a.cluster_port)
            info = raw.read_info()
            self.assertTrue(info["auth_required"])
            raw.send(b'CONNECT {"user":"ruser","pass":"nope","name":"NX","cluster":"c1"}\r\n')
            raw.expect(b"-ERR 'Authorization Violation'\r\n")
            raw.expect_closed()
        finally:
            bad.stop()
            good.stop()
            a.stop()

    def test_client_on_the_route_port_is_refused(self):
        with Node(name="A") as a:
            raw = Conn(a.cluster_port)
            info = raw.read_info()
            self.assertEqual(info["proto"], 2)
            self.assertEqual(info["cluster"], "c1")
            raw.send(b'CONNECT {"verbose":false,"lang":"python","version":"1"}\r\n')
            raw.expect(b"-ERR 'attempted to connect to route port'\r\n")
            raw.expect_closed()

    def test_route_ping_answered_and_garbage_closes(self):
        with Node(name="A") as a:
            raw = Conn(a.cluster_port)
            raw.read_info()
            raw.send(b'CONNECT {"name":"NFAKE","cluster":"c1","headers":true}\r\nPING\r\n')
            raw.expect(b"PONG\r\n")
            raw.send(b"SUB foo 1\r\n")  # a client op on a route
            raw.expect_closed()


def fake_peer(node, server_id=b"NFAKEPEER", interest=b""):
    """A raw route connection that completes the handshake as a peer server would."""
    raw = Conn(node.cluster_port)
    raw.read_info()
    info = (b'{"server_id":"%s","server_name":"fake","version":"2.9.10","proto":2,"host":"127.0.0.1",'
            b'"port":1,"headers":true,"max_payload":1048576,"cluster":"c1"}' % server_id)
    raw.send(b'CONNECT {"echo":true,"verbose":false,"pedantic":false,"tls_required":false,"headers":true,'
             b'"name":"%s","cluster":"c1"}\r\nINFO %s\r\n%s' % (server_id, info, interest))
    return raw


class RouteHealth(unittest.TestCase):
    def test_a_peer_that_never_answers_pings_is_stale(self):
        with tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False) as f:
            f.write("ping_interval: \"1s\"\nping_max: 2\n")
        self.addCleanup(os.unlink, f.name)
        with Node(name="A", extra=["-c", f.name]) as a:
            raw = fake_peer(a)
            a.wait_routes(1)
            started = time.monotonic()
            pings = 0
            while True:
                line = raw.read_until(b"\r\n", timeout=10)
                if line == b"PING\r\n":
                    pings += 1
                    continue
                if line.startswith(b"RS+") or line.startswith(b"INFO"):
                    continue
                self.assertEqual(line, b"-ERR 'Stale Connection'\r\n")
                break
            self.assertEqual(pings, 2)
            self.assertLess(time.monotonic() - started, 8)
            raw.expect_closed()
            a.wait_routes(0)

    def test_a_route_that_stops_reading_is_cut_and_nobody_else_waits(self):
        # nats-server #659: a slow route under fan-out. The route has no max_pending; its stalled
        # socket passes write_deadline and it is closed, while local subscribers get everything.
        with tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False) as f:
            f.write("write_deadline: \"1s\"\n")
        self.addCleanup(os.unlink, f.name)
        node = Node(name="A", extra=["-c", f.name])
        if node.is_zats:
            node.extra += ["--cores", "2"]  # the route and the clients on different workers too
        with node as a:
            base = a.client_subscriptions()  # nats-server counts its own internal ones
            raw = fake_peer(a, interest=b"RS+ $G fan.>\r\n")
            raw.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            a.wait_subscriptions(base + 1)
            local = a.client()
            local.send(b"SUB fan.> 1\r\n")
            sync(local)
            pub = a.client()
            payload = b"x" * 8192
            sent = received = 0
            deadline = time.monotonic() + 20
            while a.routez()["num_routes"] == 1 and time.monotonic() < deadline:
                pub.send(b"".join(b"PUB fan.x %d\r\n%s\r\n" % (len(payload), payload) for _ in range(100)))
                sync(pub)
                sent += 100
                received += len(read_payloads(local, b"fan.x", quiet=0.05))
            self.assertEqual(a.routez()["num_routes"], 0, "the stalled route was not cut")
            received += len(read_payloads(local, b"fan.x", quiet=0.5))
            self.assertEqual(received, sent)  # the local subscriber lost nothing
            self.assertGreaterEqual(a.varz()["slow_consumers"], 1)


class Reload(unittest.TestCase):
    def test_sighup_adds_and_removes_routes(self):
        a = Node(name="A").start()
        c = Node(name="C").start()
        with tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False) as f:
            path = f.name
        self.addCleanup(os.unlink, path)

        def write(routes):
            with open(path, "w") as out:
                out.write("cluster { routes: [%s] }\n" % ", ".join('"%s"' % r.route_url() for r in routes))

        write([a])
        b = Node(name="B", extra=["-c", path]).start()
        try:
            b.wait_routes(1)
            self.assertEqual(b.routez()["routes"][0]["remote_id"], a.server_id())
            write([c])
            b.proc.send_signal(signal.SIGHUP)
            wait_for("B to swap A for C", lambda: [r["remote_id"] for r in b.routez()["routes"]] == [c.server_id()])
            a.wait_routes(0)
            time.sleep(1.5)  # a removed route is not dialled again
            self.assertEqual(a.routez()["num_routes"], 0)
            self.assertEqual(b.varz()["cluster"]["urls"], ["127.0.0.1:%d" % c.cluster_port])
        finally:
            b.stop()
            c.stop()
            a.stop()


class ClientUrls(unittest.TestCase):
    def test_connect_urls_and_async_info_as_nodes_come_and_go(self):
        a = Node(name="A").start()
        try:
            c = a.client()
            self.assertNotIn("connect_urls", c.info)  # no peer yet
            b = Node(name="B", routes=[a]).start()
            info = c.read_info(timeout=10)
            self.assertEqual(sorted(info["connect_urls"]),
                             sorted(["127.0.0.1:%d" % a.port, "127.0.0.1:%d" % b.port]))
            # Every worker hears of the change a moment later; a client connecting meanwhile gets
            # the update after its first PING.
            wait_for("new clients to get B's URL",
                     lambda: "127.0.0.1:%d" % b.port in a.client().info.get("connect_urls", []))
            old = a.client(b'{"verbose":false,"pedantic":false}')  # protocol 0: no async INFO
            b.stop()
            info = c.read_info(timeout=10)
            self.assertEqual(info["connect_urls"], ["127.0.0.1:%d" % a.port])
            old.expect_nothing(0.3)
        finally:
            a.stop()

    def test_no_advertise_keeps_peers_out_of_connect_urls(self):
        a = Node(name="A", extra=["--no_advertise"]).start()
        b = Node(name="B", routes=[a], extra=["--no_advertise"]).start()
        try:
            a.wait_routes(1)
            c = a.client()
            self.assertNotIn("127.0.0.1:%d" % b.port, c.info.get("connect_urls", []))
            raw = Conn(b.cluster_port)
            self.assertNotIn("connect_urls", raw.read_info())
        finally:
            b.stop()
            a.stop()


class LameDuck(unittest.TestCase):
    def test_peers_stop_offering_a_lame_duck_node(self):
        a = Node(name="A").start()
        b = Node(name="B", routes=[a]).start()
        try:
            a.wait_routes(1)
            lame_duck_notices(self, a, b)
        finally:
            b.stop()
            a.stop()


class Accounts(unittest.TestCase):
    CONFIG = """
accounts {
  A { users = [ {user: alice, password: a} ] }
  B { users = [ {user: bob, password: b} ] }
}
"""

    def test_accounts_stay_apart_across_the_route(self):
        with tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False) as f:
            f.write(self.CONFIG)
            path = f.name
        a = Node(name="A", extra=["-c", path]).start()
        b = Node(name="B", routes=[a], extra=["-c", path]).start()
        try:
            a.wait_routes(1)
            alice_b = b.client(b'{"verbose":false,"user":"alice","pass":"a"}')
            bob_b = b.client(b'{"verbose":false,"user":"bob","pass":"b"}')
            alice_b.send(b"SUB s 1\r\n")
            sync(alice_b)
            bob_b.send(b"SUB s 1\r\n")
            sync(bob_b)
            alice_a = a.client(b'{"verbose":false,"user":"alice","pass":"a"}')
            wait_interest(alice_a, alice_b, b"s", b"1")
            bob_a = a.client(b'{"verbose":false,"user":"bob","pass":"b"}')
            wait_interest(bob_a, bob_b, b"s", b"1")
            drain_probes(alice_b, b"s")
            alice_a.send(b"PUB s 5\r\nalice\r\n")
            sync(alice_a)
            alice_b.expect(msg(b"s", b"1", b"alice"))
            bob_b.expect_nothing(0.3)
            routez = a.routez(subs=True)
            self.assertEqual(client_interest(routez["routes"][0]), 2)
        finally:
            b.stop()
            a.stop()
            os.unlink(path)


if __name__ == "__main__":
    run_tests()
