#!/usr/bin/env python3
# Replays the telnet sessions of the seed talk ("The Zen of High Performance Messaging with NATS",
# Waldemar Quevedo, Strange Loop 2016) byte for byte against the server binary in $ZATS_SERVER
# (default nats-server): lowercase ops, wildcards, and request/reply by hand.
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, run_tests  # noqa: E402


class SeedTalk(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server().start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def conn(self):
        c = self.server.client()
        self.addCleanup(c.close)
        info = c.read_info()
        self.assertEqual(info["max_payload"], 1048576)
        return c

    def test_telnet_session(self):
        c = self.conn()
        c.send(b'connect {"name":"nats-strangeloop-client"}\r\n')
        c.expect(b"+OK\r\n")
        c.send(b"ping\r\n")
        c.expect(b"PONG\r\n")
        c.send(b"sub hello 10\r\n")
        c.expect(b"+OK\r\n")
        c.send(b"pub hello 5\r\n")
        c.send(b"world\r\n")
        c.expect(b"+OK\r\nMSG hello 10 5\r\nworld\r\n")
        c.ping()
        c.expect_nothing(0.1)

    def test_telnet_without_connect(self):
        # The second telnet session never sends CONNECT: verbose is on by default.
        c = self.conn()
        c.send(b"sub hello 10\r\n")
        c.expect(b"+OK\r\n")
        c.send(b"pub hello 5\r\nworld\r\n")
        c.expect(b"+OK\r\nMSG hello 10 5\r\nworld\r\n")

    def test_wildcard_star(self):
        c = self.conn()
        c.send(b"SUB foo.*.bar 90\r\n")
        c.expect(b"+OK\r\n")
        c.send(b"PUB foo.hello.bar 2\r\nhi\r\n")
        c.expect(b"+OK\r\nMSG foo.hello.bar 90 2\r\nhi\r\n")
        c.send(b"PUB foo.hello.world.bar 2\r\nno\r\nPUB foo.bar 2\r\nno\r\nPING\r\n")
        c.expect(b"+OK\r\n+OK\r\nPONG\r\n")

    def test_wildcard_full(self):
        c = self.conn()
        c.send(b"SUB hello.> 90\r\n")
        c.expect(b"+OK\r\n")
        c.send(b"PUB hello.world.again 2\r\nhi\r\n")
        c.expect(b"+OK\r\nMSG hello.world.again 90 2\r\nhi\r\n")
        c.send(b"PUB hello 2\r\nno\r\nPING\r\n")  # '>' needs at least one token
        c.expect(b"+OK\r\nPONG\r\n")

    def test_sub_everything(self):
        c = self.conn()
        c.send(b"sub > 1\r\n")
        c.expect(b"+OK\r\n")
        c.send(b"pub any.thing.at.all 1\r\nx\r\n")
        c.expect(b"+OK\r\nMSG any.thing.at.all 1 1\r\nx\r\n")

    def test_request_reply(self):
        inbox = b"_INBOX.ioL1Ws5aZZf5fyeF6sAdjw"
        requester = self.conn()
        responder = self.conn()
        responder.send(b"SUB help 90\r\n")
        responder.expect(b"+OK\r\n")
        responder.ping()

        requester.send(b"SUB " + inbox + b" 2\r\n")
        requester.expect(b"+OK\r\n")
        requester.send(b"UNSUB 2 1\r\n")
        requester.expect(b"+OK\r\n")
        requester.send(b"PUB help " + inbox + b" 6\r\nplease\r\n")
        requester.expect(b"+OK\r\n")

        responder.expect(b"MSG help 90 " + inbox + b" 6\r\nplease\r\n")
        responder.send(b"PUB " + inbox + b" 11\r\nI can help!\r\n")
        responder.expect(b"+OK\r\n")
        requester.expect(b"MSG " + inbox + b" 2 11\r\nI can help!\r\n")

        # A second reply is not delivered: the inbox auto-unsubscribed after 1 message.
        responder.send(b"PUB " + inbox + b" 11\r\nI can help!\r\n")
        responder.expect(b"+OK\r\n")
        responder.ping()
        requester.ping()
        requester.expect_nothing(0.1)

    def test_inbox_wildcard_listener(self):
        # `SUB _INBOX.* 99` sees the reply that another client sends to an inbox.
        spy = self.conn()
        spy.send(b"SUB _INBOX.* 99\r\n")
        spy.expect(b"+OK\r\n")
        spy.ping()
        other = self.conn()
        other.send(b"PUB _INBOX.ioL1Ws5aZZf5fyeF6sAdjw 11\r\nI can help!\r\n")
        other.expect(b"+OK\r\n")
        spy.expect(b"MSG _INBOX.ioL1Ws5aZZf5fyeF6sAdjw 99 11\r\nI can help!\r\n")

    def test_flush_after_pipelined_publishes(self):
        # "SUB hello 1\r\nPUB hello 5\r\nworld\r\n..PING\r\n": the PONG comes after every MSG.
        c = self.conn()
        c.send(b'CONNECT {"verbose":false}\r\n')
        n = 1000
        c.send(b"SUB hello 1\r\n" + b"PUB hello 5\r\nworld\r\n" * n + b"PING\r\n")
        c.expect(b"MSG hello 1 5\r\nworld\r\n" * n + b"PONG\r\n", timeout=10)


if __name__ == "__main__":
    run_tests()
