#!/usr/bin/env python3
# Raw-socket conformance test of the client protocol (docs/compatibility.md, Client protocol,
# Subjects and wildcards) against the server in $ZATS_SERVER (default nats-server), default flags
# only. Every row states the exact bytes expected back and whether the server closes; each row also
# runs with its bytes split.
import os
import re
import socket
import sys
import time
import unittest
from collections import namedtuple

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, run_tests  # noqa: E402

UNKNOWN = b"-ERR 'Unknown Protocol Operation'\r\n"
QUIET = b'CONNECT {"verbose":false,"pedantic":false}\r\n'
HDRS = b'CONNECT {"verbose":false,"pedantic":false,"headers":true}\r\n'
NORESP = b'CONNECT {"verbose":false,"pedantic":false,"headers":true,"no_responders":true}\r\n'
H503 = b"NATS/1.0 503\r\n\r\n"

# name: what the row pins; send: bytes sent right after INFO (no CONNECT unless the row has one,
# so verbose and pedantic are on by default); expect: the exact bytes back; closes: True = the
# server closes right after `expect`, False = the connection stays open (checked by PING -> PONG
# coming next, which also proves nothing else was sent).
# split_alt: another answer accepted only when the bytes arrive split (a quirk of the reference,
# see SPLIT_PEDANTIC below).
Row = namedtuple("Row", "name send expect closes split_alt", defaults=(None,))

# nats-server 2.9.10 sends `Invalid Publish Subject` twice when the PUB line and its payload
# arrive in different reads (parser.go clonePubArg runs processPub again). Accepted, not required.
IPS = b"-ERR 'Invalid Publish Subject'\r\n"

ROWS = [
    # --- Error messages: the ones that close ----------------------------------------------------
    Row("unknown op", b"FOO bar\r\n", UNKNOWN, True),
    Row("unknown op after valid prefix", b"SUBX foo 1\r\n", UNKNOWN, True),
    Row("single letter op", b"P\r\n", UNKNOWN, True),
    Row("leading space", b" PING\r\n", UNKNOWN, True),
    Row("empty line", b"\r\nPING\r\n", UNKNOWN, True),
    Row("UNSUB needs a separator", b"UNSUB\r\n", UNKNOWN, True),
    Row("SUB needs a separator", b"SUB\r\n", UNKNOWN, True),
    Row("PUB needs a separator", b"PUB\r\n", UNKNOWN, True),
    Row("control line over 4096", b"SUB " + b"a" * 4095 + b" 1\r\n",
        b"-ERR 'maximum control line exceeded'\r\n", True),
    Row("control line of exactly 4096", b"SUB " + b"a" * 4094 + b" 1\r\n", b"+OK\r\n", False),
    Row("unterminated control line over 4096", b"SUB " + b"a" * 5000,
        b"-ERR 'maximum control line exceeded'\r\n", True),
    Row("CONNECT JSON over 4096", b'CONNECT {"name":"' + b"a" * 5000 + b'"}\r\n',
        b"-ERR 'maximum control line exceeded'\r\n", True),
    Row("max payload over 1 MiB", b"PUB foo 1048577\r\n", b"-ERR 'Maximum Payload Violation'\r\n", True),
    Row("max payload 9 digits", b"PUB foo 123456789\r\n", b"-ERR 'Maximum Payload Violation'\r\n", True),
    Row("HPUB total over 1 MiB", HDRS + b"HPUB foo 12 1048577\r\n",
        b"-ERR 'Maximum Payload Violation'\r\n", True),
    Row("client MSG", b"MSG foo 1 5\r\nhello\r\n", UNKNOWN, True),
    Row("client HMSG", b"HMSG foo 1 5 5\r\nhello\r\n", UNKNOWN, True),
    Row("client RS+", b"RS+ $G foo\r\n", UNKNOWN, True),
    Row("client RMSG", b"RMSG $G foo 1\r\nx\r\n", UNKNOWN, True),
    Row("client LS+", b"LS+ x y z\r\n", UNKNOWN, True),
    Row("client A+", b"A+ foo\r\n", UNKNOWN, True),
    Row("payload longer than size", b"PUB foo 2\r\nhello\r\n", UNKNOWN, True),
    Row("payload ends in bare LF", b"PUB foo 2\r\nhi\n", UNKNOWN, True),
    Row("payload ends in lone CR", b"PUB foo 2\r\nhi\rPING\r\n", UNKNOWN, True),
    Row("PUB 1 arg", b"PUB foo\r\n", b"", True),
    Row("PUB 4 args", b"PUB a b c d\r\n", b"", True),
    Row("SUB 1 arg", b"SUB foo\r\n", b"", True),
    Row("SUB 4 args", b"SUB a b c d\r\n", b"", True),
    Row("UNSUB 3 args", b"UNSUB 1 2 3\r\n", b"", True),
    Row("HPUB 1 size", HDRS + b"HPUB foo 1\r\n", b"", True),
    Row("HPUB 5 args", HDRS + b"HPUB foo a b c d\r\n", b"", True),
    Row("size negative", b"PUB foo -1\r\n", b"", True),
    Row("size with plus sign", b"PUB foo +1\r\n", b"", True),
    Row("size 10 digits", b"PUB foo 1234567890\r\n", b"", True),
    Row("size with letter", b"PUB foo 12a\r\n", b"", True),
    Row("HPUB bad total", HDRS + b"HPUB foo 2 x\r\n", b"", True),
    Row("client -ERR closes silently", b"-ERR 'x'\r\n", b"", True),
    Row("HPUB without CONNECT", b"HPUB foo 2 2\r\nxx\r\n", b"", True),
    Row("HPUB with headers:false", b'CONNECT {"verbose":false,"headers":false}\r\nSUB foo 1\r\n'
        b"HPUB foo 12 14\r\nNATS/1.0\r\n\r\nhi\r\n", b"", True),
    Row("HPUB hdr > total", b'CONNECT {"headers":true}\r\nHPUB foo 3 2\r\nxx\r\n', b"+OK\r\n", True),
    Row("invalid CONNECT JSON", b"CONNECT {bad\r\n", b"", True),
    Row("CONNECT JSON array", b"CONNECT []\r\n", b"", True),
    Row("CONNECT wrong field type", b'CONNECT {"verbose":"x"}\r\n', b"", True),
    Row("CONNECT without JSON", b"CONNECT\r\n", b"", True),
    Row("CONNECTX is CONNECT with bad JSON", b"CONNECTX {}\r\n", b"", True),
    Row("protocol 2", b'CONNECT {"protocol":2}\r\n', b"-ERR 'invalid client protocol'\r\n", True),
    Row("protocol -1", b'CONNECT {"protocol":-1}\r\n', b"-ERR 'invalid client protocol'\r\n", True),
    Row("no_responders without headers", b'CONNECT {"no_responders":true}\r\n',
        b"-ERR 'no responders requires headers support'\r\n", True),
    Row("lone CR is not a terminator", b'CONNECT {"verbose":false}\rPING\r\n', b"", True),

    # --- Error messages: the ones that keep the connection open ---------------------------------
    Row("Invalid Subject: empty token", b"SUB foo..bar 1\r\n", b"-ERR 'Invalid Subject'\r\n", False),
    Row("Invalid Subject: leading dot", b"SUB .foo 1\r\n", b"-ERR 'Invalid Subject'\r\n", False),
    Row("Invalid Subject: trailing dot", b"SUB foo. 1\r\n", b"-ERR 'Invalid Subject'\r\n", False),
    Row("Invalid Subject: > not last", b"SUB foo.>.bar 1\r\n", b"-ERR 'Invalid Subject'\r\n", False),
    Row("pedantic Invalid Publish Subject still delivers",
        b"SUB foo.* 1\r\nPUB foo.* 1\r\nx\r\n",
        b"+OK\r\n" + IPS + b"+OK\r\nMSG foo.* 1 1\r\nx\r\n", False,
        b"+OK\r\n" + IPS + IPS + b"+OK\r\nMSG foo.* 1 1\r\nx\r\n"),
    Row("pedantic invalid publish subject matches nothing",
        b"SUB > 1\r\nPUB foo..x 1\r\nx\r\n",
        b"+OK\r\n" + IPS + b"+OK\r\n", False, b"+OK\r\n" + IPS + IPS + b"+OK\r\n"),
    Row("reserved reply _R_.", QUIET + b"SUB foo 1\r\nPUB foo _R_.x 2\r\nhi\r\n",
        b"-ERR 'Permissions Violation for Publish with Reply of \"_R_.x\"'\r\n", False),
    Row("reserved reply $JS.ACK.", QUIET + b"SUB foo 1\r\nPUB foo $JS.ACK.x 2\r\nhi\r\n",
        b"-ERR 'Permissions Violation for Publish with Reply of \"$JS.ACK.x\"'\r\n", False),
    Row("reserved reply _GR_.", QUIET + b"SUB foo 1\r\nPUB foo _GR_.x 2\r\nhi\r\n",
        b"-ERR 'Permissions Violation for Publish with Reply of \"_GR_.x\"'\r\n", False),
    Row("reserved reply, verbose: no +OK", b"PUB foo _R_.x 2\r\nhi\r\n",
        b"-ERR 'Permissions Violation for Publish with Reply of \"_R_.x\"'\r\n", False),
    Row("publish to _GR_.", QUIET + b"SUB _GR_.x 1\r\nPUB _GR_.x 2\r\nhi\r\n",
        b"-ERR 'Permissions Violation for Publish to \"_GR_.x\"'\r\n", False),

    # --- Framing --------------------------------------------------------------------------------
    Row("ops are case-insensitive",
        b"sUb foo 1\r\nPuB foo 1\r\nx\r\nUnSuB 1\r\npub foo 1\r\ny\r\npInG\r\n",
        b"+OK\r\n+OK\r\nMSG foo 1 1\r\nx\r\n+OK\r\n+OK\r\nPONG\r\n", False),
    Row("SP and TAB runs separate args",
        b'CONNECT\t{"verbose":false}\r\nSUB\t foo \t 1\r\nPUB \tfoo\t 2\r\nhi\r\n',
        b"MSG foo 1 2\r\nhi\r\n", False),
    Row("bare LF ends a control line", b"SUB foo 1\nPUB foo 2\nhi\r\nPING\n",
        b"+OK\r\n+OK\r\nMSG foo 1 2\r\nhi\r\nPONG\r\n", False),
    Row("PINGxyz is PING", b"PINGxyz\r\n", b"PONG\r\n", False),
    Row("lone CR inside PING line", b"PING\rPING\r\n", b"PONG\r\n", False),
    Row("PONG from client is ignored", b"PONG\r\nPONGxyz\r\n", b"", False),
    Row("client INFO is ignored", b"INFO {}\r\n", b"", False),
    Row("client +OK is ignored", b"+OK\r\n", b"", False),
    Row("CONNECT without space", b'CONNECT{"verbose":false}\r\nSUB foo 1\r\n', b"", False),
    Row("zero-length payload", b"SUB foo 1\r\nPUB foo 0\r\n\r\n", b"+OK\r\n+OK\r\nMSG foo 1 0\r\n\r\n", False),

    # --- CONNECT --------------------------------------------------------------------------------
    Row("verbose by default before CONNECT", b"SUB foo 1\r\nPUB foo 2\r\nhi\r\nUNSUB 1\r\n",
        b"+OK\r\n+OK\r\nMSG foo 1 2\r\nhi\r\n+OK\r\n", False),
    Row("CONNECT {} turns on verbose", b"CONNECT {}\r\nSUB foo 1\r\n", b"+OK\r\n+OK\r\n", False),
    Row("CONNECT verbose:false", QUIET + b"SUB foo 1\r\nPUB foo 2\r\nhi\r\n", b"MSG foo 1 2\r\nhi\r\n", False),
    Row("CONNECT protocol 1", b'CONNECT {"protocol":1,"verbose":false}\r\n', b"", False),
    Row("echo:false", b'CONNECT {"verbose":false,"echo":false}\r\nSUB foo 1\r\nPUB foo 1\r\nx\r\n', b"", False),
    Row("no +OK for PING", b'CONNECT {"verbose":true}\r\nPING\r\n', b"+OK\r\nPONG\r\n", False),

    # --- Operations -----------------------------------------------------------------------------
    Row("duplicate sid is ignored", b"SUB foo 1\r\nSUB bar 1\r\nPUB bar 1\r\nx\r\nPUB foo 1\r\ny\r\n",
        b"+OK\r\n+OK\r\n+OK\r\n+OK\r\nMSG foo 1 1\r\ny\r\n", False),
    Row("UNSUB unknown sid", b"UNSUB 99\r\n", b"+OK\r\n", False),
    Row("UNSUB unknown sid with max", b"UNSUB 99 -1\r\n", b"+OK\r\n", False),
    Row("UNSUB stops delivery", QUIET + b"SUB foo 1\r\nUNSUB 1\r\nPUB foo 1\r\nx\r\n", b"", False),
    Row("reply passed through", QUIET + b"SUB foo 7\r\nPUB foo bar.* 2\r\nhi\r\n",
        b"MSG foo 7 bar.* 2\r\nhi\r\n", False),
    Row("HPUB to header subscriber is HMSG",
        HDRS + b"SUB foo 1\r\nHPUB foo r 18 20\r\nNATS/1.0\r\nA: B\r\n\r\nhi\r\n",
        b"HMSG foo 1 r 18 20\r\nNATS/1.0\r\nA: B\r\n\r\nhi\r\n", False),
    Row("HPUB header content is not checked",
        HDRS + b"SUB foo 1\r\nHPUB foo 3 5\r\nabcde\r\n", b"HMSG foo 1 3 5\r\nabcde\r\n", False),
    Row("HPUB with hdr 0 is MSG", HDRS + b"SUB foo 1\r\nHPUB foo 0 2\r\nhi\r\n", b"MSG foo 1 2\r\nhi\r\n", False),

    # --- Operations: UNSUB max ------------------------------------------------------------------
    Row("UNSUB max 2 then 3 PUBs gives 2 MSGs",
        b"SUB foo 1\r\nUNSUB 1 2\r\nPUB foo 1\r\na\r\nPUB foo 1\r\nb\r\nPUB foo 1\r\nc\r\n",
        b"+OK\r\n+OK\r\n+OK\r\nMSG foo 1 1\r\na\r\n+OK\r\nMSG foo 1 1\r\nb\r\n+OK\r\n", False),
    Row("UNSUB max already reached unsubscribes at once",
        b"SUB foo 1\r\nPUB foo 1\r\na\r\nPUB foo 1\r\nb\r\nUNSUB 1 2\r\nPUB foo 1\r\nc\r\n",
        b"+OK\r\n+OK\r\nMSG foo 1 1\r\na\r\n+OK\r\nMSG foo 1 1\r\nb\r\n+OK\r\n+OK\r\n", False),
    Row("UNSUB max counts from SUB", QUIET + b"SUB foo 1\r\nPUB foo 1\r\na\r\nUNSUB 1 2\r\n"
        b"PUB foo 1\r\nb\r\nPUB foo 1\r\nc\r\n", b"MSG foo 1 1\r\na\r\nMSG foo 1 1\r\nb\r\n", False),
    Row("UNSUB max 0 unsubscribes at once", b"SUB foo 1\r\nUNSUB 1 0\r\nPUB foo 1\r\na\r\n",
        b"+OK\r\n+OK\r\n+OK\r\n", False),
    Row("UNSUB max not a number unsubscribes at once", b"SUB foo 1\r\nUNSUB 1 x\r\nPUB foo 1\r\na\r\n",
        b"+OK\r\n+OK\r\n+OK\r\n", False),

    # --- Subjects and wildcards -----------------------------------------------------------------
    Row("wildcard PUB without pedantic", QUIET + b"SUB foo.* 2\r\nPUB foo.* 1\r\nx\r\n",
        b"MSG foo.* 2 1\r\nx\r\n", False),
    Row("wildcard PUB does not match a literal sub", QUIET + b"SUB foo.bar 2\r\nPUB foo.* 1\r\nx\r\n",
        b"", False),
    Row("wildcard PUB matches >", QUIET + b"SUB foo.> 2\r\nPUB foo.* 1\r\nx\r\n", b"MSG foo.* 2 1\r\nx\r\n", False),
    Row("invalid PUB subject dropped silently", QUIET + b"SUB > 1\r\nPUB foo..x 1\r\nx\r\nPUB .x 1\r\ny\r\n",
        b"", False),
    Row("partial-token wildcards are literals", QUIET + b"SUB foo* 1\r\nSUB a>b 2\r\nPUB foo* 1\r\nx\r\n"
        b"PUB fooo 1\r\ny\r\nPUB a>b 1\r\nz\r\n", b"MSG foo* 1 1\r\nx\r\nMSG a>b 2 1\r\nz\r\n", False),
    Row("* matches one token", QUIET + b"SUB a.*.c 1\r\nPUB a.b.c 1\r\nx\r\nPUB a.b.b.c 1\r\ny\r\nPUB a.c 1\r\nz\r\n",
        b"MSG a.b.c 1 1\r\nx\r\n", False),
    Row("> matches one or more", QUIET + b"SUB a.> 1\r\nPUB a 1\r\nx\r\nPUB a.b 1\r\ny\r\nPUB a.b.c 1\r\nz\r\n",
        b"MSG a.b 1 1\r\ny\r\nMSG a.b.c 1 1\r\nz\r\n", False),
    Row("UTF-8 subject", QUIET + "SUB héllo.wörld 1\r\nPUB héllo.wörld 1\r\nx\r\n".encode(),
        "MSG héllo.wörld 1 1\r\nx\r\n".encode(), False),

    # --- No responders --------------------------------------------------------------------------
    Row("no_responders 503", NORESP + b"SUB reply.x 3\r\nPUB nobody reply.x 2\r\nhi\r\n",
        b"HMSG reply.x 3 16 16\r\n" + H503 + b"\r\n", False),
    Row("no_responders 503 for HPUB", NORESP + b"SUB reply.x 3\r\nHPUB nobody reply.x 12 14\r\nNATS/1.0\r\n\r\nhi\r\n",
        b"HMSG reply.x 3 16 16\r\n" + H503 + b"\r\n", False),
    Row("no_responders: wildcard sub on reply", NORESP + b"SUB reply.* 7\r\nPUB nobody reply.x 2\r\nhi\r\n",
        b"HMSG reply.x 7 16 16\r\n" + H503 + b"\r\n", False),
    Row("no_responders: no sub on reply, nothing", NORESP + b"PUB nobody reply.x 2\r\nhi\r\n", b"", False),
    Row("no_responders: queue sub on reply does not count",
        NORESP + b"SUB reply.x q 3\r\nPUB nobody reply.x 2\r\nhi\r\n", b"", False),
    Row("no_responders: without reply, nothing", NORESP + b"SUB nobody.x 3\r\nUNSUB 3\r\nPUB nobody 2\r\nhi\r\n",
        b"", False),
    Row("no_responders: delivered, no 503", NORESP + b"SUB reply.x 3\r\nSUB somebody 4\r\n"
        b"PUB somebody reply.x 2\r\nhi\r\n", b"MSG somebody 4 reply.x 2\r\nhi\r\n", False),
    Row("no_responders: echo:false subscriber does not count",
        b'CONNECT {"verbose":false,"headers":true,"no_responders":true,"echo":false}\r\n'
        b"SUB reply.x 3\r\nSUB nobody 4\r\nPUB nobody reply.x 2\r\nhi\r\n",
        b"HMSG reply.x 3 16 16\r\n" + H503 + b"\r\n", False),
    Row("no_responders with verbose (Appendix B)",
        b'CONNECT {"verbose":true,"pedantic":false,"protocol":1,"headers":true,"no_responders":true}\r\nPING\r\n'
        b"sub foo 1\r\npub foo 5\r\nhello\r\nSUB reply.* 7\r\nPUB nobody reply.x 2\r\nhi\r\n",
        b"+OK\r\nPONG\r\n+OK\r\n+OK\r\nMSG foo 1 5\r\nhello\r\n+OK\r\n+OK\r\nHMSG reply.x 7 16 16\r\n" + H503 + b"\r\n",
        False),
]


def split_chunk(data):
    # Byte by byte for short inputs; longer ones in odd-sized pieces so a row stays ~150 writes.
    return 1 if len(data) <= 300 else len(data) // 150 + 1


class Rows(unittest.TestCase):
    """One subtest per row, sent in one write and again split into pieces."""

    @classmethod
    def setUpClass(cls):
        cls.server = Server().start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def run_row(self, row, split):
        with self.server.client() as c:
            c.read_info()
            if split:
                c.send_split(row.send, chunk=split_chunk(row.send))
            else:
                c.send(row.send)
            if split and row.split_alt is not None:
                c.expect_any([row.expect, row.split_alt])
            else:
                c.expect(row.expect)
            if row.closes:
                c.expect_closed(timeout=2)
            else:
                c.ping()

    def test_rows_one_write(self):
        for row in ROWS:
            with self.subTest(row=row.name):
                self.run_row(row, split=False)

    def test_rows_split(self):
        for row in ROWS:
            with self.subTest(row=row.name):
                self.run_row(row, split=True)


class Protocol(unittest.TestCase):
    """Rules that need several connections or more than one exchange."""

    @classmethod
    def setUpClass(cls):
        cls.server = Server().start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def conn(self, connect=b'{"verbose":false,"pedantic":false}'):
        c = self.server.client()
        self.addCleanup(c.close)
        if connect is None:
            c.read_info()
        else:
            c.handshake(connect)
        return c

    def test_info(self):
        a = self.server.client()
        self.addCleanup(a.close)
        b = self.server.client()
        self.addCleanup(b.close)
        ia, ib = a.read_info(), b.read_info()
        allowed_extra = {"git_commit"}
        required = {"server_id": str, "server_name": str, "version": str, "proto": int, "go": str,
                    "host": str, "port": int, "headers": bool, "max_payload": int, "client_id": int,
                    "client_ip": str}
        for info in (ia, ib):
            self.assertLessEqual(set(required), set(info), "INFO lacks fields")
            self.assertLessEqual(set(info) - set(required), allowed_extra, "INFO has unexpected fields")
            for k, t in required.items():
                self.assertIs(type(info[k]), t, "INFO %s has type %s" % (k, type(info[k]).__name__))
            self.assertEqual(info["proto"], 1)
            self.assertEqual(info["host"], "127.0.0.1")
            self.assertEqual(info["port"], self.server.port)
            self.assertIs(info["headers"], True)
            self.assertEqual(info["max_payload"], 1048576)
            self.assertEqual(info["client_ip"], "127.0.0.1")
            self.assertGreater(info["client_id"], 0)
            self.assertTrue(info["server_id"])
            m = re.match(r"^(\d+)\.(\d+)\.(\d+)", info["version"])
            self.assertTrue(m, "version %r is not semver" % info["version"])
            self.assertGreaterEqual(tuple(map(int, m.groups())), (2, 2, 0), "headers need version >= 2.2")
        self.assertEqual(ia["server_id"], ib["server_id"])
        self.assertEqual(ia["server_name"], ib["server_name"])
        self.assertNotEqual(ib["client_id"], ia["client_id"])  # cids are unique, not ordered

    def test_hpub_stripped_for_non_header_subscriber(self):
        # Two subscriptions on each connection: the frame a server renders once for several
        # subscribers must still be stripped for the one that does not take headers.
        plain = self.conn(b'{"verbose":false,"headers":false}')
        plain.send(b"SUB foo 1\r\nSUB foo 3\r\n")
        plain.ping()
        hdr = self.conn(b'{"verbose":false,"headers":true}')
        hdr.send(b"SUB foo 2\r\nSUB foo 4\r\n")
        hdr.ping()
        pub = self.conn(b'{"verbose":false,"headers":true}')
        pub.send(b"HPUB foo rep 18 20\r\nNATS/1.0\r\nA: B\r\n\r\nhi\r\n")
        pub.ping()
        hmsg = b"HMSG foo %d rep 18 20\r\nNATS/1.0\r\nA: B\r\n\r\nhi\r\n"
        msg = b"MSG foo %d rep 2\r\nhi\r\n"
        got = hdr.read_exactly(len(hmsg % 2) * 2)
        self.assertIn(got, (hmsg % 2 + hmsg % 4, hmsg % 4 + hmsg % 2))
        got = plain.read_exactly(len(msg % 1) * 2)
        self.assertIn(got, (msg % 1 + msg % 3, msg % 3 + msg % 1))
        hdr.ping()
        plain.ping()

    def test_echo_false_only_affects_own_subscriptions(self):
        other = self.conn()
        other.send(b"SUB echo 1\r\n")
        other.ping()
        me = self.conn(b'{"verbose":false,"echo":false}')
        me.send(b"SUB echo 2\r\nPUB echo 2\r\nhi\r\n")
        me.ping()
        other.expect(b"MSG echo 1 2\r\nhi\r\n")
        me.expect_nothing(0.1)
        # A publish by someone else still reaches the echo:false connection.
        other.send(b"PUB echo 2\r\nyo\r\n")
        me.expect(b"MSG echo 2 2\r\nyo\r\n")
        other.expect(b"MSG echo 1 2\r\nyo\r\n")

    def test_queue_group(self):
        n_members, n_msgs = 3, 90
        members = [self.conn() for _ in range(n_members)]
        for i, m in enumerate(members):
            m.send(b"SUB work grp %d\r\n" % (i + 1))
            m.ping()
        plains = [self.conn() for _ in range(2)]
        for p in plains:
            p.send(b"SUB work 9\r\n")
            p.ping()
        pub = self.conn()
        pub.send(b"".join(b"PUB work 4\r\n%04d\r\n" % i for i in range(n_msgs)) + b"PING\r\n")
        pub.expect(b"PONG\r\n")
        want = b"".join(b"MSG work 9 4\r\n%04d\r\n" % i for i in range(n_msgs))
        for p in plains:
            p.expect(want, timeout=5)
        got = {}
        for i, m in enumerate(members):
            payloads = []
            m.send(b"PING\r\n")
            while True:
                line = m.read_until(b"\r\n")
                if line == b"PONG\r\n":
                    break
                self.assertEqual(line, b"MSG work %d 4\r\n" % (i + 1))
                payloads.append(int(m.read_exactly(6)[:4]))
            got[i] = payloads
        all_payloads = sorted(p for ps in got.values() for p in ps)
        self.assertEqual(all_payloads, list(range(n_msgs)), "each message to exactly one member")
        for i, ps in got.items():
            self.assertEqual(ps, sorted(ps), "member %d got messages out of order" % i)
            self.assertGreater(len(ps), 0, "member %d got none of %d messages" % (i, n_msgs))

    def test_queue_group_members_and_plain_on_one_connection(self):
        c = self.conn()
        c.send(b"SUB q.one grp 1\r\nSUB q.one grp 2\r\nSUB q.one 3\r\nPUB q.one 1\r\nx\r\nPING\r\n")
        got = [c.read_until(b"\r\n") + c.read_until(b"\r\n") for _ in range(2)]
        c.expect(b"PONG\r\n")
        self.assertIn(b"MSG q.one 3 1\r\nx\r\n", got)
        got.remove(b"MSG q.one 3 1\r\nx\r\n")
        self.assertIn(got[0], (b"MSG q.one 1 1\r\nx\r\n", b"MSG q.one 2 1\r\nx\r\n"))

    def test_wildcard_publish_matching(self):
        # PUB to foo.* matches subscriptions token by token: foo.*, foo.>, *.* yes; foo.bar no.
        c = self.conn()
        c.send(b"SUB foo.bar 1\r\nSUB foo.* 2\r\nSUB foo.> 3\r\nSUB *.* 4\r\nSUB foo.*.> 5\r\n"
               b"PUB foo.* 1\r\nx\r\nPING\r\n")
        got = set()
        for _ in range(3):
            got.add(c.read_until(b"\r\n") + c.read_exactly(3))
        c.expect(b"PONG\r\n")
        self.assertEqual(got, {b"MSG foo.* %d 1\r\nx\r\n" % sid for sid in (2, 3, 4)})

    def test_request_reply_across_connections(self):
        responder = self.conn()
        responder.send(b"SUB svc 1\r\n")
        responder.ping()
        requester = self.conn()
        requester.send(b"SUB _INBOX.r1 5\r\nUNSUB 5 1\r\nPUB svc _INBOX.r1 3\r\nreq\r\n")
        responder.expect(b"MSG svc 1 _INBOX.r1 3\r\nreq\r\n")
        responder.send(b"PUB _INBOX.r1 3\r\nrep\r\nPUB _INBOX.r1 3\r\nrep\r\n")
        responder.ping()
        requester.expect(b"MSG _INBOX.r1 5 3\r\nrep\r\n")
        requester.ping()

    def test_no_responders_remote_subscriber_counts(self):
        sub = self.conn()
        sub.send(b"SUB svc2 1\r\n")
        sub.ping()
        req = self.conn(b'{"verbose":false,"headers":true,"no_responders":true}')
        req.send(b"SUB _INBOX.nr 2\r\nPUB svc2 _INBOX.nr 2\r\nhi\r\n")
        req.ping()
        sub.expect(b"MSG svc2 1 _INBOX.nr 2\r\nhi\r\n")
        sub.send(b"UNSUB 1\r\n")
        sub.ping()
        req.send(b"PUB svc2 _INBOX.nr 2\r\nhi\r\n")
        req.expect(b"HMSG _INBOX.nr 2 16 16\r\n" + H503 + b"\r\n")
        req.ping()

    def test_pipelined_publishes_in_order(self):
        n = 5000
        sub = self.conn()
        sub.send(b"SUB pipe 1\r\n")
        sub.ping()
        pub = self.conn()
        pub.send(b"".join(b"PUB pipe %d\r\n%d\r\n" % (len(b"%d" % i), i) for i in range(n)) + b"PING\r\n")
        pub.expect(b"PONG\r\n", timeout=10)
        want = b"".join(b"MSG pipe 1 %d\r\n%d\r\n" % (len(b"%d" % i), i) for i in range(n))
        sub.expect(want, timeout=10)
        sub.ping()

    def test_fan_out_keeps_order_per_subscriber(self):
        # Order invariant: many subscriber connections (a multi-core server spreads them over its
        # workers) each get every message of one publisher, in publish order.
        n_subs, n_msgs = 16, 500
        subs = [self.conn() for _ in range(n_subs)]
        for i, s in enumerate(subs):
            s.send(b"SUB fan.> %d\r\n" % i)
            s.ping()
        pub = self.conn()
        pub.send(b"".join(b"PUB fan.%d 4\r\n%04d\r\n" % (i % 3, i) for i in range(n_msgs)) + b"PING\r\n")
        pub.expect(b"PONG\r\n", timeout=10)
        for i, s in enumerate(subs):
            s.expect(b"".join(b"MSG fan.%d %d 4\r\n%04d\r\n" % (j % 3, i, j) for j in range(n_msgs)), timeout=10)
        for s in subs:
            s.ping()

    def test_abrupt_close_mid_frame_leaves_server_healthy(self):
        sub = self.conn()
        sub.send(b"SUB after 1\r\n")
        sub.ping()
        for partial in (b"PUB after 10\r\nhel", b"PUB aft", b"SUB x", b'CONNECT {"verbose":'):
            c = self.server.client()
            c.read_info()
            c.send(partial)
            c.close()
        pub = self.conn()
        pub.send(b"PUB after 2\r\nok\r\n")
        pub.ping()
        sub.expect(b"MSG after 1 2\r\nok\r\n")
        sub.ping()

    def test_split_frames_across_connections(self):
        # The publisher's frames arrive a byte at a time; the subscriber sees whole, ordered MSGs.
        sub = self.conn()
        sub.send(b"SUB split.* 1\r\n")
        sub.ping()
        pub = self.conn(b'{"verbose":false,"headers":true}')
        data = (b"PUB split.a r.x 5\r\nhello\r\nHPUB split.b 12 15\r\nNATS/1.0\r\n\r\nabc\r\n"
                b"PUB split.c 0\r\n\r\n")
        pub.send_split(data)
        pub.ping()
        sub.expect(b"MSG split.a 1 r.x 5\r\nhello\r\nMSG split.b 1 3\r\nabc\r\nMSG split.c 1 0\r\n\r\n")
        sub.ping()

    def test_max_payload_message_spans_reads(self):
        size = 1048576
        payload = bytes((i * 7) & 0xFF for i in range(size))
        sub = self.conn()
        sub.send(b"SUB big 1\r\n")
        sub.ping()
        pub = self.conn()
        pub.send(b"PUB big %d\r\n" % size + payload + b"\r\nPING\r\n")
        pub.expect(b"PONG\r\n", timeout=10)
        sub.expect(b"MSG big 1 %d\r\n" % size, timeout=10)
        self.assertEqual(sub.read_exactly(size + 2, timeout=10), payload + b"\r\n")
        sub.ping()

    def test_pong_before_close_when_the_client_shuts_down_its_side(self):
        # A client that sends PING and then ends its stream (shutdown of its write side) still
        # gets the PONG before the server closes: the end of the stream often arrives in the same
        # read as the PING. Also what was queued for it before: its own message.
        for i in range(30):
            with self.server.client() as c:
                c.read_info()
                if i % 2:
                    c.send(b'CONNECT {"verbose":false,"pedantic":false}\r\nSUB me 1\r\nPUB me 2\r\nhi\r\nPING\r\n')
                    want = b"MSG me 1 2\r\nhi\r\nPONG\r\n"
                else:
                    c.send(b"PING\r\n")
                    want = b"PONG\r\n"
                c.sock.shutdown(socket.SHUT_WR)
                c.expect(want)
                c.expect_closed()

    def test_connect_json_nesting_that_fits_the_control_line(self):
        # Go's decoder takes up to 10000 levels; at the default max_control_line (4096) any
        # nesting a CONNECT can carry is accepted.
        depth = 2000
        c = self.conn(None)
        c.send(b'CONNECT {"verbose":false,"x":' + b"[" * depth + b"]" * depth + b"}\r\nPING\r\n")
        c.expect(b"PONG\r\n")

    def test_connect_strings_with_invalid_utf8_or_lone_surrogates(self):
        # Go's decoder reads invalid UTF-8 and unpaired surrogate escapes in a string as U+FFFD;
        # the CONNECT is accepted.
        for name in (b"a\xffb", b"\xc3", b"\\ud800", b"\\udc00x", b"\\ud800\\u0041", b"\xed\xa0\x80"):
            with self.subTest(name=name):
                c = self.conn(None)
                c.send(b'CONNECT {"verbose":false,"name":"' + name + b'"}\r\nPING\r\n')
                c.expect(b"PONG\r\n")

    def test_second_connect_keeps_earlier_options(self):
        # The CONNECT JSON is applied on top of the connection's current options, so a second
        # CONNECT {} does not turn verbose back on.
        c = self.conn(None)
        c.send(b'CONNECT {"verbose":false}\r\nCONNECT {}\r\nSUB foo 1\r\nPING\r\n')
        c.expect(b"PONG\r\n")

    def test_subscription_visible_after_pong(self):
        # Visibility invariant: once SUB's PING is answered, a publish from another connection matches.
        pub = self.conn()
        for i in range(20):
            sub = self.conn()
            sub.send(b"SUB vis.%d 1\r\nPING\r\n" % i)
            sub.expect(b"PONG\r\n")
            pub.send(b"PUB vis.%d 1\r\nx\r\n" % i)
            sub.expect(b"MSG vis.%d 1 1\r\nx\r\n" % i)
            sub.close()


    def test_publisher_pong_means_delivered_before_subscriber_pong(self):
        # Once the publisher has its PONG, its messages are queued to every subscriber: a PING the
        # subscriber sends afterwards is answered after them (what clients' flush() relies on).
        # Several fresh connection pairs, since placement may differ from one to the next.
        for k in range(30):
            with self.server.client() as s, self.server.client() as p:
                s.handshake()
                p.handshake()
                s.send(b"SUB ord.%d 1\r\n" % k)
                s.ping()
                p.send(b"PUB ord.%d 2\r\nhi\r\n" % k * 20)
                p.ping()
                s.send(b"PING\r\n")
                s.expect(b"MSG ord.%d 1 2\r\nhi\r\n" % k * 20 + b"PONG\r\n")

    def test_unsub_after_publisher_pong_still_delivers(self):
        # Same rule with an UNSUB (a client's subscription drain): messages the server acknowledged
        # to the publisher before the subscriber's UNSUB are delivered, then the PONG.
        for k in range(30):
            with self.server.client() as s, self.server.client() as p:
                s.handshake()
                p.handshake()
                s.send(b"SUB drn.%d 1\r\n" % k)
                s.ping()
                p.send(b"PUB drn.%d 2\r\nhi\r\n" % k * 20)
                p.ping()
                s.send(b"UNSUB 1\r\nPING\r\n")
                s.expect(b"MSG drn.%d 1 2\r\nhi\r\n" % k * 20 + b"PONG\r\n")
                p.send(b"PUB drn.%d 2\r\nhi\r\n" % k)
                p.ping()
                s.ping()  # nothing after the UNSUB


class KeepAlive(unittest.TestCase):
    def test_server_pings_after_connect(self):
        # The first server PING comes min(ping_interval, 2s) + up to 20% after CONNECT.
        with Server() as srv, srv.client() as c:
            c.handshake()
            t0 = time.monotonic()
            c.expect(b"PING\r\n", timeout=4)
            elapsed = time.monotonic() - t0
            self.assertGreater(elapsed, 1.0, "first server PING came too early")
            c.send(b"PONG\r\n")
            c.ping()


if __name__ == "__main__":
    run_tests()
