"""Running zats as a process others control, checked against nats-server where it is installed:
signals and their exit codes, `--signal` (with a pid, a pid file, or by process name) and its
messages, lame duck mode with 100 clients, the port being free the moment the process is gone,
named worker threads, a stray argument refused, and the ports file."""
import json
import os
import selectors
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

import harness
from harness import Server

SERVER_WAIT = 20.0  # a sanitizer build is slow to stop


def zats_binary():
    return harness.server_binary()


def run(cmd, timeout=20.0):
    """Runs a short command; (exit code, stderr text)."""
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=timeout)
    return p.returncode, (p.stderr + p.stdout).decode("utf-8", "replace")


def without_program(text, program):
    """'nats-server: x' and 'zats: x' read the same."""
    return text.replace(program + ": ", "<prog>: ").strip()


def binaries():
    """(name, path) of the server under test and of the reference when installed."""
    out = [("zats", zats_binary())]
    ref = harness.reference_binary()
    if ref:
        out.append(("nats-server", ref))
    return out


def wait_exit(server, timeout=SERVER_WAIT):
    try:
        return server.proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        raise AssertionError("server still running %.0fs later:\n%s" % (timeout, server.log_text()))


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError("timed out after %.1fs waiting for %s" % (timeout, what))


def connect_refused(port):
    s = socket.socket()
    s.settimeout(1.0)
    try:
        s.connect(("127.0.0.1", port))
        return False
    except ConnectionRefusedError:
        return True
    except OSError:
        return False
    finally:
        s.close()


def dead_pid():
    """A pid that no process has: a child that already exited (and was reaped)."""
    p = subprocess.Popen(["true"])
    p.wait()
    return p.pid


class Signals(unittest.TestCase):
    """The same signal gives the same exit code in zats and nats-server."""

    def check_exit(self, sig, expected, *args):
        for name, binary in binaries():
            with self.subTest(server=name):
                with Server(*args, binary=binary) as s:
                    s.proc.send_signal(sig)
                    self.assertEqual(wait_exit(s), expected, s.log_text())

    def test_sigint_exits_0(self):
        self.check_exit(signal.SIGINT, 0)

    def test_sigterm_exits_1(self):
        self.check_exit(signal.SIGTERM, 1)

    def test_sigusr2_without_clients_leaves_at_once_with_0(self):
        self.check_exit(signal.SIGUSR2, 0)

    def test_sigterm_is_ignored_in_lame_duck_mode(self):
        for name, binary in binaries():
            with self.subTest(server=name):
                with Server(binary=binary) as s, s.client() as c:
                    c.handshake(b'{"verbose":false,"pedantic":false,"protocol":1}')
                    s.proc.send_signal(signal.SIGUSR2)  # 10s grace: the client stays a while
                    info = c.read_info(timeout=5)
                    self.assertTrue(info.get("ldm"), info)
                    s.proc.send_signal(signal.SIGTERM)
                    time.sleep(0.3)  # give a wrong exit a chance to happen
                    self.assertIsNone(s.proc.poll(), "SIGTERM stopped the server in lame duck mode")
                    c.ping()
                    s.proc.send_signal(signal.SIGINT)
                    self.assertEqual(wait_exit(s), 0)


class SignalCommand(unittest.TestCase):
    """`--signal`: what it sends, and its messages, as nats-server's."""

    def test_messages_match_the_reference(self):
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        garbage = os.path.join(tmp, "garbage.pid")
        with open(garbage, "w") as f:
            f.write("not-a-pid")
        missing = dead_pid()
        with Server() as live:
            cases = [
                ("unknown command", ["--signal", "bogus=%d" % live.proc.pid], 1),
                ("pid not a number", ["--signal", "reload=xyz%d" % os.getpid()], 1),
                ("pid file with garbage", ["--signal", "reload=" + garbage], 1),
                ("no such process", ["-sl", "quit=%d" % missing], 1),
                ("too many =", ["--signal", "reload=1=2=3"], 1),
            ]
            for what, args, code in cases:
                outputs = {}
                for name, binary in binaries():
                    got_code, text = run([binary] + args)
                    self.assertEqual(got_code, code, "%s: %s %r -> %r" % (what, name, args, text))
                    outputs[name] = without_program(text, name)
                if "nats-server" in outputs:
                    self.assertEqual(outputs["zats"], outputs["nats-server"], what)
                self.assertIsNone(live.proc.poll(), "%s: the live server was hit" % what)
        self.assertIn('unknown signal "bogus"', outputs_of(zats_binary(), ["--signal", "bogus=1"]))

    def test_each_command_by_pid_and_by_pid_file(self):
        """Every command, given the pid as a number and as the file -P wrote."""
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        pid_file = os.path.join(tmp, "zats.pid")
        log_file = os.path.join(tmp, "zats.log")
        conf = os.path.join(tmp, "zats.conf")
        with open(conf, "w") as f:
            f.write("debug: false\n")

        def started():
            if os.path.exists(pid_file):
                os.unlink(pid_file)
            s = Server("-c", conf, "-P", pid_file, "-l", log_file).start()
            self.addCleanup(s.__exit__, None, None, None)
            wait_for(lambda: os.path.exists(pid_file), 5, "the pid file")
            with open(pid_file) as f:
                self.assertEqual(f.read(), str(s.proc.pid))
            return s

        def send(command, target):
            code, text = run([zats_binary(), "--signal", "%s=%s" % (command, target)])
            self.assertEqual((code, text), (0, ""), (command, target))

        def log_count(text):
            with open(log_file, errors="replace") as f:
                return f.read().count(text)

        s = started()
        for target in (pid_file, str(s.proc.pid)):
            reloads, reopens = log_count("Reloaded server configuration"), log_count("File log re-opened")
            send("reload", target)
            wait_for(lambda: log_count("Reloaded server configuration") == reloads + 1, 10, "the reload")
            send("reopen", target)
            wait_for(lambda: log_count("File log re-opened") == reopens + 1, 10, "the reopen")
        send("ldm", str(s.proc.pid))
        self.assertEqual(wait_exit(s), 0)
        self.assertEqual(log_count("Entering lame duck mode, stop accepting new clients"), 1)
        s = started()
        send("ldm", pid_file)
        self.assertEqual(wait_exit(s), 0)
        self.assertEqual(log_count("Entering lame duck mode, stop accepting new clients"), 2)
        for command, expected in (("quit", 0), ("term", 1), ("stop", -signal.SIGKILL)):
            for by_file in (True, False):
                s = started()
                send(command, pid_file if by_file else str(s.proc.pid))
                self.assertEqual(wait_exit(s), expected, (command, by_file))

    def test_finds_the_process_by_name(self):
        # A name of our own (as a symlink) so other zats processes on the machine do not count.
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        name = "zsig%d" % (os.getpid() % 100000)
        link = os.path.join(tmp, name)
        os.symlink(zats_binary(), link)

        code, text = run([link, "--signal", "reload"])
        self.assertEqual((code, text.strip()), (1, "zats: no %s processes running" % name))

        first = Server(binary=link).start()
        self.addCleanup(first.__exit__, None, None, None)
        second = Server(binary=link).start()
        self.addCleanup(second.__exit__, None, None, None)
        code, text = run([link, "--signal", "quit"])
        pids = sorted([first.proc.pid, second.proc.pid])
        self.assertEqual((code, text.strip()),
                         (1, "zats: multiple %s processes running:\n%d\n%d" % (name, pids[0], pids[1])))
        self.assertIsNone(first.proc.poll())

        second.proc.send_signal(signal.SIGINT)
        wait_exit(second)
        code, text = run([link, "--signal", "quit"])
        self.assertEqual((code, text), (0, ""))
        self.assertEqual(wait_exit(first), 0)


def outputs_of(binary, args):
    return run([binary] + args)[1]


class StrayArgument(unittest.TestCase):
    def test_refused_naming_it(self):
        outputs = {}
        for name, binary in binaries():
            code, text = run([binary, "-p", "-1", "foo"])
            self.assertEqual(code, 1, text)
            outputs[name] = without_program(text, name)
        self.assertEqual(outputs["zats"], '<prog>: unrecognized command: "foo"')
        if "nats-server" in outputs:
            self.assertEqual(outputs["zats"], outputs["nats-server"])

    def test_version_and_help_words(self):
        code, text = run([zats_binary(), "version"])
        self.assertEqual(code, 0)
        self.assertIn("zats: v", text)
        code, text = run([zats_binary(), "--", "help"])
        self.assertEqual(code, 0)
        self.assertIn("Usage:", text)


class LameDuck(unittest.TestCase):
    CLIENTS = 100
    DURATION = 3.0
    GRACE = 1.0

    def test_clients_are_told_then_closed_over_the_duration(self):
        s = Server("--cores", "2", "--lame_duck_duration", "%gs" % self.DURATION,
                   "--lame_duck_grace_period", "%gs" % self.GRACE).start()
        self.addCleanup(s.__exit__, None, None, None)
        # 90 finished the handshake with protocol 1 (they get the ldm INFO); 5 speak protocol 0
        # and 5 never sent CONNECT (they do not).
        conns = []
        for i in range(self.CLIENTS):
            c = s.client()
            if i < 90:
                c.handshake(b'{"verbose":false,"pedantic":false,"protocol":1}')
            elif i < 95:
                c.handshake(b'{"verbose":false,"pedantic":false,"protocol":0}')
            else:
                c.read_info()
            conns.append(c)
        t0 = time.monotonic()
        s.proc.send_signal(signal.SIGUSR2)

        # No new clients: the listeners are closed.
        wait_for(lambda: connect_refused(s.port), 5, "new connections to be refused")

        sel = selectors.DefaultSelector()
        for i, c in enumerate(conns):
            c.sock.setblocking(False)
            sel.register(c.sock, selectors.EVENT_READ, i)
        received = [b""] * self.CLIENTS
        closed_at = [None] * self.CLIENTS
        deadline = t0 + self.DURATION + 30  # generous: sanitizer builds on a loaded machine
        while any(t is None for t in closed_at) and time.monotonic() < deadline:
            for key, _ in sel.select(timeout=0.5):
                i = key.data
                try:
                    data = key.fileobj.recv(65536)
                except ConnectionResetError:
                    data = b""
                if data:
                    received[i] += data
                else:
                    closed_at[i] = time.monotonic()
                    sel.unregister(key.fileobj)
        self.assertTrue(all(t is not None for t in closed_at),
                        "%d clients still open" % sum(t is None for t in closed_at))
        self.assertEqual(wait_exit(s), 0, s.log_text())
        for c in conns:
            c.close()

        for i in range(self.CLIENTS):
            if i < 90:
                self.assertTrue(received[i].startswith(b"INFO {"), (i, received[i]))
                line, rest = received[i].split(b"\r\n", 1)
                info = json.loads(line[5:-1])
                rest = rest.replace(b"PING\r\n", b"")  # keep-alive pings may come meanwhile
                self.assertIs(info.get("ldm"), True, info)
                self.assertNotIn("connect_urls", info)  # no cluster: no other servers to offer
                self.assertEqual(rest, b"", "only the INFO, then a plain close (no -ERR)")
            else:
                self.assertEqual(received[i].replace(b"PING\r\n", b""), b"", "protocol 0 / no CONNECT: no INFO")

        first, last = min(closed_at), max(closed_at)
        self.assertGreaterEqual(first - t0, self.GRACE - 0.05, "a client closed within the grace period")
        # And over the duration, not longer (gaps are below si): generous for a loaded machine.
        self.assertLess(last - t0, self.DURATION + 10, "the closes took far longer than the duration")
        # Gaps are random in [si/2, si), si = (duration - grace) / clients: at least 99 * si/2.
        si = (self.DURATION - self.GRACE) / self.CLIENTS
        self.assertGreaterEqual(last - first, (self.CLIENTS - 1) * si / 2 * 0.9,
                                "the closes were not spread over the duration")
        log = s.log_text()
        self.assertIn("Entering lame duck mode, stop accepting new clients", log)
        self.assertIn("Closing existing clients", log)

    def test_ldm_info_has_the_reference_fields(self):
        fields = {}
        for name, binary in binaries():
            with Server(binary=binary) as s, s.client() as c:
                first = c.handshake(b'{"verbose":false,"pedantic":false,"protocol":1}')
                s.proc.send_signal(signal.SIGUSR2)
                info = c.read_info(timeout=5)
                self.assertIs(info.get("ldm"), True)
                self.assertEqual(info["client_id"], first["client_id"])
                fields[name] = set(info)
        if "nats-server" in fields:
            # nats-server says which git commit it is; zats has none to give.
            self.assertEqual(fields["zats"], fields["nats-server"] - {"git_commit"})

    def test_refuses_a_grace_period_as_long_as_the_duration(self):
        code, text = run([zats_binary(), "-p", "-1", "--lame_duck_duration", "2s", "--lame_duck_grace_period", "2s"])
        self.assertEqual(code, 1)
        self.assertIn("lame duck grace period (2s) should be strictly lower than lame duck duration (2s)", text)


class Process(unittest.TestCase):
    def test_port_is_free_once_the_process_is_gone(self):
        for cores in ("1", "2"):
            for _ in range(3):
                s = Server("--cores", cores).start()
                self.addCleanup(s.__exit__, None, None, None)
                c = s.client()
                c.handshake()
                s.proc.send_signal(signal.SIGINT)
                self.assertEqual(wait_exit(s), 0)
                # What a client's test suite does next: listen on the same port (Go sets
                # SO_REUSEADDR).
                l = socket.socket()
                l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                try:
                    l.bind(("127.0.0.1", s.port))
                    l.listen()
                finally:
                    l.close()
                    c.close()
                s.stop()

    def test_worker_threads_are_named(self):
        with Server("--cores", "2") as s:
            task_dir = "/proc/%d/task" % s.proc.pid

            def names():
                found = set()
                for tid in os.listdir(task_dir):
                    try:
                        with open(os.path.join(task_dir, tid, "comm")) as f:
                            found.add(f.read().strip())
                    except FileNotFoundError:
                        pass
                return found
            # The client port answers as soon as worker 0 runs; the others are named before the
            # server reports ready, which a slow (sanitizer) build may reach a moment later.
            wanted = {"zats-w0", "zats-w1", "zats-log"}
            deadline = time.monotonic() + 10
            while not wanted <= names() and time.monotonic() < deadline:
                time.sleep(0.02)
            self.assertTrue(wanted <= names(), names())

    def test_ports_file_lists_the_monitoring_url(self):
        shapes = {}
        for name, binary in binaries():
            tmp = tempfile.mkdtemp()
            self.addCleanup(shutil.rmtree, tmp)
            http = harness.free_port()
            with Server("-m", str(http), "--ports_file_dir", tmp, binary=binary) as s:
                path = os.path.join(tmp, "%s_%d.ports" % (os.path.basename(binary), s.proc.pid))
                wait_for(lambda: os.path.exists(path), 5, "the ports file")
                with open(path) as f:
                    ports = json.load(f)
                self.assertEqual(ports["nats"], ["nats://127.0.0.1:%d" % s.port])
                self.assertEqual(ports["monitoring"], ["http://127.0.0.1:%d" % http])
                shapes[name] = sorted(ports)
            self.assertFalse(os.path.exists(path), "the ports file is removed on shutdown")
        if "nats-server" in shapes:
            self.assertEqual(shapes["zats"], shapes["nats-server"])


if __name__ == "__main__":
    harness.run_tests()
