#!/usr/bin/env python3
# Raw-socket conformance of the limits and keep-alive options that only a config file sets
# (docs/compatibility.md, Limits, Slow consumers, Keep-alive): ping_interval/ping_max,
# max_connections, max_subscriptions, max_payload, max_control_line, max_pending, write_deadline.
# Each case starts the server in $ZATS_SERVER with `-c <file>` and is skipped, with the reason, when
# the server refuses to start with it.
import os
import socket
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Closed, Server, run_tests  # noqa: E402

QUIET = b'{"verbose":false,"pedantic":false}'


class ConfigServer(Server):
    """A Server started with `-c` and a config file holding `text`."""

    def __init__(self, text, *args):
        fd, self.conf_path = tempfile.mkstemp(prefix="zats-limits-", suffix=".conf")
        with os.fdopen(fd, "w") as f:
            f.write(text)
        super().__init__("-c", self.conf_path, *args)

    def __exit__(self, *exc):
        try:
            return super().__exit__(*exc)
        finally:
            os.unlink(self.conf_path)


def start_or_skip(test, text, *args):
    """Starts a ConfigServer, or skips the test when the server exits because of the config."""
    srv = ConfigServer(text, *args)
    try:
        srv.start()
    except RuntimeError as e:
        exited = srv.proc is not None and srv.proc.poll() is not None
        srv.__exit__(None, None, None)  # closes the log, removes the config file
        if exited:
            test.skipTest("the server refuses `-c` with %r: %s" % (text, str(e).strip().splitlines()[-1]))
        raise
    test.addCleanup(srv.__exit__, None, None, None)
    return srv


class KeepAlive(unittest.TestCase):
    def test_stale_connection(self):
        # ping_interval 1s, ping_max 2: an idle client that never answers gets PING at ~1.0-1.2 s
        # (first ping: interval plus up to 20% jitter), PING 1 s later, then, 1 s after that,
        # -ERR 'Stale Connection' and a close.
        srv = start_or_skip(self, 'ping_interval: "1s"\nping_max: 2\n')
        with srv.client() as c:
            c.handshake(QUIET)
            t0 = time.monotonic()
            c.expect(b"PING\r\n", timeout=3)
            t1 = time.monotonic() - t0
            c.expect(b"PING\r\n", timeout=3)
            t2 = time.monotonic() - t0
            c.expect(b"-ERR 'Stale Connection'\r\n", timeout=3)
            t3 = time.monotonic() - t0
            c.expect_closed(timeout=1)
            self.assertTrue(0.9 <= t1 <= 1.5, "first PING at %.2fs" % t1)
            self.assertTrue(0.8 <= t2 - t1 <= 1.3, "second PING %.2fs after the first" % (t2 - t1))
            self.assertTrue(0.8 <= t3 - t2 <= 1.3, "Stale Connection %.2fs after the second PING" % (t3 - t2))

    def test_answered_pings_keep_the_connection(self):
        srv = start_or_skip(self, 'ping_interval: "1s"\nping_max: 2\n')
        with srv.client() as c:
            c.handshake(QUIET)
            for _ in range(4):
                c.expect(b"PING\r\n", timeout=3)
                c.send(b"PONG\r\n")
            c.ping()


class Limits(unittest.TestCase):
    def test_max_connections(self):
        srv = start_or_skip(self, "max_connections: 1\n")

        def connect_when_free():
            # A connection that just closed (the harness's readiness probe, or the ones below)
            # frees its slot once the server has processed the close, a moment later (more
            # under sanitizers): retry, boundedly.
            deadline = time.monotonic() + 5
            while True:
                c = srv.client()
                c.read_info()
                c.send(b"CONNECT " + QUIET + b"\r\nPING\r\n")
                reply = c.read_until(b"\r\n")
                if reply == b"PONG\r\n":
                    return c
                c.close()
                self.assertLess(time.monotonic(), deadline, "the slot never came free: %r" % reply)
                time.sleep(0.05)

        with connect_when_free() as first:
            with srv.client() as second:
                second.read_info()
                second.expect(b"-ERR 'maximum connections exceeded'\r\n")
                second.expect_closed()
            first.ping()
        # The slot is free again once the second (refused) and the first are gone.
        connect_when_free().close()

    def test_max_subscriptions(self):
        srv = start_or_skip(self, "max_subscriptions: 2\n")
        with srv.client() as c, srv.client() as pub:
            c.handshake(QUIET)
            pub.handshake(QUIET)
            c.send(b"SUB a 1\r\nSUB b 2\r\n")
            c.ping()
            c.send(b"SUB c 3\r\n")
            c.expect(b"-ERR 'maximum subscriptions exceeded'\r\n")
            c.ping()  # still open
            pub.send(b"PUB c 1\r\nx\r\nPUB a 1\r\ny\r\n")
            pub.ping()
            c.expect(b"MSG a 1 1\r\ny\r\n")  # the refused SUB c delivers nothing
            c.ping()
            # An UNSUB frees a slot.
            c.send(b"UNSUB 1\r\nSUB c 3\r\n")
            c.ping()
            pub.send(b"PUB c 1\r\nz\r\n")
            pub.ping()
            c.expect(b"MSG c 3 1\r\nz\r\n")

    def test_max_payload(self):
        srv = start_or_skip(self, "max_payload: 100\n")
        with srv.client() as c:
            info = c.read_info()
            self.assertEqual(info["max_payload"], 100)
            c.send(b"CONNECT " + QUIET + b"\r\nSUB foo 1\r\nPUB foo 100\r\n" + b"x" * 100 + b"\r\n")
            c.expect(b"MSG foo 1 100\r\n" + b"x" * 100 + b"\r\n")
            c.ping()
            c.send(b"PUB foo 101\r\n" + b"x" * 101 + b"\r\n")
            c.expect(b"-ERR 'Maximum Payload Violation'\r\n")
            c.expect_closed()
        with srv.client() as h:
            h.read_info()
            h.send(b'CONNECT {"verbose":false,"pedantic":false,"headers":true}\r\n'
                   b"HPUB foo 12 101\r\nNATS/1.0\r\n\r\n" + b"x" * 89 + b"\r\n")
            h.expect(b"-ERR 'Maximum Payload Violation'\r\n")
            h.expect_closed()

    def test_max_payload_error_reaches_a_client_still_sending(self):
        # The server answers the oversized PUB before its payload arrives. Were it to close with
        # the payload unread, the client's send would meet a reset, and a reset may discard the
        # -ERR before the client reads it. The close lingers instead: the payload is read and
        # dropped, the -ERR comes, then an orderly end of the stream.
        srv = start_or_skip(self, "max_payload: 100\n")
        with srv.client() as c:
            c.read_info()
            c.sock.settimeout(10)
            c.sock.sendall(b"CONNECT " + QUIET + b"\r\nPUB foo 4194304\r\n" + b"x" * 4194304 + b"\r\n")
            c.expect(b"-ERR 'Maximum Payload Violation'\r\n")
            c.expect_closed()
            self.assertIsNone(c.closed_err, "the stream ended with a reset, not an end of stream")

    def test_lingering_close_ends_for_a_client_that_never_stops(self):
        # The wait for the peer to finish is bounded: one that keeps sending is cut off.
        srv = start_or_skip(self, "max_payload: 100\n")
        with srv.client() as c:
            c.read_info()
            c.send(b"CONNECT " + QUIET + b"\r\nPUB foo 101\r\n")
            c.expect(b"-ERR 'Maximum Payload Violation'\r\n")
            c.expect_closed()
            deadline = time.monotonic() + 10
            with self.assertRaises((BrokenPipeError, ConnectionResetError)):
                while time.monotonic() < deadline:
                    c.sock.sendall(b"x" * 1024)
                    time.sleep(0.05)

    @unittest.skipUnless(harness.is_zats(), "zats-only: nats-server closes at once, and has no --cores")
    def test_lingering_closes_are_bounded_per_worker(self):
        # Past Worker::kMaxLingering (256) lingering closes at a time, a close is immediate: the
        # peer's further bytes then meet a reset, where a lingering close reads them.
        srv = start_or_skip(self, "max_payload: 100\n", "--cores", "1")
        total = 300
        conns = []
        try:
            for _ in range(total):
                c = srv.client()
                conns.append(c)
                c.read_info()
                c.send(b"CONNECT " + QUIET + b"\r\nPUB foo 101\r\n")
            for c in conns:
                c.expect(b"-ERR 'Maximum Payload Violation'\r\n")
                c.expect_closed()
            # Two rounds of writes, all well within the 2 s a close may linger: a closed socket
            # answers the first with a reset, which the second then reports.
            reset = set()
            for _ in range(2):
                for i, c in enumerate(conns):
                    try:
                        c.sock.send(b"x" * 1024)
                    except (BrokenPipeError, ConnectionResetError):
                        reset.add(i)
            self.assertEqual(len(reset), total - 256)
        finally:
            for c in conns:
                c.close()

    def test_max_control_line(self):
        srv = start_or_skip(self, "max_control_line: 64\n")
        with srv.client() as c:
            c.handshake(QUIET)
            c.send(b"SUB " + b"a" * 62 + b" 1\r\n")  # argument part: 64 bytes
            c.ping()
            c.send(b"SUB " + b"b" * 63 + b" 1\r\n")  # 65 bytes
            c.expect(b"-ERR 'maximum control line exceeded'\r\n")
            c.expect_closed()

    def test_connect_json_depth_at_a_large_control_line(self):
        # Go's decoder takes JSON nesting up to 10000 levels: a CONNECT whose object holds 9999
        # nested arrays is accepted; one level more and the connection is closed, with nothing
        # sent (nats-server closes it without an -ERR).
        srv = start_or_skip(self, "max_control_line: 65536\n")
        for depth, accepted in ((9999, True), (10000, False)):
            with self.subTest(depth=depth), srv.client() as c:
                c.read_info()
                c.send(b'CONNECT {"verbose":false,"x":' + b"[" * depth + b"]" * depth + b"}\r\nPING\r\n")
                if accepted:
                    c.expect(b"PONG\r\n")
                else:
                    c.expect_closed()


# Slow consumers: the publisher sends 1 KiB messages in batches of 8, each batch followed by PING
# and waiting for its PONG (nats-server flushes to subscribers between reads and stalls a producer
# whose consumer is over half its max_pending, so a big burst in one read would overflow even the
# fast subscriber). The fast subscriber is drained after every batch.
MSG_SIZE = 1024
BATCH = 8
FRAME = b"MSG slow 1 1024\r\n" + b"x" * MSG_SIZE + b"\r\n"


def slow_consumer_run(test, srv, total_msgs):
    """Publishes total_msgs to `slow`, with a fast and a never-reading subscriber. Returns
    (fast_msgs, slow_stream, slow_closed)."""
    pub = srv.client()
    fast = srv.client()
    slow = srv.client(rcvbuf=4096)
    for c, name in ((pub, b"pub"), (fast, b"fast"), (slow, b"slow")):
        test.addCleanup(c.close)
        c.handshake(b'{"verbose":false,"pedantic":false,"name":"%s"}' % name)
    fast.send(b"SUB slow 1\r\n")
    fast.ping()
    slow.send(b"SUB slow 1\r\n")
    slow.ping()
    batch = (b"PUB slow 1024\r\n" + b"x" * MSG_SIZE + b"\r\n") * BATCH
    fast_msgs = 0
    for _ in range(total_msgs // BATCH):
        pub.send(batch + b"PING\r\n")
        pub.await_pong(timeout=15)  # nats-server may stall the publisher for seconds
        fast_msgs += fast.take_frames(FRAME)
    # Everything was published: the fast subscriber must get all of it, then answer a PING.
    deadline = time.monotonic() + 10
    while fast_msgs < total_msgs and time.monotonic() < deadline:
        fast_msgs += fast.take_frames(FRAME, wait=0.2)
    pub.send(b"PING\r\n")
    pub.await_pong(timeout=3)
    fast.send(b"PING\r\n")
    fast.await_pong(timeout=3)
    # Now read the slow subscriber: it must end closed (EOF/reset) without any -ERR.
    stream = b""
    closed = False
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if not slow._fill(deadline):
                break
        except Closed:
            closed = True
            break
        stream += slow.buf
        slow.buf = b""
    stream += slow.buf
    return fast_msgs, stream, closed


class SlowConsumer(unittest.TestCase):
    def check(self, conf, total_msgs):
        srv = start_or_skip(self, conf)
        fast_msgs, stream, closed = slow_consumer_run(self, srv, total_msgs)
        self.assertEqual(fast_msgs, total_msgs, "the fast subscriber's messages")
        self.assertTrue(closed, "the slow subscriber was not closed (read %d bytes)" % len(stream))
        self.assertNotIn(b"-ERR", stream, "the server sent an -ERR to the slow subscriber")
        self.assertLess(len(stream), total_msgs * len(FRAME), "the slow subscriber got everything")
        self.assertTrue(stream.startswith(FRAME), "the slow subscriber's first bytes: %r" % stream[:40])

    def test_max_pending(self):
        # 8 MiB through a subscriber that never reads: more than the loopback socket buffers hold.
        self.check("max_payload: 1KB\nmax_pending: 32KB\n", 8 * 1024)

    def test_write_deadline(self):
        # Default max_pending (64 MiB): the close comes from a write blocked past write_deadline.
        self.check('write_deadline: "500ms"\n', 16 * 1024)


if __name__ == "__main__":
    run_tests()
