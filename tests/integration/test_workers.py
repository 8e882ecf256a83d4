"""Thread-per-core invariants (docs/architecture.md, Invariants): zats with --cores 4 and
round-robin placement, where the server's debug log proves which worker owns each connection.
Covers visibility, per-publisher order, exactly-once queue delivery across workers, no loss under
mesh backpressure, a stress run with wildcard and queue subscriptions under SUB/UNSUB churn, and
old-style request/reply (SUB inbox; UNSUB sid 1; PUB) across two workers, byte for byte as
nats-server answers it. zats-only (nats-server has no --cores), so it skips when the server under
test is not zats; nats-server, when installed, is the reference for the request/reply bytes."""
import re
import socket
import threading
import time
import unittest

import harness

WORKERS = 4


is_zats = harness.is_zats


# Connections stay where they were placed (no --move_connections): these tests are about what
# crosses workers, and the log's placement must stay true (test_moves.py covers moving).
def start_server():
    return harness.Server("--cores", str(WORKERS), "--placement", "round-robin", "-D", "--move_connections=false")


class MsgReader(threading.Thread):
    """Reads MSG frames from a raw socket in the background: (subject, sid, payload) tuples."""

    def __init__(self, sock):
        super().__init__(daemon=True)
        self.sock = sock
        self.msgs = []
        self.lock = threading.Lock()
        self.error = None
        self.start()

    def run(self):
        buf = b""
        try:
            while True:
                chunk = self.sock.recv(1 << 20)
                if not chunk:
                    return
                buf += chunk
                buf = self._parse(buf)
        except OSError as e:
            self.error = e

    def _parse(self, buf):
        out = []
        while True:
            nl = buf.find(b"\r\n")
            if nl < 0:
                break
            line = buf[:nl]
            if line.startswith(b"MSG "):
                parts = line.split()
                size = int(parts[-1])
                end = nl + 2 + size + 2
                if len(buf) < end:
                    break
                out.append((parts[1].decode(), parts[2].decode(), buf[nl + 2:nl + 2 + size]))
                buf = buf[end:]
            else:
                buf = buf[nl + 2:]  # PONG, +OK, PING (answered by nobody: tests are short)
        if out:
            with self.lock:
                self.msgs.extend(out)
        return buf

    def count(self):
        with self.lock:
            return len(self.msgs)

    def wait_for(self, n, timeout=20.0):
        deadline = time.monotonic() + timeout
        while self.count() < n and time.monotonic() < deadline:
            time.sleep(0.005)
        return self.count()


class Placed:
    """A handshaken raw connection whose worker is read from the server's debug log."""

    def __init__(self, server):
        self.conn = server.client()
        info = self.conn.handshake()
        self.cid = info["client_id"]
        self.worker = worker_of(server, self.cid)

    def reader(self):
        return MsgReader(self.conn.sock)


def ping_through_keepalive(conn, timeout):
    """PING and wait for its PONG, answering the server's own keep-alive PINGs on the way
    (a long test outlives the first server PING, ~2 s after CONNECT)."""
    conn.send(b"PING\r\n")
    deadline = time.monotonic() + timeout
    while True:
        line = conn.read_until(b"\r\n", timeout=max(0.1, deadline - time.monotonic()))
        if line.startswith(b"PONG"):
            return
        if line.startswith(b"PING"):
            conn.send(b"PONG\r\n")
            continue
        raise AssertionError("expected PONG, got %r" % line)


def worker_of(server, cid, timeout=5.0):
    pattern = re.compile(r"cid:%d - Client connection created \(worker (\d+)\)" % cid)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        m = pattern.search(server.full_log())
        if m:
            return int(m.group(1))
        time.sleep(0.01)
    raise AssertionError("no worker logged for cid %d" % cid)


def on_distinct_workers(server, n):
    """n connections, each on a different worker (round-robin placement makes that happen)."""
    conns = []
    seen = set()
    while len(conns) < n:
        c = Placed(server)
        if c.worker in seen:
            c.conn.close()
            continue
        seen.add(c.worker)
        conns.append(c)
    return conns


@unittest.skipUnless(is_zats(), "zats-only: needs --cores and --placement")
class TestWorkers(unittest.TestCase):
    def test_placement_is_round_robin_and_logged(self):
        with start_server() as s:
            workers = [Placed(s).worker for _ in range(8)]
            self.assertEqual(len(set(workers)), WORKERS, workers)
            for a, b in zip(workers, workers[1:]):
                self.assertEqual((a + 1) % WORKERS, b, workers)

    def test_visibility_after_pong_across_workers(self):
        # After SUB + PING -> PONG on one worker, a publish from another worker must match.
        with start_server() as s:
            sub, pub = on_distinct_workers(s, 2)
            self.assertNotEqual(sub.worker, pub.worker)
            for i in range(300):
                subject = b"vis.%d" % i
                sub.conn.send(b"SUB " + subject + b" %d\r\nPING\r\n" % i)
                sub.conn.expect(b"PONG\r\n")
                pub.conn.send(b"PUB " + subject + b" 2\r\nhi\r\n")
                sub.conn.expect(b"MSG " + subject + b" %d 2\r\nhi\r\n" % i)

    def test_a_subject_that_reached_no_one_reaches_a_new_subscriber(self):
        # A worker remembers the last subject its publisher sent to no one (NoInterestMemo); a
        # SUB on any worker, literal or wildcard, must end that as soon as its PONG is sent.
        with start_server() as s:
            pub, other = on_distinct_workers(s, 2)
            same = Placed(s)
            while same.worker != pub.worker:
                same.conn.close()
                same = Placed(s)
            # (a subject over the memo's 128 bytes is not remembered: the same answer, looked up)
            for i, (sub, subject) in enumerate([(other, b"memo.a"), (same, b"memo.b"), (other, b"memo.*"),
                                                (same, b"memo.>"), (same, b"memo." + b"x" * 200)]):
                published = b"memo.c%d" % i if subject.endswith((b"*", b">")) else subject
                pub.conn.send((b"PUB " + published + b" 1\r\nx\r\n") * 3 + b"PING\r\n")
                pub.conn.expect(b"PONG\r\n")
                sub.conn.send(b"SUB " + subject + b" %d\r\nPING\r\n" % i)
                sub.conn.expect(b"PONG\r\n")
                pub.conn.send(b"PUB " + published + b" 1\r\ny\r\n")
                sub.conn.expect(b"MSG " + published + b" %d 1\r\ny\r\n" % i)
                sub.conn.send(b"UNSUB %d\r\nPING\r\n" % i)
                sub.conn.expect(b"PONG\r\n")

    def test_order_per_publisher_to_every_worker(self):
        with start_server() as s:
            conns = on_distinct_workers(s, WORKERS)
            pub, subs = conns[0], conns[1:]
            for c in subs:
                c.conn.send(b"SUB order.x 1\r\nPING\r\n")
                c.conn.expect(b"PONG\r\n")
            readers = [c.reader() for c in subs]
            n = 20000
            pub.conn.send(b"".join(b"PUB order.x %d\r\n%d\r\n" % (len(b"%d" % i), i) for i in range(n)))
            for r in readers:
                self.assertEqual(r.wait_for(n), n)
                self.assertEqual([int(p) for _, _, p in r.msgs], list(range(n)))

    def test_queue_group_exactly_once_across_workers(self):
        with start_server() as s:
            conns = on_distinct_workers(s, WORKERS)
            members = conns  # one member on every worker, the publisher is one of them too
            for c in members:
                c.conn.send(b"SUB work grp 1\r\nSUB work 2\r\nPING\r\n")
                c.conn.expect(b"PONG\r\n")
            readers = [c.reader() for c in members]
            pub = Placed(s)
            n = 4000
            pub.conn.send(b"".join(b"PUB work %d\r\n%d\r\n" % (len(b"%d" % i), i) for i in range(n)))
            ping_through_keepalive(pub.conn, timeout=30)
            # Every member gets all n on its plain sid 2, and the queue copies add up to exactly n.
            for r in readers:
                r.wait_for(n, timeout=20)
            deadline = time.monotonic() + 20
            while sum(r.count() for r in readers) < 2 * n and time.monotonic() < deadline:
                time.sleep(0.01)
            time.sleep(0.2)  # anything extra (a duplicate) would arrive now
            queued = []
            for r in readers:
                plain = [int(p) for _, sid, p in r.msgs if sid == "2"]
                self.assertEqual(plain, list(range(n)))
                mine = [int(p) for _, sid, p in r.msgs if sid == "1"]
                self.assertEqual(mine, sorted(mine))  # order kept within a member
                queued.extend(mine)
                self.assertGreater(len(mine), n // WORKERS // 2, "member starved: %d" % len(mine))
            self.assertEqual(sorted(queued), list(range(n)))

    def test_no_loss_under_mesh_backpressure(self):
        # Far more messages than a mesh ring holds, in one burst, to a subscriber on another
        # worker: the publisher is paused and resumed, never dropped.
        with start_server() as s:
            pub, sub = on_distinct_workers(s, 2)
            sub.conn.send(b"SUB bp 1\r\nPING\r\n")
            sub.conn.expect(b"PONG\r\n")
            reader = sub.reader()
            n = 200000
            payload = b"x" * 64
            frame = b"PUB bp 64\r\n" + payload + b"\r\n"
            # The server stops reading this publisher while the ring is full, for longer than
            # the socket's 3 s timeout on a slow (sanitizer) build: a timed-out sendall would
            # cut a frame in half, so the burst gets the same bound as the join below.
            pub.conn.sock.settimeout(60)
            sender = threading.Thread(target=lambda: pub.conn.sock.sendall(frame * n), daemon=True)
            sender.start()
            sender.join(timeout=60)
            ping_through_keepalive(pub.conn, timeout=30)
            self.assertEqual(reader.wait_for(n, timeout=60), n)

    def test_stress_publishers_subscribers_churn(self):
        with start_server() as s:
            conns = [Placed(s) for _ in range(8)]
            self.assertEqual(len({c.worker for c in conns}), WORKERS)
            pubs, subs = conns[:3], conns[3:7]
            churn = conns[7]
            # Each subscriber: a literal, a wildcard and a queue member.
            for i, c in enumerate(subs):
                c.conn.send(b"SUB st.a.b 1\r\nSUB st.*.b 2\r\nSUB st.> q 3\r\nPING\r\n")
                c.conn.expect(b"PONG\r\n")
            readers = [c.reader() for c in subs]
            stop = threading.Event()

            def churner():
                k = 0
                while not stop.is_set():
                    churn.conn.send(b"".join(b"SUB st.c%d.b %d\r\nSUB st.q%d q %d\r\nUNSUB %d\r\nUNSUB %d\r\n"
                                             % (k + j, 2 * (k + j), k + j, 2 * (k + j) + 1, 2 * (k + j), 2 * (k + j) + 1)
                                             for j in range(50)))
                    k += 50
                    time.sleep(0.001)
            t = threading.Thread(target=churner, daemon=True)
            t.start()
            n = 5000
            for p_index, p in enumerate(pubs):
                p.conn.send(b"".join(b"PUB st.a.b %d\r\n%d.%d\r\n" % (len(b"%d.%d" % (p_index, i)), p_index, i)
                                     for i in range(n)))
            for p in pubs:
                ping_through_keepalive(p.conn, timeout=30)
            stop.set()
            t.join(timeout=10)
            total = len(pubs) * n
            # Each reader gets every message twice (literal + wildcard sid); the group adds total.
            expected = 2 * total * len(readers) + total
            deadline = time.monotonic() + 30
            while sum(r.count() for r in readers) < expected and time.monotonic() < deadline:
                time.sleep(0.01)
            time.sleep(0.3)  # a duplicate would arrive now
            queued = []
            for r in readers:
                by_sid = {"1": [], "2": [], "3": []}
                for _, sid, p in r.msgs:
                    by_sid[sid].append(p.decode())
                for sid in ("1", "2"):  # plain: every message exactly once, per-publisher order
                    got = by_sid[sid]
                    self.assertEqual(len(got), total, "sid %s" % sid)
                    self.assertEqual(len(set(got)), total)
                    for p_index in range(len(pubs)):
                        seq = [int(x.split(".")[1]) for x in got if x.startswith("%d." % p_index)]
                        self.assertEqual(seq, list(range(n)))
                queued.extend(by_sid["3"])
            self.assertEqual(len(queued), total)
            self.assertEqual(len(set(queued)), total)


def next_frame(conn):
    """The next frame other than the server's keep-alive PING (answered): a control line, or
    a MSG/HMSG line with its payload."""
    while True:
        line = conn.read_until(b"\r\n")
        if line.startswith(b"PING"):
            conn.send(b"PONG\r\n")
            continue
        if line.startswith((b"MSG ", b"HMSG ")):
            line += conn.read_exactly(int(line.split()[-1]) + 2)
        return line


def old_style_requests(server, placed, requests):
    """Old-style request/reply: a requester and a responder (on different workers when
    `placed` tells them apart), every request a fresh inbox with UNSUB max 1; the responder
    answers twice (the second must find the inbox gone) and, at the end, once more to every
    inbox. Then a client on each side publishes to a used inbox with no_responders on. Returns
    what each client received, for comparison with nats-server."""
    requester = placed(server, None)
    responder = placed(server, lambda w: w != requester[1])
    req, rsp = requester[0], responder[0]
    seen = {"requester": b"", "responder": b""}
    rsp.send(b"SUB svc 1\r\nPING\r\n")
    rsp.expect(b"PONG\r\n")
    for i in range(requests):
        inbox = b"_INBOX.r.%d" % i
        req.send(b"SUB %s %d\r\nUNSUB %d 1\r\nPUB svc %s 3\r\nreq\r\n" % (inbox, 10 + i, 10 + i, inbox))
        asked = next_frame(rsp)
        seen["responder"] += asked
        rsp.send(b"PUB %s 5\r\nreply\r\nPUB %s 5\r\nextra\r\n" % (inbox, inbox))
        seen["requester"] += next_frame(req)
    rsp.send(b"".join(b"PUB _INBOX.r.%d 4\r\nlate\r\n" % i for i in range(requests)) + b"PING\r\n")
    seen["responder"] += next_frame(rsp)
    req.send(b"PING\r\n")
    seen["requester"] += next_frame(req)  # PONG, unless a late or extra reply got through
    for side, worker in (("other side", lambda w: w == responder[1]), ("same side", lambda w: w == requester[1])):
        conn = placed(server, worker, b'{"verbose":false,"pedantic":false,"headers":true,"no_responders":true}')[0]
        conn.send(b"SUB rep.n 1\r\nPUB _INBOX.r.0 rep.n 2\r\nhi\r\nPING\r\n")
        seen[side] = next_frame(conn) + next_frame(conn)
        conn.close()
    req.close()
    rsp.close()
    return seen


def placed_on(server, want, connect=b'{"verbose":false,"pedantic":false}'):
    """A handshaken connection on a worker `want` accepts (any when None): (conn, worker)."""
    while True:
        conn = server.client()
        info = conn.handshake(connect)
        worker = worker_of(server, info["client_id"])
        if want is None or want(worker):
            return conn, worker
        conn.close()


def anywhere(server, want, connect=b'{"verbose":false,"pedantic":false}'):
    """nats-server has no workers: every connection is placed."""
    conn = server.client()
    conn.handshake(connect)
    return conn, 0


@unittest.skipUnless(is_zats(), "zats-only: needs --cores and --placement")
class TestRequestReplyAcrossWorkers(unittest.TestCase):
    REQUESTS = 300

    def test_old_style_request_reply_matches_nats_server(self):
        with harness.Server("--cores", "2", "--placement", "round-robin", "-D") as s:
            mine = old_style_requests(s, placed_on, self.REQUESTS)
        want_requester = b"".join(b"MSG _INBOX.r.%d %d 5\r\nreply\r\n" % (i, 10 + i)
                                  for i in range(self.REQUESTS)) + b"PONG\r\n"
        self.assertEqual(mine["requester"], want_requester)
        self.assertEqual(mine["responder"], b"".join(b"MSG svc 1 _INBOX.r.%d 3\r\nreq\r\n" % i
                                                     for i in range(self.REQUESTS)) + b"PONG\r\n")
        for side in ("other side", "same side"):
            self.assertIn(b"NATS/1.0 503", mine[side], side)
        ref = harness.reference_binary()
        if ref is None:
            return
        with harness.Server(binary=ref) as s:
            want = old_style_requests(s, anywhere, self.REQUESTS)
        self.assertEqual(mine, want)


if __name__ == "__main__":
    harness.run_tests()
