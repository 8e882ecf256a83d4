#!/usr/bin/env python3
# Mixed clusters of zats and Debian's nats-server 2.9.10 (docs/compatibility.md, Clustering): a
# rolling migration must work node by node. zats dials nats-server and nats-server dials zats;
# 2+1 and 1+2 mixes complete the mesh by gossip; messages, wildcards, headers and queue groups
# (each message to exactly one member cluster-wide) cross in every direction; interest
# removal propagates; either side restarting re-forms the routes and re-syncs interest; accounts
# stay apart across the route; a node entering lame duck mode is dropped from the other's client
# URLs either way; the $SYS traffic a Go peer sends is tolerated; and every server answers the
# system account's monitoring requests made on either side.
import json
import os
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import run_tests  # noqa: E402
from cluster_harness import Node, drain_probes, lame_duck_notices, read_payloads, reference_binary, wait_for, wait_interest  # noqa: E402

NATS = reference_binary()


def msg(subject, sid, payload, reply=b""):
    return b"MSG %s %s %s%d\r\n%s\r\n" % (subject, sid, reply + b" " if reply else b"", len(payload), payload)


@unittest.skipIf(NATS is None, "Debian's nats-server is not installed")
class Mixed(unittest.TestCase):
    def start(self, *nodes):
        for n in nodes:
            n.start()
            self.addCleanup(n.stop)
        return nodes

    def mesh(self, nodes):
        for n in nodes:
            n.wait_routes(len(nodes) - 1)

    def mixed_pair(self, config):
        """A zats node Z and a nats-server node N dialling it, both started with the
        configuration `config` (its text) and routed."""
        with tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False) as f:
            f.write(config)
        self.addCleanup(os.unlink, f.name)
        z = Node(name="Z", extra=["-c", f.name])
        n = Node(NATS, name="N", routes=[z], extra=["-c", f.name])
        self.start(z, n)
        self.mesh([z, n])
        return z, n

    def queue_exactly_once(self, pub_node, nodes):
        members = []
        for n in nodes:
            for _ in range(2):
                m = n.client()
                m.send(b"SUB job grp 1\r\n")
                m.ping()
                members.append(m)
        watcher = nodes[-1].client()
        watcher.send(b"SUB job 7\r\n")
        watcher.ping()
        pub = pub_node.client()
        wait_interest(pub, watcher, b"job", b"7")
        for m in members:
            drain_probes(m, b"job")
        count = 300
        pub.send(b"".join(b"PUB job %d\r\n%d\r\n" % (len(b"%d" % k), k) for k in range(count)))
        pub.ping()
        for k in range(count):
            watcher.expect(msg(b"job", b"7", b"%d" % k))
        got = []
        for m in members:
            got += [int(p) for p in read_payloads(m, b"job")]
        self.assertEqual(sorted(got), list(range(count)))

    def pub_sub_everywhere(self, nodes):
        subs = []
        for n in nodes:
            s = n.client()
            s.send(b"SUB mix.> 1\r\n")
            s.ping()
            subs.append(s)
        for pub_node in nodes:
            pub = pub_node.client()
            for s in subs:
                wait_interest(pub, s, b"mix.probe", b"1")
            for s in subs:
                drain_probes(s, b"mix.probe")
            pub.send(b"PUB mix.a.b 2\r\nhi\r\nHPUB mix.h rep 12 14\r\nNATS/1.0\r\n\r\nhi\r\n")
            pub.ping()
            for s in subs:
                s.expect(msg(b"mix.a.b", b"1", b"hi") + b"HMSG mix.h 1 rep 12 14\r\nNATS/1.0\r\n\r\nhi\r\n")

    def test_zats_dials_nats_server(self):
        n = Node(NATS, name="N")
        z = Node(name="Z", routes=[n])
        self.start(n, z)
        self.mesh([n, z])
        self.pub_sub_everywhere([n, z])
        self.queue_exactly_once(z, [n, z])
        self.queue_exactly_once(n, [n, z])

    def test_nats_server_dials_zats(self):
        z = Node(name="Z")
        n = Node(NATS, name="N", routes=[z])
        self.start(z, n)
        self.mesh([z, n])
        self.pub_sub_everywhere([z, n])
        self.queue_exactly_once(n, [z, n])

    def test_two_zats_one_nats_server_by_gossip(self):
        z1 = Node(name="Z1")
        n = Node(NATS, name="N", routes=[z1])
        z2 = Node(name="Z2", routes=[n])  # learns about Z1 from N's gossip
        self.start(z1, n, z2)
        self.mesh([z1, n, z2])
        self.pub_sub_everywhere([z1, n, z2])
        self.queue_exactly_once(z2, [z1, n, z2])

    def test_one_zats_two_nats_servers_by_gossip(self):
        n1 = Node(NATS, name="N1")
        z = Node(name="Z", routes=[n1])
        n2 = Node(NATS, name="N2", routes=[z])  # learns about N1 from Z's gossip
        self.start(n1, z, n2)
        self.mesh([n1, z, n2])
        self.pub_sub_everywhere([n1, z, n2])
        self.queue_exactly_once(n1, [n1, z, n2])

    def test_interest_removal_crosses_both_ways(self):
        z = Node(name="Z")
        n = Node(NATS, name="N", routes=[z])
        self.start(z, n)
        self.mesh([z, n])
        for sub_node, pub_node in ((n, z), (z, n)):
            sub = sub_node.client()
            sub.send(b"SUB rm.a 1\r\nSUB rm.b 2\r\n")
            sub.ping()
            pub = pub_node.client()
            wait_interest(pub, sub, b"rm.a", b"1")
            before = pub_node.varz()["subscriptions"]
            sub.send(b"UNSUB 1\r\n")
            sub.ping()
            wait_for("the UNSUB to cross", lambda: pub_node.varz()["subscriptions"] == before - 1)
            pub.send(b"PUB rm.a 1\r\nx\r\nPUB rm.b 1\r\ny\r\n")
            pub.ping()
            sub.expect(msg(b"rm.b", b"2", b"y"))
            sub.close()
            wait_for("the close to cross", lambda: pub_node.varz()["subscriptions"] == before - 2)

    def test_restart_either_side(self):
        z = Node(name="Z")
        n = Node(NATS, name="N", routes=[z])
        self.start(z, n)
        self.mesh([z, n])
        for restarted, other in ((z, n), (n, z)):
            keep = other.client()
            keep.send(b"SUB rs 1\r\n")
            keep.ping()
            restarted.stop()
            other.wait_routes(0)
            again = Node(restarted.binary, name=restarted.name, routes=restarted.routes)
            again.port, again.cluster_port, again.http_port = restarted.port, restarted.cluster_port, restarted.http_port
            again.start()
            self.addCleanup(again.stop)
            again.wait_routes(1)
            other.wait_routes(1)
            pub = again.client()
            wait_interest(pub, keep, b"rs", b"1")  # the old interest re-synced to the new node
            sub = again.client()
            sub.send(b"SUB back 2\r\n")
            sub.ping()
            wait_interest(other.client(), sub, b"back", b"2")
            keep.close()
            if restarted is z:
                z = again
            else:
                n = again

    def test_lame_duck_notices_cross_both_ways(self):
        for leaving_binary, staying_binary in ((NATS, None), (None, NATS)):
            leaving = Node(leaving_binary, name="L")
            self.start(leaving)
            staying = Node(staying_binary, name="S", routes=[leaving])
            self.start(staying)
            self.mesh([leaving, staying])
            lame_duck_notices(self, leaving, staying)
            staying.stop()
            leaving.stop()

    def test_accounts_stay_apart(self):
        config = ("accounts {\n  A { users = [ {user: alice, password: a} ] }\n"
                  "  B { users = [ {user: bob, password: b} ] }\n}\n")
        z, n = self.mixed_pair(config)
        alice_n = n.client(b'{"verbose":false,"user":"alice","pass":"a"}')
        bob_n = n.client(b'{"verbose":false,"user":"bob","pass":"b"}')
        for c in (alice_n, bob_n):
            c.send(b"SUB s 1\r\n")
            c.ping()
        alice_z = z.client(b'{"verbose":false,"user":"alice","pass":"a"}')
        wait_interest(alice_z, alice_n, b"s", b"1")
        bob_z = z.client(b'{"verbose":false,"user":"bob","pass":"b"}')
        wait_interest(bob_z, bob_n, b"s", b"1")
        drain_probes(alice_n, b"s")
        alice_z.send(b"PUB s 5\r\nalice\r\n")
        alice_z.ping()
        alice_n.expect(msg(b"s", b"1", b"alice"))
        bob_n.expect_nothing(0.3)

    def test_sys_account_traffic_from_a_go_peer_is_tolerated(self):
        z = Node(name="Z")
        n = Node(NATS, name="N", routes=[z])
        self.start(z, n)
        self.mesh([z, n])
        # nats-server sends RS+ $SYS ... for its internal subscriptions; zats keeps them in its
        # own $SYS account and the route stays up.
        wait_for("Z to record N's $SYS interest", lambda: z.routez(subs=True)["routes"][0]["subscriptions"] > 0)
        self.assertEqual(z.routez()["num_routes"], 1)

    def test_system_services_answer_from_both_sides(self):
        config = ("accounts {\n  A { users = [ {user: alice, password: a} ] }\n"
                  "  SYS { users = [ {user: sys, password: s} ] }\n}\nsystem_account: SYS\n")
        z, n = self.mixed_pair(config)

        def answers(node, user, password, subject):
            """The servers that answer `subject` asked on `node`, once both have (the services'
            interest crosses the route in flight)."""
            c = node.client(b'{"verbose":false,"user":"%s","pass":"%s"}' % (user, password))
            self.addCleanup(c.close)
            c.send(b"SUB inbox.> 1\r\n")
            c.ping()
            deadline = time.monotonic() + 10
            for attempt in range(1000):
                inbox = b"inbox.%d" % attempt
                c.send(b"PUB %s %s 0\r\n\r\n" % (subject, inbox))
                seen = {}
                for payload in read_payloads(c, inbox, quiet=0.3):
                    answer = json.loads(payload)
                    seen[answer["server"]["name"]] = answer
                if len(seen) == 2 or time.monotonic() > deadline:
                    return seen
            return seen

        for node in (z, n):
            statsz = answers(node, b"sys", b"s", b"$SYS.REQ.SERVER.PING")
            self.assertEqual(sorted(statsz), ["N", "Z"])
            self.assertGreaterEqual(statsz[node.name]["statsz"]["connections"], 1)
            # An account's own connections, through the import every account has.
            connz = answers(node, b"alice", b"a", b"$SYS.REQ.SERVER.PING.CONNZ")
            self.assertEqual(sorted(connz), ["N", "Z"])
            self.assertEqual(connz[node.name]["data"]["num_connections"], 1)


if __name__ == "__main__":
    run_tests()
