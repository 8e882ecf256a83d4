#!/usr/bin/env python3
# The official C client (nats.c) against a cluster of zats nodes: servers discovered through
# INFO connect_urls, a node killed with SIGKILL and the client reconnecting to another one with
# traffic resuming, the client's server pool growing and shrinking as a node joins and leaves.
# Drives tests/integration/nats_c_cluster.c (path in NATS_C_CLUSTER) step by step.
import os
import select
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import _die_with_parent, run_tests  # noqa: E402
from cluster_harness import Node  # noqa: E402

PROGRAM = os.environ.get("NATS_C_CLUSTER")


class Driver:
    def __init__(self, *args):
        self.proc = subprocess.Popen([PROGRAM, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)

    def expect(self, prefix, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.proc.stdout], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                break
            line = self.proc.stdout.readline().decode().strip()
            if not line:
                raise AssertionError("nats_c_cluster ended (status %s) before %r" % (self.proc.poll(), prefix))
            if line.startswith("INFO"):
                print("nats_c_cluster:", line, file=sys.stderr)
            if line.startswith("FAIL"):
                raise AssertionError("nats_c_cluster: " + line)
            if line.startswith(prefix):
                return line[len(prefix):].strip()
        raise AssertionError("no %r from nats_c_cluster within %ds" % (prefix, timeout))

    def tell(self, line):
        self.proc.stdin.write((line + "\n").encode())
        self.proc.stdin.flush()

    def finish(self):
        try:
            self.proc.wait(timeout=10)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


@unittest.skipIf(not PROGRAM, "NATS_C_CLUSTER not set (nats.c is optional)")
class NatsC(unittest.TestCase):
    def test_discovery_failover_and_pool_changes(self):
        a = Node(name="A").start()
        b = Node(name="B", routes=[a]).start()
        c = Node(name="C", routes=[a]).start()
        for n in (a, b, c):
            self.addCleanup(n.stop)
        for n in (a, b, c):
            n.wait_routes(2)
        driver = Driver(a.url, c.url)
        try:
            self.assertEqual(driver.expect("DISCOVERED"), "2")
            driver.expect("READY")
            a.kill()
            driver.tell("KILLED")
            url = driver.expect("RESUMED")
            self.assertTrue(url.endswith(":%d" % b.port) or url.endswith(":%d" % c.port), url)
            d = Node(name="D", routes=[b]).start()
            self.addCleanup(d.stop)
            driver.tell("STARTED " + d.url)
            driver.expect("GREW")
            d.stop()
            driver.tell("STOPPED " + d.url)
            driver.expect("SHRANK")
            self.assertEqual(driver.finish(), 0)
        finally:
            if driver.proc.poll() is None:
                driver.proc.kill()
                driver.proc.wait()


if __name__ == "__main__":
    run_tests()
