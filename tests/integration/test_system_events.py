#!/usr/bin/env python3
# The system account's client events (docs/compatibility.md, System account events): a login into
# an account other than the global one is announced on $SYS.ACCOUNT.<account>.CONNECT, its end on
# $SYS.ACCOUNT.<account>.DISCONNECT (with what the client sent and received, and why it closed),
# and a refused login on $SYS.SERVER.<server id>.CLIENT.AUTH.ERR; a system account user receives
# them like any message. Each event is compared with nats-server's field by field: the event ids,
# times, sequence numbers, the server id, cids and round trips by form only. Across a route, a
# system account user on one zats server hears about the clients of the other.
import json
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Server, run_tests  # noqa: E402
from authconf import TempConfig, connect_json  # noqa: E402
from cluster_harness import routed_pair, wait_interest  # noqa: E402

CONF = """
server_name: events
server_tags: ["Region:East"]
authorization { users = [ {user: g, password: g} ] }
accounts {
  A { users = [ {user: a, password: a} ] }
  SYS { users = [ {user: sys, password: sys} ] }
}
system_account: SYS
"""

EVENT_SUBJECTS = ["$SYS.ACCOUNT.*.CONNECT", "$SYS.ACCOUNT.*.DISCONNECT", "$SYS.SERVER.*.CLIENT.AUTH.ERR"]
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def login(test, server, user, **extra):
    c = harness.Conn(server.port)
    test.addCleanup(c.close)
    c.read_info()
    c.send(b"CONNECT " + connect_json(user, user, headers=True, **extra) + b"\r\nPING\r\n")
    return c


def read_event(conn, line):
    """(subject, event) of the MSG whose first line is `line`."""
    parts = line.split()
    assert parts[0] == "MSG", line
    size = int(parts[-1])
    payload = conn.read_until(b"\r\n")
    assert len(payload) == size + 2, (line, payload)
    return parts[1], json.loads(payload)


def is_own(event):
    """nats-server sends its events from a goroutine of their own, so the listener's own CONNECT
    event may come after its SUB took effect, before or after its PONG; it is not part of any
    scenario here."""
    return event["client"].get("acc") == "SYS"


def next_event(conn):
    """(subject, event) of the next MSG on `conn` about a client outside the system account."""
    while True:
        subject, event = read_event(conn, conn.read_until(b"\r\n").decode())
        if not is_own(event):
            return subject, event


def sync(conn):
    """A round trip to the server that lets the listener's own events pass."""
    conn.send(b"PING\r\n")
    while True:
        line = conn.read_until(b"\r\n").decode()
        if line == "PONG\r\n":
            return
        subject, event = read_event(conn, line)
        assert is_own(event), (subject, event)


class Checked:
    """Takes the values that differ between runs and servers out of an event, after checking
    their form; what is left must be the same on both servers."""

    def __init__(self, test):
        self.test = test
        self.seqs = []

    def __call__(self, subject, event):
        t = self.test
        server = event["server"]
        t.assertRegex(event.pop("id"), r"^[0-9A-Za-z]{22}$")
        t.assertRegex(event.pop("timestamp"), RFC3339)
        t.assertRegex(server.pop("time"), RFC3339)
        server_id = server.pop("id")
        t.assertRegex(server_id, r"^N[A-Z0-9]{55}$")
        self.seqs.append(server.pop("seq"))
        client = event["client"]
        t.assertRegex(client.pop("start"), RFC3339)
        t.assertIsInstance(client.pop("id"), int)
        if event["type"].endswith("client_disconnect"):
            t.assertRegex(client.pop("stop"), RFC3339)
            t.assertGreater(client.pop("rtt"), 0)
        return subject.replace(server_id, "<id>"), event


class ClientEvents(unittest.TestCase):
    def observe(self, binary):
        cfg = TempConfig(CONF)
        self.addCleanup(cfg.cleanup)
        s = Server("-c", cfg.path, binary=binary).start()
        self.addCleanup(s.__exit__, None, None, None)
        check = Checked(self)
        sys_user = login(self, s, "sys")
        sys_user.expect(b"PONG\r\n")
        for sid, subject in enumerate(EVENT_SUBJECTS, 1):
            sys_user.send(b"SUB %s %d\r\n" % (subject.encode(), sid))
        sync(sys_user)
        seen = []
        # The global account's clients are not announced.
        g = login(self, s, "g")
        g.expect(b"PONG\r\n")
        # A's client: its login, then its end with its traffic (one message each way).
        a = login(self, s, "a", name="worker-1", lang="python", version="9.9")
        a.expect(b"PONG\r\n")
        seen.append(check(*next_event(sys_user)))
        a.send(b"SUB x 1\r\nPUB x 5\r\nhello\r\nPING\r\n")
        a.expect(b"MSG x 1 5\r\nhello\r\nPONG\r\n")
        a.close()
        seen.append(check(*next_event(sys_user)))
        # A refused login, and one that names an account in its CONNECT (logged in, then refused).
        bad = login(self, s, "nope", name="intruder")
        bad.expect(b"-ERR 'Authorization Violation'\r\n")
        seen.append(check(*next_event(sys_user)))
        named = login(self, s, "a", account="A")
        named.expect(b"-ERR 'Authorization Violation'\r\n")
        for _ in range(3):  # its CONNECT, the refusal, its DISCONNECT
            seen.append(check(*next_event(sys_user)))
        g.close()
        sys_user.expect_nothing()
        self.assertEqual(check.seqs, sorted(check.seqs))
        return seen

    def test_events_match_the_reference(self):
        mine = self.observe(harness.server_binary())
        self.assertEqual([subject for subject, _ in mine],
                         ["$SYS.ACCOUNT.A.CONNECT", "$SYS.ACCOUNT.A.DISCONNECT", "$SYS.SERVER.<id>.CLIENT.AUTH.ERR",
                          "$SYS.ACCOUNT.A.CONNECT", "$SYS.SERVER.<id>.CLIENT.AUTH.ERR", "$SYS.ACCOUNT.A.DISCONNECT"])
        connect, disconnect, refused = mine[0][1], mine[1][1], mine[2][1]
        self.assertEqual(connect["server"], {"name": "events", "host": "127.0.0.1", "ver": "2.9.10",
                                             "tags": ["region:east"], "jetstream": False})
        self.assertEqual(connect["client"], {"host": "127.0.0.1", "acc": "A", "user": "a", "name": "worker-1",
                                             "lang": "python", "ver": "9.9", "kind": "Client", "client_type": "nats"})
        self.assertEqual((disconnect["sent"], disconnect["received"], disconnect["reason"]),
                         ({"msgs": 1, "bytes": 5}, {"msgs": 1, "bytes": 5}, "Client Closed"))
        self.assertEqual((refused["client"]["acc"], refused["client"]["user"], refused["reason"]),
                         ("$G", "nope", "Authentication Failure"))
        ref = harness.reference_binary()
        if ref is None:
            self.skipTest("nats-server is not installed (or is the server under test)")
        theirs = self.observe(ref)
        for (my_subject, my_event), (their_subject, their_event) in zip(mine, theirs):
            self.assertEqual((my_subject, my_event), (their_subject, their_event))


class AcrossARoute(unittest.TestCase):
    def test_a_client_of_the_other_server_is_announced(self):
        if not harness.is_zats():
            self.skipTest("zats-only: the cluster is made of the server under test")
        cfg = TempConfig(CONF)
        self.addCleanup(cfg.cleanup)
        first, second = routed_pair(self, cfg.path)
        listener = login(self, first, "sys")
        listener.expect(b"PONG\r\n")
        # Interest goes out in order: once the probe's has crossed, so has the events'.
        listener.send(b"SUB $SYS.ACCOUNT.A.CONNECT 1\r\nSUB probe 2\r\n")
        listener.ping()
        prober = login(self, second, "sys")
        prober.expect(b"PONG\r\n")
        wait_interest(prober, listener, b"probe", b"2")
        a = login(self, second, "a", name="far")
        a.expect(b"PONG\r\n")
        subject, event = next_event(listener)
        self.assertEqual(subject, "$SYS.ACCOUNT.A.CONNECT")
        self.assertEqual((event["server"]["name"], event["server"]["cluster"], event["client"]["name"]),
                         ("n2", "c1", "far"))
        self.assertEqual(event["server"]["id"], second.server_id())


if __name__ == "__main__":
    run_tests()
