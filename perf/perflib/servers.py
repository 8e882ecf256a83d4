"""Starting and reaping NATS servers on free loopback ports for the perf scripts.

Every server started here is killed when its `with` block ends, even on error or
Ctrl-C, and every wait is bounded.
"""
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_BUILD = os.path.join(REPO, "build", "release")


_handed_out = set()


def free_port(host="127.0.0.1"):
    """A loopback port that was free a moment ago (the kernel picks it), never the same one twice
    in one run: the kernel may hand a just-closed port out again, and two listeners of one server
    given the same port fail to start."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind((host, 0))
            port = s.getsockname()[1]
        if port not in _handed_out:
            _handed_out.add(port)
            return port


def wait_port(host, port, timeout=10.0, proc=None):
    """Waits until host:port accepts a connection; raises on timeout or early exit."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError("server exited early with status %s" % proc.returncode)
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("server on %s:%d did not come up in %.0fs" % (host, port, timeout))


def find_nats_server(path=None):
    path = path or shutil.which("nats-server") or "/usr/sbin/nats-server"
    if not os.path.exists(path):
        raise SystemExit("nats-server not found (install Debian's nats-server or pass --other)")
    return path


def find_binary(path, what):
    if not os.path.exists(path):
        raise SystemExit("%s not found at %s (build it, or pass its path)" % (what, path))
    return path


class Server:
    """One server process: `with Server(name, argv_prefix) as s:` gives s.url, s.pid.

    `argv` is the binary plus its own flags; `-a 127.0.0.1 -p PORT` (and `-m PORT`
    when monitor=True) are appended, the flags zats and nats-server share.
    `taskset` is an optional CPU list ("0" or "0-1") to pin the server with.
    """

    def __init__(self, name, argv, monitor=False, taskset=None, host="127.0.0.1", env=None, unread_pipe=False):
        self.name = name
        # unread_pipe: stdout and stderr go to a pipe that nobody reads (a stuck log consumer).
        self.unread_pipe = unread_pipe
        self.pipe_read = None
        self.env = dict(os.environ, **env) if env else None
        self.host = host
        self.port = free_port(host)
        self.http_port = free_port(host) if monitor else None
        cmd = list(argv) + ["-a", host, "-p", str(self.port)]
        if self.http_port:
            cmd += ["-m", str(self.http_port)]
        if taskset:
            cmd = ["taskset", "-c", taskset] + cmd
        self.cmd = cmd
        self.proc = None
        self.log = None

    @property
    def url(self):
        return "nats://%s:%d" % (self.host, self.port)

    @property
    def monitor_url(self):
        return "http://%s:%d" % (self.host, self.http_port) if self.http_port else None

    @property
    def pid(self):
        return self.proc.pid

    def __enter__(self):
        self.log = tempfile.TemporaryFile()
        out = self.log
        if self.unread_pipe:
            self.pipe_read, out = os.pipe()
        self.proc = subprocess.Popen(self.cmd, stdout=out, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, env=self.env)
        if self.unread_pipe:
            os.close(out)
        try:
            wait_port(self.host, self.port, proc=self.proc)
            if self.http_port:
                wait_port(self.host, self.http_port, proc=self.proc)
        except Exception:
            self.stop()
            raise RuntimeError("%s failed to start (%s):\n%s" %
                               (self.name, " ".join(self.cmd), self.log_tail()))
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def cpu_seconds(self):
        """User + system CPU the server has used so far (/proc/PID/stat fields 14 and 15)."""
        with open("/proc/%d/stat" % self.proc.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_bytes(self):
        """Resident memory now (/proc/PID/status VmRSS)."""
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        raise RuntimeError("no VmRSS for pid %d" % self.proc.pid)

    def settled_rss(self, timeout=10.0, period=0.5):
        """(VmRSS, settled): settled once two readings `period` apart agree within 1 % (memory
        freed after a load has come back by then); else the last reading when `timeout` ran out."""
        deadline = time.monotonic() + timeout
        last = self.rss_bytes()
        while time.monotonic() < deadline:
            time.sleep(period)
            now = self.rss_bytes()
            if abs(now - last) <= last // 100:
                return now, True
            last = now
        return last, False

    def log_tail(self, n=2000):
        if not self.log:
            return ""
        self.log.seek(0, os.SEEK_END)
        size = self.log.tell()
        self.log.seek(max(0, size - n))
        return self.log.read().decode(errors="replace")

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            self.close_pipe()
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)
        self.close_pipe()

    def close_pipe(self):
        if self.pipe_read is not None:
            os.close(self.pipe_read)
            self.pipe_read = None


def run_tool(argv, timeout):
    """Runs a load tool with a hard timeout; returns its stdout or raises."""
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise RuntimeError("timed out after %.0fs: %s" % (timeout, " ".join(argv)))
    if out.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (argv[0], out.returncode, out.stderr.strip()))
    return out.stdout


def json_lines(text):
    """The JSON objects among a tool's output lines."""
    import json
    rows = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{"):
            rows.append(json.loads(line))
    return rows
