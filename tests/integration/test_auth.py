#!/usr/bin/env python3
# Authentication and permissions over the wire (docs/compatibility.md, Authentication, Permissions,
# Error messages), exact bytes: token, single user, users lists with bcrypt, no_auth_user, the auth
# timeout, permissions (publish, subscribe, queue entries, deny delivery filter, allow_responses)
# and accounts. Runs against $ZATS_SERVER (default nats-server); every test passes against
# nats-server.
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, run_tests  # noqa: E402
from authconf import TempConfig, config_path, connect_json, login  # noqa: E402

AUTH_VIOLATION = b"-ERR 'Authorization Violation'\r\n"


class Token(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server("--auth", "s3cr3t").start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_info_asks_for_auth(self):
        c = self.server.client()
        self.addCleanup(c.close)
        self.assertIs(c.read_info().get("auth_required"), True)

    def test_good_token(self):
        c, _ = login(self.server, token="s3cr3t")
        c.close()

    def test_bad_token_is_violation_and_close(self):
        c = self.server.client()
        self.addCleanup(c.close)
        c.read_info()
        c.send(b"CONNECT " + connect_json(token="nope") + b"\r\nPING\r\n")
        c.expect(AUTH_VIOLATION)
        c.expect_closed()

    def test_ping_before_connect_is_violation(self):
        c = self.server.client()
        self.addCleanup(c.close)
        c.read_info()
        c.send(b"PING\r\n")
        c.expect(AUTH_VIOLATION)
        c.expect_closed()

    def test_sub_before_connect_is_violation(self):
        c = self.server.client()
        self.addCleanup(c.close)
        c.read_info()
        c.send(b"SUB foo 1\r\n")
        c.expect(AUTH_VIOLATION)
        c.expect_closed()

    def test_verbose_ok_after_auth(self):
        c = self.server.client()
        self.addCleanup(c.close)
        c.read_info()
        c.send(b'CONNECT {"verbose":true,"auth_token":"s3cr3t"}\r\nPING\r\n')
        c.expect(b"+OK\r\nPONG\r\n")

    def test_account_field_is_violation(self):
        c = self.server.client()
        self.addCleanup(c.close)
        c.read_info()
        c.send(b'CONNECT {"verbose":false,"auth_token":"s3cr3t","account":"X"}\r\n')
        c.expect(AUTH_VIOLATION)
        c.expect_closed()


class SingleUser(unittest.TestCase):
    def test_user_and_pass_flags(self):
        with Server("--user", "u", "--pass", "p") as s:
            c, info = login(s, user="u", password="p")
            self.assertIs(info.get("auth_required"), True)
            c.close()
            for user, password in (("u", "x"), ("x", "p"), (None, None)):
                d = s.client()
                d.read_info()
                d.send(b"CONNECT " + connect_json(user, password) + b"\r\n")
                d.expect(AUTH_VIOLATION)
                d.expect_closed()
                d.close()

    def test_auth_timeout(self):
        cfg = TempConfig("authorization { user: u, password: p, timeout: 0.5 }\n")
        self.addCleanup(cfg.cleanup)
        with Server("-c", cfg.path) as s:
            c = s.client(timeout=5)
            self.addCleanup(c.close)
            c.read_info()
            start = time.monotonic()
            c.expect(b"-ERR 'Authentication Timeout'\r\n", timeout=3)
            c.expect_closed()
            self.assertGreater(time.monotonic() - start, 0.3)


class SeedTalkUsers(unittest.TestCase):
    """The seed talk's authorization example, verbatim (configs/seed_talk.conf)."""

    @classmethod
    def setUpClass(cls):
        cls.server = Server("-c", config_path("seed_talk.conf")).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_alice_is_admin(self):
        a, _ = login(self.server, "alice", "foo")
        self.addCleanup(a.close)
        a.send(b"SUB > 1\r\nPUB anything.at.all 2\r\nhi\r\nPING\r\n")
        a.expect(b"MSG anything.at.all 1 2\r\nhi\r\nPONG\r\n")

    def test_bob_is_a_requestor(self):
        b, _ = login(self.server, "bob", "bar")
        self.addCleanup(b.close)
        b.send(b"SUB _INBOX.* 1\r\nPUB foo 2\r\nhi\r\nSUB foo 2\r\nPUB req.foo 2\r\nhi\r\nPING\r\n")
        b.expect(b"-ERR 'Permissions Violation for Publish to \"foo\"'\r\n"
                 b"-ERR 'Permissions Violation for Subscription to \"foo\"'\r\nPONG\r\n")
        # A request/reply round trip through alice.
        a, _ = login(self.server, "alice", "foo")
        self.addCleanup(a.close)
        a.send(b"SUB req.* 9\r\nPING\r\n")
        a.expect(b"PONG\r\n")
        b.send(b"PUB req.bar _INBOX.r1 4\r\nhelp\r\n")
        a.expect(b"MSG req.bar 9 _INBOX.r1 4\r\nhelp\r\n")
        a.send(b"PUB _INBOX.r1 2\r\nok\r\n")
        b.expect(b"MSG _INBOX.r1 1 2\r\nok\r\n")

    def test_wrong_password(self):
        c = self.server.client()
        self.addCleanup(c.close)
        c.read_info()
        c.send(b"CONNECT " + connect_json("bob", "foo") + b"\r\nPING\r\n")
        c.expect(AUTH_VIOLATION)
        c.expect_closed()

    def test_no_user(self):
        c = self.server.client()
        self.addCleanup(c.close)
        c.read_info()
        c.send(b"CONNECT {}\r\n")
        c.expect(AUTH_VIOLATION)
        c.expect_closed()


class Production(unittest.TestCase):
    """configs/production.conf: bcrypt, default permissions, queue entries, deny, responses."""

    @classmethod
    def setUpClass(cls):
        cls.server = Server("-c", config_path("production.conf")).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def conn(self, user, password):
        c, _ = login(self.server, user, password)
        self.addCleanup(c.close)
        return c

    def test_bcrypt_passwords(self):
        self.conn("admin", "s3cr3t")   # quoted $2b$
        self.conn("orders", "s3cr3t")  # bare $2a$
        c = self.server.client()
        self.addCleanup(c.close)
        c.read_info()
        c.send(b"CONNECT " + connect_json("admin", "S3cr3t") + b"\r\n")
        c.expect(AUTH_VIOLATION)
        c.expect_closed()

    def test_default_permissions_deny_everything(self):
        p = self.conn("probe", "probepass")
        p.send(b"PUB x 1\r\na\r\nSUB x 1\r\nPING\r\n")
        p.expect(b"-ERR 'Permissions Violation for Publish to \"x\"'\r\n"
                 b"-ERR 'Permissions Violation for Subscription to \"x\"'\r\nPONG\r\n")

    def test_queue_qualified_subscribe(self):
        o = self.conn("orders", "s3cr3t")
        o.send(b"SUB orders.new.eu 1\r\nSUB orders.new.eu workers 2\r\nSUB orders.new.eu other 3\r\nPING\r\n")
        o.expect(b"-ERR 'Permissions Violation for Subscription to \"orders.new.eu\"'\r\n"
                 b"-ERR 'Permissions Violation for Subscription to \"orders.new.eu\" using queue \"other\"'\r\n"
                 b"PONG\r\n")

    def test_deny_filters_delivery_of_a_wildcard_subscription(self):
        o = self.conn("orders", "s3cr3t")
        o.send(b"SUB orders.secret 1\r\nSUB orders.* 2\r\nPING\r\n")
        o.expect(b"-ERR 'Permissions Violation for Subscription to \"orders.secret\"'\r\nPONG\r\n")
        a = self.conn("admin", "s3cr3t")
        a.send(b"PUB orders.secret 1\r\nx\r\nPUB orders.ok 1\r\ny\r\nPING\r\n")
        a.expect(b"PONG\r\n")
        o.expect(b"MSG orders.ok 2 1\r\ny\r\n")
        o.ping()

    def test_allow_responses_max_two(self):
        o = self.conn("orders", "s3cr3t")
        o.send(b"SUB orders.* 1\r\nPING\r\n")
        o.expect(b"PONG\r\n")
        w = self.conn("web", "webpass")
        w.send(b"SUB _INBOX.w.* 5\r\nPUB orders.new _INBOX.w.1 3\r\nnew\r\nPING\r\n")
        w.expect(b"PONG\r\n")
        o.expect(b"MSG orders.new 1 _INBOX.w.1 3\r\nnew\r\n")
        o.send(b"PUB _INBOX.w.1 2\r\nr1\r\nPUB _INBOX.w.1 2\r\nr2\r\nPUB _INBOX.w.1 2\r\nr3\r\n"
               b"PUB _INBOX.w.2 2\r\nr4\r\nPING\r\n")
        o.expect(b"-ERR 'Permissions Violation for Publish to \"_INBOX.w.1\"'\r\n"
                 b"-ERR 'Permissions Violation for Publish to \"_INBOX.w.2\"'\r\nPONG\r\n")
        w.expect(b"MSG _INBOX.w.1 5 2\r\nr1\r\nMSG _INBOX.w.1 5 2\r\nr2\r\n")
        w.ping()

    def test_publish_allow_and_deny(self):
        w = self.conn("web", "webpass")
        w.send(b"PUB orders.new 0\r\n\r\nPUB metrics.a.b 0\r\n\r\nPUB orders.secret 0\r\n\r\n"
               b"PUB admin 0\r\n\r\nSUB orders.new 1\r\nPING\r\n")
        w.expect(b"-ERR 'Permissions Violation for Publish to \"orders.secret\"'\r\n"
                 b"-ERR 'Permissions Violation for Publish to \"admin\"'\r\n"
                 b"-ERR 'Permissions Violation for Subscription to \"orders.new\"'\r\nPONG\r\n")


class Accounts(unittest.TestCase):
    """configs/accounts.conf: isolated accounts and a no_auth_user."""

    @classmethod
    def setUpClass(cls):
        cls.server = Server("-c", config_path("accounts.conf")).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def conn(self, user=None, password=None):
        c, info = login(self.server, user, password)
        self.addCleanup(c.close)
        return c, info

    def test_no_auth_user_hides_auth_required(self):
        c = self.server.client()
        self.addCleanup(c.close)
        self.assertNotIn("auth_required", c.read_info())

    def test_accounts_are_isolated(self):
        a1, _ = self.conn("a1", "pa1")
        a2, _ = self.conn("a2", "pa2")
        b1, _ = self.conn("b1", "pb1")
        for c in (a1, a2, b1):
            c.send(b"SUB b.x 1\r\nPING\r\n")
            c.expect(b"PONG\r\n")
        a2.send(b"PUB b.x 2\r\nhi\r\nPING\r\n")
        a2.expect(b"MSG b.x 1 2\r\nhi\r\nPONG\r\n")
        a1.expect(b"MSG b.x 1 2\r\nhi\r\n")
        b1.expect_nothing(0.2)
        b1.send(b"PUB b.x 2\r\nyo\r\nPING\r\n")
        b1.expect(b"MSG b.x 1 2\r\nyo\r\nPONG\r\n")
        a1.expect_nothing(0.2)

    def test_no_auth_user_logs_in_as_b1(self):
        c, _ = self.conn()  # no credentials: b1, with b1's permissions
        c.send(b"PUB a.x 0\r\n\r\nSUB b.y 1\r\nPING\r\n")
        c.expect(b"-ERR 'Permissions Violation for Publish to \"a.x\"'\r\nPONG\r\n")
        b1, _ = self.conn("b1", "pb1")
        b1.send(b"PUB b.y 1\r\nz\r\nPING\r\n")
        b1.expect(b"PONG\r\n")
        c.expect(b"MSG b.y 1 1\r\nz\r\n")

    def test_no_auth_user_without_connect(self):
        c = self.server.client()
        self.addCleanup(c.close)
        c.read_info()
        c.send(b"SUB b.z 1\r\nPING\r\n")
        c.expect(b"+OK\r\nPONG\r\n")

    def test_wrong_password_is_not_no_auth_user(self):
        c = self.server.client()
        self.addCleanup(c.close)
        c.read_info()
        c.send(b"CONNECT " + connect_json("a1", "bad") + b"\r\n")
        c.expect(AUTH_VIOLATION)
        c.expect_closed()


if __name__ == "__main__":
    run_tests()
