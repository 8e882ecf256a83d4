# Test harness for black-box integration tests: starts a NATS server binary (env ZATS_SERVER,
# default `nats-server`) on a free loopback port, always reaps it, and offers a raw-socket client
# that checks exact bytes with bounded waits. Python 3 stdlib only.
import atexit
import ctypes
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

DEFAULT_TIMEOUT = 3.0
_live = set()          # every Server process not yet reaped, killed at exit


def server_binary():
    # ZATS_SERVER_OVERRIDE beats ZATS_SERVER (which meson sets to the built zats), so the meson
    # suite can be pointed at the reference: ZATS_SERVER_OVERRIDE=nats-server meson test ...
    path = os.environ.get("ZATS_SERVER_OVERRIDE") or os.environ.get("ZATS_SERVER", "nats-server")
    found = shutil.which(path)
    if found is None:
        raise RuntimeError("server binary %r not found (set ZATS_SERVER)" % path)
    return found


def is_zats():
    """Whether the server under test is zats (zats-only tests skip against nats-server)."""
    return "zats" in os.path.basename(server_binary())


def tier_args(binary):
    """--io_uring_tier=$ZATS_IO_URING_TIER when it is set and `binary` is the zats under test (meson
    runs part of the suite again on the Linux 5.19 tier that way); nothing for nats-server."""
    tier = os.environ.get("ZATS_IO_URING_TIER")
    zats = os.environ.get("ZATS_SERVER")
    if not tier or not zats or shutil.which(zats) is None:
        return []
    if os.path.realpath(binary) != os.path.realpath(shutil.which(zats)):
        return []
    return ["--io_uring_tier=" + tier]


def reference_binary():
    """nats-server when installed and not the server under test, else None."""
    ref = shutil.which("nats-server")
    if ref is None or os.path.realpath(ref) == os.path.realpath(server_binary()):
        return None
    return ref


def server_and_reference():
    """The server under test, then nats-server when it is installed: for side-by-side tests."""
    out = [server_binary()]
    ref = reference_binary()
    if ref is not None:
        out.append(ref)
    return out


def go_program(name):
    """A Go test program meson built into ZATS_GO_BIN, or None when Go was not available."""
    d = os.environ.get("ZATS_GO_BIN")
    path = os.path.join(d, name) if d else None
    return path if path and os.access(path, os.X_OK) else None


_handed_out = set()


def free_port():
    """A loopback TCP port that was free a moment ago (the server may still lose a race; Server retries).

    Never the same port twice in one test process: the kernel may hand a just-closed port out
    again, and a node given one port for both clients and routes fails to bind the second."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in _handed_out:
            _handed_out.add(port)
            return port


def _die_with_parent():
    # Runs in the child between fork and exec: SIGKILL the server if the test process dies,
    # even by SIGKILL, so no server outlives its test.
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except Exception:
        pass


def _reap_all():
    for srv in list(_live):
        srv.stop()


atexit.register(_reap_all)


def _on_term(signum, frame):
    # meson test sends SIGTERM on timeout: turn it into SystemExit so atexit reaps the servers.
    raise SystemExit(128 + signum)


if hasattr(signal, "SIGTERM"):
    try:
        signal.signal(signal.SIGTERM, _on_term)
    except ValueError:
        pass  # not the main thread


def read_log(f):
    """Everything a server wrote to its log file so far. Read with pread: the file's offset is
    shared with the server, which is still writing at it (a seek here would make its next line
    overwrite the start of the file)."""
    if f is None:
        return ""
    try:
        fd = f.fileno()
        return os.pread(fd, os.fstat(fd).st_size, 0).decode("utf-8", "replace")
    except (OSError, ValueError):
        return ""


class Server:
    """A running server process. Use as a context manager, or call stop(); atexit reaps leftovers."""

    def __init__(self, *extra_args, start_timeout=10.0, binary=None, env=None):
        self.extra_args = list(extra_args)
        self.start_timeout = start_timeout
        self.binary = binary  # default: server_binary()
        self.env = env        # extra environment variables
        self.proc = None
        self.port = None
        self.log = None

    @property
    def url(self):
        return "nats://127.0.0.1:%d" % self.port

    def start(self):
        last_err = None
        for _ in range(3):  # the free port may be taken between free_port() and the server's bind
            self.port = free_port()
            self.log = tempfile.TemporaryFile()
            binary = self.binary or server_binary()
            cmd = [binary, "-a", "127.0.0.1", "-p", str(self.port)] + tier_args(binary) + self.extra_args
            env = dict(os.environ, **self.env) if self.env else None
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self.log,
                                         stderr=subprocess.STDOUT, preexec_fn=_die_with_parent, env=env)
            _live.add(self)
            try:
                self._wait_ready()
                return self
            except RuntimeError as e:
                last_err = e
                exited = self.proc.poll() is not None
                self.stop()
                self.log.close()  # the error already holds the log's tail
                self.log = None
                if not exited:
                    break  # alive but never ready: retrying on another port would not help
        raise RuntimeError("server did not start: %s" % last_err)

    def _wait_ready(self):
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("server exited with %s:\n%s" % (self.proc.returncode, self.log_text()))
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                    s.settimeout(1.0)
                    # A connection is ready when the INFO arrives, not merely when it is accepted.
                    data = b""
                    while not data.endswith(b"\r\n"):
                        chunk = s.recv(4096)
                        if not chunk:
                            break
                        data += chunk
                    if data.startswith(b"INFO"):
                        return
            except OSError:
                pass
            time.sleep(0.02)
        raise RuntimeError("server not ready on port %d within %.1fs:\n%s"
                           % (self.port, self.start_timeout, self.log_text()))

    def full_log(self):
        return read_log(self.log)

    def log_text(self):
        return read_log(self.log)[-4000:]

    def stop(self):
        if self.proc is not None and self.proc.poll() not in (None, 0) and self.log is not None:
            # It died on its own (a crash, a sanitizer's report): the test's own error is only
            # a broken pipe, so say why here.
            sys.stderr.write("server exited with %s before the test stopped it; its log ends:\n%s\n"
                             % (self.proc.returncode, self.log_text()))
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGINT)
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
            except OSError:
                pass
        _live.discard(self)

    def client(self, **kw):
        return Conn(self.port, **kw)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        if self.log is not None:
            self.log.close()
            self.log = None
        return False


class Closed(Exception):
    pass


def _common_prefix(a, b):
    """How many leading bytes a and b share (a binary search over slice compares)."""
    lo, hi = 0, min(len(a), len(b))
    if a[:hi] == b[:hi]:
        return hi
    while lo + 1 < hi:  # a[:lo] matches, a[:hi] does not
        mid = (lo + hi) // 2
        if a[lo:mid] == b[lo:mid]:
            lo = mid
        else:
            hi = mid
    return lo


class Conn:
    """A raw TCP client: exact-bytes expectations, every wait bounded."""

    def __init__(self, port, host="127.0.0.1", timeout=DEFAULT_TIMEOUT, rcvbuf=None):
        if rcvbuf is None:
            self.sock = socket.create_connection((host, port), timeout=timeout)
        else:
            # A small receive buffer, set before connect so the TCP window stays small: a reader
            # that stops reading backs up into the server quickly (slow-consumer tests).
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
            self.sock.settimeout(timeout)
            self.sock.connect((host, port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.eof = False
        self.closed_err = None

    # -- sending ---------------------------------------------------------------------------------
    def send(self, data):
        self.sock.sendall(data)

    def send_split(self, data, chunk=1, pause=0.0002):
        """Send data in small pieces with a pause between them, to exercise the server's
        reassembly. Stops quietly if the server has closed the connection."""
        for i in range(0, len(data), chunk):
            try:
                self.sock.sendall(data[i:i + chunk])
            except OSError:
                return
            if pause:
                time.sleep(pause)

    # -- receiving -------------------------------------------------------------------------------
    def _fill(self, deadline):
        """Read more bytes into buf before deadline. False on timeout; raises Closed on EOF/reset."""
        if self.eof:
            raise Closed(self.closed_err or "EOF")
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        self.sock.settimeout(remaining)
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            return False
        except (ConnectionResetError, ConnectionAbortedError, BrokenPipeError) as e:
            self.eof, self.closed_err = True, repr(e)
            raise Closed(self.closed_err)
        if not data:
            self.eof = True
            raise Closed("EOF")
        self.buf += data
        return True

    def expect(self, exact, timeout=DEFAULT_TIMEOUT):
        """The next bytes must be exactly `exact`."""
        deadline = time.monotonic() + timeout
        try:
            while len(self.buf) < len(exact):
                if not exact.startswith(self.buf):
                    break
                if not self._fill(deadline):
                    break
        except Closed as e:
            raise AssertionError("connection closed (%s) while expecting %r; got %r"
                                 % (e, exact, self.buf)) from None
        got = self.buf[:len(exact)]
        if got != exact:
            raise AssertionError("expected %r\n     got %r%s" % (
                exact, self.buf, "" if len(self.buf) >= len(exact) else " (timed out after %.1fs)" % timeout))
        self.buf = self.buf[len(exact):]

    def expect_any(self, options, timeout=DEFAULT_TIMEOUT):
        """The next bytes must be exactly one of `options` (none a prefix of another). Returns it."""
        deadline = time.monotonic() + timeout
        try:
            while True:
                for o in options:
                    if self.buf.startswith(o):
                        self.buf = self.buf[len(o):]
                        return o
                if not any(o.startswith(self.buf) for o in options):
                    break
                if not self._fill(deadline):
                    break
        except Closed as e:
            raise AssertionError("connection closed (%s) while expecting one of %r; got %r"
                                 % (e, options, self.buf)) from None
        raise AssertionError("expected one of %r\n     got %r" % (options, self.buf))

    def read_until(self, delim=b"\r\n", timeout=DEFAULT_TIMEOUT):
        """Bytes up to and including delim."""
        deadline = time.monotonic() + timeout
        while delim not in self.buf:
            try:
                if not self._fill(deadline):
                    raise AssertionError("timed out after %.1fs waiting for %r; got %r"
                                         % (timeout, delim, self.buf))
            except Closed as e:
                raise AssertionError("connection closed (%s) waiting for %r; got %r"
                                     % (e, delim, self.buf)) from None
        i = self.buf.index(delim) + len(delim)
        out, self.buf = self.buf[:i], self.buf[i:]
        return out

    def read_exactly(self, n, timeout=DEFAULT_TIMEOUT):
        deadline = time.monotonic() + timeout
        while len(self.buf) < n:
            try:
                if not self._fill(deadline):
                    raise AssertionError("timed out waiting for %d bytes; got %r" % (n, self.buf))
            except Closed as e:
                raise AssertionError("connection closed (%s) waiting for %d bytes; got %r"
                                     % (e, n, self.buf)) from None
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def expect_stream(self, expected, timeout=DEFAULT_TIMEOUT):
        """The next bytes must be `expected`, a long run of frames, compared as they come (no
        quadratic buffer); server PINGs between frames (the first comes about 2 s after the
        connect) are answered and skipped. Fails naming where the stream stopped matching."""
        deadline = time.monotonic() + timeout
        view, matched = memoryview(expected), 0
        while matched < len(expected):
            n = min(len(self.buf), len(expected) - matched)
            same = _common_prefix(view[matched:matched + n], self.buf)
            matched, self.buf = matched + same, self.buf[same:]
            if self.buf.startswith(b"PING\r\n"):
                self.buf = self.buf[6:]
                self.send(b"PONG\r\n")
            elif matched == len(expected):
                break
            elif same < n and not b"PING\r\n".startswith(self.buf):
                raise AssertionError("other bytes at %d of %d: %r instead of %r" % (
                    matched, len(expected), self.buf[:60], bytes(view[matched:matched + 60])))
            else:
                try:
                    if not self._fill(deadline):
                        raise AssertionError("timed out after %d of %d bytes" % (matched, len(expected)))
                except Closed as e:
                    raise AssertionError("connection closed (%s) after %d of %d bytes"
                                         % (e, matched, len(expected))) from None

    def read_info(self, timeout=DEFAULT_TIMEOUT):
        """Read one INFO line, check its framing `INFO {json} \\r\\n` and return the parsed JSON."""
        line = self.read_until(b"\r\n", timeout)
        if not line.startswith(b"INFO {"):
            raise AssertionError("expected INFO, got %r" % line)
        if not line.endswith(b"} \r\n"):
            raise AssertionError("INFO must end with '} \\r\\n' (a space before CRLF): %r" % line)
        info = json.loads(line[5:-3].decode("utf-8"))
        if not isinstance(info, dict):
            raise AssertionError("INFO JSON is not an object: %r" % line)
        return info

    def expect_closed(self, timeout=DEFAULT_TIMEOUT):
        """The server must close (EOF or reset) within timeout, sending nothing more."""
        deadline = time.monotonic() + timeout
        try:
            while True:
                if self.buf:
                    raise AssertionError("expected close, got unexpected bytes %r" % self.buf)
                if not self._fill(deadline):
                    raise AssertionError("connection still open after %.1fs" % timeout)
        except Closed:
            if self.buf:
                raise AssertionError("expected close, got unexpected bytes %r before it" % self.buf)

    def drain_until_closed(self, timeout=DEFAULT_TIMEOUT):
        """Reads and drops whatever comes until the server closes: True, or False when the
        connection is still open at the timeout."""
        deadline = time.monotonic() + timeout
        try:
            while True:
                self.buf = b""
                if not self._fill(deadline):
                    return False
        except Closed:
            self.buf = b""
            return True

    def expect_nothing(self, duration=0.2):
        """No bytes (and no close) for `duration` seconds."""
        deadline = time.monotonic() + duration
        try:
            while not self.buf and self._fill(deadline):
                pass
        except Closed as e:
            raise AssertionError("connection closed (%s) while expecting silence" % e) from None
        if self.buf:
            raise AssertionError("expected nothing, got %r" % self.buf)

    def messages_before_pong(self):
        """PING, then the messages that came before its PONG, as (MSG line, payload) pairs; the
        server's own PINGs are answered on the way."""
        self.send(b"PING\r\n")
        passed = []
        while True:
            line = self.read_until(b"\r\n")
            if line == b"PONG\r\n":
                return passed
            if line == b"PING\r\n":
                self.send(b"PONG\r\n")
                continue
            assert line.startswith(b"MSG "), line
            passed.append((line, self.read_exactly(int(line.split()[-1]) + 2)[:-2]))

    def ping(self, timeout=DEFAULT_TIMEOUT):
        """PING and expect exactly PONG next: the connection is open and everything before it was processed."""
        self.send(b"PING\r\n")
        self.expect(b"PONG\r\n", timeout)

    def await_pong(self, timeout=DEFAULT_TIMEOUT):
        """Waits for PONG, answering any server PING that comes first (a publisher the server
        holds back idles long enough to be pinged)."""
        deadline = time.monotonic() + timeout
        while self.expect_any([b"PONG\r\n", b"PING\r\n"],
                              timeout=max(0.01, deadline - time.monotonic())) != b"PONG\r\n":
            self.send(b"PONG\r\n")

    def take_frames(self, frame, wait=0.0):
        """Reads what has arrived (waiting at most `wait` for the first bytes) and consumes the
        complete copies of `frame` at the front of the buffer, answering server PINGs; returns
        how many it consumed. Any other bytes fail; an EOF leaves self.eof set."""
        deadline = time.monotonic() + max(wait, 0.001)
        try:
            while self._fill(deadline):
                deadline = time.monotonic() + 0.001  # after the first chunk, only what is already there
        except Closed:
            pass
        n = 0
        while True:
            if self.buf.startswith(frame):
                self.buf = self.buf[len(frame):]
                n += 1
            elif self.buf.startswith(b"PING\r\n"):
                self.buf = self.buf[6:]
                self.send(b"PONG\r\n")
            elif frame.startswith(self.buf[:len(frame)]) or b"PING\r\n".startswith(self.buf):
                return n  # a partial frame (or nothing): wait for more
            else:
                raise AssertionError("unexpected bytes instead of %r: %r" % (frame[:30], self.buf[:80]))

    def handshake(self, connect=b'{"verbose":false,"pedantic":false}'):
        """Read INFO, send CONNECT+PING, expect PONG. Returns the INFO dict."""
        info = self.read_info()
        self.send(b"CONNECT " + connect + b"\r\nPING\r\n")
        self.expect(b"PONG\r\n")
        return info

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def run_tests():
    """unittest main that exits non-zero on failure and reaps servers first."""
    import unittest
    prog = unittest.main(exit=False, verbosity=2)
    _reap_all()
    sys.exit(0 if prog.result.wasSuccessful() else 1)
