#!/usr/bin/env python3
# Configuration reload on SIGHUP (docs/compatibility.md, Reload): add a user, remove one, change a
# password, change permissions, and a refused reload that keeps the old config in force.
# Connections that stay valid are never dropped. Runs against $ZATS_SERVER (default nats-server).
import os
import signal
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, run_tests  # noqa: E402
from authconf import TempConfig, connect_json, login  # noqa: E402

BASE = """
authorization {
  users = [
    {user: alice, password: foo}
    {user: bob, password: bar, permissions: { subscribe: ["_INBOX.*", "jobs.>"] }}
%s
  ]
}
"""


def try_login(server, user, password):
    c = server.client()
    try:
        c.read_info()
        c.send(b"CONNECT " + connect_json(user, password) + b"\r\nPING\r\n")
        return c.expect_any([b"PONG\r\n", b"-ERR 'Authorization Violation'\r\n"]) == b"PONG\r\n"
    finally:
        c.close()


class Reload(unittest.TestCase):
    def setUp(self):
        self.cfg = TempConfig(BASE % "")
        self.addCleanup(self.cfg.cleanup)
        self.server = Server("-c", self.cfg.path).start()
        self.addCleanup(self.server.__exit__, None, None, None)

    def reload(self, extra_users, **subst):
        text = BASE % extra_users
        for k, v in subst.items():
            text = text.replace(k, v)
        self.cfg.write(text)
        self.server.proc.send_signal(signal.SIGHUP)

    def wait_login(self, user, password, expected, timeout=3.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if try_login(self.server, user, password) == expected:
                return
            time.sleep(0.05)
        self.fail("login of %s never became %s" % (user, expected))

    def test_add_user_keeps_connections(self):
        alice, _ = login(self.server, "alice", "foo")
        self.addCleanup(alice.close)
        self.assertFalse(try_login(self.server, "carol", "baz"))
        self.reload("    {user: carol, password: baz}")
        self.wait_login("carol", "baz", True)
        alice.ping()
        self.assertIn("Reloaded server configuration", self.server.log_text())

    def test_removed_user_is_closed_without_err(self):
        bob, _ = login(self.server, "bob", "bar")
        self.addCleanup(bob.close)
        alice, _ = login(self.server, "alice", "foo")
        self.addCleanup(alice.close)
        self.reload("", **{"    {user: bob, password: bar, permissions: { subscribe: [\"_INBOX.*\", \"jobs.>\"] }}\n": ""})
        bob.expect_closed(timeout=3)
        alice.ping()

    def test_changed_password_is_authorization_violation(self):
        bob, _ = login(self.server, "bob", "bar")
        self.addCleanup(bob.close)
        self.reload("", **{"password: bar": "password: newbar"})
        bob.expect(b"-ERR 'Authorization Violation'\r\n", timeout=3)
        bob.expect_closed()
        self.wait_login("bob", "newbar", True)

    def test_permission_change_removes_subscriptions(self):
        bob, _ = login(self.server, "bob", "bar")
        self.addCleanup(bob.close)
        bob.send(b"SUB _INBOX.x 5\r\nSUB jobs.a 6\r\nPING\r\n")
        bob.expect(b"PONG\r\n")
        self.reload("", **{'"_INBOX.*", "jobs.>"': '"jobs.>"'})
        bob.expect(b"-ERR 'Permissions Violation for Subscription to \"_INBOX.x\" (sid \"5\")'\r\n", timeout=3)
        bob.ping()
        alice, _ = login(self.server, "alice", "foo")
        self.addCleanup(alice.close)
        alice.send(b"PUB _INBOX.x 1\r\na\r\nPUB jobs.a 1\r\nb\r\nPING\r\n")
        alice.expect(b"PONG\r\n")
        bob.expect(b"MSG jobs.a 6 1\r\nb\r\n")
        bob.ping()

    def test_refused_reload_keeps_old_config(self):
        alice, _ = login(self.server, "alice", "foo")
        self.addCleanup(alice.close)
        self.reload("    {user: carol, password: baz}\n", **{"authorization {": "server_name: renamed\nauthorization {"})
        deadline = time.monotonic() + 3
        while "config reload not supported for ServerName" not in self.server.log_text():
            self.assertLess(time.monotonic(), deadline, self.server.log_text())
            time.sleep(0.05)
        self.assertFalse(try_login(self.server, "carol", "baz"))
        alice.ping()


if __name__ == "__main__":
    run_tests()
