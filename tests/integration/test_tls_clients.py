#!/usr/bin/env python3
# Real clients over TLS (docs/compatibility.md, TLS): nats.c (libnats), nats.js (npm `nats`) and nats.go (Debian's
# golang-github-nats-io-go-nats-dev, built by tests/integration/go/build) connect to a TLS server
# with and without client certificates, and fail where they must (no certificate where one is
# required, one from another CA, a server CA they do not trust). Every case runs against the
# server under test and against nats-server (when installed): the outcome must be the same.
# Then a storm of 2,000 TLS connects while established TLS clients keep publishing: every
# message arrives, in order, and no subscriber waits long (nats-server #2573); the figures of
# both servers are printed side by side.
# The client programs come from the environment (meson sets them): ZATS_NATS_C_TLS, ZATS_GO_BIN
# (the directory of the Go programs); node from PATH. A client that is not built is skipped.
import json
import os
import shutil
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import tlspki  # noqa: E402
from harness import run_tests  # noqa: E402
from test_monitor import MonServer, name_of  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
PKI = None


def setUpModule():
    global PKI
    if not tlspki.available():
        raise unittest.SkipTest("the openssl CLI is not installed (tools/bootstrap installs it)")
    PKI = tlspki.Pki()
    PKI.alice = PKI.leaf("alice", "/O=Synadia/CN=alice", "email:alice@example.com")
    PKI.mallory = PKI.leaf("mallory", "/CN=mallory", ca=PKI.other_ca)


def tearDownModule():
    if PKI is not None:
        PKI.cleanup()


binaries = harness.server_and_reference


def tls_conf(verify, timeout=2):
    return ('tls {\n  cert_file: "%s"\n  key_file: "%s"\n  ca_file: "%s"\n  verify: %s\n  timeout: %s\n}\n'
            % (PKI.server.cert, PKI.server.key, PKI.ca.cert, "true" if verify else "false", timeout))


def go_program(name):
    d = os.environ.get("ZATS_GO_BIN")
    path = os.path.join(d, name) if d else None
    return path if path and os.access(path, os.X_OK) else None


# (what, server verifies client certificates, client certificate, CA the client trusts, expected)
CASES = [
    ("server certificate only", False, None, "ca", "ok"),
    ("client does not trust the server's CA", False, None, "other_ca", "fail"),
    ("client certificate required and given", True, "alice", "ca", "ok"),
    ("client certificate required, none given", True, None, "ca", "fail"),
    ("client certificate from another CA", True, "mallory", "ca", "fail"),
]


class Clients(unittest.TestCase):
    def run_client(self, command, env=None):
        r = subprocess.run(command, capture_output=True, text=True, timeout=60, env=env, cwd=HERE)
        return r.returncode, (r.stdout + r.stderr).strip()

    def check_client(self, name, make_command):
        """Runs every case against every server binary; make_command(url, ca, cert, expect) -> (argv, env)."""
        for binary in binaries():
            for verify in (False, True):
                srv = MonServer(binary, conf=tls_conf(verify))
                srv.start()
                try:
                    for what, needs, cert_name, ca_name, expect in CASES:
                        if needs != verify:
                            continue
                        cert = getattr(PKI, cert_name) if cert_name else None
                        ca = getattr(PKI, ca_name)
                        argv, env = make_command(srv.url, ca, cert, expect)
                        with self.subTest(client=name, server=name_of(binary), case=what):
                            rc, out = self.run_client(argv, env)
                            self.assertEqual(rc, 0, "%s against %s, %s: %s" % (name, name_of(binary), what, out))
                finally:
                    srv.__exit__(None, None, None)

    def test_nats_c(self):
        program = os.environ.get("ZATS_NATS_C_TLS")
        if not program or not os.access(program, os.X_OK):
            self.skipTest("nats_c_tls is not built (libnats-dev missing)")

        def command(url, ca, cert, expect):
            argv = [program, url, ca.cert, expect]
            if cert is not None:
                argv += [cert.cert, cert.key]
            return argv, None
        self.check_client("nats.c", command)

    def test_nats_js(self):
        node = shutil.which("node")
        if node is None or not os.path.isdir(os.path.join(HERE, "js", "node_modules", "nats")):
            self.skipTest("node or the npm nats package is missing (tools/bootstrap installs them)")

        def command(url, ca, cert, expect):
            env = dict(os.environ, NATS_URL=url, TLS_CA=ca.cert, EXPECT=expect)
            if cert is not None:
                env.update(TLS_CERT=cert.cert, TLS_KEY=cert.key)
            return [node, os.path.join(HERE, "js", "tls_client.mjs")], env
        self.check_client("nats.js", command)

    def test_nats_go(self):
        program = go_program("tls_client")
        if program is None:
            self.skipTest("the Go test programs are not built (golang-go missing)")

        def command(url, ca, cert, expect):
            argv = [program, "-url", url, "-ca", ca.cert, "-expect", expect]
            if cert is not None:
                argv += ["-cert", cert.cert, "-key", cert.key]
            return argv, None
        self.check_client("nats.go", command)


class Storm(unittest.TestCase):
    def storm(self, binary):
        program = go_program("tls_storm")
        # A generous handshake timeout: the box running the test is busy with both sides.
        srv = MonServer(binary, conf=tls_conf(False, timeout=10))
        srv.start()
        try:
            r = subprocess.run([program, "-url", srv.url, "-ca", PKI.ca.cert, "-conns", "2000", "-parallel", "100"],
                               capture_output=True, text=True, timeout=240)
            self.assertEqual(r.returncode, 0, r.stderr)
            return json.loads(r.stdout)
        finally:
            srv.__exit__(None, None, None)

    def test_established_clients_keep_going_through_a_storm_of_tls_connects(self):
        if go_program("tls_storm") is None:
            self.skipTest("the Go test programs are not built (golang-go missing)")
        results = {name_of(b): self.storm(b) for b in binaries()}
        for name, r in results.items():
            print("%s: %s" % (name, json.dumps(r, sort_keys=True)), file=sys.stderr)
        mine = results[name_of(harness.server_binary())]
        self.assertEqual((mine["connects_ok"], mine["connects_failed"]), (2000, 0))
        self.assertEqual(mine["out_of_order"], 0)
        self.assertEqual(mine["delivered"], mine["published"])  # nothing lost
        self.assertGreater(mine["during_storm"], 0)
        # No starvation: a subscriber never waited seconds for its next message (the publishers
        # send every 2 ms; scheduling on a loaded 2-core box alone can take a few hundred ms).
        self.assertLess(mine["max_gap_ms"], 3000)


if __name__ == "__main__":
    run_tests()
