"""Logging and tracing, checked against nats-server where it is installed: the [TRC] lines of
the same session (-V), max_traced_msg_len, JSON lines (--log_json), remote syslog over UDP and
the local syslog socket (-s), log reopen (SIGUSR1) also under load, rotation by size
(log_size_limit), and lines a blocked log output could not take: dropped, counted in /varz and
/metrics, never a stalled client."""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.request

import harness
from harness import Server

SESSION = (b'CONNECT {"verbose":true,"pedantic":false,"user":"a","pass":"secret","protocol":1,"headers":true}\r\n'
           b'PING\r\nSUB foo 1\r\nSUB bar q 2\r\nPUB foo 5\r\nhello\r\n'
           b'HPUB foo r 12 14\r\nNATS/1.0\r\n\r\nhi\r\nUNSUB 1\r\nUNSUB 2 3\r\nPUB foo 2\r\nab\r\n'
           b'PUB foo 11\r\nhello world\r\nfoo bar\r\n')
TRACE_PREFIX = re.compile(r"^\[\d+\] (?:\d{4}/\d\d/\d\d \d\d:\d\d:\d\d\.\d{6} )?\[TRC\] 127\.0\.0\.1:\d+ - cid:\d+ - ")


def binaries():
    out = [("zats", harness.server_binary())]
    ref = harness.reference_binary()
    if ref:
        out.append(("nats-server", ref))
    return out


def read(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace")
    except FileNotFoundError:
        return ""


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.02)
    raise AssertionError("timed out after %.1fs waiting for %s" % (timeout, what))


def http_get(port, path):
    with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=10) as r:
        return r.read().decode()


def traced(log_text):
    """The [TRC] lines of a log, without the pid, time and connection prefix."""
    out = []
    for line in log_text.splitlines():
        m = TRACE_PREFIX.match(line)
        if m:
            out.append(line[m.end():])
    return out


def session_trace(binary, *flags):
    tmp = tempfile.mkdtemp()
    try:
        log = os.path.join(tmp, "server.log")
        with Server("-l", log, *flags, binary=binary) as s, s.client() as c:
            c.read_info()
            c.send(SESSION)
            c.read_until(b"-ERR 'Unknown Protocol Operation'\r\n")
            # The closing DELSUB is the last trace of the session.
            return wait_for(lambda: (lambda t: t if t and t[-1] == "<-> [DELSUB 2]" else None)(traced(read(log))),
                            10, "the trace of the session")
    finally:
        shutil.rmtree(tmp)


class Tracing(unittest.TestCase):
    def test_session_trace_is_the_reference_one(self):
        traces = {name: session_trace(binary, "-V") for name, binary in binaries()}
        mine = traces["zats"]
        self.assertIn('<<- [CONNECT {"verbose":true,"pedantic":false,"user":"a","pass":"[REDACTED]",'
                      '"protocol":1,"headers":true}]', mine)
        for line in ("<<- [PUB foo 5]", '<<- MSG_PAYLOAD: ["hello"]', "->> [MSG foo 1 5]", "->> [OK]",
                     "<<- [HPUB foo r 12 14]", r'<<- MSG_PAYLOAD: ["NATS/1.0\r\n\r\nhi"]',
                     "->> [HMSG foo 1 r 12 14]", "<-> [DELSUB 1]", "->> [-ERR Unknown Protocol Operation]"):
            self.assertIn(line, mine)
        if "nats-server" in traces:
            self.assertEqual(mine, traces["nats-server"])

    def test_max_traced_msg_len(self):
        traces = {name: session_trace(binary, "-V", "--max_traced_msg_len", "3") for name, binary in binaries()}
        self.assertIn('<<- MSG_PAYLOAD: ["hel..."]', traces["zats"])
        self.assertIn('<<- MSG_PAYLOAD: ["ab"]', traces["zats"])
        if "nats-server" in traces:
            self.assertEqual(traces["zats"], traces["nats-server"])

    def test_every_way_to_ask_for_tracing_traces_the_same(self):
        """-DV, -VV, `trace: true` and `trace_verbose: true` give -V's trace (in both servers)."""
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        confs = {}
        for key in ("trace", "trace_verbose"):
            confs[key] = os.path.join(tmp, key + ".conf")
            with open(confs[key], "w") as f:
                f.write("%s: true\n" % key)
        for name, binary in binaries():
            expected = session_trace(binary, "-V")
            for flags in (["-DV"], ["-VV"], ["-c", confs["trace"]], ["-c", confs["trace_verbose"]]):
                with self.subTest(server=name, flags=flags):
                    self.assertEqual(session_trace(binary, *flags), expected)

    def test_no_trace_without_the_flag(self):
        self.assertEqual(session_trace_or_empty(harness.server_binary()), [])


def session_trace_or_empty(binary):
    tmp = tempfile.mkdtemp()
    try:
        log = os.path.join(tmp, "server.log")
        with Server("-l", log, "-D", binary=binary) as s, s.client() as c:
            c.read_info()
            c.send(SESSION)
            c.read_until(b"-ERR 'Unknown Protocol Operation'\r\n")
            wait_for(lambda: "Client connection closed" in read(log), 10, "the close to be logged")
            return traced(read(log))
    finally:
        shutil.rmtree(tmp)


class JsonLines(unittest.TestCase):
    def test_every_line_is_an_object_with_time_level_and_message(self):
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        log = os.path.join(tmp, "server.log")
        conf = os.path.join(tmp, "json.conf")
        with open(conf, "w") as f:
            f.write("log_json: true\ntrace: true\nlogfile: %s\n" % json.dumps(log))
        with Server("-c", conf) as s, s.client() as c:
            c.handshake()
            c.send(b"PUB foo 2\r\nhi\r\n")
            c.ping()
            # The readiness line comes from the main thread and the traces from a worker, which
            # may serve a client before the main thread has logged it: wait for both.
            lines = wait_for(lambda: (lambda ls: ls if any('MSG_PAYLOAD' in l for l in ls)
                                      and any('Server is ready' in l for l in ls) else None)(
                read(log).splitlines()), 10, "the traced publish and the readiness line")
        docs = [json.loads(l) for l in lines]
        for d in docs:
            self.assertRegex(d["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
            self.assertIn(d["level"], ("info", "trace", "debug", "warn", "error", "fatal"))
            self.assertIsInstance(d["msg"], str)
            self.assertEqual(d["pid"], s.proc.pid)
        self.assertTrue(any(d["level"] == "info" and d["msg"] == "Server is ready" for d in docs))
        pub = [d for d in docs if d["msg"] == "<<- [PUB foo 2]"]
        self.assertEqual(len(pub), 1, docs)
        self.assertEqual(pub[0]["level"], "trace")
        self.assertRegex(pub[0]["client"], r"^127\.0\.0\.1:\d+$")
        self.assertIsInstance(pub[0]["cid"], int)


class Syslog(unittest.TestCase):
    PATTERN_REMOTE = r"^<(\d+)>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:Z|[+-]\d\d:\d\d) (\S+) (\S+)\[(\d+)\]: (.*)\n$"
    PATTERN_LOCAL = r"^<(\d+)>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d (\S+)\[(\d+)\]: (.*)\n$"

    def collect(self, sock, *until, timeout=10.0):
        """Messages until each of `until` has been seen (the main thread's start-up lines and a
        client's traces may arrive in either order)."""
        got = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not all(any(u in g for g in got) for u in until):
            sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                got.append(sock.recv(65536).decode())
            except socket.timeout:
                break
        return got

    def test_remote_udp_as_the_reference(self):
        shapes = {}
        for name, binary in binaries():
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sink:
                sink.bind(("127.0.0.1", 0))
                url = "udp://127.0.0.1:%d" % sink.getsockname()[1]
                with Server("-r", url, "-DV", binary=binary) as s, s.client() as c:
                    c.handshake()
                    got = self.collect(sink, "<<- [PING]", "Server is ready")
                    messages = []
                    for g in got:
                        m = re.match(self.PATTERN_REMOTE, g)
                        self.assertIsNotNone(m, g)
                        self.assertEqual(m.group(2), socket.gethostname())
                        self.assertEqual(m.group(3), os.path.basename(binary))
                        self.assertEqual(int(m.group(4)), s.proc.pid)
                        messages.append((int(m.group(1)), m.group(5)))
                    self.assertIn((5, "Server is ready"), messages)  # kern.notice
                    pings = [p for p, text in messages if text.endswith("<<- [PING]")]
                    self.assertEqual(pings, [5], "a trace goes out as a notice")
                    debug = [p for p, text in messages if "Client connection created" in text]
                    self.assertTrue(debug and set(debug) == {7}, debug)  # kern.debug
                    shapes[name] = sorted({p for p, _ in messages})
        if "nats-server" in shapes:
            self.assertEqual(shapes["zats"], shapes["nats-server"])

    def test_local_syslog_socket(self):
        if shutil.which("unshare") is None or subprocess.run(
                ["unshare", "-m", "true"], stderr=subprocess.DEVNULL).returncode != 0:
            self.skipTest("needs `unshare -m` (a private /dev with our own /dev/log)")
        for name, binary in binaries():
            with self.subTest(server=name):
                self.check_local(binary)

    def check_local(self, binary):
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        path = os.path.join(tmp, "log.sock")
        port = harness.free_port()
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sink:
            sink.bind(path)
            os.chmod(path, 0o666)
            # A private mount namespace whose /dev holds only our socket as /dev/log.
            script = 'mount -t tmpfs tmpfs /dev && ln -s "$0" /dev/log && exec "$@"'
            proc = subprocess.Popen(["unshare", "-m", "sh", "-c", script, path, binary, "-a", "127.0.0.1",
                                     "-p", str(port), "-s"], stdin=subprocess.DEVNULL,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            try:
                got = self.collect(sink, "Server is ready", timeout=15)
                self.assertTrue(got, "nothing on /dev/log")
                for g in got:
                    m = re.match(self.PATTERN_LOCAL, g)
                    self.assertIsNotNone(m, g)
                    self.assertEqual(m.group(2), os.path.basename(binary))
                self.assertTrue(any(g.startswith("<29>") and g.endswith(": Server is ready\n") for g in got), got)
            finally:
                proc.send_signal(signal.SIGINT)
                proc.wait(timeout=20)
                proc.stderr.close()

    def test_no_syslog_daemon_is_fatal(self):
        if subprocess.run(["unshare", "-m", "true"], stderr=subprocess.DEVNULL).returncode != 0:
            self.skipTest("needs `unshare -m` (a /dev without /dev/log)")
        codes = {}
        for name, binary in binaries():
            p = subprocess.run(["unshare", "-m", "sh", "-c", 'mount -t tmpfs tmpfs /dev && exec "$@"', "sh",
                                binary, "-p", "-1", "-s"], stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=20)
            codes[name] = p.returncode
            self.assertIn('error connecting to syslog: "Unix syslog delivery error"', p.stderr.decode())
        self.assertEqual(codes["zats"], 1)
        if "nats-server" in codes:
            self.assertEqual(codes["zats"], codes["nats-server"])


class Reopen(unittest.TestCase):
    def test_sigusr1_reopens_the_file_as_the_reference(self):
        for name, binary in binaries():
            with self.subTest(server=name):
                tmp = tempfile.mkdtemp()
                self.addCleanup(shutil.rmtree, tmp)
                log = os.path.join(tmp, "server.log")
                extra = ["--cores", "2"] if name == "zats" else []
                with Server("-l", log, *extra, binary=binary) as s, s.client() as c:
                    # Subscriptions start liburcu's hash-table worker (which unblocks SIGUSR1).
                    c.handshake()
                    c.send(b"SUB a 1\r\nSUB b.* 2\r\n")
                    c.ping()
                    wait_for(lambda: "Server is ready" in read(log), 10, "the first lines")
                    os.rename(log, log + ".1")
                    s.proc.send_signal(signal.SIGUSR1)
                    wait_for(lambda: "File log re-opened" in read(log), 10, "the new file")
                    self.assertNotIn("File log re-opened", read(log + ".1"))
                    c.ping()
                self.assertEqual(s.proc.returncode, 0)

    # liburcu's hash-table worker thread unblocks SIGUSR1, so a process-directed SIGUSR1 can land
    # there and zats's handler passes it to the main thread (server/main.cpp). ThreadSanitizer
    # defers a handler until its thread leaves an intercepted call, and that thread sleeps in a
    # raw futex syscall: under TSan the handler never runs. The debug and ASan builds test it.
    @unittest.skipIf(os.environ.get("ZATS_SANITIZE") == "thread", "TSan defers the forwarding signal handler")
    def test_sigusr1_without_a_file_is_ignored_as_the_reference(self):
        for name, binary in binaries():
            with self.subTest(server=name):
                with Server(binary=binary) as s:
                    s.proc.send_signal(signal.SIGUSR1)
                    wait_for(lambda: "File log re-open ignored, not a file logger" in s.log_text(), 10,
                             "the notice")
                    with s.client() as c:
                        c.handshake()

    def test_reopen_under_traffic(self):
        """Rotating while every message is traced: nothing lost that is not counted (and the
        sanitizer build of zats checks the writer and the reopen do not race)."""
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        log = os.path.join(tmp, "server.log")
        http = harness.free_port()
        messages = 3000
        with Server("-l", log, "-V", "-m", str(http), "--cores", "2") as s:
            pub = s.client()
            pub.handshake()
            files = []
            for i in range(messages):
                pub.send(b"PUB load.%d 4\r\nload\r\n" % i)
                if i % 300 == 299:
                    moved = "%s.%d" % (log, i)
                    os.rename(log, moved)
                    files.append(moved)
                    s.proc.send_signal(signal.SIGUSR1)
                    wait_for(lambda: os.path.exists(log), 10, "the reopened file")
            pub.ping(timeout=30)
            files.append(log)
            deadline = time.monotonic() + 20
            while True:
                found = sum(read(f).count('MSG_PAYLOAD: ["load"]') for f in files)
                dropped = json.loads(http_get(http, "/varz"))["zats"]["log_lines_dropped"]
                if found + dropped >= messages or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            self.assertGreaterEqual(found + dropped, messages)
            self.assertLessEqual(found, messages)
            reopened = sum(read(f).count("File log re-opened") for f in files)
            self.assertEqual(reopened, len(files) - 1)
        self.assertEqual(s.proc.returncode, 0, s.log_text())


BACKUP = re.compile(r"^server\.log\.\d{4}\.\d\d\.\d\d\.\d\d\.\d\d\.\d\d\.\d{9}$")
ROTATED = re.compile(r'^\[\d+\] \[INF\] Rotated log, backup saved as "([^"]+)"$')


def backups(tmp):
    """The rotated files in tmp, oldest first (their names sort by time)."""
    return sorted(os.path.join(tmp, f) for f in os.listdir(tmp) if BACKUP.match(f))


class SizeRotation(unittest.TestCase):
    """log_size_limit: the file is renamed aside by the line that takes it past the limit and
    opened afresh; each new file names where the previous one went. Checked against nats-server."""
    LIMIT = 4000

    def rotate_under_traffic(self, binary):
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        log = os.path.join(tmp, "server.log")
        batches, per_batch = 20, 10
        with Server("-l", log, "-T=false", "-V", "--log_size_limit", str(self.LIMIT), binary=binary) as s, \
                s.client() as c:
            c.handshake()
            for b in range(batches):
                c.send(b"".join(b"PUB size.%d 4\r\nload\r\n" % (b * per_batch + i) for i in range(per_batch)))
                c.ping(timeout=10)  # paced: no line is dropped, every one is in some file
            c.send(b"PUB last 3\r\nend\r\n")
            c.ping(timeout=10)
            # In the current file, or in a backup when its line was the one past the limit.
            wait_for(lambda: any('MSG_PAYLOAD: ["end"]' in read(f) for f in backups(tmp) + [log]), 10,
                     "the last trace")
        return tmp, log, batches * per_batch

    def test_rotates_past_the_limit_as_the_reference(self):
        firsts = {}
        for name, binary in binaries():
            with self.subTest(server=name):
                tmp, log, messages = self.rotate_under_traffic(binary)
                olds = backups(tmp)
                self.assertGreaterEqual(len(olds), 5, os.listdir(tmp))
                longest = max(len(l) for f in olds + [log] for l in read(f).splitlines(True))
                for f in olds:
                    # Rotated by the line that took it past the limit: over it by less than a line.
                    size = os.path.getsize(f)
                    self.assertGreater(size, self.LIMIT, f)
                    self.assertLessEqual(size, self.LIMIT + longest, f)
                # Each file after the first starts by naming the file before it.
                for previous, f in zip(olds, olds[1:] + [log]):
                    first = read(f).splitlines()[0]
                    m = ROTATED.match(first)
                    self.assertIsNotNone(m, first)
                    self.assertEqual(m.group(1), previous)
                self.assertLessEqual(os.path.getsize(log), self.LIMIT + longest)
                found = sum(read(f).count('MSG_PAYLOAD: ["load"]') for f in olds + [log])
                self.assertEqual(found, messages, "every traced message is in one of the files")
                firsts[name] = re.sub(r'"[^"]+"', '"<path>"', read(log).splitlines()[0].split("] ", 1)[1])
        if "nats-server" in firsts:
            self.assertEqual(firsts["zats"], firsts["nats-server"])

    def test_a_file_over_the_limit_at_start_is_rotated_at_once(self):
        tails = {}
        for name, binary in binaries():
            with self.subTest(server=name):
                tmp = tempfile.mkdtemp()
                self.addCleanup(shutil.rmtree, tmp)
                log = os.path.join(tmp, "server.log")
                with open(log, "w") as f:
                    f.write("an old line\n" * (self.LIMIT // 10))
                with Server("-l", log, "-T=false", "--log_size_limit", str(self.LIMIT), binary=binary):
                    wait_for(lambda: "Server is ready" in read(log), 10, "the new file")
                    olds = backups(tmp)
                    self.assertEqual(len(olds), 1, os.listdir(tmp))
                    old = read(olds[0]).splitlines()
                    self.assertEqual(old[0], "an old line")
                    self.assertRegex(old[-1], r"^\[\d+\] \[INF\] Rotating logfile\.\.\.$")
                    self.assertEqual(ROTATED.match(read(log).splitlines()[0]).group(1), olds[0])
                    tails[name] = old[-1].split("] ", 1)[1]
        if "nats-server" in tails:
            self.assertEqual(tails["zats"], tails["nats-server"])

    def test_reload_refuses_a_new_limit(self):
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        log, conf = os.path.join(tmp, "server.log"), os.path.join(tmp, "zats.conf")
        with open(conf, "w") as f:
            f.write("logfile_size_limit: 1MB\n")
        with Server("-c", conf, "-l", log) as s:
            with open(conf, "w") as f:
                f.write("logfile_size_limit: 2MB\n")
            s.proc.send_signal(signal.SIGHUP)
            wait_for(lambda: "config reload not supported for LogSizeLimit: old=1048576, new=2097152" in read(log),
                     10, "the refusal")


class BlockedOutput(unittest.TestCase):
    def test_a_log_nobody_reads_drops_lines_and_says_so_but_never_stalls_delivery(self):
        """stderr is a pipe nobody reads: tracing fills it, the writer blocks, lines are dropped
        (counted in /varz and /metrics); publishers and subscribers carry on."""
        port, http = harness.free_port(), harness.free_port()
        proc = subprocess.Popen([harness.server_binary(), "-a", "127.0.0.1", "-p", str(port), "-m", str(http), "-V"],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            wait_for(lambda: _connects(port), 10, "the server")
            sub = harness.Conn(port)
            sub.handshake()
            sub.send(b"SUB flood 1\r\n")
            sub.ping()
            pub = harness.Conn(port)
            pub.handshake()
            n, payload = 20000, b"x" * 200
            frame = b"PUB flood %d\r\n%s\r\n" % (len(payload), payload)
            for i in range(0, n, 500):
                pub.send(frame * 500)
            # A slow (sanitizer) build may send its first keep-alive PING meanwhile: answered.
            pub.send(b"PING\r\n")
            pub.await_pong(timeout=60)
            # Every message reaches the subscriber although the log output is stuck.
            expected = b"MSG flood 1 %d\r\n%s\r\n" % (len(payload), payload)
            got, deadline = 0, time.monotonic() + 60
            while got < n and time.monotonic() < deadline:
                got += sub.take_frames(expected, wait=1.0)
            self.assertEqual(got, n)
            varz = json.loads(http_get(http, "/varz"))
            dropped = varz["zats"]["log_lines_dropped"]
            self.assertGreater(dropped, 0)
            metrics = http_get(http, "/metrics")
            m = re.search(r"^zats_log_lines_dropped_total (\d+)$", metrics, re.M)
            self.assertIsNotNone(m, metrics[-2000:])
            self.assertGreaterEqual(int(m.group(1)), dropped)
            proc.send_signal(signal.SIGINT)
            # Now read: the log says how many lines it lost.
            err = proc.stderr.read().decode("utf-8", "replace")
            self.assertEqual(proc.wait(timeout=30), 0)
            self.assertRegex(err, r"\[WRN\] Dropped \d+ log lines: the log output did not keep up")
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proc.stderr.close()


def _connects(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


if __name__ == "__main__":
    harness.run_tests()
