#!/usr/bin/env python3
# Subject mappings (docs/compatibility.md, Subject mappings): `mappings` at the top level and in
# accounts; literal and wildcard sources, the mapping functions, weighted destinations (the source
# keeping the rest, or the rest dropped when the source is listed), permissions checked on the
# mapped subject, an exporting account's mappings applied to service imports, reload, the MAPPING
# trace line, publishers on other workers, and the configuration errors. Every case runs against
# the server under test and against nats-server (when installed): same bytes, same counts.
import os
import signal
import subprocess
import sys
import time
import unittest
import urllib.request
import json

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Server, run_tests  # noqa: E402
from authconf import TempConfig, connect_json  # noqa: E402

CONF = """
mappings: {
  "foo": "bar"
  "orders.*.*": "shop.{{wildcard(2)}}.$1"
  "part.*": "part.{{partition(3,1)}}.{{wildcard(1)}}"
  "split.*": "s.{{splitFromLeft(1,2)}}"
  "log.>": "logs.>"
  "half": [ {destination: "half.a", weight: 50%}, {destination: "half.b", weight: "50%"} ]
  "some": [ {destination: "some.a", weight: 30} ]
  "drop": [ {destination: "drop", weight: 40} ]
  "scoped": [ {destination: "scoped.here", weight: 100, cluster: "nowhere"} ]
}
"""

ROUNDS = 2000


def servers(test, conf=CONF, args=(), zats_args=()):
    """Yields a started server per binary (the server under test, then nats-server)."""
    for binary in harness.server_and_reference():
        cfg = TempConfig(conf)
        extra = list(zats_args) if harness.is_zats() and binary == harness.server_binary() else []
        server = Server("-c", cfg.path, *args, *extra, binary=binary).start()
        server.config = cfg
        try:
            with test.subTest(server=os.path.basename(binary)):
                yield server
        finally:
            server.__exit__(None, None, None)
            cfg.cleanup()


def connect(server, user=None, headers=True):
    c = server.client()
    c.read_info()
    c.send(b"CONNECT " + connect_json(user, user, headers=headers) + b"\r\nPING\r\n")
    c.expect(b"PONG\r\n")
    return c


def subscriber(server, user=None, subject=">", headers=True):
    c = connect(server, user, headers)
    c.send(b"SUB %s 1\r\nPING\r\n" % subject.encode())
    c.expect(b"PONG\r\n")
    return c


def counts(conn):
    """Subjects of the MSGs that came before the answer to a PING, counted."""
    seen = {}
    for line, _ in conn.messages_before_pong():
        subject = line.split()[1].decode()
        seen[subject] = seen.get(subject, 0) + 1
    return seen


def accountz_mappings(port, timeout=10.0):
    """/accountz?acc=$G's mappings, once the monitoring port answers (it may come up a moment
    after the client port)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d/accountz?acc=$G" % port, timeout=5) as r:
                return json.load(r)["account_detail"]["mappings"]
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def near(test, got, share, what):
    # Binomial spread over ROUNDS: five standard deviations either way.
    expected = ROUNDS * share
    spread = 5 * (ROUNDS * share * (1 - share)) ** 0.5
    test.assertLess(abs(got - expected), spread, "%s: %d of %d, expected about %d" % (what, got, ROUNDS, expected))


class Mappings(unittest.TestCase):
    def check_mapped_subjects(self, server):
        sub = subscriber(server)
        pub = connect(server)
        pub.send(b"PUB foo 2\r\nf1\r\n"
                 b"PUB orders.eu.7 _INBOX.r 2\r\no1\r\n"
                 b"PUB part.abc 2\r\np1\r\n"
                 b"PUB part.xyz 2\r\np2\r\n"
                 b"PUB split.abcdef 2\r\ns1\r\n"
                 b"HPUB log.a.b 12 14\r\nNATS/1.0\r\n\r\nl1\r\n"
                 b"PUB scoped 2\r\nc1\r\n"
                 b"PUB bar 2\r\nb1\r\nPING\r\n")
        pub.expect(b"PONG\r\n")
        sub.expect(b"MSG bar 1 2\r\nf1\r\n"
                   b"MSG shop.7.eu 1 _INBOX.r 2\r\no1\r\n"
                   b"MSG part.2.abc 1 2\r\np1\r\n"
                   b"MSG part.0.xyz 1 2\r\np2\r\n"
                   b"MSG s.ab.cdef 1 2\r\ns1\r\n"
                   b"HMSG logs.a.b 1 12 14\r\nNATS/1.0\r\n\r\nl1\r\n"
                   b"MSG scoped 1 2\r\nc1\r\n"
                   b"MSG bar 1 2\r\nb1\r\n")
        sub.send(b"PING\r\n")
        sub.expect(b"PONG\r\n")
        for c in (sub, pub):
            c.close()

    def test_mapped_subjects(self):
        for s in servers(self):
            self.check_mapped_subjects(s)

    def test_publisher_on_another_worker(self):
        # zats: publisher and subscriber on different workers map the same way.
        for s in servers(self, zats_args=("--cores", "2", "--placement", "round-robin",
                                          "--move_connections=false")):
            self.check_mapped_subjects(s)

    def test_weights(self):
        for s in servers(self):
            sub = subscriber(s)
            pub = connect(s)
            pub.send((b"PUB half 0\r\n\r\nPUB some 0\r\n\r\nPUB drop 0\r\n\r\n") * ROUNDS + b"PING\r\n")
            pub.expect(b"PONG\r\n")
            seen = counts(sub)
            self.assertEqual(seen.get("half.a", 0) + seen.get("half.b", 0), ROUNDS, seen)
            near(self, seen.get("half.a", 0), 0.5, "half.a")
            # 30% to some.a, the rest keeps its subject.
            self.assertEqual(seen.get("some.a", 0) + seen.get("some", 0), ROUNDS, seen)
            near(self, seen.get("some.a", 0), 0.3, "some.a")
            # The source listed with 40%: the other 60% go nowhere.
            near(self, seen.get("drop", 0), 0.4, "drop")
            self.assertEqual(set(seen), {"half.a", "half.b", "some", "some.a", "drop"})
            for c in (sub, pub):
                c.close()

    def test_accounts_map_their_own_subjects(self):
        conf = """
mappings: { "g": "g.mapped" }
accounts {
  A { users = [ {user: a, password: a} ], mappings: { "x.*": "a.$1" } }
  B { users = [ {user: b, password: b} ] }
}
"""
        for s in servers(self, conf):
            a_sub, b_sub = subscriber(s, "a"), subscriber(s, "b")
            for user in ("a", "b"):
                p = connect(s, user)
                p.send(b"PUB x.1 1\r\n1\r\nPUB g 1\r\n2\r\nPING\r\n")
                p.expect(b"PONG\r\n")
                p.close()
            a_sub.expect(b"MSG a.1 1 1\r\n1\r\nMSG g 1 1\r\n2\r\n")
            b_sub.expect(b"MSG x.1 1 1\r\n1\r\nMSG g 1 1\r\n2\r\n")
            for c in (a_sub, b_sub):
                c.send(b"PING\r\n")
                c.expect(b"PONG\r\n")
                c.close()

    def test_permissions_apply_to_the_mapped_subject(self):
        conf = """
mappings: { "in": "out", "in2": "denied" }
authorization {
  users = [
    {user: p, password: p, permissions: {publish: {allow: ["in", "in2", "out"], deny: ["denied"]}}}
    {user: s, password: s}
  ]
}
"""
        for s in servers(self, conf):
            sub = subscriber(s, "s")
            pub = connect(s, "p")
            pub.send(b"PUB in 1\r\n1\r\nPUB in2 1\r\n2\r\nPING\r\n")
            pub.expect(b"-ERR 'Permissions Violation for Publish to \"denied\"'\r\nPONG\r\n")
            sub.expect(b"MSG out 1 1\r\n1\r\n")
            sub.send(b"PING\r\n")
            sub.expect(b"PONG\r\n")
            for c in (sub, pub):
                c.close()

    def test_exporters_mappings_apply_to_service_imports(self):
        conf = """
accounts {
  A {
    users = [ {user: a, password: a} ]
    exports = [ {service: "svc.>"} ]
    mappings: { "svc.v1.*": "svc.v2.$1" }
  }
  B {
    users = [ {user: b, password: b} ]
    imports = [ {service: {account: A, subject: "svc.>"}} ]
  }
}
"""
        for s in servers(self, conf):
            # Without headers: the request's Nats-Request-Info header is test_imports' concern.
            responder = subscriber(s, "a", "svc.>", headers=False)
            requester = connect(s, "b")
            requester.send(b"SUB reply 9\r\nPUB svc.v1.q reply 3\r\nreq\r\nPING\r\n")
            requester.expect(b"PONG\r\n")
            line = responder.read_until(b"\r\n")
            self.assertTrue(line.startswith(b"MSG svc.v2.q 1 "), line)
            responder.read_exactly(5)
            inbox = line.split()[3]
            responder.send(b"PUB %s 3\r\nrep\r\nPING\r\n" % inbox)
            responder.expect(b"PONG\r\n")
            requester.expect(b"MSG reply 9 3\r\nrep\r\n")
            for c in (responder, requester):
                c.close()

    def test_reload(self):
        for s in servers(self):
            sub = subscriber(s)
            pub = connect(s)
            s.config.write(CONF.replace('"foo": "bar"', '"foo": "baz"').replace('"log.>": "logs.>"', ""))
            s.proc.send_signal(signal.SIGHUP)
            # The new mappings apply once the reload is done: publish until foo goes to baz.
            deadline = time.monotonic() + 10
            while True:
                pub.send(b"PUB foo 0\r\n\r\nPING\r\n")
                pub.expect(b"PONG\r\n")
                line = sub.read_until(b"\r\n")
                sub.read_exactly(2)
                if line == b"MSG baz 1 0\r\n":
                    break
                self.assertEqual(line, b"MSG bar 1 0\r\n")
                self.assertLess(time.monotonic(), deadline, "the reload did not take the new mapping")
            pub.send(b"PUB log.x 0\r\n\r\nPING\r\n")
            pub.expect(b"PONG\r\n")
            sub.expect(b"MSG log.x 1 0\r\n\r\n")
            for c in (sub, pub):
                c.close()

    def test_accountz_lists_the_mappings(self):
        # Each source's destinations lightest first, with accumulated weights; the source itself
        # where it takes the rest; cluster-scoped ones with their cluster.
        expected = {
            "foo": [{"subject": "bar", "weight": 100}],
            "half": [{"subject": "half.a", "weight": 50}, {"subject": "half.b", "weight": 100}],
            "some": [{"subject": "some.a", "weight": 30}, {"subject": "some", "weight": 100}],
            "drop": [{"subject": "drop", "weight": 40}],
            "log.>": [{"subject": "logs.>", "weight": 100}],
            "scoped": [{"subject": "scoped", "weight": 100},
                       {"subject": "scoped.here", "weight": 100, "cluster": "nowhere"}],
        }
        port = harness.free_port()
        for s in servers(self, args=("-m", str(port))):
            got = accountz_mappings(port)
            for source, dests in expected.items():
                self.assertEqual(got.get(source), dests, source)
            self.assertEqual(got["orders.*.*"], [{"subject": "shop.{{wildcard(2)}}.$1", "weight": 100}])

    def test_trace_shows_the_mapping(self):
        for s in servers(self, args=("-V",)):
            pub = connect(s)
            pub.send(b"PUB foo 2\r\nf1\r\nPING\r\n")
            pub.expect(b"PONG\r\n")
            deadline = time.monotonic() + 5
            while "MAPPING" not in s.log_text() and time.monotonic() < deadline:
                time.sleep(0.02)
            lines = [ln for ln in s.log_text().splitlines() if "<<- " in ln and "CONNECT" not in ln and "[PING]" not in ln]
            ops = [ln.split("<<- ", 1)[1] for ln in lines]
            self.assertEqual(ops[:3], ["[PUB foo 2]", "[MAPPING foo -> bar]", 'MSG_PAYLOAD: ["f1"]'], lines)
            pub.close()


def check(binary, text):
    cfg = TempConfig(text)
    try:
        r = subprocess.run([binary, "-t", "-c", cfg.path], capture_output=True, text=True, timeout=10)
        return r.returncode, r.stderr.strip().replace(cfg.path, "FILE")
    finally:
        cfg.cleanup()


# (config, what both servers print after "<name>: "); positions are line:column.
ERRORS = [
    ('mappings: {\n  "foo..x": "bar"\n}\n', 'FILE:1:0: Subject "foo..x" is not a valid subject'),
    ('mappings: {\n  "foo.>": "bar"\n}\n', 'FILE:2:4: Error adding mapping for "foo.>" to "bar" : invalid subject'),
    ('mappings: {\n  "foo": "bar.{{nope()}}"\n}\n',
     'FILE:2:4: Error adding mapping for "foo" to "bar.{{nope()}}" : invalid mapping destination: unknown function '
     'in {{nope()}}'),
    ('mappings: {\n  "foo.*": "bar"\n}\n',
     'FILE:2:4: Error adding mapping for "foo.*" to "bar" : invalid mapping destination: not using all of the token '
     'wildcard(s) in bar'),
    ('mappings: {\n  "foo": "bar baz"\n}\n',
     'FILE:2:4: Error adding mapping for "foo" to "bar baz" : invalid mapping destination: invalid subject'),
    ('mappings: {\n  "foo.*": "b.{{wildcard(2)}}"\n}\n',
     'FILE:2:4: Error adding mapping for "foo.*" to "b.{{wildcard(2)}}" : invalid mapping destination: wildcard '
     'index out of range in {{wildcard(2)}}: [2]'),
    ('mappings: {\n  "foo": [ {destination: "a", weight: "abc"} ]\n}\n',
     'FILE:2:31: Invalid weight "abc" for mapping destination'),
    ('mappings: {\n  "foo": [ {destination: "a", weight: 120} ]\n}\n',
     'FILE:2:31: Invalid weight 120 for mapping destination'),
    ('mappings: {\n  "foo": [ {destination: "a", weight: 10, x: 1} ]\n}\n',
     'FILE:2:43: Unknown field "x" for mapping destination'),
    ('mappings: {\n  "foo": [ "a" ]\n}\n', 'FILE:2:13: Expected an entry for the mapping destination'),
    ('mappings: {\n  "foo": 5\n}\n', 'FILE:2:4: Expected an entry for the mapping destination'),
    ('mappings: {\n  "foo": {destination: "a"}\n}\n', 'FILE:2:4: Missing weight for mapping destination "a"'),
    ('mappings: {\n  "foo": {destination: 5, weight: 20}\n}\n',
     'FILE:2:4: interface conversion: interface {} is int64, not string'),
    ('accounts { A { maps: { "x": "y.{{nope}}" } } }\n',
     'FILE:1:24: Error adding mapping for "x" to "y.{{nope}}" : invalid mapping destination: unknown function '
     'in {{nope}}'),
]

# zats says what is wrong where nats-server 2.9.10 reports a Go type assertion instead.
ZATS_ERRORS = [
    ('mappings: {\n  "foo": [ {destination: "a", weight: 60}, {destination: "b", weight: 50} ]\n}\n',
     'FILE:2:4: Error adding mapping for "foo" : total weight needs to be <= 100'),
    ('mappings: {\n  "foo": [ {destination: "a", weight: 50}, {destination: "a", weight: 20} ]\n}\n',
     'FILE:2:4: Error adding mapping for "foo" : duplicate entry for "a"'),
]


class ConfigErrors(unittest.TestCase):
    def test_same_as_nats_server(self):
        for binary in harness.server_and_reference():
            name = os.path.basename(binary)
            for text, message in ERRORS + [('mappings: {\n  "foo": {destination: "a", weight: 20}\n}\n', None)]:
                with self.subTest(server=name, config=text):
                    code, out = check(binary, text)
                    if message is None:
                        self.assertEqual((code, out), (0, "%s: configuration file FILE is valid" % name))
                    else:
                        self.assertEqual((code, out), (1, "%s: %s" % (name, message)))

    @unittest.skipUnless(harness.is_zats(), "zats's own messages")
    def test_clearer_than_nats_server(self):
        for text, message in ZATS_ERRORS:
            with self.subTest(config=text):
                self.assertEqual(check(harness.server_binary(), text), (1, "zats: " + message))


if __name__ == "__main__":
    run_tests()
