#!/usr/bin/env python3
# Configuration files (docs/compatibility.md, Configuration, Signals): `-t` messages and exit codes,
# errors naming file:line:col, warnings, flags over the file; and the example configs under configs/
# run as the same scenarios against zats ($ZATS_SERVER) and nats-server (when installed), comparing
# every byte each connection receives (INFO lines aside).
import os
import shutil
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Server, run_tests  # noqa: E402
from authconf import TempConfig, config_path  # noqa: E402


def run_binary(binary, *args):
    return subprocess.run([binary] + list(args), capture_output=True, text=True, timeout=10)


def name_of(binary):
    return os.path.basename(binary)


class CheckConfig(unittest.TestCase):
    def setUp(self):
        self.binary = harness.server_binary()
        self.me = name_of(self.binary)

    def check(self, text, code, message):
        cfg = TempConfig(text)
        self.addCleanup(cfg.cleanup)
        r = run_binary(self.binary, "-t", "-c", cfg.path)
        self.assertEqual(r.returncode, code, r.stderr)
        self.assertIn("%s: %s" % (self.me, message.replace("FILE", cfg.path)), r.stderr)

    def test_valid(self):
        for name in ("dev.conf", "production.conf", "seed_talk.conf", "accounts.conf", "cluster.conf"):
            r = run_binary(self.binary, "-t", "-c", config_path(name))
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stderr.strip(), "%s: configuration file %s is valid" % (self.me, config_path(name)))

    def test_unknown_field(self):
        self.check("port: 4222\nbogus: 1\n", 1, 'FILE:2:1: unknown field "bogus"')

    def test_unknown_field_in_authorization(self):
        self.check("authorization {\n  user: a\n  pass: b\n  bogus: 1\n}\n", 1, 'FILE:4:3: unknown field "bogus"')

    def test_unknown_field_in_permissions(self):
        self.check("authorization {\n  users = [\n    {user: a, password: b, permissions: {\n      wat: 1\n    }}\n  ]\n}\n",
                   1, 'FILE:4:7: Unknown field "wat" parsing permissions')

    def test_wrong_type(self):
        self.check("\nmax_payload: \"abc\"\n", 1, "FILE:2:1: interface conversion: interface {} is string, not int64")

    def test_server_tags_of_other_types(self):
        # opts.go reads server_tags on its own: a non-string element stops the list, at the key.
        self.check('server_tags: ["a", 1 ]\n', 1,
                   "FILE:1:0: error parsing tags: unsupported type *conf.token where string is expected")
        self.check("server_tags: 1\n", 1, "FILE:1:0: error parsing tags: unsupported type int64")

    def test_warning_fails_the_check(self):
        self.check("ping_interval: 5\n", 1,
                   'FILE:1:0: invalid use of field "ping_interval": ping_interval should be converted to a duration')

    def test_bcrypt_2b_unquoted_fails(self):
        cfg = TempConfig("authorization { users = [ {user: x, password: $2b$06$ZD3xliPKwG5Hu2MDyEHpD.hkjrg3Hw} ] }\n")
        self.addCleanup(cfg.cleanup)
        r = run_binary(self.binary, "-t", "-c", cfg.path)
        self.assertEqual(r.returncode, 1)
        self.assertIn("can not be found", r.stderr)

    def test_missing_file(self):
        r = run_binary(self.binary, "-t", "-c", "/nonexistent/x.conf")
        self.assertEqual(r.returncode, 1)
        self.assertIn("no such file or directory", r.stderr)

    def test_t_without_c(self):
        r = run_binary(self.binary, "-t")
        self.assertEqual(r.returncode, 1)
        self.assertIn("must specify [-c, --config] option to check configuration file syntax", r.stderr)



# --- Clustering's configuration: `-t` side by side with nats-server ------------------------------

# (file text, exit code, what follows "<binary>: " on stderr; FILE stands for the file's path).
CLUSTER_CHECKS = [
    ("\ncluster {\n  name: \"my cluster\"\n  listen: \"127.0.0.1:-1\"\n"
     "  routes: [\"nats-route://a:b@127.0.0.1:6222\", \"nats://[::1]:6224\", \"nats://host\"]\n"
     "  authorization { user: a, password: b, timeout: 0.5 }\n"
     "  permissions { import: { allow: \"a.>\", deny: \"a.b\" }, export: [\"x\", \"y\"] }\n"
     "  advertise: \"x:1\"\n  no_advertise: true\n  connect_retries: 3\n}\n",
     0, "configuration file FILE is valid"),
    ("cluster {\n  host: 127.0.0.1\n  port: 6222\n}\n", 0, "configuration file FILE is valid"),
    ("cluster {\n  listen: \"[::1]:6222\"\n}\n", 0, "configuration file FILE is valid"),
    ("listen: \"127.0.0.1:-1\"\n", 0, "configuration file FILE is valid"),
    ("cluster: 5\n", 1, "FILE:1:0: Expected map to define cluster, got int64"),
    ("\ncluster {\n  name: 5\n}\n", 1, "FILE:3:3: interface conversion: interface {} is int64, not string"),
    ("\ncluster {\n  listen: \"::1:6222\"\n}\n", 1, "FILE:3:3: could not parse address string \"::1:6222\""),
    ("\ncluster {\n  listen: \"127.0.0.1:x\"\n}\n", 1, "FILE:3:3: could not parse port \"x\""),
    ("\ncluster {\n  authorization {\n    token: abc\n  }\n}\n", 1,
     "FILE:3:3: Cluster authorization does not support tokens"),
    ("\ncluster {\n  authorization {\n    users: [ {user: a, password: b} ]\n  }\n}\n", 1,
     "FILE:3:3: Cluster authorization does not allow multiple users"),
    ("\ncluster {\n  authorization {\n    user: a\n    bogus: 1\n  }\n}\n", 1, "FILE:5:5: unknown field \"bogus\""),
    ("\ncluster {\n  port: 6222\n  authorization {\n    user: a\n    password: b\n    permissions { import: \"a.>\" }\n  }\n}\n",
     1, "FILE:4:3: invalid use of field \"authorization\": setting \"permissions\" within cluster authorization "
        "block is deprecated"),
    ("\ncluster {\n  permissions {\n    import: \"a.>\"\n    allow_responses: true\n  }\n}\n", 1,
     "FILE:3:3: Cluster permissions do not support dynamic responses"),
    ("\ncluster {\n  routes: \"nats://a:1\"\n}\n", 1,
     "FILE:3:3: interface conversion: interface {} is string, not []interface {}"),
    ("\ncluster {\n  routes: [\n    \"nats://a b:1\"\n  ]\n}\n", 1, "FILE:4:6: error parsing route url [\"nats://a b:1\"]"),
    ("\ncluster {\n  routes: [\n    \" 127.0.0.1:6222 \"\n  ]\n}\n", 1,
     "FILE:4:6: error parsing route url [\"127.0.0.1:6222\"]"),
    ("\ncluster {\n  port: 6222\n  routes: [\n    \"nats://127.0.0.1:6223\"\n    \"nats://127.0.0.1:6223\"\n  ]\n}\n",
     1, "FILE:6:6: invalid use of field \"nats://127.0.0.1:6223\": Duplicate route entry detected"),
    ("\ncluster {\n  port: 6222\n  foo: bar\n}\n", 1, "FILE:4:3: unknown field \"foo\""),
    # Route TLS (a whole valid block is checked by test_cluster_tls.py, with certificates).
    ("\ncluster {\n  tls {\n    cert_file: x\n  }\n}\n", 1, "FILE:3:3: missing 'key_file' in TLS configuration"),
    ("\ncluster {\n  tls: 5\n}\n", 1,
     "FILE:3:3: interface conversion: interface {} is int64, not map[string]interface {}"),
    ("\ncluster {\n  tls {\n    cert_file: \"/nope.pem\"\n    key_file: \"/nope-key.pem\"\n  }\n}\n", 1,
     "FILE:3:3: error parsing X509 certificate/key pair: open /nope.pem: no such file or directory"),
    ("\ncluster {\n  tls {\n    ca_file: \"/nope-ca.pem\"\n  }\n}\n", 1, "FILE:3:3: open /nope-ca.pem: no such file or directory"),
    ("\ncluster {\n  tls {\n    insecure: \"yes\"\n  }\n}\n", 1,
     "FILE:4:5: error parsing tls config, expected 'insecure' to be a boolean"),
    ("\ncluster {\n  tls {\n    bogus: 1\n  }\n}\n", 1, "FILE:4:5: error parsing tls config, unknown field [\"bogus\"]"),
    ("\ncluster {\n  tls {\n    pinned_certs: [\"abc\"]\n  }\n}\n", 1,
     "FILE:4:21: error parsing tls config, 'pinned_certs' key abc does not look like hex-encoded sha256 of DER "
     "encoded SubjectPublicKeyInfo"),
    ("\ncluster {\n  tls {\n    verify_cert_and_check_known_urls: 1\n  }\n}\n", 1,
     "FILE:4:5: error parsing tls config, expected 'verify_cert_and_check_known_urls' to be a boolean"),
    ("\ncluster {\n  tls {\n  }\n}\n", 0, "configuration file FILE is valid"),
]

# Where zats deliberately differs: (file text, zats's message, what nats-server says instead).
CLUSTER_CHECKS_ZATS_ONLY = [
    # zats names the position.
    ("\ncluster {\n  permissions: 5\n}\n", "FILE:3:3: Expected permissions to be a map/struct, got 5",
     "Expected permissions to be a map/struct, got 5"),
    # nats-server fails only when it starts routing; zats's -t reports it.
    ("cluster {\n  port: 6222\n  advertise: \"a:b:c\"\n}\n",
     "Error setting route INFO with Cluster.Advertise value of a:b:c, err=address a:b:c: too many colons in address",
     "configuration file FILE is valid"),
]


class ClusterCheckConfig(unittest.TestCase):
    """`-t` on cluster blocks: zats prints what nats-server prints (and, when it is installed,
    nats-server is run on the same file to show the expectations are its own)."""

    def run_check(self, binary, text):
        cfg = TempConfig(text)
        self.addCleanup(cfg.cleanup)
        r = run_binary(binary, "-t", "-c", cfg.path)
        return r.returncode, r.stderr.strip(), cfg.path

    def expect(self, binary, text, code, message):
        got_code, got, path = self.run_check(binary, text)
        self.assertEqual((got_code, got), (code, "%s: %s" % (name_of(binary), message.replace("FILE", path))), text)

    def reference(self):
        ref = shutil.which("nats-server")
        mine = harness.server_binary()
        if ref is None or os.path.realpath(ref) == os.path.realpath(mine):
            return None
        return ref

    def test_same_as_nats_server(self):
        for text, code, message in CLUSTER_CHECKS:
            with self.subTest(text=text):
                self.expect(harness.server_binary(), text, code, message)
                if self.reference():
                    self.expect(self.reference(), text, code, message)

    @unittest.skipIf(name_of(harness.server_binary()) == "nats-server", "zats's own messages")
    def test_deliberate_differences(self):
        for text, message, reference_says in CLUSTER_CHECKS_ZATS_ONLY:
            with self.subTest(text=text):
                self.expect(harness.server_binary(), text, 1, message)
                if self.reference():
                    _, got, path = self.run_check(self.reference(), text)
                    self.assertEqual(got, "nats-server: " + reference_says.replace("FILE", path))


class Running(unittest.TestCase):
    def test_config_error_at_start(self):
        cfg = TempConfig("port: 4222\nbogus: 1\n")
        self.addCleanup(cfg.cleanup)
        binary = harness.server_binary()
        r = run_binary(binary, "-c", cfg.path)
        self.assertEqual(r.returncode, 1)
        self.assertIn('%s: %s:2:1: unknown field "bogus"' % (name_of(binary), cfg.path), r.stderr)

    def test_warnings_print_and_run(self):
        cfg = TempConfig("ping_interval: 60\n")
        self.addCleanup(cfg.cleanup)
        with Server("-c", cfg.path) as s:
            c = s.client()
            c.read_info()
            c.close()
            self.assertIn("ping_interval should be converted to a duration", s.log_text())

    def test_flags_override_the_file(self):
        # The file says max_payload 100 and port 1 (harness's -p wins); --user adds auth.
        cfg = TempConfig("port: 1\nmax_payload: 100\n")
        self.addCleanup(cfg.cleanup)
        with Server("-c", cfg.path, "--user", "u", "--pass", "p") as s:
            c = s.client()
            info = c.read_info()
            self.assertEqual(info["max_payload"], 100)
            self.assertIs(info.get("auth_required"), True)
            c.close()


# --- The example configs, the same scenario against both servers ---------------------------------

# Each step: (connection index, bytes to send). After each step every connection is drained for
# a short quiet time; what each connection received (INFO lines and the server's timed keep-alive
# PINGs dropped) is the observation.
SCENARIOS = {
    "dev.conf": [
        (0, b'CONNECT {"verbose":true}\r\nSUB a.* 1\r\nPING\r\n'),
        (1, b"PUB a.b 5\r\nhello\r\nPING\r\n"),
        (1, b"PUB a.b 70000\r\n"),  # over the 64KB max_payload
    ],
    "production.conf": [
        (0, b'CONNECT {"verbose":false,"user":"admin","pass":"s3cr3t"}\r\nSUB > 1\r\nPING\r\n'),
        (1, b'CONNECT {"verbose":false,"user":"web","pass":"webpass"}\r\nSUB _INBOX.> 2\r\nPING\r\n'),
        (2, b'CONNECT {"verbose":false,"user":"orders","pass":"s3cr3t"}\r\nSUB orders.* workers 3\r\n'
            b'SUB orders.* 4\r\nSUB orders.* other 5\r\nPING\r\n'),
        (1, b"PUB orders.new _INBOX.1 2\r\nhi\r\nPUB orders.secret 1\r\nx\r\nPUB metrics.cpu 2\r\n99\r\nPING\r\n"),
        (2, b"PUB _INBOX.1 2\r\nok\r\nPUB _INBOX.1 2\r\nok\r\nPUB _INBOX.1 2\r\nno\r\nPUB orders.x 1\r\nx\r\nPING\r\n"),
        (3, b'CONNECT {"verbose":false,"user":"probe","pass":"wrong"}\r\nPING\r\n'),
        (4, b"PING\r\n"),
        (5, b'CONNECT {"verbose":false,"user":"probe","pass":"probepass"}\r\nPUB a 1\r\na\r\nSUB a 1\r\nPING\r\n'),
    ],
    "seed_talk.conf": [
        (0, b'CONNECT {"verbose":true,"user":"alice","pass":"foo"}\r\nSUB req.* 1\r\nPING\r\n'),
        (1, b'CONNECT {"verbose":true,"user":"bob","pass":"bar"}\r\nSUB _INBOX.* 2\r\nSUB req.foo 3\r\n'
            b'PUB req.foo _INBOX.a 2\r\nhi\r\nPUB req.baz 2\r\nno\r\nPING\r\n'),
        (0, b"PUB _INBOX.a 3\r\nyes\r\nPING\r\n"),
        (2, b'CONNECT {"verbose":true,"user":"bob","pass":"foo"}\r\n'),
    ],
    "accounts.conf": [
        (0, b'CONNECT {"verbose":false,"user":"a1","pass":"pa1"}\r\nSUB b.> 1\r\nPING\r\n'),
        (1, b"SUB b.> 2\r\nPING\r\n"),  # no CONNECT: no_auth_user b1
        (2, b'CONNECT {"verbose":false,"user":"a2","pass":"pa2"}\r\nPUB b.x 1\r\nA\r\nPING\r\n'),
        (1, b"PUB b.y 1\r\nB\r\nPUB a.y 1\r\nC\r\nPING\r\n"),
        (3, b'CONNECT {"verbose":false,"user":"a1","pass":"nope"}\r\n'),
    ],
}


def observe(binary, conf, steps):
    """Runs the steps against one server binary; returns per-connection received bytes."""
    saved = os.environ.get("ZATS_SERVER_OVERRIDE")
    os.environ["ZATS_SERVER_OVERRIDE"] = binary
    try:
        with Server("-c", config_path(conf)) as s:
            conns = {}
            got = {}
            for index, data in steps:
                if index not in conns:
                    conns[index] = s.client()
                    conns[index].read_info()
                    got[index] = b""
                try:
                    conns[index].send(data)
                except OSError:
                    pass
                for i, c in conns.items():
                    got[i] += drain(c)
            for c in conns.values():
                c.close()
            return {i: without_server_pings(data) for i, data in got.items()}
    finally:
        if saved is None:
            del os.environ["ZATS_SERVER_OVERRIDE"]
        else:
            os.environ["ZATS_SERVER_OVERRIDE"] = saved


def without_server_pings(data):
    """Drops the server's keep-alive PINGs: when they land depends on timers and jitter."""
    lines = data.split(b"\r\n")
    return b"\r\n".join(line for line in lines[:-1] if line != b"PING") + (b"\r\n" if len(lines) > 1 else b"") + lines[-1]


def drain(conn, quiet=0.15):
    """Everything that arrives until the connection is quiet (or closed, noted as <EOF>)."""
    out = b""
    deadline = time.monotonic() + quiet
    while True:
        try:
            if not conn.eof and conn._fill(deadline):
                deadline = time.monotonic() + quiet
                continue
        except harness.Closed:
            out += conn.buf + b"<EOF>"
            conn.buf = b""
            return out
        out += conn.buf
        conn.buf = b""
        return out


class ExampleConfigsMatchReference(unittest.TestCase):
    """The README's example configs start both servers with the same observable behaviour."""

    def binaries(self):
        mine = harness.server_binary()
        ref = shutil.which("nats-server")
        return mine, ref

    def test_examples(self):
        mine, ref = self.binaries()
        for conf, steps in SCENARIOS.items():
            with self.subTest(conf=conf):
                got = observe(mine, conf, steps)
                self.assertTrue(any(got.values()), "nothing observed for %s" % conf)
                if ref is None or os.path.realpath(ref) == os.path.realpath(mine):
                    continue
                want = observe(ref, conf, steps)
                self.assertEqual(got, want, "%s: %s differs from nats-server" % (conf, name_of(mine)))


if __name__ == "__main__":
    run_tests()
