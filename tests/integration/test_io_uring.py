"""The io_uring layer as an operator sees it: --io_uring_tier (and the io_uring_tier config key)
forces an older kernel tier's feature set, bad values are refused naming the flag or file:line,
the startup log names the kernel, tier and features, and /varz and /metrics show them; the
receive buffer ring starts small (--recv_buffers bounds it). zats-only: skips for nats-server."""
import os
import re
import resource
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.request
import json

import harness


SANITIZED = os.environ.get("ZATS_SANITIZE", "none") not in ("", "none")


is_zats = harness.is_zats


def http_get(port, path):
    """GET from the monitoring port, which may open a moment after the client port."""
    deadline = time.monotonic() + 10
    while True:
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=5) as r:
                return r.read().decode()
        except urllib.error.URLError as e:
            if not isinstance(e.reason, ConnectionRefusedError) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def run_refused(*args):
    """A command line the server must refuse at once: (exit code, stderr)."""
    p = subprocess.run([harness.server_binary(), "-a", "127.0.0.1", "-p", str(harness.free_port())] + list(args),
                       capture_output=True, text=True, timeout=10)
    return p.returncode, p.stderr


def wait_for(condition, timeout=10.0, state=None):
    """Polls `condition` until it holds; past the timeout, fails saying what `state()` says."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met within %.0fs%s" % (timeout, ": " + state() if state else ""))
        time.sleep(0.02)


def started(*args):
    """A server (started by `with`) with monitoring on a free port."""
    http = harness.free_port()
    return harness.Server("-m", str(http), *args), http


@unittest.skipUnless(is_zats(), "zats-only flags")
class Tiers(unittest.TestCase):
    def check_served(self, s):
        with s.client() as c:
            c.handshake()
            c.send(b"SUB t 1\r\nPUB t 5\r\nhello\r\nPING\r\n")
            c.expect(b"MSG t 1 5\r\nhello\r\nPONG\r\n")

    def test_forced_5_19_is_logged_and_shown(self):
        s, http = started("--io_uring_tier=5.19")
        with s:
            self.check_served(s)
            log = s.log_text()
            self.assertRegex(log, r"io_uring: Linux \S+, tier 5\.19 \(forced\): ")
            line = re.search(r"io_uring: .*", log).group(0)
            for newer in ("multishot-recv", "single-issuer", "defer-taskrun", "send-zc"):
                self.assertNotIn(newer, line)
            z = json.loads(http_get(http, "/varz"))["zats"]["io_uring"]
            self.assertEqual(z["tier"], "5.19")
            self.assertTrue(z["tier_forced"])
            self.assertTrue(z["kernel"])
            self.assertFalse({"multishot-recv", "single-issuer", "defer-taskrun", "send-zc"} & set(z["features"]))
            metrics = http_get(http, "/metrics")
            self.assertRegex(metrics, r'zats_io_uring_info\{kernel="[^"]+",tier="5\.19",tier_forced="true",'
                                      r'features="[^"]*"\} 1')

    def test_default_uses_the_kernels_newest_tier(self):
        s, http = started()
        with s:
            self.check_served(s)
            z = json.loads(http_get(http, "/varz"))["zats"]["io_uring"]
            self.assertFalse(z["tier_forced"])
            self.assertIn(z["tier"], ("5.19", "6.0", "6.1"))
            self.assertIn("io_uring: Linux %s, tier %s: " % (z["kernel"], z["tier"]), s.log_text())
            if z["tier"] != "5.19":
                self.assertIn("multishot-recv", z["features"])

    def test_bad_tiers_are_refused(self):
        for bad in ("5.18", "4.0", "latest", ""):
            with self.subTest(bad=bad):
                code, err = run_refused("--io_uring_tier=" + bad)
                self.assertEqual(code, 1)
                self.assertIn("--io_uring_tier must be 5.19, 6.0, 6.1 or newest", err)

    def test_config_key(self):
        with tempfile.TemporaryDirectory() as d:
            good = os.path.join(d, "good.conf")
            with open(good, "w") as f:
                f.write("io_uring_tier: 5.19\n")
            s, http = started("-c", good)
            with s:
                self.check_served(s)
                self.assertEqual(json.loads(http_get(http, "/varz"))["zats"]["io_uring"]["tier"], "5.19")
            bad = os.path.join(d, "bad.conf")
            with open(bad, "w") as f:
                f.write("# a comment\nio_uring_tier: \"5.4\"\n")
            code, err = run_refused("-c", bad)
            self.assertEqual(code, 1)
            self.assertIn("bad.conf:2", err)
            self.assertIn("io_uring_tier must be 5.19, 6.0, 6.1 or newest", err)


@unittest.skipUnless(is_zats(), "zats-only flags")
class RegisteredDescriptors(unittest.TestCase):
    def test_more_connections_than_the_table(self):
        # Two registered descriptors per worker; twelve subscribers and a publisher all work,
        # those that found the table full on their plain descriptors (a fallback, not a failure).
        for tier in ("newest", "5.19"):
            with self.subTest(tier=tier):
                s, http = started("--cores", "1", "--registered_files", "2", "--io_uring_tier", tier)
                with s:
                    worker = lambda: json.loads(http_get(http, "/varz"))["zats"]["workers"][0]
                    subs = [s.client() for _ in range(12)]
                    try:
                        for i, c in enumerate(subs):
                            c.handshake()
                            c.send(b"SUB reg.%d 1\r\nPING\r\n" % i)
                            c.expect(b"PONG\r\n")
                        w = worker()
                        self.assertEqual(w["connections"], 12)
                        self.assertLessEqual(w["registered_sockets"], 2)
                        with s.client() as pub:
                            pub.handshake()
                            for i in range(12):
                                pub.send(b"PUB reg.%d 2\r\nhi\r\n" % i)
                            pub.ping()
                        for i, c in enumerate(subs):
                            c.expect(b"MSG reg.%d 1 2\r\nhi\r\n" % i)
                    finally:
                        for c in subs:
                            c.close()
                    # Closed connections give their entries back: the next one is registered.
                    wait_for(lambda: worker()["connections"] == 0 and worker()["registered_sockets"] == 0)
                    with s.client() as c:
                        c.handshake()
                        c.ping()
                        self.assertEqual(worker()["registered_sockets"], 1)

    def test_registered_connections_need_no_descriptor(self):
        # The table holds each socket without a plain descriptor, so a worker serves more
        # connections than the open-files limit allows: 200 of them under a limit of 64.
        s, http = started("--cores", "1", "--registered_files", "256")
        with s:
            resource.prlimit(s.proc.pid, resource.RLIMIT_NOFILE, (64, 64))
            clients = []
            try:
                for i in range(200):
                    c = s.client()
                    clients.append(c)
                    c.handshake()
                    c.send(b"SUB many.%d 1\r\nPING\r\n" % i)
                    c.expect(b"PONG\r\n")
                varz = json.loads(http_get(http, "/varz"))
                self.assertEqual(varz["connections"], 200)
                self.assertEqual(varz["zats"]["workers"][0]["registered_sockets"], 200)
                self.assertLess(len(os.listdir("/proc/%d/fd" % s.proc.pid)), 64)
                with s.client() as pub:
                    pub.handshake()
                    pub.send(b"PUB many.199 2\r\nhi\r\n")
                    pub.ping()
                clients[199].expect(b"MSG many.199 1 2\r\nhi\r\n")
            finally:
                for c in clients:
                    c.close()
            wait_for(lambda: json.loads(http_get(http, "/varz"))["connections"] == 0)

    def test_a_table_larger_than_the_open_files_limit_is_refused(self):
        _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if hard == resource.RLIM_INFINITY or hard >= 65536:
            self.skipTest("the open-files limit is above the largest table")
        code, err = run_refused("--registered_files", str(hard + 1))
        self.assertEqual(code, 1)
        self.assertIn("more than the open-files limit (%d) allows" % hard, err)

    def test_bad_sizes_are_refused(self):
        code, err = run_refused("--registered_files", "-1")
        self.assertEqual(code, 1)
        self.assertIn("--registered_files must be between 0 and 65536", err)


@unittest.skipUnless(is_zats(), "zats-only behaviour")
class OpenFilesLimit(unittest.TestCase):
    def test_the_soft_limit_is_raised_to_the_hard_one(self):
        # As nats-server (Go >= 1.19) does: a soft limit of 1024 must not cap connections
        # that the hard limit allows.
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (64, hard))
        try:
            s = harness.Server().start()  # inherits the soft limit of 64
        finally:
            resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
        try:
            self.assertEqual(resource.prlimit(s.proc.pid, resource.RLIMIT_NOFILE), (hard, hard))
        finally:
            s.__exit__(None, None, None)


@unittest.skipUnless(is_zats(), "zats-only flags")
class ReceiveBuffers(unittest.TestCase):
    def test_bad_counts_are_refused(self):
        for bad in ("0", "100", "65536", "-4"):
            with self.subTest(bad=bad):
                code, err = run_refused("--recv_buffers", bad)
                self.assertEqual(code, 1)
                self.assertIn("--recv_buffers must be a power of two between 1 and 32768", err)

    def test_the_ring_starts_small_and_stays_within_the_bound(self):
        s, http = started("--cores", "1", "--recv_buffers", "128")
        with s:
            workers = json.loads(http_get(http, "/varz"))["zats"]["workers"]
            self.assertEqual([w["recv_buffers"] for w in workers], [16])
            # Many publishers at once: receives may run out and grow the ring, never past 128.
            clients = [s.client() for _ in range(40)]
            try:
                for c in clients:
                    c.handshake()
                payload = b"x" * 60000
                for c in clients:
                    c.send(b"PUB nobody 60000\r\n" + payload + b"\r\n" * 1 + (b"PUB nobody 60000\r\n" + payload + b"\r\n") * 20)
                for c in clients:
                    c.ping(timeout=20)
            finally:
                for c in clients:
                    c.close()
            w = json.loads(http_get(http, "/varz"))["zats"]["workers"][0]
            self.assertGreaterEqual(w["recv_buffers"], 16)
            self.assertLessEqual(w["recv_buffers"], 128)
            if w["recv_out_of_buffers"] == 0:
                self.assertEqual(w["recv_buffers"], 16)

    def test_a_quiet_ring_gives_its_memory_back(self):
        """After a burst, the buffers of a ring that went quiet stop being resident (where the
        kernel defers completion work to our own io_uring_enter: DEFER_TASKRUN), and what
        arrives afterwards is intact. The 5.19 tier keeps them."""
        s, http = started("--cores", "1")
        with s:
            payload = bytes(range(256)) * 400  # 102400 bytes: several 16 KiB buffers
            with s.client() as sub, s.client() as pub:
                sub.handshake()
                pub.handshake()
                sub.send(b"SUB burst 1\r\n")
                sub.ping()
                pub.send((b"PUB burst 102400\r\n" + payload + b"\r\n") * 40)
                pub.ping(timeout=20)
                for _ in range(40):
                    sub.expect(b"MSG burst 1 102400\r\n" + payload + b"\r\n", timeout=20)

                def worker():
                    return json.loads(http_get(http, "/varz"))["zats"]
                z = worker()
                if "defer-taskrun" in z["io_uring"]["features"]:
                    wait_for(lambda: worker()["workers"][0]["recv_buffer_resident_bytes"] == 0)
                    self.assertGreater(worker()["workers"][0]["recv_buffer_releases"], 0)
                else:
                    self.assertEqual(z["workers"][0]["recv_buffer_releases"], 0)
                    self.assertGreater(z["workers"][0]["recv_buffer_resident_bytes"], 0)
                pub.send(b"PUB burst 102400\r\n" + payload + b"\r\n")
                sub.expect(b"MSG burst 1 102400\r\n" + payload + b"\r\n", timeout=20)
            self.assertRegex(http_get(http, "/metrics"), r"zats_worker_recv_buffer_resident_bytes\{worker=\"0\"\} \d+")


def rss_bytes(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS for pid %d" % pid)


def take_frames(conn, frame, count, timeout=60):
    """Reads until `count` copies of `frame` came (answering server PINGs), or the timeout."""
    received = 0
    deadline = time.monotonic() + timeout
    while received < count and time.monotonic() < deadline:
        received += conn.take_frames(frame, wait=0.5)
    return received


@unittest.skipUnless(is_zats(), "zats-only: how a worker's memory follows the load")
class SendBuffers(unittest.TestCase):
    @unittest.skipIf(SANITIZED, "a sanitizer's allocator keeps freed memory (quarantine)")
    def test_a_quiet_connection_gives_a_burst_s_buffer_back(self):
        """A subscriber that stopped reading while 10 MB, then 40 MB were published to it: its
        pending output grows the server by about that much; once it has read everything and
        gone quiet, the memory goes back to the system (the send buffers shrink, the freed heap
        is returned). The 10 MB burst's buffers fit inside the allocator's shared segments, whose
        freed spans a quiet worker never decommitted unless told to; the 40 MB one's do not."""
        with tempfile.TemporaryDirectory() as d:
            conf = os.path.join(d, "slow-reader.conf")
            with open(conf, "w") as f:
                # the test's reader is slow on a loaded machine: not a slow consumer here
                f.write('write_deadline: "120s"\n')
            s, _ = started("--cores", "1", "-c", conf)
            with s:
                for count, grown, given_back in ((100, 8 << 20, 4 << 20), (400, 25 << 20, 10 << 20)):
                    with self.subTest(messages=count):
                        self.check_burst_given_back(s, count, grown, given_back)

    def check_burst_given_back(self, s, count, grown, given_back):
        payload = b"y" * 100000
        frame = b"MSG big 1 100000\r\n" + payload + b"\r\n"
        with s.client(rcvbuf=65536) as sub, s.client() as pub:
            sub.handshake()
            pub.handshake()
            sub.send(b"SUB big 1\r\n")
            sub.ping()
            base = rss_bytes(s.proc.pid)
            rss = lambda: "resident %d MiB, %d MiB before the burst" % (rss_bytes(s.proc.pid) >> 20, base >> 20)
            for _ in range(count // 50):
                pub.send((b"PUB big 100000\r\n" + payload + b"\r\n") * 50)
            # The output waits in the server (until it holds the publisher back).
            wait_for(lambda: rss_bytes(s.proc.pid) > base + grown, timeout=30, state=rss)
            self.assertEqual(take_frames(sub, frame, count), count)
            pub.send(b"PING\r\n")
            pub.await_pong()
            wait_for(lambda: rss_bytes(s.proc.pid) < base + given_back, timeout=15, state=rss)
            # and the connection still works, its buffers growing again as needed
            pub.send(b"PUB big 100000\r\n" + payload + b"\r\n")
            self.assertEqual(take_frames(sub, frame, 1), 1)

    @unittest.skipIf(SANITIZED, "a sanitizer's allocator keeps freed memory (quarantine)")
    def test_a_slow_consumer_cut_mid_burst_leaves_no_memory_behind(self):
        """A subscriber that never reads is cut at the write deadline while 20 MB wait for it:
        what was queued for it goes back to the system, and so do the blocks its output buffer
        outgrew on the way (each doubling leaves the last one behind)."""
        with tempfile.TemporaryDirectory() as d:
            conf = os.path.join(d, "deadline.conf")
            with open(conf, "w") as f:
                f.write('write_deadline: "1s"\n')
            s, http = started("--cores", "1", "-c", conf)
            with s, s.client(rcvbuf=65536) as sub, s.client() as pub:
                sub.handshake()
                pub.handshake()
                sub.send(b"SUB big 1\r\n")
                sub.ping()
                base = rss_bytes(s.proc.pid)
                rss = lambda: "resident %d MiB, %d MiB before the burst" % (rss_bytes(s.proc.pid) >> 20, base >> 20)
                payload = b"y" * 100000
                for _ in range(4):
                    pub.send((b"PUB big 100000\r\n" + payload + b"\r\n") * 50)
                wait_for(lambda: json.loads(http_get(http, "/varz"))["slow_consumers"] >= 1, timeout=30)
                pub.send(b"PING\r\n")
                pub.await_pong()
                wait_for(lambda: rss_bytes(s.proc.pid) < base + (4 << 20), timeout=15, state=rss)


def fan_out_stream(count, sids):
    """What a publisher sends (small and large payloads interleaved, every tenth an HPUB) and
    the exact bytes each subscriber (by sid, subscribed to "fan") must then receive."""
    publish, expected = [], {sid: [] for sid in sids}
    for i in range(count):
        size = (100, 300, 1000, 5000)[i % 4]
        body = (b"%07d" % i) * (size // 7) + b"x" * (size % 7)
        if i % 10 == 9:
            header = b"NATS/1.0\r\nN: %d\r\n\r\n" % i
            publish.append(b"HPUB fan %d %d\r\n%s%s\r\n" % (len(header), len(header) + len(body), header, body))
            for sid in sids:
                expected[sid].append(b"HMSG fan %s %d %d\r\n%s%s\r\n" % (sid, len(header), len(header) + len(body), header, body))
        else:
            publish.append(b"PUB fan %d\r\n%s\r\n" % (len(body), body))
            for sid in sids:
                expected[sid].append(b"MSG fan %s %d\r\n%s\r\n" % (sid, len(body), body))
    return b"".join(publish), {sid: b"".join(frames) for sid, frames in expected.items()}


class SharedPayloads(unittest.TestCase):
    """A fan-out's payloads past the rendered frame's inline size (256 B) are copied once and
    queued by reference for each subscriber; a subscriber's send then gathers its control lines
    and those shared payloads, in batches of at most 1024 pieces. Every subscriber must get
    exactly the byte stream it would get with copies: small and large messages interleaved,
    HMSG among them, a reader that waits until everything is published (its queue spans many
    batches and short sends) and one that reads as it goes. Also on workers that share the
    subscribers (--cores 2, round-robin)."""

    def check_fan_out(self, *args):
        connect = b'{"verbose":false,"pedantic":false,"headers":true}'
        with harness.Server(*args) as s:
            readers = [s.client(), s.client(), s.client(rcvbuf=65536)]
            sids = [b"1", b"2", b"3"]
            try:
                for reader, sid in zip(readers, sids):
                    reader.handshake(connect)
                    reader.send(b"SUB fan " + sid + b"\r\n")
                    reader.ping()
                data, expected = fan_out_stream(3000, sids)
                with s.client() as pub:
                    pub.handshake(connect)
                    pub.send(data)
                    pub.ping(timeout=30)
                    # the last reader has read nothing so far: everything waits in the server
                    for reader, sid in zip(readers, sids):
                        reader.expect_stream(expected[sid], timeout=60)
                        reader.ping()
            finally:
                for reader in readers:
                    reader.close()

    def test_every_subscriber_gets_every_byte(self):
        self.check_fan_out(*(("--cores", "1") if is_zats() else ()))

    @unittest.skipUnless(is_zats(), "zats-only: --cores")
    def test_across_workers(self):
        self.check_fan_out("--cores", "2", "--placement", "round-robin")

    @unittest.skipUnless(is_zats(), "nats-server holds the publisher back until the write deadline cuts the "
                                    "subscriber; zats holds it back for at most 100 ms, then cuts at max_pending")
    def test_shared_payloads_count_against_max_pending(self):
        """A subscriber that stops reading is cut as a slow consumer once the payloads queued
        for it pass max_pending, shared or not; the one that reads gets everything."""
        with tempfile.TemporaryDirectory() as d:
            conf = os.path.join(d, "pending.conf")
            with open(conf, "w") as f:
                f.write('max_pending: 4MB\nwrite_deadline: "60s"\n')
            args = ("-c", conf) + (("--cores", "1") if is_zats() else ())
            with harness.Server(*args) as s, s.client() as fast, s.client(rcvbuf=65536) as slow:
                connect = b'{"verbose":false,"pedantic":false,"headers":true}'
                for reader, sid in ((fast, b"1"), (slow, b"2")):
                    reader.handshake(connect)
                    reader.send(b"SUB fan " + sid + b"\r\n")
                    reader.ping()
                body = b"z" * 1000
                publish = (b"PUB fan 1000\r\n" + body + b"\r\n") * 500
                delivered = (b"MSG fan 1 1000\r\n" + body + b"\r\n") * 500
                with s.client() as pub:
                    pub.handshake(connect)
                    # 40 rounds of 500 KB, each read by the fast reader before the next is
                    # sent: it never falls behind (a reader that does is rightly cut too),
                    # while the one that never reads passes max_pending by round 9
                    for _ in range(40):
                        pub.send(publish)
                        fast.expect_stream(delivered, timeout=60)
                    pub.send(b"PING\r\n")
                    pub.await_pong(timeout=30)
                # the slow one was cut: what reached it before the cut, then the end
                self.assertTrue(slow.drain_until_closed(timeout=30), "the subscriber that did not read was not cut")


if __name__ == "__main__":
    unittest.main()
