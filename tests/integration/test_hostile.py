#!/usr/bin/env python3
# Hostile clients (docs/architecture.md, Bad input never crashes; No silent loss inside the
# server): slowloris control lines, a storm of connects and abrupt resets, random garbage from
# many connections at once, and subscribers that never read; the same on the route port while a
# route carries good traffic, and bad TLS handshakes (stalled, garbage, reset) while TLS clients
# run. In every case a well-behaved publisher and subscriber run at the same time and lose
# nothing, and afterwards the server's counts in /varz (connections, subscriptions; routes in
# /routez) are back where they were. Runs against $ZATS_SERVER (default nats-server). Python 3
# stdlib and the openssl CLI (test certificates) only; every wait is bounded.
import json
import os
import random
import socket
import ssl
import struct
import sys
import tempfile
import threading
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tlspki  # noqa: E402
from cluster_harness import Node, wait_for, wait_interest  # noqa: E402
from harness import Conn, Server, free_port, run_tests  # noqa: E402

# Bounds for waits that depend on load (the sanitizer builds run this suite too).
SETTLE_TIMEOUT = 20.0
TRAFFIC_TIMEOUT = 30.0


def start_server(test, config=""):
    """A server with monitoring (and the config file `config` when not empty), reaped at cleanup."""
    args = ["-m", str(free_port())]
    if config:
        fd, path = tempfile.mkstemp(prefix="zats-hostile-", suffix=".conf")
        with os.fdopen(fd, "w") as f:
            f.write(config)
        test.addCleanup(os.unlink, path)
        args += ["-c", path]
    srv = Server(*args).start()
    srv.monitor_port = int(args[1])
    test.addCleanup(srv.__exit__, None, None, None)
    # The harness waits for the client port; monitoring may come up a moment later.
    deadline = time.monotonic() + SETTLE_TIMEOUT
    while True:
        try:
            varz(srv)
            return srv
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def varz(srv):
    with urllib.request.urlopen("http://127.0.0.1:%d/varz" % srv.monitor_port, timeout=5) as r:
        return json.loads(r.read().decode("utf-8"))


def counts(srv):
    v = varz(srv)
    return v["connections"], v["subscriptions"]


def baseline(test, srv):
    """The counts of a fresh server once the harness's readiness probe is gone: no connection,
    and whatever internal subscriptions the server has (nats-server has some, zats none)."""
    deadline = time.monotonic() + SETTLE_TIMEOUT
    while counts(srv)[0] != 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    base = counts(srv)
    test.assertEqual(base[0], 0, "a fresh server still counts a connection")
    return base


def wait_for_counts(test, srv, want):
    """Polls /varz until (connections, subscriptions) == want."""
    deadline = time.monotonic() + SETTLE_TIMEOUT
    got = counts(srv)
    while got != want and time.monotonic() < deadline:
        time.sleep(0.05)
        got = counts(srv)
    test.assertEqual(got, want, "(connections, subscriptions) did not return to the baseline")


def rst_close(sock):
    """Closes with a TCP reset instead of a FIN (SO_LINGER 0), as a crashed client would."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    sock.close()


def plain_client(srv, name):
    """A connected client past its CONNECT, on srv (a harness Server or a cluster Node)."""
    c = Conn(srv.port, timeout=TRAFFIC_TIMEOUT)
    c.handshake(b'{"verbose":false,"pedantic":false,"name":"%s"}' % name)
    return c


# Pieces of the client protocol that random garbage is made of, beside random bytes.
CLIENT_TOKENS = [b"PUB ", b"HPUB ", b"SUB ", b"UNSUB ", b"PING", b"PONG", b"CONNECT ", b"INFO ", b"+OK",
                 b"-ERR ", b"MSG ", b"{", b"}", b"\r\n", b"\n", b"\r", b" ", b"\t", b"foo", b"*", b">", b".",
                 b"1", b"0", b"999999999", b"4096", b'{"headers":true}', b"NATS/1.0\r\n\r\n"]
# And of the route protocol.
ROUTE_TOKENS = CLIENT_TOKENS + [b"RS+ ", b"RS- ", b"RMSG ", b"HMSG ", b"$G ", b'{"cluster":"c1"}',
                                b'{"server_id":"NFAKE","cluster":"c1"}']


def send_garbage(port, k, tokens, prefix=b""):
    """Connection k sends 32 KiB of random bytes (odd k) or 8 Ki random tokens with some random
    bytes among them (even k), after `prefix`, in random pieces; then closes or resets. The
    server may close it at any point."""
    rng = random.Random(1000 + k)
    if k % 2:
        data = bytes(rng.randrange(256) for _ in range(32 * 1024))
    else:
        data = b"".join(rng.choice(tokens) if rng.random() < 0.9 else bytes([rng.randrange(256)])
                        for _ in range(8 * 1024))
    data = prefix + data
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
    except OSError:
        return
    try:
        at = 0
        while at < len(data):
            n = rng.randrange(1, 4096)
            s.sendall(data[at:at + n])
            at += n
    except OSError:
        pass  # closed by the server: fine
    finally:
        if rng.random() < 0.5:
            rst_close(s)
        else:
            s.close()


def in_parallel(jobs, timeout):
    """Runs each job on a thread of its own; True when all of them finished within timeout."""
    threads = [threading.Thread(target=job, daemon=True) for job in jobs]
    for t in threads:
        t.start()
    deadline = time.monotonic() + timeout
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    return not any(t.is_alive() for t in threads)


def dribble(socks, lines, tick=0.01):
    """Sends lines[i] to socks[i] one byte per tick, all of them side by side."""
    for at in range(max(len(line) for line in lines)):
        for s, line in zip(socks, lines):
            if at < len(line):
                try:
                    s.sendall(line[at:at + 1])
                except OSError:
                    pass
        time.sleep(tick)


def connect_and_reset(port, count, seed, steps):
    """count connections to port, each reset after one of steps(sock, rng) picked at random
    (None: right after the connect). Returns the errors of connects that failed."""
    rng = random.Random(seed)
    failures = []
    for _ in range(count):
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
            step = rng.choice(steps)
            if step is not None:
                try:
                    step(s, rng)
                except OSError:
                    pass  # the server may close first
            rst_close(s)
        except OSError as e:
            failures.append(repr(e))
            break
    return failures


class GoodTraffic:
    """A publisher and a subscriber that behave: the publisher sends numbered messages in
    batches, each followed by PING and waiting for its PONG; the subscriber checks that it gets
    every number, in order. Both answer the server's PINGs. finish() stops and checks.
    The publisher may sit on another node of a cluster (pub_srv); connect(srv, name) makes the
    clients (plain_client, or one over TLS)."""

    BATCH = 20

    def __init__(self, test, srv, subject=b"good.traffic", pub_srv=None, connect=plain_client):
        self.test = test
        self.subject = subject
        self.sub = connect(srv, b"good-sub")
        test.addCleanup(self.sub.close)
        self.pub = connect(pub_srv or srv, b"good-pub")
        test.addCleanup(self.pub.close)
        self.sub.send(b"SUB " + subject + b" 1\r\n")
        self.sub.ping()
        if pub_srv is not None:
            # Interest crosses the route in order: once a probe on a later subscription arrives,
            # the first one is known on the publisher's node too.
            probe = subject + b".probe"
            self.sub.send(b"SUB " + probe + b" 2\r\n")
            wait_interest(self.pub, self.sub, probe, b"2", timeout=SETTLE_TIMEOUT)
        self.sent = 0
        self.received = 0
        self.errors = []
        self.stop = threading.Event()
        self.pub_done = threading.Event()
        self.give_up_at = float("inf")
        self.pub_thread = threading.Thread(target=self._publish, daemon=True)
        self.sub_thread = threading.Thread(target=self._subscribe, daemon=True)

    def start(self):
        self.pub_thread.start()
        self.sub_thread.start()
        return self

    def _publish(self):
        try:
            while not self.stop.is_set():
                batch = b"".join(b"PUB %s 8\r\n%08d\r\n" % (self.subject, self.sent + i) for i in range(self.BATCH))
                self.pub.send(batch + b"PING\r\n")
                self.pub.await_pong(TRAFFIC_TIMEOUT)
                self.sent += self.BATCH
                time.sleep(0.005)
        except Exception as e:  # reported by finish()
            self.errors.append("publisher: %r" % e)
        finally:
            self.pub_done.set()

    def _subscribe(self):
        head = b"MSG %s 1 8\r\n" % self.subject
        frame = len(head) + 10
        try:
            while not self.errors:
                if self.pub_done.is_set() and self.received >= self.sent:
                    return
                buf = self.sub.buf
                if buf.startswith(b"PING\r\n"):
                    self.sub.buf = buf[6:]
                    self.sub.send(b"PONG\r\n")
                elif buf.startswith(b"INFO ") and b"\r\n" in buf:
                    self.sub.buf = buf[buf.index(b"\r\n") + 2:]  # a cluster's URL update
                elif len(buf) >= frame:
                    if not buf.startswith(head) or buf[frame - 2:frame] != b"\r\n":
                        raise AssertionError("unexpected bytes %r" % buf[:60])
                    n = int(buf[len(head):len(head) + 8])
                    if n != self.received:
                        raise AssertionError("message %d arrived when %d was due" % (n, self.received))
                    self.received += 1
                    self.sub.buf = buf[frame:]
                elif not self.sub._fill(time.monotonic() + 0.2) and time.monotonic() > self.give_up_at:
                    return  # stopped and idle: the rest is late or lost; finish() tells which
        except Exception as e:
            self.errors.append("subscriber: %r" % e)

    def finish(self):
        self.give_up_at = time.monotonic() + TRAFFIC_TIMEOUT
        self.stop.set()
        self.pub_thread.join(TRAFFIC_TIMEOUT)
        self.sub_thread.join(TRAFFIC_TIMEOUT + 1)
        self.test.assertEqual(self.errors, [])
        self.test.assertFalse(self.pub_thread.is_alive() or self.sub_thread.is_alive(), "good traffic hung")
        self.test.assertGreater(self.sent, 0, "the publisher never got a batch through")
        self.test.assertEqual(self.received, self.sent, "the good subscriber lost messages")
        # Both still served (a server keep-alive PING may come first: they answer it).
        for conn in (self.pub, self.sub):
            conn.send(b"PING\r\n")
            conn.await_pong(TRAFFIC_TIMEOUT)
        return self.sent



class Hostile(unittest.TestCase):
    def test_slowloris_control_lines(self):
        # Many connections that dribble control lines a byte at a time and never finish them
        # (a SUB, a PUB whose payload never comes, a CONNECT), and some that dribble an endless
        # line: those reach max_control_line and get the -ERR and a close.
        srv = start_server(self, "max_control_line: 512\n")
        base = baseline(self, srv)
        good = GoodTraffic(self, srv).start()
        partial = [b"SUB slow.loris.subject.that.never.ends 1", b"PUB slow 100\r\nonly part of the pay",
                   b'CONNECT {"verbose":false,"name":"loris"']
        socks = []
        for i in range(150):
            s = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
            self.addCleanup(s.close)
            socks.append((s, partial[i % 3] if i % 10 else b"SUB " + b"x" * 2000))
        endless = [s for s, line in socks if len(line) > 600]
        step_of = lambda line: 16 if len(line) > 600 else 1  # the endless lines grow faster
        ticks = max(-(-len(line) // step_of(line)) for _, line in socks)
        for tick in range(ticks):
            for s, line in socks:
                piece = line[tick * step_of(line):(tick + 1) * step_of(line)]
                if piece:
                    try:
                        s.sendall(piece)
                    except OSError:
                        pass
            time.sleep(0.01)
        for s in endless:  # each went past 512 bytes of argument
            s.settimeout(5)
            data = b""
            try:
                while True:
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    data += chunk
            except OSError:
                pass
            self.assertTrue(data.endswith(b"-ERR 'maximum control line exceeded'\r\n"), data[-80:])
        self.assertEqual(counts(srv)[0], base[0] + 2 + len(socks) - len(endless),
                         "the unfinished lines must not close their connections")
        good.finish()
        for s, _ in socks:
            rst_close(s)
        wait_for_counts(self, srv, (base[0] + 2, base[1] + 1))

    def test_connect_reset_storm(self):
        # 10000 connections opened and reset while the good traffic runs: some before reading
        # INFO, some after subscribing, some in the middle of a PUB.
        srv = start_server(self)
        base = baseline(self, srv)
        total_before = varz(srv)["total_connections"]
        good = GoodTraffic(self, srv).start()
        storm, threads_n = 10000, 4
        failures = []

        def storm_thread(k):
            rng = random.Random(k)
            for i in range(storm // threads_n):
                try:
                    s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
                    kind = rng.randrange(4)
                    if kind == 1:
                        s.sendall(b"CONNECT {}\r\nSUB storm.%d.%d 1\r\nSUB storm.> q 2\r\n" % (k, i))
                    elif kind == 2:
                        s.sendall(b"PUB storm.x 1000\r\nhalf a payload")
                    elif kind == 3:
                        s.recv(1)
                    rst_close(s)
                except OSError as e:
                    failures.append(repr(e))
                    return

        threads = [threading.Thread(target=storm_thread, args=(k,), daemon=True) for k in range(threads_n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        self.assertEqual(failures, [], "a connect was refused or timed out during the storm")
        self.assertFalse(any(t.is_alive() for t in threads), "the storm did not finish")
        good.finish()
        wait_for_counts(self, srv, (base[0] + 2, base[1] + 1))
        self.assertGreaterEqual(varz(srv)["total_connections"] - total_before, storm)

    def test_garbage_from_many_connections(self):
        # 48 connections at once, each sending 32 KiB of random bytes or of random protocol-ish
        # tokens in random pieces; the server closes them (or not) as it sees fit.
        srv = start_server(self)
        base = baseline(self, srv)
        good = GoodTraffic(self, srv).start()
        self.assertTrue(in_parallel([lambda k=k: send_garbage(srv.port, k, CLIENT_TOKENS) for k in range(48)], 60),
                        "a garbage sender hung")
        good.finish()
        wait_for_counts(self, srv, (base[0] + 2, base[1] + 1))
        with srv.client() as fresh:  # and a newcomer is served normally
            fresh.handshake()

    def test_subscribers_that_never_read(self):
        # Ten subscribers with tiny receive buffers that never read, on the subject a publisher
        # floods: each is cut as a slow consumer, while a reading subscriber on the same subject
        # gets every message and the good traffic on another subject goes on.
        srv = start_server(self, "max_payload: 1KB\nmax_pending: 128KB\n")
        base = baseline(self, srv)
        slow_before = varz(srv)["slow_consumers"]
        good = GoodTraffic(self, srv).start()
        stuck = []
        for i in range(10):
            c = srv.client(rcvbuf=4096)
            self.addCleanup(c.close)
            c.handshake(b'{"verbose":false,"pedantic":false,"name":"stuck-%d"}' % i)
            c.send(b"SUB flood 1\r\n")
            c.ping()
            stuck.append(c)
        reader = srv.client(timeout=TRAFFIC_TIMEOUT)
        self.addCleanup(reader.close)
        reader.handshake()
        reader.send(b"SUB flood 1\r\n")
        reader.ping()
        flood = srv.client(timeout=TRAFFIC_TIMEOUT)
        self.addCleanup(flood.close)
        flood.handshake()
        payload = b"f" * 1000
        frame = b"MSG flood 1 1000\r\n" + payload + b"\r\n"
        total, batch = 4096, 16
        got = 0
        for _ in range(total // batch):
            flood.send((b"PUB flood 1000\r\n" + payload + b"\r\n") * batch + b"PING\r\n")
            flood.await_pong(TRAFFIC_TIMEOUT)
            got += reader.take_frames(frame)  # drained as we go: a fast consumer, not a slow one
        deadline = time.monotonic() + TRAFFIC_TIMEOUT
        while got < total and not reader.eof and time.monotonic() < deadline:
            got += reader.take_frames(frame, wait=0.2)
        self.assertFalse(reader.eof, "the reading subscriber was closed")
        self.assertEqual(got, total, "the reading subscriber lost messages")
        good.finish()
        wait_for_counts(self, srv, (base[0] + 4, base[1] + 2))
        self.assertEqual(varz(srv)["slow_consumers"] - slow_before, 10)


def read_info_step(s, rng):
    s.recv(1)


def read_until_closed(s, timeout):
    """What s receives until the server closes it; None when it is still open after timeout."""
    s.settimeout(timeout)
    data = b""
    try:
        while True:
            chunk = s.recv(4096)
            if not chunk:
                return data
            data += chunk
    except socket.timeout:
        return None
    except OSError:
        return data  # reset by the server


class HostileRoutePort(unittest.TestCase):
    def test_garbage_slowloris_and_resets_on_the_route_port(self):
        # Two nodes with a route; good traffic crosses it (publisher on A, subscriber on B) while
        # A's route port, where the route was accepted, gets control lines dribbled a byte at a
        # time, random garbage from 24 connections and 2000 connects reset at random points.
        # The route and the good traffic carry on; afterwards each node counts its one route
        # (the same one) and its one good client.
        a = Node(name="A").start()
        self.addCleanup(a.__exit__, None, None, None)
        b = Node(name="B", routes=[a]).start()
        self.addCleanup(b.__exit__, None, None, None)
        a.wait_routes(1, SETTLE_TIMEOUT)
        b.wait_routes(1, SETTLE_TIMEOUT)
        route_id = a.routez()["routes"][0]["rid"]
        good = GoodTraffic(self, b, pub_srv=a).start()
        partial = [b'CONNECT {"name":"NLORIS","cluster":"c1","headers":tr', b'INFO {"server_id":"NLORIS","clu',
                   b"RS+ $G loris.subject", b"RMSG $G loris 12\r\nhalf of i"]
        loris = []
        for _ in range(40):
            s = socket.create_connection(("127.0.0.1", a.cluster_port), timeout=5)
            self.addCleanup(s.close)
            loris.append(s)

        def partial_connect(s, rng):
            s.sendall(b'CONNECT {"name":"NSTORM%d","cluster"' % rng.randrange(10 ** 6))

        def connect_and_ping(s, rng):
            s.sendall(b'CONNECT {"name":"NSTORM","cluster":"c1"}\r\nPING\r\n')
            s.recv(1)

        steps = [None, read_info_step, partial_connect, connect_and_ping]
        failures = []
        jobs = [lambda: dribble(loris, [partial[i % len(partial)] for i in range(len(loris))], tick=0.05)]
        jobs += [lambda k=k: send_garbage(a.cluster_port, k, ROUTE_TOKENS) for k in range(24)]
        jobs += [lambda k=k: failures.extend(connect_and_reset(a.cluster_port, 500, k, steps)) for k in range(4)]
        self.assertTrue(in_parallel(jobs, 180), "the attack on the route port did not finish")
        self.assertEqual(failures, [], "a connect to the route port was refused or timed out")
        good.finish()
        for s in loris:
            rst_close(s)
        for node in (a, b):
            wait_for("%s to count one route and one client" % node.describe(),
                     lambda node=node: node.routez()["num_routes"] == 1 and node.varz()["connections"] == 1,
                     SETTLE_TIMEOUT)
        self.assertEqual(a.routez()["routes"][0]["rid"], route_id, "the route was cut and made again")


def client_hello():
    """The first flight of a TLS client: a real ClientHello."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = ctx.wrap_bio(incoming, outgoing, server_hostname="localhost")
    try:
        tls.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return outgoing.read()


class HostileTls(unittest.TestCase):
    def test_bad_handshakes_while_tls_clients_run(self):
        # A TLS server (handshake timeout 1 s) with good TLS clients running, while 60
        # connections send the start of a ClientHello and stall, 24 send garbage (half of it
        # behind a TLS record header) and 800 connect and reset before, during or right after
        # their ClientHello. The stalled ones are closed by the handshake timeout, the good
        # clients lose nothing, and the counts return to the baseline.
        if not tlspki.available():
            self.skipTest("the openssl CLI is not installed (tools/bootstrap installs it)")
        pki = tlspki.Pki()
        self.addCleanup(pki.cleanup)
        srv = start_server(self, 'tls {\n  cert_file: "%s"\n  key_file: "%s"\n  timeout: 1\n}\n'
                           % (pki.server.cert, pki.server.key))
        base = baseline(self, srv)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.load_verify_locations(pki.ca.cert)

        def tls_client(server, name):
            c = Conn(server.port, timeout=TRAFFIC_TIMEOUT)
            c.read_info()
            c.sock = context.wrap_socket(c.sock, server_hostname="localhost")
            c.send(b'CONNECT {"verbose":false,"pedantic":false,"name":"%s"}\r\nPING\r\n' % name)
            c.expect(b"PONG\r\n")
            return c

        good = GoodTraffic(self, srv, connect=tls_client).start()
        hello = client_hello()
        stalled = []
        for _ in range(60):
            s = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
            self.addCleanup(s.close)
            s.sendall(hello[:10])
            stalled.append(s)
        still_open = []

        def wait_stalled_closed():
            for s in stalled:
                if read_until_closed(s, SETTLE_TIMEOUT) is None:
                    still_open.append(s)

        def send_hello(s, rng):
            s.sendall(hello)

        def send_part_of_hello(s, rng):
            s.sendall(hello[:rng.randrange(1, len(hello))])

        steps = [None, read_info_step, send_hello, send_part_of_hello]
        failures = []
        record_header = b"\x16\x03\x01\x40\x00"
        jobs = [wait_stalled_closed]
        jobs += [lambda k=k: send_garbage(srv.port, k, CLIENT_TOKENS, record_header if k % 4 < 2 else b"")
                 for k in range(24)]
        jobs += [lambda k=k: failures.extend(connect_and_reset(srv.port, 200, k, steps)) for k in range(4)]
        self.assertTrue(in_parallel(jobs, 180), "the bad handshakes did not finish")
        self.assertEqual(failures, [], "a connect was refused or timed out")
        self.assertEqual(still_open, [], "a stalled handshake outlived the handshake timeout")
        good.finish()
        wait_for_counts(self, srv, (base[0] + 2, base[1] + 1))
        tls_client(srv, b"newcomer").close()  # and a newcomer is served normally


if __name__ == "__main__":
    run_tests()
