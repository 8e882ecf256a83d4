#!/usr/bin/env python3
# The system account's monitoring services (docs/compatibility.md, System account services): a
# request on $SYS.REQ.SERVER.PING[.<ENDPOINT>], $SYS.REQ.SERVER.<server id>.<ENDPOINT> or
# $SYS.REQ.ACCOUNT.<account>.<WHAT> made by a system account user is answered on its reply with
# {"server": ..., "data": ...} (statsz for the statistics), with the endpoint's options and the
# server filter read from the request's JSON. Each answer is compared with nats-server's: the
# envelope's fields, the data's fields, and the values that do not depend on the server's inner
# workings (nats-server counts its own internal subscriptions, zats has none). Across workers and
# across a route, every server answers a PING, and a request naming one server reaches it.
import json
import os
import subprocess
import sys
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Server, run_tests  # noqa: E402
from authconf import TempConfig, connect_json  # noqa: E402
from cluster_harness import routed_pair, wait_interest  # noqa: E402

CONF = """
server_name: services
server_tags: ["Region:East", "tier:1"]
authorization { users = [ {user: g, password: g} ] }
accounts {
  A { users = [ {user: a, password: a} ] }
  SYS { users = [ {user: sys, password: sys} ] }
}
system_account: SYS
"""

SERVER_FIELDS = ["name", "host", "id", "ver", "tags", "seq", "jetstream", "time"]


def login(test, port, user):
    c = harness.Conn(port)
    test.addCleanup(c.close)
    c.read_info()
    c.send(b"CONNECT " + connect_json(user, user, headers=True) + b"\r\nPING\r\n")
    c.expect(b"PONG\r\n")
    return c


class Requester:
    """A system account user that asks on inbox.<n> and reads the answers that come."""

    def __init__(self, test, port, user="sys"):
        self.conn = login(test, port, user)
        self.conn.send(b"SUB inbox.> 1\r\n")
        self.conn.ping()
        self.count = 0

    def ask(self, subject, payload=b"", reply=True):
        self.count += 1
        inbox = b"inbox.%d" % self.count
        self.conn.send(b"PUB %s %s %d\r\n%s\r\n" % (subject.encode(), inbox if reply else b"", len(payload), payload))
        return inbox

    def answers(self, inbox, expected, quiet=0.3):
        """The JSON answers on `inbox`: `expected` of them, then nothing more for `quiet` s."""
        out = []
        for _ in range(expected):
            out.append(self._read(inbox, harness.DEFAULT_TIMEOUT))
        extra = self._read(inbox, quiet, none_ok=True)
        assert extra is None, extra
        return out

    def request(self, subject, payload=b""):
        """The one answer of this server, or None when it does not answer."""
        inbox = self.ask(subject, payload)
        answer = self._read(inbox, 0.5, none_ok=True)
        if answer is not None:
            assert self._read(inbox, 0.2, none_ok=True) is None
        return answer

    def _read(self, inbox, timeout, none_ok=False):
        line = b"PING\r\n"
        while line == b"PING\r\n":  # the server's own keep-alive, on a long test
            try:
                line = self.conn.read_until(b"\r\n", timeout=timeout)
            except AssertionError:
                if none_ok:
                    return None
                raise
            if line == b"PING\r\n":
                self.conn.send(b"PONG\r\n")
        parts = line.split()
        assert parts[0] == b"MSG" and parts[1] == inbox, (line, inbox)
        payload = self.conn.read_until(b"\r\n")
        assert len(payload) == int(parts[-1]) + 2, (line, payload)
        return json.loads(payload)


def start(test, binary, *extra):
    cfg = TempConfig(CONF)
    test.addCleanup(cfg.cleanup)
    s = Server("-c", cfg.path, *extra, binary=binary).start()
    test.addCleanup(s.__exit__, None, None, None)
    return s


# What each request's answer must show on both servers: (subject, payload, check), where check
# takes the answer and returns what must be equal.
def keys(d):
    return sorted(d.keys()) if isinstance(d, dict) else d


def data_keys(answer):
    return keys(answer), keys(answer.get("data"))


CASES = [
    ("$SYS.REQ.SERVER.PING", b"", lambda a: (keys(a), keys(a["statsz"]), a["statsz"]["connections"],
                                           a["statsz"]["total_connections"], a["statsz"]["active_accounts"])),
    ("$SYS.REQ.SERVER.PING.STATSZ", b"", lambda a: (keys(a), keys(a["statsz"]))),
    ("$SYS.REQ.SERVER.PING.VARZ", b"", lambda a: (keys(a), a["data"]["server_name"], a["data"]["tags"],
                                                a["data"]["system_account"], a["data"]["connections"])),
    ("$SYS.REQ.SERVER.PING.CONNZ", b'{"subscriptions": true}',
     lambda a: (data_keys(a), a["data"]["num_connections"],
                [(c["subscriptions"], sorted(c.get("subscriptions_list", []))) for c in a["data"]["connections"]])),
    ("$SYS.REQ.SERVER.PING.CONNZ", b'{"acc": "A", "auth": true}',
     lambda a: (data_keys(a), [(c["account"], c["authorized_user"]) for c in a["data"]["connections"]])),
    ("$SYS.REQ.SERVER.PING.CONNZ", b'{"sort": "bogus"}', lambda a: a),
    ("$SYS.REQ.SERVER.PING.CONNZ", b'{"limit": "x"}', lambda a: (keys(a), a["error"]["code"])),
    ("$SYS.REQ.SERVER.PING.CONNZ", b'{bad', lambda a: (keys(a), a["error"]["code"])),
    ("$SYS.REQ.SERVER.PING.SUBSZ", b'{"subscriptions": true, "account": "A"}',
     lambda a: (data_keys(a), sorted((s["account"], s["subject"], s["sid"]) for s in a["data"]["subscriptions_list"]
                                     if not s["subject"].startswith("$SYS.")))),
    ("$SYS.REQ.SERVER.PING.ROUTEZ", b"", lambda a: a["data"]),
    ("$SYS.REQ.SERVER.PING.GATEWAYZ", b"", lambda a: a["data"]),
    ("$SYS.REQ.SERVER.PING.LEAFZ", b"", lambda a: a["data"]),
    ("$SYS.REQ.SERVER.PING.ACCOUNTZ", b"", lambda a: dict(a["data"], accounts=sorted(a["data"]["accounts"]))),
    ("$SYS.REQ.SERVER.PING.ACCOUNTZ", b'{"account": "nope"}', lambda a: a),
    ("$SYS.REQ.SERVER.PING.JSZ", b"", lambda a: a["data"]),
    ("$SYS.REQ.SERVER.PING.JSZ", b'{"leader_only": true}', lambda a: a),
    ("$SYS.REQ.SERVER.PING.HEALTHZ", b"", lambda a: a["data"]),
    ("$SYS.REQ.SERVER.PING.IDZ", b"", lambda a: a),
    ("$SYS.REQ.ACCOUNT.A.CONNZ", b"", lambda a: (data_keys(a), [c["cid"] > 0 for c in a["data"]["connections"]])),
    ("$SYS.REQ.ACCOUNT.A.SUBSZ", b"",
     lambda a: sorted(s["subject"] for s in a["data"]["subscriptions_list"] if not s["subject"].startswith("$SYS."))),
    ("$SYS.REQ.ACCOUNT.A.STATZ", b"", lambda a: a["data"]["account_statz"]),
    ("$SYS.REQ.ACCOUNT.G.STATZ", b"", lambda a: a),
    ("$SYS.REQ.ACCOUNT.PING.STATZ", b'{"accounts": ["A"]}', lambda a: a["data"]["account_statz"]),
    ("$SYS.REQ.ACCOUNT.PING.STATZ", b'{"accounts": ["G"], "include_unused": true}',
     lambda a: [(s["acc"], s["conns"]) for s in a["data"]["account_statz"]]),
    ("$SYS.REQ.ACCOUNT.A.INFO", b"",
     lambda a: {k: sorted(v, key=json.dumps) if k == "imports" else v
                for k, v in a["data"].items() if k not in ("update_time", "subscriptions", "sublist_stats")}),
    ("$SYS.REQ.ACCOUNT.nope.INFO", b"", lambda a: a),
    ("$SYS.REQ.ACCOUNT.A.JSZ", b"", lambda a: a),
    ("$SYS.REQ.ACCOUNT.A.LEAFZ", b"", lambda a: a["data"]),
]

# Asked by a user of account A: what every account imports from the system account.
ACCOUNT_CASES = [
    ("$SYS.REQ.ACCOUNT.PING.CONNZ", b"",
     lambda a: (data_keys(a), a["data"]["num_connections"], [c["cid"] > 0 for c in a["data"]["connections"]])),
    ("$SYS.REQ.SERVER.PING.CONNZ", b'{"subscriptions": true}',
     lambda a: (a["data"]["num_connections"], sorted(sorted(c.get("subscriptions_list", [])) for c in a["data"]["connections"]))),
    ("$SYS.REQ.ACCOUNT.PING.STATZ", b"", lambda a: [(s["acc"], s["conns"]) for s in a["data"]["account_statz"]]),
    ("$SYS.REQ.SERVER.PING", b"", lambda a: a),
    ("$SYS.REQ.ACCOUNT.A.CONNZ", b"", lambda a: a),
]

# Values of an answer that differ from run to run and server to server.
VOLATILE = {"server_id", "now", "id", "time", "seq", "start", "host"}


def scrub(value):
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    return value


class ServerServices(unittest.TestCase):
    maxDiff = None

    def observe(self, binary):
        s = start(self, binary)
        a = login(self, s.port, "a")
        a.send(b"SUB work.* 1\r\nSUB other 2\r\nPUB work.1 5\r\nhello\r\nPING\r\n")
        a.expect(b"MSG work.1 1 5\r\nhello\r\nPONG\r\n")
        login(self, s.port, "g")
        sys_user = Requester(self, s.port)
        a_user = Requester(self, s.port, user="a")
        seen = []
        for requester, (subject, payload, check) in [(sys_user, c) for c in CASES] + [(a_user, c) for c in ACCOUNT_CASES]:
            answer = requester.request(subject, payload)
            if answer is not None:
                self.assertEqual(list(answer["server"].keys()), SERVER_FIELDS, subject)
                self.assertEqual((answer["server"]["name"], answer["server"]["tags"]),
                                 ("services", ["region:east", "tier:1"]))
                if "error" in answer:
                    answer["error"].pop("description")
                    answer.pop("data", None)
                answer = scrub(check(answer))
            seen.append((subject, payload, answer))
        return seen

    def test_answers_match_the_reference(self):
        mine = self.observe(harness.server_binary())
        answered = [subject for subject, _, answer in mine if answer is not None]
        self.assertIn("$SYS.REQ.SERVER.PING.CONNZ", answered)
        ref = harness.reference_binary()
        if ref is None:
            self.skipTest("nats-server is not installed (or is the server under test)")
        theirs = self.observe(ref)
        differ = [(ours, reference) for ours, reference in zip(mine, theirs) if ours != reference]
        self.assertEqual(differ, [])

    def test_values_have_the_reference_types(self):
        """Every field both servers answer with holds the same kind of JSON value (a number, a
        string, ...), so a client decoding into nats-server's types reads zats's answers too."""
        requests = [("$SYS.REQ.SERVER.PING", b""), ("$SYS.REQ.SERVER.PING.VARZ", b""),
                    ("$SYS.REQ.SERVER.PING.CONNZ", b'{"subscriptions_detail": true, "auth": true}'),
                    ("$SYS.REQ.SERVER.PING.SUBSZ", b'{"subscriptions": true}'), ("$SYS.REQ.SERVER.PING.ROUTEZ", b""),
                    ("$SYS.REQ.ACCOUNT.A.INFO", b""), ("$SYS.REQ.ACCOUNT.A.STATZ", b"")]

        def shapes(binary):
            s = start(self, binary)
            a = login(self, s.port, "a")
            a.send(b"SUB work.* q 1\r\nPUB work.1 2\r\nhi\r\nPING\r\n")
            a.expect(b"MSG work.1 1 2\r\nhi\r\nPONG\r\n")
            sys_user = Requester(self, s.port)
            return [shape(sys_user.request(subject, payload)) for subject, payload in requests]

        ref = harness.reference_binary()
        if ref is None or not harness.is_zats():
            self.skipTest("needs zats under test and nats-server installed")
        differ = [(subject, clash) for (subject, _), mine, theirs in zip(requests, shapes(harness.server_binary()),
                                                                           shapes(ref))
                  for clash in clashes(mine, theirs, subject)]
        self.assertEqual(differ, [])

    def test_nats_servers_own_types_read_the_answers(self):
        """What the nats CLI does: nats.go asks, and each answer is decoded into nats-server's own
        Go types, no field they lack allowed (go/sys_client)."""
        program = os.path.join(os.environ.get("ZATS_GO_BIN", ""), "sys_client")
        if not os.path.exists(program):
            self.skipTest("go/sys_client was not built (no Go, nats.go or nats-server's sources)")
        # nats.go asks with headers, so a request nobody took would get a no-responders status:
        # the services' own taking must count, on worker 0 too (a single worker is worker 0).
        setups = [(b, ()) for b in harness.server_and_reference()]
        if harness.is_zats():
            setups.append((harness.server_binary(), ("--cores", "1")))
        for binary, flags in setups:
            with self.subTest(server=os.path.basename(binary), flags=flags):
                s = start(self, binary, *flags)
                login(self, s.port, "a").send(b"SUB work.* 1\r\n")
                r = subprocess.run([program, "-url", "nats://127.0.0.1:%d" % s.port, "-user", "sys:sys", "-account", "A"],
                                   capture_output=True, text=True, timeout=60)
                self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
                self.assertEqual(r.stdout.count("ok "), 14, r.stdout)

    def test_varz_counts_the_monitoring_ports_requests(self):
        """VARZ shows the monitoring port's request counts (http_req_stats), as /varz does."""
        for binary in harness.server_and_reference():
            with self.subTest(server=os.path.basename(binary)):
                port = harness.free_port()
                s = start(self, binary, "-m", str(port))
                for path in ("/varz", "/varz", "/connz"):
                    urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=10).read()
                answer = Requester(self, s.port).request("$SYS.REQ.SERVER.PING.VARZ")
                self.assertEqual(answer["data"]["http_req_stats"], {"/varz": 2, "/connz": 1})

    def test_the_filter_picks_servers(self):
        s = start(self, harness.server_binary())
        sys_user = Requester(self, s.port)
        server_id = sys_user.request("$SYS.REQ.SERVER.PING")["server"]["id"]
        picked = [b'{"server_name": "serv"}', b'{"tags": ["REGION:east"]}', b'{"tags": ["tier:1", "region:east"]}',
                  b'{"host": "0.0"}', b"{}", b"null"]
        for payload in picked:
            self.assertIsNotNone(sys_user.request("$SYS.REQ.SERVER.PING.VARZ", payload), payload)
        for payload in [b'{"server_name": "other"}', b'{"tags": ["region:west"]}', b'{"cluster": "c"}',
                        b'{"domain": "hub"}', b'{"host": "10.1"}']:
            self.assertIsNone(sys_user.request("$SYS.REQ.SERVER.PING.VARZ", payload), payload)
        self.assertIsNotNone(sys_user.request("$SYS.REQ.SERVER.%s.HEALTHZ" % server_id))
        self.assertIsNone(sys_user.request("$SYS.REQ.SERVER.NOTTHISONE.HEALTHZ"))
        # Without a reply, the statistics go out on the server's own STATSZ subject: three asked
        # for come within half a second, when the server's own come at most once in that time.
        sys_user.conn.send(b"SUB $SYS.SERVER.*.STATSZ 9\r\n")
        for line, _ in round_trip(sys_user.conn):  # the server's own, which may come any time
            self.assertTrue(is_statsz(line), line)
        for _ in range(3):
            sys_user.ask("$SYS.REQ.SERVER.PING", reply=False)
        statsz = statsz_messages(sys_user.conn, server_id, 0.5)
        self.assertGreaterEqual(len(statsz), 3)
        # Other accounts' users reach no service (they import none in zats).
        outsider = Requester(self, s.port, user="a")
        self.assertIsNone(outsider.request("$SYS.REQ.SERVER.PING"))

    def test_requests_from_every_worker(self):
        if not harness.is_zats():
            self.skipTest("zats-only: workers")
        # Round-robin: both workers take requesters; a single worker serves without the shared
        # interest index. Account A asks through its import, on both workers too.
        for flags in (["--cores", "2", "--placement", "round-robin"], ["--cores", "1"]):
            s = start(self, harness.server_binary(), *flags)
            for user in ("sys", "a", "sys", "a"):
                requester = Requester(self, s.port, user=user)
                answer = requester.request("$SYS.REQ.SERVER.PING.CONNZ")
                self.assertIsNotNone(answer, (flags, user))
                self.assertGreaterEqual(answer["data"]["num_connections"], 1)


    def test_the_statistics_come_on_their_own(self):
        s = start(self, harness.server_binary())
        listener = login(self, s.port, "sys")
        listener.send(b"SUB $SYS.SERVER.*.STATSZ 1\r\n")
        early = round_trip(listener)
        self.assertTrue(all(is_statsz(line) for line, _ in early), early)
        # First 250 ms after the start, then at doubling intervals (0.75 s, 1.75 s, 3.75 s, 7.75 s
        # after it): two come within 10 s of any moment in the first few seconds, however slowly
        # the listener got in.
        statsz = [m for _, m in early][:2]
        statsz += statsz_messages(listener, None, 10, until=2 - len(statsz)) if len(statsz) < 2 else []
        self.assertEqual(len(statsz), 2)
        seqs = [m["server"]["seq"] for m in statsz]
        self.assertEqual(seqs, sorted(seqs))
        self.assertEqual(len({m["server"]["id"] for m in statsz}), 1)


class AccountConnections(unittest.TestCase):
    def observe(self, binary):
        """A's connection events while one of its clients comes and goes, and the answers to a
        CONNS request with and without a client of A."""
        s = start(self, binary)
        listener = login(self, s.port, "sys")
        listener.send(b"SUB $SYS.ACCOUNT.*.SERVER.CONNS 1\r\nSUB $SYS.SERVER.ACCOUNT.A.CONNS 2\r\n")
        for line, event in round_trip(listener):  # only the listener's own account's, so far
            self.assertNotEqual(event["acc"], "A", line)
        seen = []
        a = login(self, s.port, "a")
        a.send(b"PUB x 5\r\nhello\r\nPING\r\n")
        a.expect(b"PONG\r\n")
        seen += account_events(listener, "A", 2)
        requester = Requester(self, s.port)
        answer = requester.request("$SYS.REQ.ACCOUNT.A.CONNS", b'{"acc": "A"}')
        seen.append(("answer", answer["type"], answer["acc"], answer["conns"], sorted(answer)))
        seen.append(("other account", requester.request("$SYS.REQ.ACCOUNT.A.CONNS", b'{"acc": "B"}')))
        a.close()
        seen += account_events(listener, "A", 2)
        seen.append(("no client", requester.request("$SYS.REQ.ACCOUNT.A.CONNS")))
        return seen

    def test_events_match_the_reference(self):
        mine = self.observe(harness.server_binary())
        self.assertEqual([event[:4] for event in mine if event[0].startswith("$SYS")],
                         [("$SYS.ACCOUNT.A.SERVER.CONNS", "A", 1, 1), ("$SYS.SERVER.ACCOUNT.A.CONNS", "A", 1, 1),
                          ("$SYS.ACCOUNT.A.SERVER.CONNS", "A", 0, 0), ("$SYS.SERVER.ACCOUNT.A.CONNS", "A", 0, 0)])
        ref = harness.reference_binary()
        if ref is None:
            self.skipTest("nats-server is not installed (or is the server under test)")
        self.assertEqual(mine, self.observe(ref))


def round_trip(conn):
    """PING, and the messages that came before its PONG, as (MSG line, decoded payload). The
    server sends events and statistics on its own: one may come after a SUB took effect and before
    the PONG (nats-server sends them from goroutines of their own)."""
    return [(line, json.loads(payload)) for line, payload in conn.messages_before_pong()]


def is_statsz(line):
    subject = line.split()[1]
    return subject.startswith(b"$SYS.SERVER.") and subject.endswith(b".STATSZ")


def account_events(conn, account, count):
    """The next `count` connection events about `account` on `conn`, in a comparable form (those
    about other accounts, the listener's own for one, are skipped). Both subjects of one event
    come in either order (nats-server sends them one after the other)."""
    out = []
    while len(out) < count:
        line = conn.read_until(b"\r\n")
        if line == b"PING\r\n":
            conn.send(b"PONG\r\n")
            continue
        parts = line.split()
        event = json.loads(conn.read_until(b"\r\n"))
        if event["acc"] != account:
            continue
        assert event["type"] == "io.nats.server.advisory.v1.account_connections", event
        out.append((parts[1].decode(), event["acc"], event["conns"], event["total_conns"], sorted(event)))
    return sorted(out)


def shape(value):
    """The kind of each value in a JSON document (a list: its first element's)."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    return "null" if value is None else "string"


def clashes(mine, theirs, where):
    """Where two shapes disagree, among the fields both have (an empty list or a null on one
    side says nothing)."""
    if isinstance(mine, dict) and isinstance(theirs, dict):
        return [c for k in mine.keys() & theirs.keys() for c in clashes(mine[k], theirs[k], where + "." + k)]
    if isinstance(mine, list) and isinstance(theirs, list):
        return clashes(mine[0], theirs[0], where + "[]") if mine and theirs else []
    if mine == theirs or "null" in (mine, theirs):
        return []
    return [(where, mine, theirs)]


def statsz_messages(conn, server_id, duration, until=None):
    """The statistics messages that arrive on `conn` within `duration` seconds, or the first
    `until` of them (server_id: the server they must come from, or None)."""
    out = []
    deadline = time.monotonic() + duration
    while until is None or len(out) < until:
        try:
            line = conn.read_until(b"\r\n", timeout=max(0.01, deadline - time.monotonic()))
        except AssertionError:
            return out
        if line == b"PING\r\n":
            conn.send(b"PONG\r\n")
            continue
        parts = line.split()
        assert parts[0] == b"MSG" and parts[1].startswith(b"$SYS.SERVER.") and parts[1].endswith(b".STATSZ"), line
        message = json.loads(conn.read_until(b"\r\n"))
        if server_id is not None:
            assert message["server"]["id"] == server_id, message
        out.append(message)
    return out


class AcrossARoute(unittest.TestCase):
    def test_every_server_answers_a_ping(self):
        if not harness.is_zats():
            self.skipTest("zats-only: the cluster is made of the server under test")
        cfg = TempConfig(CONF.replace("server_name: services\n", ""))
        self.addCleanup(cfg.cleanup)
        first, second = routed_pair(self, cfg.path)
        requester = Requester(self, first.port)
        # Interest crosses in order: once a probe subscribed after the services' interest has
        # crossed, so has theirs.
        listener = login(self, second.port, "sys")
        listener.send(b"SUB probe 2\r\n")
        listener.ping()
        wait_interest(requester.conn, listener, b"probe", b"2")
        answers = requester.answers(requester.ask("$SYS.REQ.SERVER.PING"), expected=2)
        self.assertEqual(sorted(a["server"]["name"] for a in answers), ["n1", "n2"])
        self.assertEqual({a["server"]["cluster"] for a in answers}, {"c1"})
        self.assertEqual(sorted(a["statsz"]["active_servers"] for a in answers), [2, 2])
        # Each names the other as its route's peer.
        self.assertEqual({a["server"]["name"]: [r["name"] for r in a["statsz"]["routes"]] for a in answers},
                         {"n1": ["n2"], "n2": ["n1"]})
        # Asked by id, only that server answers, from across the route.
        answers = requester.answers(requester.ask("$SYS.REQ.SERVER.%s.CONNZ" % second.server_id()), expected=1)
        self.assertEqual(answers[0]["server"]["id"], second.server_id())
        self.assertEqual(answers[0]["data"]["num_connections"], 1)
        # The filter picks by name.
        answers = requester.answers(requester.ask("$SYS.REQ.SERVER.PING.HEALTHZ", b'{"server_name": "n2"}'), expected=1)
        self.assertEqual(answers[0]["server"]["name"], "n2")


if __name__ == "__main__":
    run_tests()
