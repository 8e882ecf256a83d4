#!/usr/bin/env python3
# The monitoring endpoints (docs/compatibility.md, Monitoring) served on `-m PORT`: /varz, /connz,
# /routez, /subsz, /healthz, /accountz, /accstatz, /leafz, /gatewayz, /jsz and zats's /metrics. The same traffic is driven through the
# server in $ZATS_SERVER and through nats-server (when installed) and the JSON documents are
# compared field by field: same names at every level (zats may add a top-level "zats" object to
# /varz), same JSON types, same values where the traffic decides them; ids, times, ports, mem and
# cpu are compared by type only. Also: counters that move, query options and the reference's 400
# texts, /metrics through `promtool check metrics`, hostile HTTP clients that must not disturb
# messaging, and http_base_path from a config file. Python 3 stdlib only; every wait is bounded.
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Server, free_port, reference_binary, run_tests  # noqa: E402

QUIET = b'{"verbose":false,"pedantic":false}'


def connect_json(name, lang, version):
    return b'{"verbose":false,"pedantic":false,"name":"%s","lang":"%s","version":"%s"}' % (
        name.encode(), lang.encode(), version.encode())


# -- servers and HTTP ----------------------------------------------------------------------------

class MonServer(Server):
    """A server from `binary` with its monitor on a free loopback port: `-m PORT`, or, with
    `conf`, a config file holding `http_port: PORT` followed by conf."""

    def __init__(self, binary=None, *extra, conf=None, base=""):
        super().__init__(*extra)
        self.binary = binary or harness.server_binary()
        self.conf = conf
        self.base = base  # the http_base_path prefix that requests need
        self.mport = None
        self.conf_path = None

    def start(self):
        last_err = None
        for _ in range(3):  # either free port may be taken before the server binds it
            self.port, self.mport = free_port(), free_port()
            args = list(self.extra_args)
            if self.conf is None:
                args += ["-m", str(self.mport)]
            else:
                fd, self.conf_path = tempfile.mkstemp(prefix="zats-monitor-", suffix=".conf")
                with os.fdopen(fd, "w") as f:
                    f.write("http_port: %d\n%s" % (self.mport, self.conf))
                args += ["-c", self.conf_path]
            self.log = tempfile.TemporaryFile()
            cmd = [self.binary, "-a", "127.0.0.1", "-p", str(self.port)] + args
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self.log,
                                         stderr=subprocess.STDOUT, preexec_fn=harness._die_with_parent)
            harness._live.add(self)
            try:
                self._wait_ready()
                self._wait_monitor()
                return self
            except RuntimeError as e:
                last_err = e
                exited = self.proc.poll() is not None
                self.stop()
                self._cleanup_files()
                if not exited:
                    break
        raise RuntimeError("%s did not start: %s" % (self.binary, last_err))

    def _wait_monitor(self):
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("server exited:\n%s" % self.log_text())
            try:
                if http_get(self.mport, self.base + "/healthz", timeout=1)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.02)
        raise RuntimeError("monitor port %d not answering:\n%s" % (self.mport, self.log_text()))

    def _cleanup_files(self):
        if self.log is not None:
            self.log.close()
            self.log = None
        if self.conf_path is not None:
            try:
                os.unlink(self.conf_path)
            except OSError:
                pass
            self.conf_path = None

    def __exit__(self, *exc):
        self.stop()
        self._cleanup_files()
        return False

    def get(self, path, timeout=5.0):
        return http_get(self.mport, self.base + path, timeout)

    def json(self, path):
        status, ctype, body = self.get(path)
        if status != 200:
            raise AssertionError("GET %s on %s: %d %r" % (path, name_of(self.binary), status, body[:200]))
        if ctype != "application/json":
            raise AssertionError("GET %s: Content-Type %r" % (path, ctype))
        return json.loads(body)


def name_of(binary):
    return os.path.basename(binary)


def http_get(port, path, timeout=5.0):
    """(status, content type, body) of one GET."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        return r.status, r.getheader("Content-Type"), r.read()
    finally:
        conn.close()


def start(test, binary=None, **kw):
    srv = MonServer(binary, **kw)
    srv.start()
    test.addCleanup(srv.__exit__, None, None, None)
    return srv


def wait_for(what, predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %.1fs waiting for %s" % (timeout, what))
        time.sleep(0.02)


# -- comparison ----------------------------------------------------------------------------------

# Go float64 fields: 2 and 0.5 are both numbers there.
FLOAT_FIELDS = {"cpu", "auth_timeout", "tls_timeout", "cache_hit_rate", "avg_fanout"}
# Values that differ by nature between two servers: compared by JSON type only.
VOLATILE = {"server_id", "server_name", "now", "start", "last_activity", "stop", "uptime", "idle",
            "rtt", "mem", "cpu", "cores", "gomaxprocs", "port", "http_port", "go",
            "config_load_time", "update_time", "cid"}


def kind(key, v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)) and key in FLOAT_FIELDS:
        return "number"
    for t, k in ((int, "int"), (float, "float"), (str, "str"), (list, "array"), (dict, "object")):
        if isinstance(v, t):
            return k
    return type(v).__name__


def diff(mine, ref, path="", key=None, volatile=VOLATILE, out=None):
    """Differences between zats's document and the reference's, as readable lines."""
    out = [] if out is None else out
    km, kr = kind(key, mine), kind(key, ref)
    if km != kr:
        out.append("%s: type %s in zats (%r), %s in nats-server (%r)" % (path or "/", km, mine, kr, ref))
    elif km == "object":
        for k in sorted(set(mine) | set(ref)):
            if k not in ref:
                out.append("%s.%s: only in zats (%r)" % (path, k, mine[k]))
            elif k not in mine:
                out.append("%s.%s: missing in zats (nats-server: %r)" % (path, k, ref[k]))
            else:
                diff(mine[k], ref[k], path + "." + k, k, volatile, out)
    elif km == "array":
        if len(mine) != len(ref):
            out.append("%s: %d elements in zats, %d in nats-server\n  zats: %r\n  nats-server: %r"
                       % (path, len(mine), len(ref), mine, ref))
        for i, (a, b) in enumerate(zip(mine, ref)):
            diff(a, b, "%s[%d]" % (path, i), key, volatile, out)
    elif key not in volatile and mine != ref:
        out.append("%s: zats %r, nats-server %r" % (path, mine, ref))
    return out


def sub_key(s):
    return (s.get("account", ""), s["subject"], s.get("qgroup", ""), s["sid"], s["msgs"])


def normalize(doc, base_varz=None, base_subsz=None):
    """Makes one server's document comparable with the other's: sorts the subscription lists
    and /accountz's account names (nats-server fills them from Go maps, in random order), drops the reference's internal $SYS
    service-import subscriptions from /subsz and turns the sublist totals that count them into
    differences from a baseline taken before the traffic."""
    doc = json.loads(json.dumps(doc))
    for c in doc["connections"] if isinstance(doc.get("connections"), list) else []:
        if "stop" in c:
            # What was still queued when a connection closed depends on timing (nats-server
            # sometimes shows its last PONG, 6 bytes): only its type and sign are comparable.
            assert isinstance(c["pending_bytes"], int) and c["pending_bytes"] >= 0, c
            c["pending_bytes"] = 0
        if "subscriptions_list" in c:
            c["subscriptions_list"].sort()
        if "subscriptions_list_detail" in c:
            c["subscriptions_list_detail"].sort(key=sub_key)
    if isinstance(doc.get("accounts"), list) and all(isinstance(a, str) for a in doc["accounts"]):
        doc["accounts"].sort()  # /accountz: nats-server lists them from a sync.Map, in random order
    if "subscriptions_list" in doc:  # /subsz
        internal = [s for s in doc["subscriptions_list"] if s["subject"].startswith("$SYS.")]
        doc["subscriptions_list"] = sorted((s for s in doc["subscriptions_list"] if s not in internal), key=sub_key)
        doc["total"] -= len(internal)
    if base_subsz is not None and "num_subscriptions" in doc:
        for k in ("num_subscriptions", "num_inserts", "num_removes"):
            doc[k] -= base_subsz[k]
        for k in ("num_cache", "num_matches", "max_fanout"):
            doc[k] = 0  # the sublist cache also serves the reference's internal subscriptions
        for k in ("cache_hit_rate", "avg_fanout"):
            doc[k] = 0.0
    if base_varz is not None:
        doc["subscriptions"] -= base_varz["subscriptions"]
        # Request counts depend on how often a test polled; the endpoints named must agree.
        doc["http_req_stats"] = {k: 0 for k in doc["http_req_stats"]}
    return doc


# -- traffic ---------------------------------------------------------------------------------------

def drive(test, srv):
    """The shared scenario: alpha subscribes foo, bar.* and a queue on work; beta subscribes
    foo and publishes 7 messages (one to nobody); gamma subscribes and closes. Returns the
    /connz cids {name: cid}."""
    # One at a time: nats-server numbers a connection (cid) in its own goroutine, so
    # concurrent connects would take cids in any order.
    a = srv.client()
    test.addCleanup(a.close)
    a.handshake(connect_json("alpha", "python", "1.2.3"))
    a.send(b"SUB foo 1\r\nSUB bar.* 2\r\nSUB work q1 3\r\n")
    a.ping()
    b = srv.client()
    test.addCleanup(b.close)
    b.handshake(connect_json("beta", "go", "2.0.0"))
    b.send(b"SUB foo 1\r\n")
    b.ping()
    c = srv.client()
    test.addCleanup(c.close)
    c.handshake(connect_json("gamma", "c", "0.1"))
    c.send(b"SUB gone 1\r\n")
    c.ping()
    c.close()
    wait_for("gamma in /connz?state=closed", lambda: "gamma" in closed_names(srv))
    b.send(b"PUB foo 5\r\nhello\r\n" * 3 + b"PUB bar.x 2\r\nhi\r\nPUB work 4\r\ntask\r\nPUB work 4\r\ntask\r\n"
           b"PUB nobody 3\r\nxyz\r\n")
    b.expect(b"MSG foo 1 5\r\nhello\r\n" * 3)
    b.ping()
    a.expect(b"MSG foo 1 5\r\nhello\r\n" * 3 + b"MSG bar.x 2 2\r\nhi\r\n" + b"MSG work 3 4\r\ntask\r\n" * 2)
    a.ping()
    cids = {}
    for conn in srv.json("/connz?state=all")["connections"]:
        if "name" in conn:  # not the harness's readiness probe (closed before CONNECT)
            cids[conn["name"]] = conn["cid"]
    return cids


def closed_names(srv):
    return [c.get("name") for c in srv.json("/connz?state=closed")["connections"]]


COMPARED = [
    "/varz",
    "/connz", "/connz?subs=1", "/connz?subs=detail", "/connz?state=closed", "/connz?state=all&subs=1",
    "/connz?sort=msgs_to&limit=1&offset=0", "/connz?cid={beta}", "/connz?cid={gamma}&subs=detail",
    "/subsz?subs=1", "/subsz?test=foo", "/subsz?test=work",
    "/routez", "/routez?subs=1", "/accountz",
]


class FieldsMatchReference(unittest.TestCase):
    """Same traffic through zats and nats-server: the same documents, up to volatile values."""

    @classmethod
    def setUpClass(cls):
        cls.ref = reference_binary()

    def collect(self, binary):
        srv = start(self, binary)
        base_varz = srv.json("/varz")
        base_subsz = srv.json("/subsz")
        cids = drive(self, srv)
        docs = {}
        for q in COMPARED:
            doc = srv.json(q.format(**cids))
            docs[q] = normalize(doc, base_varz if q == "/varz" else None,
                                base_subsz if q.startswith("/subsz") else None)
        docs["/healthz"] = srv.get("/healthz")
        return docs

    def test_documents_match(self):
        if self.ref is None:
            self.skipTest("nats-server is not installed (or is the server under test)")
        mine = self.collect(harness.server_binary())
        ref = self.collect(self.ref)
        # The traffic itself, as the reference counts it, so a wrong scenario fails loudly.
        self.assertEqual([ref["/varz"][k] for k in ("connections", "total_connections", "in_msgs",
                                                   "out_msgs", "in_bytes", "out_bytes", "subscriptions")],
                         [2, 4, 7, 9, 28, 40, 4])  # total: gamma and the harness's readiness probe
        self.assertEqual(mine["/healthz"], ref["/healthz"], "/healthz (status, type, compact body)")
        self.assertEqual(ref["/healthz"][2], b'{"status":"ok"}')
        varz = mine["/varz"]
        if "zats" in varz and "zats" not in ref["/varz"]:
            self.assertIsInstance(varz.pop("zats"), dict, "/varz.zats must be an object")
        for q in COMPARED:
            with self.subTest(query=q):
                problems = diff(mine[q], ref[q], q)
                self.assertEqual(problems, [], "%s differs from nats-server:\n  %s" % (q, "\n  ".join(problems)))
        # Same connections in the same order (cids differ: the reference's internal clients take some).
        for q in ("/connz?state=all&subs=1",):
            self.assertEqual(names(mine[q]), ["alpha", "beta", "gamma"])
            cids = [c["cid"] for c in mine[q]["connections"]]
            self.assertEqual(cids, sorted(cids))

    def test_account_detail_consistent(self):
        # /accountz?acc=$G: the account's own sublist statistics count its subscriptions (the
        # reference: sublist_stats.num_subscriptions == subscriptions).
        for binary in filter(None, (harness.server_binary(), self.ref)):
            with self.subTest(server=name_of(binary)):
                srv = start(self, binary)
                drive(self, srv)
                d = srv.json("/accountz?acc=%24G")["account_detail"]
                self.assertEqual(d["account_name"], "$G")
                self.assertEqual(d["client_connections"], 2)
                self.assertEqual(d["sublist_stats"]["num_subscriptions"], d["subscriptions"], d)

    def test_strings_escaped_as_go_does(self):
        # Client-chosen strings reach the JSON as Go's encoding/json writes them: <, >, & and
        # U+2028 escaped, each byte of invalid UTF-8 as \ufffd. Checked byte for byte, and, when
        # installed, against nats-server's own bytes.
        subject = b"esc.<a&b>.\xfe\xff.\xe2\x80\xa8.caf\xc3\xa9"
        want = b'"esc.\\u003ca\\u0026b\\u003e.\\ufffd\\ufffd.\\u2028.caf\xc3\xa9"'
        for binary in filter(None, (harness.server_binary(), self.ref)):
            with self.subTest(server=name_of(binary)):
                srv = start(self, binary)
                c = srv.client()
                self.addCleanup(c.close)
                c.handshake()
                c.send(b"SUB " + subject + b" 1\r\n")
                c.ping()
                status, _, body = srv.get("/connz?subs=1")
                self.assertEqual(status, 200)
                self.assertIn(b'"subscriptions_list": [\n        ' + want + b"\n      ]", body)


# -- counters --------------------------------------------------------------------------------------

class CountersMove(unittest.TestCase):
    def test_counters(self):
        srv = start(self, conf="max_payload: 1KB\nmax_pending: 32KB\n")
        v0 = srv.json("/varz")
        self.assertEqual((v0["connections"], v0["in_msgs"], v0["out_msgs"], v0["slow_consumers"]), (0, 0, 0, 0))
        self.assertEqual(v0["max_payload"], 1024)
        self.assertEqual(v0["max_pending"], 32768)
        self.assertEqual(v0["http_req_stats"].get("/varz"), 1)
        pub, sub = srv.client(), srv.client()
        self.addCleanup(pub.close)
        self.addCleanup(sub.close)
        pub.handshake(QUIET)
        sub.handshake(QUIET)
        sub.send(b"SUB n.* 1\r\nSUB n.x 2\r\n")
        sub.ping()
        v1 = srv.json("/varz")
        self.assertEqual(v1["connections"] - v0["connections"], 2)
        self.assertEqual(v1["total_connections"] - v0["total_connections"], 2)
        self.assertEqual(v1["subscriptions"] - v0["subscriptions"], 2)
        self.assertEqual(v1["http_req_stats"]["/varz"], 2, "each GET /varz counts once")
        pub.send(b"PUB n.x 10\r\n0123456789\r\n" * 5 + b"PUB n.y 3\r\nabc\r\n")
        pub.ping()
        # Ten MSGs for n.x (sids 1 and 2, in either order) and one for n.y.
        got = b""
        want_len = 5 * 2 * len(b"MSG n.x 1 10\r\n0123456789\r\n") + len(b"MSG n.y 1 3\r\nabc\r\n")
        deadline = time.monotonic() + 3
        while len(got) + len(sub.buf) < want_len and sub._fill(deadline):
            pass
        got, sub.buf = sub.buf, b""
        self.assertEqual(len(got), want_len, got)
        sub.ping()
        v2 = wait_for("out_msgs 11 in /varz", lambda: (lambda v: v if v["out_msgs"] - v1["out_msgs"] == 11 else None)(srv.json("/varz")))
        self.assertEqual(v2["in_msgs"] - v1["in_msgs"], 6)
        self.assertEqual(v2["in_bytes"] - v1["in_bytes"], 53)
        self.assertEqual(v2["out_bytes"] - v1["out_bytes"], 103)
        sub.send(b"UNSUB 2\r\n")
        sub.ping()
        v3 = srv.json("/varz")
        self.assertEqual(v3["subscriptions"] - v0["subscriptions"], 1)
        pub.close()
        wait_for("connections back to 1", lambda: srv.json("/varz")["connections"] == v0["connections"] + 1)
        # A subscriber that never reads, behind a 32 KiB max_pending: a slow consumer.
        pub = srv.client()
        self.addCleanup(pub.close)
        pub.handshake(QUIET)
        slow = srv.client(rcvbuf=4096)
        self.addCleanup(slow.close)
        slow.handshake(QUIET)
        slow.send(b"SUB slow 1\r\n")
        slow.ping()
        batch = (b"PUB slow 1000\r\n" + b"x" * 1000 + b"\r\n") * 16 + b"PING\r\n"
        deadline = time.monotonic() + 15
        while srv.json("/varz")["slow_consumers"] == v0["slow_consumers"]:
            self.assertLess(time.monotonic(), deadline, "no slow consumer after 15 s")
            for _ in range(16):
                pub.send(batch)
                pub.await_pong(timeout=15)
        # One slow consumer; nats-server counts it twice when its close also runs into the
        # write deadline (its log: "Slow Consumer Detected" for MaxPending, then WriteDeadline).
        v4 = srv.json("/varz")
        self.assertIn(v4["slow_consumers"] - v0["slow_consumers"], (1, 2))
        closed = wait_for("the slow consumer in /connz?state=closed",
                          lambda: [c for c in srv.json("/connz?state=closed")["connections"]
                                   if c["reason"].startswith("Slow Consumer")])
        self.assertEqual(closed[0]["reason"], "Slow Consumer (Pending Bytes)")
        self.assertEqual(closed[0]["subscriptions"], 1)
        # Every client was in the global account: its statistics are the server's, closed
        # connections included.
        v5 = srv.json("/varz")
        stat = srv.json("/accstatz")["account_statz"]
        self.assertEqual([s["acc"] for s in stat], ["$G"])
        self.assertEqual((stat[0]["conns"], stat[0]["total_conns"]), (v5["connections"], v5["connections"]))
        self.assertEqual((stat[0]["received"]["msgs"], stat[0]["received"]["bytes"]), (v5["in_msgs"], v5["in_bytes"]))
        self.assertEqual((stat[0]["sent"]["msgs"], stat[0]["sent"]["bytes"]), (v5["out_msgs"], v5["out_bytes"]))
        self.assertEqual(stat[0]["slow_consumers"], 1)


# -- query options ---------------------------------------------------------------------------------

SORTS_OPEN = ["cid", "start", "subs", "msgs_to", "msgs_from", "bytes_to", "bytes_from", "last", "idle",
              "uptime"]
BAD_QUERIES = [
    "/connz?sort=stop", "/connz?sort=reason", "/connz?sort=bogus", "/connz?cid=abc", "/connz?cid=-1",
    "/connz?limit=x", "/connz?offset=1.5", "/connz?subs=x", "/connz?state=bogus", "/connz?auth=maybe",
    "/routez?subs=x", "/subsz?subs=x", "/subsz?limit=x", "/subsz?test=foo.*", "/subsz?test=foo..bar",
]


# Between events whose order the time sorts must see. Larger than zats's reactor tick (50 ms),
# the staleness of its activity stamps (see LastActivityTime), so the sorts themselves are tested.
GAP = 0.07


def sync(conn):
    """PING, then everything up to the PONG is discarded (the MSGs this client received)."""
    conn.send(b"PING\r\n")
    conn.read_until(b"PONG\r\n")


def paging_scenario(test, srv):
    """Four open clients w, x, y, z with distinct counts of subscriptions, messages and bytes in
    both directions, started and last active at distinct times; p and q are closed (p first)."""
    conns = {}
    for n in ("w", "x", "y", "z", "p", "q"):
        c = srv.client()
        test.addCleanup(c.close)
        c.handshake(connect_json(n, "python", "1"))
        conns[n] = c
        time.sleep(GAP)
    nsubs = {"w": 1, "x": 4, "y": 2, "z": 3, "p": 2, "q": 1}
    for n, k in nsubs.items():
        conns[n].send(b"".join(b"SUB %s.%d %d\r\n" % (n.encode(), i, i) for i in range(k)))
        sync(conns[n])
    # msgs_from: w 3, x 1, y 8, z 2 (one more each below); msgs_to: w 2, x 6, y 1, z 5.
    plan = [("w", "x", 3, 7), ("x", "y", 1, 2), ("y", "z", 4, 1), ("z", "w", 2, 9), ("y", "x", 3, 1),
            ("y", "z", 1, 1)]
    for n, to, count, size in plan:
        conns[n].send((b"PUB %s.0 %d\r\n%s\r\n" % (to.encode(), size, b"m" * size)) * count)
        sync(conns[n])
    wait_for("14 messages delivered",
             lambda: sum(c["out_msgs"] for c in srv.json("/connz")["connections"]) == 14)
    conns["p"].close()
    wait_for("p closed", lambda: "p" in closed_names(srv))
    time.sleep(GAP)
    conns["q"].close()
    wait_for("q closed", lambda: "q" in closed_names(srv))
    # Last activity (moved by messages, not by PING) in a fixed order: z first, w last. Each also
    # drains what it received.
    for n in ("z", "y", "x", "w"):
        time.sleep(GAP)
        conns[n].send(b"PUB void 1\r\nv\r\n")
        sync(conns[n])
    return conns


def names(doc):
    """The named connections (not the harness's readiness probe, closed before CONNECT)."""
    return [c["name"] for c in doc["connections"] if "name" in c]


class QueryOptions(unittest.TestCase):
    def observe(self, binary):
        srv = start(self, binary)
        paging_scenario(self, srv)
        got = {}
        for s in SORTS_OPEN:
            doc = srv.json("/connz?sort=" + s)
            got["sort=" + s] = names(doc)
            msgs_to = [c["out_msgs"] for c in doc["connections"]]
            got["sort=%s out_msgs" % s] = msgs_to
        for s in ("stop", "cid"):  # p and q tie on every other key
            got["closed sort=" + s] = names(srv.json("/connz?state=closed&sort=" + s))
        for st in ("open", "closed", "all", "any"):
            d = srv.json("/connz?state=" + st)
            got["state=" + st] = (d["num_connections"], d["total"], names(d))
        pages = []
        for off in range(0, 7):
            d = srv.json("/connz?state=all&limit=2&offset=%d" % off)
            pages.append((d["num_connections"], d["total"], d["offset"], d["limit"], names(d)))
        got["pages"] = pages
        d = srv.json("/connz?sort=msgs_from&limit=2&offset=1")
        got["msgs_from page"] = (d["offset"], d["limit"], names(d))
        all_ = srv.json("/connz?state=all")["connections"]
        cid = {c["name"]: c["cid"] for c in all_ if "name" in c}
        d = srv.json("/connz?cid=%d" % cid["y"])
        got["cid y"] = (d["num_connections"], d["total"], d["limit"], names(d))
        d = srv.json("/connz?cid=%d&state=closed" % cid["q"])
        got["cid q closed"] = (d["num_connections"], names(d), d["connections"][0].get("reason") if d["connections"] else None)
        d = srv.json("/connz?cid=%d" % (max(cid.values()) + 1000))
        got["cid unknown"] = (d["num_connections"], d["total"], names(d))
        for q in ("subs=1", "subs=true", "subs=t", "subs=detail", "subs=0", "subs=false"):
            c = srv.json("/connz?sort=cid&" + q)["connections"][1]  # x
            got[q] = sorted(k for k in c if k.startswith("subscriptions"))
            got[q + " list"] = sorted(c.get("subscriptions_list", [])) or sorted(
                s["subject"] for s in c.get("subscriptions_list_detail", []))
        d = srv.json("/subsz?subs=1&limit=2&offset=1")
        got["subsz paging"] = (d["offset"], d["limit"], len(d["subscriptions_list"]))
        bad = {}
        for q in BAD_QUERIES:
            status, ctype, body = srv.get(q)
            bad[q] = (status, ctype, body.decode("utf-8", "replace"))
        return got, bad

    def test_queries(self):
        mine, bad = self.observe(harness.server_binary())
        # The expected orders, by construction of the scenario.
        self.assertEqual(mine["sort=cid"], ["w", "x", "y", "z"])
        self.assertEqual(mine["sort=subs"], ["x", "z", "y", "w"])
        self.assertEqual(mine["sort=msgs_from"], ["y", "w", "z", "x"])
        self.assertEqual(mine["sort=msgs_to"], ["x", "z", "w", "y"], mine["sort=msgs_to out_msgs"])
        self.assertEqual(mine["sort=start"], ["w", "x", "y", "z"])
        self.assertEqual(mine["sort=last"], ["w", "x", "y", "z"])
        self.assertEqual(mine["closed sort=stop"], ["q", "p"])
        # Counts include the harness's readiness probe (closed before CONNECT, like p and q).
        self.assertEqual(mine["state=all"], (7, 7, ["w", "x", "y", "z", "p", "q"]))
        self.assertEqual(mine["state=closed"], (3, 3, ["p", "q"]))
        self.assertEqual(mine["cid y"], (1, 4, 1, ["y"]))  # total: the open connections
        self.assertEqual(bad["/connz?sort=stop"],
                         (400, "text/plain; charset=utf-8", "sort by stop only valid on closed connections"))
        self.assertEqual(bad["/connz?cid=abc"], (400, "text/plain; charset=utf-8",
                         "Error decoding uint64 for 'cid': strconv.ParseUint: parsing \"abc\": invalid syntax"))
        ref = reference_binary()
        if ref is None:
            return
        want, want_bad = self.observe(ref)
        for k in want:
            with self.subTest(case=k):
                self.assertEqual(mine[k], want[k], "%s: zats vs nats-server" % k)
        for q in BAD_QUERIES:
            with self.subTest(query=q):
                self.assertEqual(bad[q], want_bad[q], "%s: zats vs nats-server" % q)


def parse_time(ts):
    """Seconds since the epoch of an RFC 3339 UTC time with nanoseconds."""
    day, _, frac = ts.rstrip("Z").partition(".")
    secs = time.mktime(time.strptime(day, "%Y-%m-%dT%H:%M:%S")) - time.timezone
    return secs + float("0." + (frac or "0"))


class LastActivityTime(unittest.TestCase):
    def test_stamps_are_taken_when_the_activity_happens(self):
        # A connection's start and last_activity are the wall-clock times of the connect and of
        # its last message, not of an earlier moment (nats-server: within 0.1 ms). The client
        # idles first so a server that stamps with a clock cached before it slept is caught.
        srv = start(self)
        time.sleep(0.3)
        t0 = time.time()
        c = srv.client()
        self.addCleanup(c.close)
        c.handshake(connect_json("t", "python", "1"))
        t1 = time.time()
        for idle in (0.3, 0.6):
            time.sleep(idle)
            before = time.time()
            c.send(b"PUB void 1\r\nv\r\n")
            sync(c)
            after = time.time()
            info = [x for x in srv.json("/connz")["connections"] if x.get("name") == "t"][0]
            start_t, last_t = parse_time(info["start"]), parse_time(info["last_activity"])
            slack = 0.005
            self.assertTrue(t0 - slack <= start_t <= t1 + slack,
                            "start %s is %.1f ms before the connect began" % (info["start"], (t0 - start_t) * 1e3))
            self.assertTrue(before - slack <= last_t <= after + slack,
                            "after %.1f s idle, last_activity %s is %.1f ms before the PUB was sent"
                            % (idle, info["last_activity"], (before - last_t) * 1e3))


# -- /metrics ---------------------------------------------------------------------------------------

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$')


def parse_metrics(text):
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        if m is None:
            raise AssertionError("not a Prometheus sample line: %r" % line)
        out[m.group(1) + (m.group(2) or "")] = float(m.group(3))
    return out


class Metrics(unittest.TestCase):
    def test_metrics(self):
        srv = start(self)
        status, ctype, body = srv.get("/metrics")
        if status == 404:
            self.skipTest("%s has no /metrics" % name_of(srv.binary))
        self.assertEqual(status, 200)
        self.assertTrue(ctype.startswith("text/plain; version=0.0.4"), ctype)
        drive(self, srv)
        text = srv.get("/metrics")[2].decode()
        varz = srv.json("/varz")  # nothing moved in between: no traffic, and GETs are not counted there
        m = parse_metrics(text)
        pairs = {"zats_connections": "connections", "zats_subscriptions": "subscriptions",
                 "zats_routes": "routes", "zats_connections_accepted_total": "total_connections",
                 "zats_in_msgs_total": "in_msgs", "zats_out_msgs_total": "out_msgs",
                 "zats_in_bytes_total": "in_bytes", "zats_out_bytes_total": "out_bytes",
                 "zats_slow_consumers_total": "slow_consumers", "zats_cores": "cores"}
        for metric, field in pairs.items():
            with self.subTest(metric=metric):
                self.assertIn(metric, m)
                self.assertEqual(m[metric], varz[field], "%s vs /varz %s" % (metric, field))
        self.assertEqual((m["zats_in_msgs_total"], m["zats_out_msgs_total"], m["zats_connections"]), (7, 9, 2))
        info = [k for k in m if k.startswith("zats_info{")]
        self.assertEqual(len(info), 1, info)
        self.assertIn('server_id="%s"' % varz["server_id"], info[0])
        promtool = shutil.which("promtool")
        if promtool is None:
            self.skipTest("promtool is not installed (Debian package prometheus)")
        p = subprocess.run([promtool, "check", "metrics"], input=text.encode(), capture_output=True, timeout=20)
        self.assertEqual(p.returncode, 0, "promtool check metrics:\n%s%s" % (p.stdout.decode(), p.stderr.decode()))


# -- hostile HTTP clients ------------------------------------------------------------------------

def raw_http(port, request, timeout=10.0):
    """Sends request (from a thread: the server may answer and close before taking it all) and
    returns everything the server sent until it closed, or the timeout."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)

    def send():
        try:
            s.sendall(request)
        except OSError:
            pass

    t = threading.Thread(target=send, daemon=True)
    t.start()
    data = b""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            s.settimeout(max(0.01, deadline - time.monotonic()))
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    finally:
        s.close()
        t.join(timeout=5)
    return data


def status_and_body(response):
    head, _, body = response.partition(b"\r\n\r\n")
    return head.split(b"\r\n")[0].decode("latin-1"), body


HUGE = 2 * 1024 * 1024  # over Go's limit (MaxHeaderBytes 1 MiB + 4 KiB) and zats's
HOSTILE = {
    "huge request line": b"GET /varz?q=" + b"a" * HUGE + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    "huge header": b"GET /varz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * HUGE + b"\r\n\r\n",
    "many headers": b"GET /varz HTTP/1.1\r\nHost: x\r\n" + b"".join(
        b"X-H%d: %s\r\n" % (i, b"b" * 1000) for i in range(2500)) + b"\r\n",
    "no Host": b"GET /varz HTTP/1.1\r\n\r\n",
    "malformed header line": b"GET /varz HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n",
    "garbage request line": b"BLAH\r\n\r\n",
}


def hostile_answers(port):
    return {k: status_and_body(raw_http(port, req)) for k, req in HOSTILE.items()}


class HostileHttpClients(unittest.TestCase):
    N = 3000

    def test_messaging_undisturbed(self):
        srv = start(self)
        pub, sub = srv.client(), srv.client()
        self.addCleanup(pub.close)
        self.addCleanup(sub.close)
        pub.handshake(QUIET)
        sub.handshake(QUIET)
        sub.send(b"SUB stream 1\r\n")
        sub.ping()
        sent_at, got_at, errors = {}, {}, []

        def publish():
            try:
                for i in range(self.N):
                    sent_at[i] = time.monotonic()
                    pub.send(b"PUB stream 8\r\n%08d\r\n" % i)
                    if i % 20 == 19:
                        time.sleep(0.002)
            except Exception as e:  # reported by the main thread
                errors.append("publisher: %r" % e)

        def receive():
            try:
                for i in range(self.N):
                    frame = sub.read_exactly(len(b"MSG stream 1 8\r\n00000000\r\n"), timeout=10)
                    got_at[i] = time.monotonic()
                    if frame != b"MSG stream 1 8\r\n%08d\r\n" % i:
                        errors.append("message %d: got %r" % (i, frame))
                        return
            except Exception as e:
                errors.append("subscriber after %d messages: %r" % (len(got_at), e))

        def trickle():
            # A client trickling its request, a byte every 20 ms (about 1 s in all).
            try:
                with socket.create_connection(("127.0.0.1", srv.mport), timeout=10) as s:
                    for ch in b"GET /varz HTTP/1.1\r\nHost: x\r\nX-Slow: yes\r\n\r\n":
                        s.sendall(bytes([ch]))
                        time.sleep(0.02)
                    data = b""
                    while b"\r\n\r\n" not in data:
                        chunk = s.recv(65536)
                        if not chunk:
                            break
                        data += chunk
                    hostile["slow headers"] = status_and_body(data)[0]
            except Exception as e:
                errors.append("slow headers: %r" % e)

        idle = []
        self.addCleanup(lambda: [s.close() for s in idle])
        for _ in range(150):  # idle sockets that never send a byte
            idle.append(socket.create_connection(("127.0.0.1", srv.mport), timeout=5))
        hostile = {}
        threads = [threading.Thread(target=f, daemon=True) for f in (receive, publish, trickle)]
        for t in threads:
            t.start()
        hostile.update(hostile_answers(srv.mport))
        for t in threads:
            t.join(timeout=20)
        self.assertFalse(any(t.is_alive() for t in threads), "a helper thread hung")
        self.assertEqual(errors, [])
        self.assertEqual(len(got_at), self.N)
        worst = max(got_at[i] - sent_at[i] for i in range(self.N))
        self.assertLess(worst, 1.0, "worst delivery latency %.3fs while the monitor was under attack" % worst)
        self.assertEqual(hostile.get("slow headers"), "HTTP/1.1 200 OK")
        for k in ("huge request line", "huge header", "many headers"):
            self.assertEqual(hostile[k], ("HTTP/1.1 431 Request Header Fields Too Large",
                                          b"431 Request Header Fields Too Large"), k)
        for k in ("no Host", "malformed header line", "garbage request line"):
            self.assertTrue(hostile[k][0].startswith("HTTP/1.1 400 "), (k, hostile[k]))
        # The monitor still answers a normal GET, and messaging still works.
        pub.ping()
        sub.ping()
        self.assertEqual(srv.json("/varz")["in_msgs"], self.N)
        ref = reference_binary()
        if ref is not None:
            want = hostile_answers(start(self, ref).mport)
            for k in HOSTILE:
                with self.subTest(request=k):
                    self.assertEqual(hostile[k], want[k], "%s: zats vs nats-server" % k)


# -- http_base_path ----------------------------------------------------------------------------------

class AuthorizedUser(unittest.TestCase):
    """/connz?auth=1 names the user a connection logged in as (client.go getRawAuthUser: the
    user name, a no_auth_user's name, or the token), as nats-server does; without auth=1 not."""

    CASES = [
        ("user and password", ["--user", "a", "--pass", "b"], None, b'{"user":"a","pass":"b"}'),
        ("token", ["--auth", "tok"], None, b'{"auth_token":"tok"}'),
        ("no auth, user sent anyway", [], None, b'{"user":"x","pass":"y"}'),
        ("no_auth_user", [], "authorization { users = [{user: u1, password: p1}] }\nno_auth_user: u1\n", b'{}'),
        ("users in an account", [], "accounts { A { users = [{user: u2, password: p2}] } }\n",
         b'{"user":"u2","pass":"p2"}'),
    ]

    def observe(self, binary, flags, conf, connect):
        srv = MonServer(binary, *flags, conf=conf)
        srv.start()
        self.addCleanup(srv.__exit__, None, None, None)
        with srv.client() as c:
            c.read_info()
            options = dict(json.loads(connect), verbose=False)
            c.send(b"CONNECT " + json.dumps(options).encode() + b"\r\nPING\r\n")
            c.expect(b"PONG\r\n")
            conn = srv.json("/connz?auth=1")["connections"][0]
            plain = srv.json("/connz")["connections"][0]
        self.assertNotIn("authorized_user", plain)
        return {k: conn.get(k) for k in ("authorized_user", "account")}

    def test_authorized_user(self):
        ref = reference_binary()
        for what, flags, conf, connect in self.CASES:
            with self.subTest(case=what):
                mine = self.observe(harness.server_binary(), flags, conf, connect)
                self.assertTrue(mine["authorized_user"], mine)
                if ref is not None:
                    self.assertEqual(mine, self.observe(ref, flags, conf, connect))


class ServerTags(unittest.TestCase):
    def test_varz_lists_the_server_tags(self):
        # Lower case, trimmed, each once, empty ones left out; after config_load_time.
        for binary in filter(None, (harness.server_binary(), reference_binary())):
            with self.subTest(server=name_of(binary)):
                srv = start(self, binary, conf='server_tags: [" Zone:East", "ssd", "zone:east", ""]\n')
                varz = srv.json("/varz")
                self.assertEqual(varz.get("tags"), ["zone:east", "ssd"])
                keys = list(varz)
                self.assertEqual(keys[keys.index("tags") - 1], "config_load_time")


class AccountStats(unittest.TestCase):
    """/accstatz per account, and the endpoints of the subsystems zats does not have (leaf nodes,
    gateways, JetStream), against nats-server: the same status, type and body but for ids and times."""

    CONF = "accounts { A { users = [ {user: a, password: a} ] }, B { users = [ {user: b, password: b} ] } }\n"
    PATHS = ["/accstatz", "/accstatz?unused=1", "/accstatz?unused=x", "/accstatz?callback=cb",
             "/leafz", "/leafz?subs=1&acc=A", "/leafz?subs=x",
             "/gatewayz", "/gatewayz?accs=1&gw_name=x", "/gatewayz?accs=x",
             "/jsz", "/jsz?accounts=1&streams=2", "/jsz?config=1&limit=q", "/jsz?leader-only=true"]

    def observe(self, binary):
        srv = start(self, binary, conf=self.CONF)

        def login(user):
            c = srv.client()
            self.addCleanup(c.close)
            c.handshake(b'{"verbose":false,"user":"%s","pass":"%s"}' % (user, user))
            return c
        pub, sub, gone = login(b"a"), login(b"a"), login(b"b")
        sub.send(b"SUB foo 1\r\nSUB foo 2\r\n")
        sub.ping()
        gone.send(b"SUB bar 1\r\n")
        gone.ping()
        pub.send(b"PUB foo 5\r\nhello\r\nPUB nobody 3\r\nabc\r\n")
        pub.ping()
        sub.send(b"PING\r\n")
        self.assertEqual(sub.read_until(b"PONG\r\n").count(b"hello"), 2)
        gone.send(b"PUB bar 2\r\nhi\r\n")
        gone.expect(b"MSG bar 1 2\r\nhi\r\n")
        gone.close()  # B's traffic outlives its last connection
        wait_for("B without connections", lambda: srv.json("/accountz?acc=B")["account_detail"]["client_connections"] == 0)
        got = {}
        for path in self.PATHS:
            status, ctype, body = srv.get(path)
            if ctype in ("application/json", "application/javascript"):
                text = body.decode()
                doc = json.loads(text[text.index("(") + 1:-1] if ctype == "application/javascript" else text)
                self.assertEqual(list(doc)[:2], ["server_id", "now"], path)
                del doc["server_id"], doc["now"]
                doc.get("account_statz", []).sort(key=lambda s: s["acc"])
                body = doc
            got[path] = (status, ctype, body)
        return got

    def test_documents_match_the_reference(self):
        mine = self.observe(harness.server_binary())
        stat = {s["acc"]: s for s in mine["/accstatz?unused=1"][2]["account_statz"]}
        self.assertEqual(sorted(stat), ["$G", "$SYS", "A", "B"])
        self.assertEqual([s["acc"] for s in mine["/accstatz"][2]["account_statz"]], ["A"])
        self.assertEqual((stat["A"]["conns"], stat["A"]["received"], stat["A"]["sent"]),
                         (2, {"msgs": 2, "bytes": 8}, {"msgs": 2, "bytes": 10}))
        self.assertEqual((stat["B"]["conns"], stat["B"]["received"], stat["B"]["sent"]),
                         (0, {"msgs": 1, "bytes": 2}, {"msgs": 1, "bytes": 2}))
        self.assertEqual(mine["/jsz?leader-only=true"][:2], (400, "text/plain; charset=utf-8"))
        ref = reference_binary()
        if ref is None:
            self.skipTest("nats-server is not installed (or is the server under test)")
        theirs = self.observe(ref)
        for path in self.PATHS:
            self.assertEqual(mine[path], theirs[path], path)


class MonitorPortTaken(unittest.TestCase):
    def test_a_taken_port_stops_the_start(self):
        # Monitoring starts before the workers accept anyone, as nats-server starts it before
        # its accept loop; a taken port is fatal, with nats-server's words.
        taken = socket.socket()
        self.addCleanup(taken.close)
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        for binary in filter(None, (harness.server_binary(), reference_binary())):
            with self.subTest(server=name_of(binary)):
                r = subprocess.run([binary, "-a", "127.0.0.1", "-p", "0", "-m", str(port)], stdin=subprocess.DEVNULL,
                                   capture_output=True, text=True, timeout=30)
                self.assertEqual(r.returncode, 1)
                self.assertIn("[FTL] Can't start monitoring: can't listen to the monitor port: listen tcp "
                              "127.0.0.1:%d: bind: address already in use\n" % port, r.stdout + r.stderr)
                self.assertNotIn("Listening for client connections", r.stdout + r.stderr)


class BasePath(unittest.TestCase):
    def observe(self, binary):
        srv = start(self, binary, conf='http_base_path: "/mon/"\n', base="/mon")
        got = {}
        for path in ("/mon/varz", "/mon/connz", "/mon/subsz", "/mon/routez", "/mon/healthz", "/mon/accountz",
                     "/varz", "/connz", "/healthz", "/mon", "/mon/", "/monx/varz"):
            status, ctype, body = http_get(srv.mport, path)
            got[path] = (status, ctype)
        got["http_base_path"] = http_get(srv.mport, "/mon/varz")
        got["http_base_path"] = json.loads(got["http_base_path"][2])["http_base_path"]
        return got

    def test_base_path(self):
        mine = self.observe(harness.server_binary())
        self.assertEqual(mine["/mon/varz"], (200, "application/json"))
        self.assertEqual(mine["/varz"][0], 404)
        ref = reference_binary()
        if ref is not None:
            self.assertEqual(mine, self.observe(ref))


if __name__ == "__main__":
    run_tests()
