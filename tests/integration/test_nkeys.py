#!/usr/bin/env python3
# nkey users (issue 16): `{nkey: U...}` in the authorization block and in accounts, the nonce in
# INFO, CONNECT's `sig` over it, the reference's errors for a bad or missing signature and an
# unknown key, permissions and accounts of nkey users, /connz, and reload (an nkey added, one
# removed). Raw sockets sign the nonce with tests/integration/go/nkey_client (nats-io/nkeys); the
# same program signs in with nats.go's NkeyOptionFromSeed. Every case runs against the server under
# test and against nats-server (when installed): the outcome must be the same.
import base64
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Server, run_tests  # noqa: E402
from authconf import TempConfig, connect_json  # noqa: E402
from test_monitor import MonServer  # noqa: E402

AUTH_VIOLATION = b"-ERR 'Authorization Violation'\r\n"
TOOL = None
KEYS = {}  # name -> (seed, public key)


def tool(*args):
    r = subprocess.run([TOOL] + list(args), capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise RuntimeError("nkey_client %s: %s" % (args[0], r.stderr))
    return r.stdout.strip()


def setUpModule():
    global TOOL
    TOOL = harness.go_program("nkey_client")
    if TOOL is None:
        raise unittest.SkipTest("nkey_client not built (needs go and Debian's nats.go: tools/bootstrap)")
    for name in ("alice", "bob", "carol", "stranger"):
        seed, pub = tool("new-user").split()
        KEYS[name] = (seed, pub)


binaries = harness.server_and_reference


def pub(name):
    return KEYS[name][1]


def sign(name, text):
    return tool("sign", KEYS[name][0], text)


def base_conf():
    return """
authorization {
  users = [
    {nkey: %s}
    {nkey: %s, permissions: {publish: "allowed.>", subscribe: "_INBOX.>"}}
  ]
}
accounts {
  A { users = [ {nkey: %s}, {user: a, password: pa} ] }
}
""" % (pub("alice"), pub("bob"), pub("carol"))


def nkey_connect(conn, info, name, signer=None, **extra):
    """CONNECT as nkey user `name`, the nonce signed by `signer` (default: the same user)."""
    sig = sign(signer or name, info["nonce"])
    d = dict(nkey=pub(name), sig=sig, **extra)
    conn.send(b"CONNECT " + connect_json(**d) + b"\r\nPING\r\n")


class NkeyUsers(unittest.TestCase):
    def servers(self, conf=None):
        """Yields a started server per binary with `conf` (default: base_conf())."""
        for binary in binaries():
            cfg = TempConfig(conf if conf is not None else base_conf())
            server = Server("-c", cfg.path, binary=binary).start()
            try:
                with self.subTest(server=os.path.basename(binary)):
                    yield server
            finally:
                server.__exit__(None, None, None)
                cfg.cleanup()

    def test_info_carries_a_fresh_nonce(self):
        for s in self.servers():
            nonces = set()
            for _ in range(3):
                c = s.client()
                info = c.read_info()
                c.close()
                self.assertIs(info.get("auth_required"), True)
                nonce = info.get("nonce", "")
                self.assertEqual(len(nonce), 15)
                base64.urlsafe_b64decode(nonce + "=")  # URL alphabet, no padding
                nonces.add(nonce)
            self.assertEqual(len(nonces), 3)

    def test_no_nonce_without_nkey_users(self):
        for s in self.servers("authorization { users = [ {user: a, password: b} ] }\n"):
            c = s.client()
            self.assertNotIn("nonce", c.read_info())
            c.close()

    def test_signed_nonce_logs_in(self):
        for s in self.servers():
            c = s.client()
            nkey_connect(c, c.read_info(), "alice")
            c.expect(b"PONG\r\n")
            c.close()

    def test_standard_base64_signature_logs_in(self):
        for s in self.servers():
            c = s.client()
            info = c.read_info()
            raw = base64.urlsafe_b64decode(sign("alice", info["nonce"]) + "==")
            d = dict(nkey=pub("alice"), sig=base64.b64encode(raw).decode())
            c.send(b"CONNECT " + connect_json(**d) + b"\r\nPING\r\n")
            c.expect(b"PONG\r\n")
            c.close()

    def refused(self, s, send):
        c = s.client()
        send(c, c.read_info())
        c.expect(AUTH_VIOLATION)
        c.expect_closed()
        c.close()

    def test_signature_by_another_key_is_violation(self):
        for s in self.servers():
            self.refused(s, lambda c, info: nkey_connect(c, info, "alice", signer="bob"))

    def test_signature_of_another_nonce_is_violation(self):
        for s in self.servers():
            def send(c, info):
                sig = sign("alice", "AAAAAAAAAAAAAAA")
                c.send(b"CONNECT " + connect_json(nkey=pub("alice"), sig=sig) + b"\r\nPING\r\n")
            self.refused(s, send)

    def test_missing_or_garbled_signature_is_violation(self):
        for s in self.servers():
            for sig in (None, "", "not base64!", "AAAA"):
                def send(c, info, sig=sig):
                    d = {"nkey": pub("alice")}
                    if sig is not None:
                        d["sig"] = sig
                    c.send(b"CONNECT " + connect_json(**d) + b"\r\nPING\r\n")
                self.refused(s, send)

    def test_unknown_key_is_violation(self):
        for s in self.servers():
            self.refused(s, lambda c, info: nkey_connect(c, info, "stranger"))

    def test_password_users_beside_nkeys(self):
        for s in self.servers():
            c = s.client()
            c.read_info()
            c.send(b"CONNECT " + connect_json("a", "pa") + b"\r\nPING\r\n")
            c.expect(b"PONG\r\n")
            c.close()
            # A user name that happens to be an nkey is not that nkey user.
            self.refused(s, lambda c, info: c.send(b"CONNECT " + connect_json(pub("alice"), "") + b"\r\nPING\r\n"))

    def test_permissions_of_an_nkey_user(self):
        for s in self.servers():
            c = s.client()
            nkey_connect(c, c.read_info(), "bob")
            c.expect(b"PONG\r\n")
            c.send(b"SUB allowed.x 1\r\n")
            c.expect(b"-ERR 'Permissions Violation for Subscription to \"allowed.x\"'\r\n")
            c.send(b"PUB denied 1\r\nx\r\n")
            c.expect(b"-ERR 'Permissions Violation for Publish to \"denied\"'\r\n")
            c.send(b"SUB _INBOX.x 2\r\nPUB allowed.y _INBOX.x 2\r\nhi\r\nPING\r\n")
            c.expect(b"PONG\r\n")
            c.close()

    def test_nkey_user_lives_in_its_account(self):
        for s in self.servers():
            carol = s.client()
            nkey_connect(carol, carol.read_info(), "carol")
            carol.expect(b"PONG\r\n")
            carol.send(b"SUB acct.x 1\r\nPING\r\n")
            carol.expect(b"PONG\r\n")
            alice = s.client()  # in $G
            nkey_connect(alice, alice.read_info(), "alice")
            alice.expect(b"PONG\r\n")
            alice.send(b"PUB acct.x 3\r\n$G!\r\nPING\r\n")
            alice.expect(b"PONG\r\n")
            a = s.client()  # a password user of A
            a.read_info()
            a.send(b"CONNECT " + connect_json("a", "pa") + b"\r\nPUB acct.x 2\r\nA!\r\nPING\r\n")
            a.expect(b"PONG\r\n")
            carol.expect(b"MSG acct.x 1 2\r\nA!\r\n")
            carol.expect_nothing(0.1)
            for c in (carol, alice, a):
                c.close()


class NatsGo(unittest.TestCase):
    def test_seed_file_signs_in(self):
        with tempfile.TemporaryDirectory() as d:
            seeds = {}
            for name in ("carol", "stranger"):
                seeds[name] = os.path.join(d, name + ".nk")
                with open(seeds[name], "w") as f:
                    f.write(KEYS[name][0] + "\n")
            outcomes = {}
            for binary in binaries():
                cfg = TempConfig(base_conf())
                with Server("-c", cfg.path, binary=binary) as s:
                    ok = subprocess.run([TOOL, "connect", "-url", s.url, "-seed", seeds["carol"], "-expect", "ok"],
                                        capture_output=True, text=True, timeout=60)
                    self.assertEqual(ok.returncode, 0, ok.stdout + ok.stderr)
                    bad = subprocess.run([TOOL, "connect", "-url", s.url, "-seed", seeds["stranger"], "-expect", "fail"],
                                         capture_output=True, text=True, timeout=60)
                    self.assertEqual(bad.returncode, 0, bad.stdout + bad.stderr)
                    outcomes[binary] = (ok.stdout.strip(), bad.stdout.strip())
                cfg.cleanup()
            self.assertEqual(len(set(outcomes.values())), 1, outcomes)
            self.assertEqual(list(outcomes.values())[0], ("ok", "nats: Authorization Violation"))


class Monitoring(unittest.TestCase):
    def test_connz_shows_the_nkey(self):
        for binary in binaries():
            with self.subTest(server=os.path.basename(binary)):
                s = MonServer(binary, conf=base_conf()).start()
                try:
                    c = s.client()
                    nkey_connect(c, c.read_info(), "carol")
                    c.expect(b"PONG\r\n")
                    url = "http://127.0.0.1:%d/connz?auth=1" % s.mport
                    conns = json.load(urllib.request.urlopen(url, timeout=5))["connections"]
                    self.assertEqual(len(conns), 1)
                    self.assertEqual(conns[0]["authorized_user"], pub("carol"))
                    self.assertEqual(conns[0]["account"], "A")
                    # The account vouches for an nkey user (a top-level one is the global account's).
                    self.assertEqual(conns[0]["issuer_key"], "A")
                    a = s.client()
                    nkey_connect(a, a.read_info(), "alice")
                    a.expect(b"PONG\r\n")
                    conns = json.load(urllib.request.urlopen(url, timeout=5))["connections"]
                    self.assertEqual([c.get("issuer_key") for c in conns], ["A", "$G"])
                    a.close()
                    c.close()
                finally:
                    s.stop()
                    s._cleanup_files()


class Reload(unittest.TestCase):
    def try_nkey(self, server, name):
        c = server.client()
        try:
            info = c.read_info()
            if "nonce" not in info:
                return False  # the reload that adds nkey users is not in force yet
            nkey_connect(c, info, name)
            return c.expect_any([b"PONG\r\n", AUTH_VIOLATION]) == b"PONG\r\n"
        finally:
            c.close()

    def wait_nkey(self, server, name, expected, timeout=3.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.try_nkey(server, name) == expected:
                return
            time.sleep(0.05)
        self.fail("login of %s never became %s" % (name, expected))

    def test_nkeys_added_and_removed_on_sighup(self):
        for binary in binaries():
            with self.subTest(server=os.path.basename(binary)):
                cfg = TempConfig("authorization { users = [ {user: x, password: y} ] }\n"
                                 "accounts { A { users = [ {user: a, password: pa} ] } }\n")
                with Server("-c", cfg.path, binary=binary) as s:
                    # An nkey user added by a reload: the nonce appears, the key logs in.
                    cfg.write(base_conf())
                    s.proc.send_signal(signal.SIGHUP)
                    self.wait_nkey(s, "alice", True)
                    alice = s.client()
                    nkey_connect(alice, alice.read_info(), "alice")
                    alice.expect(b"PONG\r\n")
                    bob = s.client()
                    nkey_connect(bob, bob.read_info(), "bob")
                    bob.expect(b"PONG\r\n")
                    # bob removed: closed without -ERR; alice still signed in (her signature still
                    # verifies against the nonce she was sent).
                    cfg.write(base_conf().replace("{nkey: %s, permissions" % pub("bob"),
                                                  "{nkey: %s, permissions" % pub("stranger")))
                    s.proc.send_signal(signal.SIGHUP)
                    bob.expect_closed()
                    alice.send(b"PING\r\n")
                    alice.expect(b"PONG\r\n")
                    self.assertFalse(self.try_nkey(s, "bob"))
                    alice.close()
                    bob.close()
                cfg.cleanup()


if __name__ == "__main__":
    run_tests()
