"""Command-line flags that change what clients see, checked the same way against zats and
nats-server: --client_advertise sets INFO's host and port (the port defaults to the listen
port), and Go-style flag spellings (-a, --addr=, -port=) are all accepted. The cluster flags
(--cluster, --routes, ...) are refused with nats-server's own messages, run side by side with
nats-server when it is installed."""
import contextlib
import json
import os
import subprocess
import tempfile
import time
import unittest

import harness


def info_of(server):
    with server.client() as c:
        return c.read_info()


class ClientAdvertise(unittest.TestCase):
    def test_host_and_port(self):
        with harness.Server("--client_advertise", "10.1.2.3:4333") as s:
            info = info_of(s)
            self.assertEqual((info["host"], info["port"]), ("10.1.2.3", 4333))

    def test_host_only_keeps_the_listen_port(self):
        with harness.Server("--client_advertise=myhost") as s:
            info = info_of(s)
            self.assertEqual((info["host"], info["port"]), ("myhost", s.port))

    def test_ipv6_with_port(self):
        with harness.Server("-client_advertise", "[::1]:4444") as s:
            info = info_of(s)
            self.assertEqual((info["host"], info["port"]), ("::1", 4444))


class FlagSpellings(unittest.TestCase):
    def test_single_and_double_dash_with_and_without_equals(self):
        # harness passes -a/-p itself; the extra flags use the other spellings.
        with harness.Server("--server_name=spelled", "-max_traced_msg_len=0") as s:
            self.assertEqual(info_of(s)["server_name"], "spelled")


def worker_affinities(server, workers):
    """{worker thread name: its CPU set}, once all `workers` are named (bounded wait)."""
    task_dir = "/proc/%d/task" % server.proc.pid
    wanted = {"zats-w%d" % i for i in range(workers)}
    found = {}
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        found = {}
        for tid in os.listdir(task_dir):
            try:
                with open(os.path.join(task_dir, tid, "comm")) as f:
                    name = f.read().strip()
                if name in wanted:
                    found[name] = os.sched_getaffinity(int(tid))
            except (FileNotFoundError, ProcessLookupError):
                pass
        if set(found) == wanted:
            return found
        time.sleep(0.02)
    raise AssertionError("worker threads %s never all appeared (saw %s)" % (sorted(wanted), sorted(found)))


class Pinning(unittest.TestCase):
    """Workers float over the process's CPUs by default (as nats-server's threads do); --pin
    gives each its own CPU of the mask, in order, wrapping when there are more workers."""

    def test_workers_are_not_pinned_by_default(self):
        mask = os.sched_getaffinity(0)
        with harness.Server("--cores", "2") as s:
            for name, cpus in worker_affinities(s, 2).items():
                self.assertEqual(cpus, mask, name)

    def test_pin_gives_each_worker_its_own_cpu(self):
        cpus = sorted(os.sched_getaffinity(0))
        workers = 3  # more than a 2-CPU box has: the third wraps
        with harness.Server("--cores", str(workers), "--pin") as s:
            got = worker_affinities(s, workers)
        for i in range(workers):
            self.assertEqual(got["zats-w%d" % i], {cpus[i % len(cpus)]}, i)

    def test_pin_false_is_the_default(self):
        mask = os.sched_getaffinity(0)
        with harness.Server("--cores", "2", "--pin=false") as s:
            self.assertEqual(set(map(frozenset, worker_affinities(s, 2).values())), {frozenset(mask)})


def run_binary(binary, *args):
    """Runs a server that is expected to exit at once (a refused command line, or -t)."""
    return subprocess.run([binary, "-a", "127.0.0.1", "-p", str(harness.free_port())] + list(args),
                          capture_output=True, text=True, timeout=10)


reference_binary = harness.reference_binary


# (flags, what follows "<binary>: " on stderr): each refuses to start, exit code 1.
CLUSTER_FLAG_ERRORS = [
    (["--routes", "nats://127.0.0.1:7001"], "solicited routes require cluster capabilities, e.g. --cluster"),
    (["-routes=nats://127.0.0.1:7001", "--cluster", ""], "solicited routes require cluster capabilities, e.g. --cluster"),
    (["--cluster", "nats://ruser@127.0.0.1:7001"], "expected cluster password to be set"),
    (["-cluster", "127.0.0.1:7001"], 'parse "127.0.0.1:7001": first path segment in URL cannot contain colon'),
    (["--cluster_listen", "abc"], "missing port in address"),
    (["-cluster_listen=nats://h:abc"], 'parse "nats://h:abc": invalid port ":abc" after host'),
    (["--cluster", "nats://127.0.0.1:"], "EOF"),
    (["--cluster", "nats://[::1]"], "address [::1]: missing port in address"),
    (["--cluster", "nats://::1:5"], "address ::1:5: too many colons in address"),
]


class ClusterFlags(unittest.TestCase):
    def expect(self, binary, args, code, message):
        r = run_binary(binary, *args)
        self.assertEqual((r.returncode, r.stderr.strip()), (code, "%s: %s" % (os.path.basename(binary), message)), args)

    def test_refusals_are_nats_servers(self):
        for args, message in CLUSTER_FLAG_ERRORS:
            with self.subTest(args=args):
                self.expect(harness.server_binary(), args, 1, message)
                if reference_binary():
                    self.expect(reference_binary(), args, 1, message)

    def test_accepted_with_a_config_file(self):
        # Every cluster flag in both spellings, the cluster name with quote characters in it.
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "c.conf")
            with open(path, "w") as f:
                f.write("cluster {\n  port: 6222\n  routes: [\"nats://127.0.0.1:7001\"]\n}\n")
            args = ["-t", "-c", path, "--cluster", "nats://ru:rp@127.0.0.1:-1", '--cluster_name', '"abc"',
                    "-routes=nats://127.0.0.1:7002, nats-route://u:p@[::1]:7003", "--no_advertise",
                    "-connect_retries", "3", "--cluster_advertise", "adv.example:7222"]
            for binary in filter(None, [harness.server_binary(), reference_binary()]):
                with self.subTest(binary=binary):
                    self.expect(binary, args, 0, "configuration file %s is valid" % path)

    @unittest.skipIf(os.path.basename(harness.server_binary()) == "nats-server", "nats-server crashes on it")
    def test_unparsable_route_is_refused(self):
        # nats-server accepts it and panics when it starts routing; zats refuses it up front.
        self.expect(harness.server_binary(), ["--cluster", "nats://127.0.0.1:-1", "--routes", "nats://127.0.0.1:7001,nats://a b:1"],
                    1, 'error parsing route url ["nats://a b:1"]')


@contextlib.contextmanager
def running(binary):
    """harness.Server starts `binary` inside the block."""
    saved = os.environ.get("ZATS_SERVER_OVERRIDE")
    os.environ["ZATS_SERVER_OVERRIDE"] = binary
    try:
        yield
    finally:
        if saved is None:
            del os.environ["ZATS_SERVER_OVERRIDE"]
        else:
            os.environ["ZATS_SERVER_OVERRIDE"] = saved


class QuotedClusterName(unittest.TestCase):
    """`--cluster_name '"abc"'`: the shell passes the quotes on and nats-server keeps them in the
    name. One server with a cluster port (no routes formed): the name in the INFO a route gets
    and in the INFO a client gets, side by side with nats-server when installed."""

    def observe(self, binary):
        cluster_port = harness.free_port()
        with running(binary), harness.Server("--cluster", "nats://127.0.0.1:%d" % cluster_port,
                                             "--cluster_name", '"abc"') as s:
            client = s.client()
            client_info = client.read_info()
            client.close()
            # The route listener may open a moment after the client one (slow sanitizer builds).
            deadline = time.monotonic() + 10
            while True:
                try:
                    route = harness.Conn(cluster_port)
                    break
                except ConnectionRefusedError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.02)
            route_info = route.read_info()
            route.sock.close()
            return client_info.get("cluster"), route_info.get("cluster")

    def test_quotes_are_part_of_the_name(self):
        for binary in filter(None, [harness.server_binary(), reference_binary()]):
            with self.subTest(binary=binary):
                self.assertEqual(self.observe(binary), ('"abc"', '"abc"'))


if __name__ == "__main__":
    harness.run_tests()
