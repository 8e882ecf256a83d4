# Cluster test harness: starts zats or nats-server nodes with a client port, a route port and a
# monitoring port on free loopback ports, routes between them, and bounded waits for what a
# cluster promises (routes up, interest propagated, a message delivered). Builds on harness.py
# (the same reaping and raw-socket client).
import json
import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
import warnings

from harness import Conn, _die_with_parent, _live, free_port, read_log, reference_binary, server_binary  # noqa: F401

# Tests open many short-lived clients and let the garbage collector close them.
warnings.simplefilter("ignore", ResourceWarning)

DEFAULT_WAIT = 10.0


def zats_binary():
    return server_binary()


def wait_for(what, condition, timeout=DEFAULT_WAIT, interval=0.02):
    """Polls condition() until it returns a true value (returned) or the timeout passes."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = condition()
        except (OSError, ValueError, AssertionError) as e:
            last = e
        if last and not isinstance(last, Exception):
            return last
        time.sleep(interval)
    raise AssertionError("timed out after %.1fs waiting for %s (last: %r)" % (timeout, what, last))


class Node:
    """One server of a cluster. `routes` are other Nodes (or route URLs) to dial."""

    def __init__(self, binary=None, name=None, cluster_name="c1", routes=(), extra=(), cluster_user=None,
                 cluster_host="127.0.0.1", route_tls=False, route_host="127.0.0.1"):
        self.binary = binary or zats_binary()
        self.name = name
        self.cluster_name = cluster_name
        self.routes = list(routes)
        self.extra = list(extra)
        self.cluster_user = cluster_user  # (user, password) for the route listener
        self.cluster_host = cluster_host
        self.route_tls = route_tls    # the route port speaks TLS first (no INFO in the clear)
        self.route_host = route_host  # how other nodes name this one in their routes
        self.port = free_port()
        self.cluster_port = free_port()
        self.http_port = free_port()
        self.proc = None
        self.log = None

    @property
    def is_zats(self):
        return os.path.basename(self.binary) != "nats-server"

    @property
    def url(self):
        return "nats://127.0.0.1:%d" % self.port

    def route_url(self, user=None):
        auth = "%s:%s@" % user if user else ""
        return "nats-route://%s%s:%d" % (auth, self.route_host, self.cluster_port)

    def command(self):
        listen = "nats://%s%s:%d" % ("%s:%s@" % self.cluster_user if self.cluster_user else "", self.cluster_host,
                                     self.cluster_port)
        cmd = [self.binary, "-a", "127.0.0.1", "-p", str(self.port), "-m", str(self.http_port),
               "--cluster", listen]
        if self.cluster_name is not None:
            cmd += ["--cluster_name", self.cluster_name]
        if self.name:
            cmd += ["-n", self.name]
        if self.routes:
            urls = [r.route_url(self.cluster_user) if isinstance(r, Node) else r for r in self.routes]
            cmd += ["--routes", ",".join(urls)]
        if self.is_zats:
            cmd += ["--placement", "round-robin"]
        return cmd + self.extra

    def start(self, timeout=10.0):
        for attempt in range(3):
            self.log = tempfile.TemporaryFile()
            self.proc = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL, stdout=self.log,
                                         stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
            _live.add(self)
            try:
                wait_for("%s to serve clients" % self.describe(), self._ready, timeout)
                return self
            except AssertionError:
                # A free port can be taken by another test between picking and binding; the
                # nodes that dial this one are started after it, so new ports are safe here.
                lost_port = self.proc.poll() is not None and "address already in use" in self.log_text().lower()
                if attempt == 2 or not lost_port:
                    raise
                self.port, self.cluster_port, self.http_port = free_port(), free_port(), free_port()
        return self

    def _ready(self):
        if self.proc.poll() is not None:
            raise AssertionError("exited with %s:\n%s" % (self.proc.returncode, self.log_text()))
        # Both listeners: the route listener may come up a moment after the client one. A TLS
        # route listener says nothing before the handshake (and a probe would log a failed
        # one): its log line says it listens.
        for port in (self.port, self.cluster_port):
            if port == self.cluster_port and self.route_tls:
                if "Listening for route connections" not in self.full_log():
                    return False
                continue
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                s.settimeout(1.0)
                if not s.recv(4096).startswith(b"INFO"):
                    return False
        return True

    def describe(self):
        return "%s node %s (port %d)" % ("zats" if self.is_zats else "nats-server", self.name or "?", self.port)

    def stop(self, sig=signal.SIGINT):
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.proc.send_signal(sig)
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
            except OSError:
                pass
        _live.discard(self)

    def kill(self):
        self.stop(signal.SIGKILL)

    def full_log(self):
        return read_log(self.log)

    def log_text(self):
        return read_log(self.log)[-6000:]

    # -- monitoring ------------------------------------------------------------------------------
    def get(self, path):
        with urllib.request.urlopen("http://127.0.0.1:%d%s" % (self.http_port, path), timeout=2) as r:
            return json.loads(r.read().decode("utf-8"))

    def varz(self):
        return self.get("/varz")

    def routez(self, subs=False):
        return self.get("/routez" + ("?subs=1" if subs else ""))

    def server_id(self):
        return self.varz()["server_id"]

    def wait_routes(self, n, timeout=DEFAULT_WAIT):
        return wait_for("%s to have %d routes" % (self.describe(), n),
                        lambda: self.routez()["num_routes"] == n, timeout)

    def client_subscriptions(self):
        """/varz subscriptions (local and remote interest), less the system services' interest
        the routes announced (client_interest)."""
        services = sum(service_interest(r) for r in self.routez(subs=True)["routes"])
        return self.varz()["subscriptions"] - services

    def wait_subscriptions(self, n, timeout=DEFAULT_WAIT):
        """client_subscriptions() reaches n."""
        return wait_for("%s to count %d subscriptions" % (self.describe(), n),
                        lambda: self.client_subscriptions() == n, timeout)

    def client(self, connect=b'{"verbose":false,"pedantic":false,"protocol":1,"headers":true}'):
        c = Conn(self.port)
        c.info = c.handshake(connect)
        return c

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        if self.log is not None:
            self.log.close()
            self.log = None
        return False


def routed_pair(test, config_path):
    """Two zats nodes, n1 and n2 (n2 dials n1), started with `-c config_path` and routed; stopped
    when `test` ends."""
    first = Node(name="n1", extra=["-c", config_path]).start()
    test.addCleanup(first.__exit__, None, None, None)
    second = Node(name="n2", routes=[first], extra=["-c", config_path]).start()
    test.addCleanup(second.__exit__, None, None, None)
    second.wait_routes(1)
    return first, second


def service_interest(route):
    """Of the interest a /routez?subs=1 route entry lists, what every zats or nats-server peer
    holds in its system account's services ($SYS.REQ.*, and the claims updates' older subject)."""
    return sum(1 for s in route.get("subscriptions_list", [])
               if s.startswith("$SYS.REQ.") or s == "$SYS.ACCOUNT.*.CLAIMS.UPDATE")


def client_interest(route):
    """The subscriptions a /routez?subs=1 route entry counts, less service_interest."""
    return route["subscriptions"] - service_interest(route)


def wait_interest(pub, sub, subject, sid, timeout=DEFAULT_WAIT):
    """Publishes probes on `subject` from `pub` until `sub` receives one (interest has crossed
    the cluster), then drains every probe that arrives. Returns when the path is known to work.
    A publisher that itself subscribes to `subject` must drain its own copies (drain_probes)."""
    deadline = time.monotonic() + timeout
    probe = 0
    while time.monotonic() < deadline:
        probe += 1
        payload = b"probe-%d" % probe
        pub.send(b"PUB %s %d\r\n%s\r\n" % (subject, len(payload), payload))
        line = next_message_line(sub, timeout=0.1)
        if line is None:
            continue
        assert line.startswith(b"MSG " + subject + b" " + sid), line
        sub.read_until(b"\r\n")  # its payload
        # Probes still in flight arrive in order; a PING through the subscriber's node flushes its side.
        drain_probes(sub, subject)
        return
    raise AssertionError("no interest in %r crossed the cluster within %.1fs" % (subject, timeout))


def next_message_line(conn, timeout):
    """The next MSG/HMSG control line, or None after `timeout` of silence. The server's own
    PINGs are answered and async INFOs (cluster URL updates) skipped on the way."""
    while True:
        try:
            line = conn.read_until(b"\r\n", timeout=timeout)
        except AssertionError:
            return None
        if line == b"PING\r\n":
            conn.send(b"PONG\r\n")
        elif not line.startswith(b"INFO "):
            return line


def sync(conn, timeout=DEFAULT_WAIT):
    """PING and wait for its PONG, answering the server's own PINGs and skipping async INFOs
    (a long test sees both); any message before the PONG is a failure."""
    conn.send(b"PING\r\n")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = conn.read_until(b"\r\n", timeout=max(0.01, deadline - time.monotonic()))
        if line == b"PONG\r\n":
            return
        if line == b"PING\r\n":
            conn.send(b"PONG\r\n")
        elif not line.startswith(b"INFO "):
            raise AssertionError("expected PONG, got %r" % line)
    raise AssertionError("no PONG within %.1fs" % timeout)


def drain_probes(sub, subject):
    """Reads probe messages until silence (50 ms)."""
    while True:
        line = next_message_line(sub, timeout=0.05)
        if line is None:
            return
        if not line.startswith(b"MSG " + subject):
            raise AssertionError("unexpected %r while draining probes" % line)
        sub.read_until(b"\r\n")


def read_payloads(conn, subject, quiet=0.3):
    """Payloads of the messages on `subject` that arrive until `quiet` seconds of silence."""
    out = []
    while True:
        line = next_message_line(conn, quiet)
        if line is None:
            return out
        assert line.startswith(b"MSG " + subject), line
        out.append(conn.read_until(b"\r\n")[:-2])


def lame_duck_notices(test, leaving, staying):
    """SIGUSR2 on `leaving`: its clients get INFO with "ldm" and only the other node's URL, the
    other node's clients get an INFO without `leaving`'s URL, and /varz agrees."""
    stay_url, leave_url = "127.0.0.1:%d" % staying.port, "127.0.0.1:%d" % leaving.port
    both = sorted([stay_url, leave_url])
    def told_to_new_clients(node):
        c = node.client()
        c.close()
        return sorted(c.info.get("connect_urls", []))
    wait_for("clients of both nodes to be told of both",
             lambda: all(told_to_new_clients(n) == both for n in (leaving, staying)))
    on_leaving, on_staying = leaving.client(), staying.client()
    leaving.proc.send_signal(signal.SIGUSR2)
    info = on_leaving.read_info(timeout=10)
    test.assertTrue(info.get("ldm"))
    test.assertEqual(info["connect_urls"], [stay_url])
    info = on_staying.read_info(timeout=10)
    test.assertNotIn("ldm", info)
    test.assertEqual(info["connect_urls"], [stay_url])
    test.assertEqual(staying.varz()["connect_urls"], [stay_url])
