"""zats under systemd: what `meson install` puts in place (binary, unit, default config), the unit
as `systemd-analyze verify` reads it, every system call zats makes allowed by the unit's
SystemCallFilter and none of its mappings refused by MemoryDenyWriteExecute (seen with strace),
and the sd_notify messages (READY, RELOADING, STOPPING, WATCHDOG, STATUS) received on a fake
NOTIFY_SOCKET at the right moments."""
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

BUILD_ROOT = os.environ.get("ZATS_BUILD_ROOT", "")
SANITIZED = os.environ.get("ZATS_SANITIZE", "none") not in ("", "none")


def install(destdir):
    """meson install into destdir; the paths of the installed unit, config and binary."""
    if not BUILD_ROOT:
        raise unittest.SkipTest("ZATS_BUILD_ROOT is not set (run through meson test)")
    p = subprocess.run(["meson", "install", "-C", BUILD_ROOT, "--no-rebuild", "--destdir", destdir],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
    if p.returncode != 0:
        raise AssertionError("meson install failed:\n" + p.stdout.decode(errors="replace"))
    found = {}
    for root, _, files in os.walk(destdir):
        for f in files:
            found[f] = os.path.join(root, f)
    return found.get("zats.service"), found.get("zats.conf"), found.get("zats")


def unit_settings(text):
    """key -> list of values, for the unit's assignments."""
    out = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";", "[")):
            continue
        key, _, value = line.partition("=")
        out.setdefault(key, []).append(value)
    return out


def expand_syscall_filter(tokens, seen=None):
    """The system calls a SystemCallFilter= allow list names, groups expanded as
    systemd-analyze lists them."""
    seen = set() if seen is None else seen
    calls = set()
    for token in tokens:
        if not token.startswith("@"):
            calls.add(token)
            continue
        if token in seen:
            continue
        seen.add(token)
        out = subprocess.run(["systemd-analyze", "syscall-filter", token], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, timeout=30).stdout.decode()
        members = [l.strip() for l in out.splitlines()[1:] if l.strip() and not l.strip().startswith("#")]
        calls |= expand_syscall_filter(members, seen)
    return calls


def go_duration_seconds(text):
    return sum(float(n) * {"h": 3600, "m": 60, "s": 1}[u] for n, u in re.findall(r"([\d.]+)([hms])", text))


class Install(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp()
        cls.unit, cls.conf, cls.binary = install(cls.tmp)
        with open(cls.unit) as f:
            cls.unit_text = f.read()
        cls.settings = unit_settings(cls.unit_text)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def test_unit_config_and_binary_are_installed_together(self):
        for path in (self.unit, self.conf, self.binary):
            self.assertTrue(path and os.path.isfile(path), path)
        self.assertTrue(os.access(self.binary, os.X_OK))
        start = self.settings["ExecStart"][0].split()
        # The unit runs the installed binary with the installed config.
        self.assertEqual(self.tmp + start[0], self.binary)
        self.assertEqual(start[1:3], ["-c", self.conf[len(self.tmp):]])
        p = subprocess.run([self.binary, "-t", "-c", self.conf], stderr=subprocess.PIPE, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_systemd_analyze_verify_is_silent(self):
        if shutil.which("systemd-analyze") is None:
            self.fail("systemd-analyze is missing (tools/bootstrap installs the systemd package)")
        # The unit as installed, run from the staging directory.
        dest = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, dest)
        prefix_bin = self.settings["ExecStart"][0].split()[0]
        text = self.unit_text.replace(prefix_bin, self.binary, 1)
        path = os.path.join(dest, "zats.service")
        with open(path, "w") as f:
            f.write(text)
        p = subprocess.run(["systemd-analyze", "verify", path], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=60)
        self.assertEqual((p.returncode, p.stdout.decode()), (0, ""))

    def test_the_service_settings_that_matter(self):
        s = self.settings
        self.assertEqual(s["Type"], ["notify"])
        self.assertEqual(s["ExecReload"], ["/bin/kill -s HUP $MAINPID"])
        self.assertEqual(s["KillSignal"], ["SIGUSR2"])  # stop = lame duck mode
        with open(self.conf) as f:
            ldm = re.search(r'^lame_duck_duration:\s*"([^"]+)"', f.read(), re.M).group(1)
        self.assertGreater(int(s["TimeoutStopSec"][0]), go_duration_seconds(ldm), "the stop timeout covers lame duck")
        self.assertGreaterEqual(int(s["LimitNOFILE"][0]), 65536)
        self.assertEqual(s["MemoryDenyWriteExecute"], ["yes"])
        allowed = expand_syscall_filter(" ".join(s["SystemCallFilter"]).split())
        for call in ("io_uring_setup", "io_uring_enter", "io_uring_register"):
            self.assertIn(call, allowed)

    def test_every_system_call_is_allowed_by_the_unit(self):
        """zats under strace through a whole session (start with a cluster port, traffic,
        monitoring, reload, log reopen, stop): each call must be in the unit's SystemCallFilter,
        each socket family in its RestrictAddressFamilies, and no mapping may ask for memory both
        writable and executable (MemoryDenyWriteExecute)."""
        if SANITIZED:
            self.skipTest("a sanitizer runtime makes calls of its own; the plain build checks zats")
        if shutil.which("strace") is None:
            self.fail("strace is missing (tools/bootstrap installs it)")
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        trace = os.path.join(tmp, "strace.out")
        port, http, cluster = harness.free_port(), harness.free_port(), harness.free_port()
        proc_env = {k: v for k, v in os.environ.items() if k not in ("NOTIFY_SOCKET", "WATCHDOG_USEC")}
        proc = subprocess.Popen(["strace", "-f", "-qq", "-o", trace, self.binary, "-c", self.conf,
                                 "-a", "127.0.0.1", "-p", str(port), "-m", str(http), "--cores", "2",
                                 "-l", os.path.join(tmp, "zats.log"), "--cluster_name", "c",
                                 "--cluster", "nats://127.0.0.1:%d" % cluster],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                env=proc_env)
        try:
            c = wait_connect(port)
            zats = traced_child(proc.pid)  # signals go to zats, not to strace
            with c:
                c.handshake()
                c.send(b"SUB a 1\r\nPUB a 2\r\nhi\r\n")
                c.expect(b"MSG a 1 2\r\nhi\r\n")
                urllib.request.urlopen("http://127.0.0.1:%d/varz" % http, timeout=10).read()
                os.kill(zats, signal.SIGHUP)
                os.kill(zats, signal.SIGUSR1)
                c.ping()
            os.kill(zats, signal.SIGINT)
            self.assertEqual(proc.wait(timeout=60), 0, proc.stderr.read())
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proc.stderr.close()
        with open(trace) as f:
            lines = f.read().splitlines()
        used = {m.group(1) for m in (re.match(r"^\d+\s+(\w+)\(", l) for l in lines) if m}
        self.assertIn("io_uring_enter", used)
        # The process up to execve is strace's own child.
        used.discard("execve")
        allowed = expand_syscall_filter(" ".join(self.settings["SystemCallFilter"]).split())
        self.assertEqual(sorted(used - allowed), [], "system calls the unit's filter would refuse")
        wx = [l for l in lines if re.search(r"\bmmap\(.*PROT_WRITE\|PROT_EXEC|\bmmap\(.*PROT_EXEC\|PROT_WRITE", l)]
        xprot = [l for l in lines if re.search(r"\b(pkey_)?mprotect\(.*PROT_EXEC", l)]
        self.assertEqual(wx + xprot, [], "MemoryDenyWriteExecute would refuse these")
        # Every socket family zats opens (a cluster asks the kernel for the host's interfaces
        # over netlink) is one RestrictAddressFamilies allows.
        families = {m.group(1) for m in (re.search(r"\bsocket(?:pair)?\((AF_\w+)", l) for l in lines) if m}
        self.assertIn("AF_INET", families)
        self.assertEqual(sorted(families - set(" ".join(self.settings["RestrictAddressFamilies"]).split())), [],
                         "socket families the unit's RestrictAddressFamilies would refuse")
        # No NOTIFY_SOCKET here: sd_notify must not even open its socket (with one, the Notify
        # tests below receive its messages).
        notify = [l for l in lines if re.search(r"\bsocket\(AF_UNIX, SOCK_DGRAM", l)]
        self.assertEqual(notify, [], "a datagram socket opened without NOTIFY_SOCKET")


def traced_child(strace_pid):
    with open("/proc/%d/task/%d/children" % (strace_pid, strace_pid)) as f:
        return int(f.read().split()[0])


def wait_connect(port, timeout=30.0):
    deadline = time.monotonic() + timeout
    while True:
        try:
            return harness.Conn(port)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


THRESHOLD = "glibc.cpu.x86_rep_movsb_threshold"


def copy_tuning_due():
    """Whether zats should run with glibc's REP MOVSB threshold raised here (core/copy_tuning.h):
    an AMD CPU with FSRM under glibc 2.33..2.38. Read from /proc/cpuinfo and confstr."""
    with open("/proc/cpuinfo") as f:
        info = f.read()
    amd = re.search(r"^vendor_id\s*:\s*AuthenticAMD$", info, re.M) is not None
    flags = re.search(r"^flags\s*:(.*)$", info, re.M)
    fsrm = flags is not None and "fsrm" in flags.group(1).split()
    m = re.match(r"glibc (\d+)\.(\d+)", os.confstr("CS_GNU_LIBC_VERSION") or "")
    version = (int(m.group(1)), int(m.group(2))) if m else (0, 0)
    return amd and fsrm and (2, 33) <= version < (2, 39)


def level2_cache_bytes():
    out = subprocess.run(["getconf", "LEVEL2_CACHE_SIZE"], capture_output=True, text=True, timeout=10).stdout
    size = int(out.strip() or 0)
    return size if size > 0 else 1 << 20


def tunables_of(pid):
    """GLIBC_TUNABLES as process pid started with. Parsing it, glibc ends each value in place (a
    NUL where the ':' was) and points environ at a copy: /proc/PID/environ shows the pieces
    as entries of their own, each named glibc.*."""
    with open("/proc/%d/environ" % pid, "rb") as f:
        items = [item.decode(errors="replace") for item in f.read().split(b"\0")]
    for i, item in enumerate(items):
        if item.startswith("GLIBC_TUNABLES="):
            pieces = [item[len("GLIBC_TUNABLES="):]]
            for more in items[i + 1:]:
                if not more.startswith("glibc."):
                    break
                pieces.append(more)
            return ":".join(pieces)
    return None


class CopyTuning(unittest.TestCase):
    """Where glibc copies with REP MOVSB into unaligned destinations that AMD's Zen 3 and 4 run
    up to 20x slower, zats executes itself once more at start with the threshold at the L2
    size: the same process (the pid its starter knows, the name it had) ends up with it and
    serves. A threshold the user set stays as it is; other tunables are kept; on other
    machines nothing changes."""

    def tunables_of_server(self, given):
        """GLIBC_TUNABLES of a running server started with `given` (None: as this test runs)."""
        with harness.Server(env={"GLIBC_TUNABLES": given} if given is not None else None) as s, s.client() as c:
            c.handshake()
            # Started again by the path it was started by: named after it still (what
            # `--signal` looks for), not "exe"
            with open("/proc/%d/comm" % s.proc.pid) as f:
                self.assertEqual(f.read().strip(), os.path.basename(harness.server_binary())[:15])
            return tunables_of(s.proc.pid)

    def expected(self, given):
        if not copy_tuning_due() or (given and THRESHOLD in given):
            return given
        added = "%s=%d" % (THRESHOLD, level2_cache_bytes())
        return given + ":" + added if given else added

    def test_the_server_runs_with_the_threshold_where_due(self):
        self.assertEqual(self.tunables_of_server(None), self.expected(os.environ.get("GLIBC_TUNABLES")))

    def test_other_tunables_are_kept(self):
        given = "glibc.malloc.arena_max=2"
        self.assertEqual(self.tunables_of_server(given), self.expected(given))

    def test_a_threshold_the_user_set_stays(self):
        given = THRESHOLD + "=4096"
        self.assertEqual(self.tunables_of_server(given), given)


class Notify(unittest.TestCase):
    """A fake systemd: a datagram socket as NOTIFY_SOCKET."""

    def start(self, *flags, watchdog_usec=None):
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.addCleanup(self.sock.close)
        path = os.path.join(tmp, "notify")
        self.sock.bind(path)
        env = dict(os.environ, NOTIFY_SOCKET=path)
        if watchdog_usec:
            env["WATCHDOG_USEC"] = str(watchdog_usec)
        self.port, self.http = harness.free_port(), harness.free_port()
        self.proc = subprocess.Popen([harness.server_binary(), "-a", "127.0.0.1", "-p", str(self.port),
                                      "-m", str(self.http), "--cores", "2"] + list(flags),
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, env=env)
        self.addCleanup(self.reap)

    def reap(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()

    def next(self, timeout=30.0):
        self.sock.settimeout(timeout)
        try:
            return self.sock.recv(4096).decode()
        except socket.timeout:
            raise AssertionError("no notification within %.0fs" % timeout) from None

    def next_matching(self, prefix, timeout=30.0):
        """The next message starting with prefix; WATCHDOG and STATUS messages in between are skipped."""
        deadline = time.monotonic() + timeout
        while True:
            msg = self.next(max(0.1, deadline - time.monotonic()))
            if msg.startswith(prefix):
                return msg
            if not msg.startswith(("WATCHDOG=1", "STATUS=")):
                raise AssertionError("expected %r, got %r" % (prefix, msg))

    def test_ready_reload_status_watchdog_stopping(self):
        cluster = harness.free_port()
        self.start("--cluster_name", "c", "--cluster", "nats://127.0.0.1:%d" % cluster, watchdog_usec=1000000)
        ready = self.next()
        # The first message is READY=1, sent when every listener is up: the client, monitoring
        # and cluster ports answer now, without a retry.
        self.assertEqual(ready, "READY=1\nSTATUS=Ready: 0 connections, 0 messages in, 0 out")
        socket.create_connection(("127.0.0.1", cluster), timeout=5).close()
        with harness.Conn(self.port) as c:
            c.handshake()
            urllib.request.urlopen("http://127.0.0.1:%d/healthz" % self.http, timeout=10).read()
            # WATCHDOG=1 every WatchdogSec/2 while the workers answer.
            self.next_matching("WATCHDOG=1", timeout=10)
            self.next_matching("WATCHDOG=1", timeout=10)
            # STATUS= follows the traffic.
            c.send(b"SUB s 1\r\nPUB s 1\r\na\r\nPUB s 1\r\nb\r\nPUB s 1\r\nc\r\nPING\r\n")
            c.expect(b"MSG s 1 1\r\na\r\nMSG s 1 1\r\nb\r\nMSG s 1 1\r\nc\r\nPONG\r\n")
            deadline = time.monotonic() + 20
            while True:
                msg = self.next_matching("STATUS=", timeout=max(0.1, deadline - time.monotonic()))
                if msg == "STATUS=Ready: 1 connections, 3 messages in, 3 out":
                    break
            # A reload is bracketed by RELOADING=1 (with the monotonic time) and READY=1.
            before = int(time.monotonic() * 1e6)
            self.proc.send_signal(signal.SIGHUP)
            reloading = self.next_matching("RELOADING=1")
            stamp = int(re.fullmatch(r"RELOADING=1\nMONOTONIC_USEC=(\d+)", reloading).group(1))
            self.assertGreaterEqual(stamp, before)
            self.assertLess(stamp, int(time.monotonic() * 1e6) + 1)
            self.assertEqual(self.next_matching("READY=1"), "READY=1\nSTATUS=Ready: 1 connections, 3 messages in, 3 out")
            self.proc.send_signal(signal.SIGINT)
            self.assertEqual(self.next_matching("STOPPING=1"), "STOPPING=1\nSTATUS=Shutting down")
        self.assertEqual(self.proc.wait(timeout=30), 0)

    def test_status_without_a_watchdog(self):
        """No WATCHDOG_USEC: STATUS= lines still follow (every 5 s), WATCHDOG=1 never comes."""
        self.start()
        self.assertTrue(self.next().startswith("READY=1\n"))
        self.assertEqual(self.next(timeout=15), "STATUS=Ready: 0 connections, 0 messages in, 0 out")
        self.proc.send_signal(signal.SIGTERM)
        self.assertEqual(self.next(), "STOPPING=1\nSTATUS=Shutting down")
        self.assertEqual(self.proc.wait(timeout=30), 1)

    def test_lame_duck_says_stopping(self):
        self.start()
        self.assertTrue(self.next().startswith("READY=1\n"))
        self.proc.send_signal(signal.SIGUSR2)
        self.assertEqual(self.next_matching("STOPPING=1"), "STOPPING=1\nSTATUS=Entering lame duck mode")
        self.assertEqual(self.proc.wait(timeout=30), 0)


if __name__ == "__main__":
    harness.run_tests()
