#!/usr/bin/env python3
# Operator (JWT) mode with the memory resolver (issue 16): `operator` (a JWT file or inline),
# `resolver: MEMORY`, `resolver_preload`; user JWTs in CONNECT with the nonce signed by the user's
# nkey; the claims enforced (permissions, account default permissions, account and user limits on
# connections, subscriptions and payload, user JWT expiry, revocations, src, bearer tokens, connect
# times in local time or a `times_location`, scoped signing key templates with name and tag
# macros) and account exports/imports. Keys and JWTs are made by the test itself with
# tests/integration/go/jwt_tool (Debian's nats-io/jwt and nkeys: there is no `nsc`). Every case
# runs against the server under test and against nats-server (when installed): same outcome,
# same error text.
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
from harness import Conn, Server, run_tests  # noqa: E402
from authconf import TempConfig, connect_json  # noqa: E402
from cluster_harness import routed_pair, wait_interest  # noqa: E402
from test_monitor import MonServer  # noqa: E402

AUTH_VIOLATION = b"-ERR 'Authorization Violation'\r\n"
TOOL = None


def tool(*args):
    r = subprocess.run([TOOL] + list(args), capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise RuntimeError("jwt_tool %s: %s" % (args[0], r.stderr))
    return r.stdout.strip()


class Key:
    def __init__(self, kind):
        self.seed, self.pub = tool("keys", kind).split()


class User:
    """A user nkey and its JWT."""

    def __init__(self, signer, claims=None, exp=0, issuer_account=None, raw=None, key=None):
        self.key = key or Key("user")
        self.seed, self.pub = self.key.seed, self.key.pub
        args = ["encode", "-kind", "user", "-signer", signer.seed, "-subject", self.pub, "-name", "u"]
        if claims is not None:
            args += ["-claims", json.dumps(claims)]
        if raw is not None:
            args += ["-raw-claims", json.dumps(raw)]
        if exp:
            args += ["-exp", str(exp)]
        if issuer_account:
            args += ["-issuer-account", issuer_account.pub]
        self.jwt = tool(*args)


def account_jwt(signer, account, claims=None, exp=0):
    args = ["encode", "-kind", "account", "-signer", signer.seed, "-subject", account.pub, "-name", "acc"]
    if claims is not None:
        args += ["-claims", json.dumps(claims)]
    if exp:
        args += ["-exp", str(exp)]
    return tool(*args)


def activation(exporter, importer, subject, kind):
    return tool("encode", "-kind", "activation", "-signer", exporter.seed, "-subject", importer.pub,
                "-claims", json.dumps({"subject": subject, "kind": kind}))


# The world every case shares, made once (setUpModule).
W = {}


def setUpModule():
    global TOOL
    TOOL = harness.go_program("jwt_tool")
    if TOOL is None:
        raise unittest.SkipTest("jwt_tool not built (needs go and Debian's nats-io/jwt: tools/bootstrap)")
    op, op_sk, stranger_op = Key("operator"), Key("operator"), Key("operator")
    W["op_jwt"] = tool("encode", "-kind", "operator", "-signer", op.seed, "-subject", op.pub, "-name", "op",
                       "-claims", json.dumps({"signing_keys": [op_sk.pub]}))
    W["op"] = op
    W["op_sk_pub"] = op_sk.pub
    a, b, c, d, e, r, x, g, h, i, j, sc, m = (Key("account") for _ in range(13))
    scope = Key("account")
    a_sk = Key("account")
    revoked_user = Key("user")
    W["a_claims"] = {
        "signing_keys": [a_sk.pub],
        "exports": [{"subject": "a.stream.>", "type": "stream"},
                    {"subject": "a.svc", "type": "service"}]}
    W["accounts"] = {
        # A: signed by the operator's identity; exports a stream and a service; a signing key.
        a.pub: account_jwt(op, a, W["a_claims"]),
        # B: signed by an operator signing key; imports A's stream (prefix) and service (mapped).
        b.pub: account_jwt(op_sk, b, {
            "imports": [{"subject": "a.stream.>", "account": a.pub, "to": "from_a", "type": "stream"},
                        {"subject": "a.svc", "account": a.pub, "local_subject": "svc.a", "type": "service",
                         "share": True}]}),
        # C: account limits.
        c.pub: account_jwt(op, c, {"limits": {"conn": 2, "subs": 3, "payload": 100, "data": -1,
                                              "imports": -1, "exports": -1, "wildcards": True, "leaf": -1}}),
        # D: default permissions for users without their own.
        d.pub: account_jwt(op, d, {"default_permissions": {"pub": {"deny": ["forbidden.>"]}}}),
        # E: signed by an operator this server does not trust.
        e.pub: account_jwt(stranger_op, e),
        # R: revokes one user.
        r.pub: account_jwt(op, r, {"revocations": {revoked_user.pub: int(time.time()) + 3600}}),
        # X: expired.
        x.pub: account_jwt(op, x, exp=int(time.time()) - 60),
        # G: exports that need an activation token; H imports them with tokens, I without.
        g.pub: account_jwt(op, g, {
            "exports": [{"subject": "g.private.>", "type": "stream", "token_req": True},
                        {"subject": "g.svc", "type": "service", "token_req": True}]}),
        h.pub: account_jwt(op, h, {
            "imports": [{"subject": "g.private.>", "account": g.pub, "type": "stream",
                         "token": activation(g, h, "g.private.>", "stream")},
                        {"subject": "g.svc", "account": g.pub, "type": "service",
                         "token": activation(g, h, "g.svc", "service")}]}),
        i.pub: account_jwt(op, i, {
            "imports": [{"subject": "g.private.>", "account": g.pub, "type": "stream"},
                        {"subject": "g.svc", "account": g.pub, "type": "service"}]}),
        # J holds H's token: its account JWT is invalid, its users are refused.
        j.pub: account_jwt(op, j, {
            "imports": [{"subject": "g.svc", "account": g.pub, "type": "service",
                         "token": activation(g, h, "g.svc", "service")}]}),
    }
    # M: subject mappings (a weight left out is 100; one for another cluster leaves the subject).
    W["accounts"][m.pub] = account_jwt(op, m, {"mappings": {
        "orders.*": [{"subject": "shop.{{wildcard(1)}}"}],
        "kept": [{"subject": "kept.there", "cluster": "elsewhere"}]}})
    # SC: a scoped signing key whose template grants its users their own subjects.
    W["accounts"][sc.pub] = account_jwt(op, sc, {"signing_keys": [{
        "kind": "user_scope", "key": scope.pub, "role": "r",
        "template": {"pub": {"allow": ["s.{{name()}}.>", "_INBOX.>"]},
                     "sub": {"allow": ["s.{{subject()}}"]}, "subs": 1}}]})
    W.update(a=a, b=b, c=c, d=d, e=e, r=r, x=x, g=g, h=h, i=i, j=j, sc=sc, m=m, a_sk=a_sk, scope=scope)
    W["users"] = {
        "a": User(a),
        "a_by_signing_key": User(a_sk, issuer_account=a),
        "b": User(b),
        "b2": User(b),
        "c": User(c),
        "d": User(d),
        "e": User(e),
        "x": User(x),
        "revoked": User(r, key=revoked_user),
        "g": User(g),
        "h": User(h),
        "m": User(m),
        "i": User(i),
        "j": User(j),
        "scoped": User(scope, raw={}, issuer_account=sc),
        "scoped_with_own_permissions": User(scope, {"pub": {"allow": [">"]}}, issuer_account=sc),
        "unknown_account": User(Key("account")),
        "perms": User(a, {"pub": {"allow": ["allowed.>", "_INBOX.>"], "deny": ["allowed.not"]},
                          "sub": {"allow": ["_INBOX.>", "ok.>"], "deny": ["ok.not"]}}),
        "limits": User(a, {"subs": 2, "payload": 50}),
        "expired": User(a, exp=int(time.time()) - 60),
        "bearer": User(a, {"bearer_token": True}),
        "src_elsewhere": User(a, {"src": ["10.0.0.0/8"]}),
        "src_here": User(a, {"src": ["127.0.0.0/8"]}),
        "other_types": User(a, {"allowed_connection_types": ["WEBSOCKET"]}),
    }


binaries = harness.server_and_reference


def operator_conf(tmpdir, operator_line=None, extra="", accounts=None):
    path = os.path.join(tmpdir, "op.jwt")
    with open(path, "w") as f:
        f.write(W["op_jwt"] + "\n")
    preload = "\n".join("  %s: %s" % (k, v) for k, v in dict(W["accounts"], **(accounts or {})).items())
    return "%s\nresolver: MEMORY\nresolver_preload: {\n%s\n}\n%s" % (
        operator_line or "operator: %s" % path, preload, extra)


def user(name):
    return W["users"][name]


def jwt_connect(conn, info, u, sig=True, signer=None, jwt=None, **extra):
    d = dict(jwt=jwt or u.jwt, protocol=1, **extra)
    if sig:
        d["sig"] = tool("sign", (signer or u).seed, info["nonce"])
    conn.send(b"CONNECT " + connect_json(**d) + b"\r\nPING\r\n")


def expect_err_between_pings(conn, err, timeout, server):
    """Waits for `err` (an -ERR line), answering the server's keep-alive PINGs meanwhile."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            line = conn.read_until(b"\r\n", timeout=max(0.1, deadline - time.monotonic()))
        except AssertionError as e:
            raise AssertionError("%s\nserver log:\n%s" % (e, server.log_text())) from None
        if line == b"PING\r\n":
            conn.send(b"PONG\r\n")
            continue
        if line != err:
            raise AssertionError("expected %r, got %r" % (err, line))
        return


class OperatorMode(unittest.TestCase):
    def servers(self, extra="", operator_line=None, accounts=None):
        """Yields a started server per binary; `accounts()` makes preloads of its own for each."""
        for binary in binaries():
            tmp = tempfile.TemporaryDirectory()
            cfg = TempConfig(operator_conf(tmp.name, operator_line, extra, accounts() if accounts else None))
            server = Server("-c", cfg.path, "-D", binary=binary).start()
            try:
                with self.subTest(server=os.path.basename(binary)):
                    yield server
            finally:
                server.__exit__(None, None, None)
                cfg.cleanup()
                tmp.cleanup()

    def login(self, s, name, **kw):
        c = s.client()
        info = c.read_info()
        jwt_connect(c, info, user(name), **kw)
        c.expect(b"PONG\r\n")
        return c

    def refused(self, s, name, **kw):
        c = s.client()
        jwt_connect(c, c.read_info(), user(name), **kw)
        c.expect(AUTH_VIOLATION)
        c.expect_closed()
        c.close()

    def test_info_asks_for_auth_with_a_nonce(self):
        for s in self.servers():
            c = s.client()
            info = c.read_info()
            self.assertIs(info.get("auth_required"), True)
            self.assertEqual(len(info.get("nonce", "")), 15)
            c.close()

    def test_users_of_trusted_accounts_log_in(self):
        # A is signed by the operator, B by its signing key; a user signed by A's signing key.
        for s in self.servers():
            for name in ("a", "b", "a_by_signing_key", "bearer", "src_here"):
                self.login(s, name, sig=name != "bearer").close()

    def test_inline_operator_jwt(self):
        for s in self.servers(operator_line="operator: %s" % W["op_jwt"]):
            self.login(s, "a").close()

    def test_refusals(self):
        for s in self.servers():
            self.refused(s, "a", sig=False)                     # no signature
            self.refused(s, "a", signer=user("b"))              # the nonce signed by another key
            self.refused(s, "e")                                # account of an untrusted operator
            self.refused(s, "x")                                # expired account
            self.refused(s, "unknown_account")                  # account not preloaded
            self.refused(s, "expired")                          # expired user JWT
            self.refused(s, "revoked")                          # revoked by its account
            self.refused(s, "src_elsewhere")                    # src does not hold 127.0.0.1
            self.refused(s, "other_types")                      # not a STANDARD connection type
            self.refused(s, "j")                                # an import with another's token
            # A user JWT whose claims were altered: the signature no longer holds.
            h, claims, sig = user("a").jwt.split(".")
            body = json.loads(__import__("base64").urlsafe_b64decode(claims + "=="))
            body["nats"]["pub"] = {"allow": [">"]}
            forged = __import__("base64").urlsafe_b64encode(json.dumps(body).encode()).decode().rstrip("=")
            self.refused(s, "a", jwt="%s.%s.%s" % (h, forged, sig))
            # No JWT at all.
            c = s.client()
            c.read_info()
            c.send(b"CONNECT " + connect_json() + b"\r\nPING\r\n")
            c.expect(AUTH_VIOLATION)
            c.expect_closed()

    def test_pinned_accounts(self):
        for s in self.servers(extra="resolver_pinned_accounts: [%s]\n" % W["a"].pub):
            self.login(s, "a").close()
            self.refused(s, "b")

    def test_user_permissions(self):
        for s in self.servers():
            c = self.login(s, "perms")
            c.send(b"PUB denied 1\r\nx\r\n")
            c.expect(b"-ERR 'Permissions Violation for Publish to \"denied\"'\r\n")
            c.send(b"PUB allowed.not 1\r\nx\r\n")
            c.expect(b"-ERR 'Permissions Violation for Publish to \"allowed.not\"'\r\n")
            c.send(b"SUB nope 1\r\n")
            c.expect(b"-ERR 'Permissions Violation for Subscription to \"nope\"'\r\n")
            c.send(b"SUB ok.not 2\r\n")
            c.expect(b"-ERR 'Permissions Violation for Subscription to \"ok.not\"'\r\n")
            c.send(b"SUB ok.yes 3\r\nPUB allowed.yes 2\r\nhi\r\nPING\r\n")
            c.expect(b"PONG\r\n")
            c.close()

    def test_scoped_signing_key_template(self):
        for s in self.servers():
            self.refused(s, "scoped_with_own_permissions")  # scoped users carry no claims of their own
            u = user("scoped")
            c = self.login(s, "scoped")
            c.send(b"PUB s.u.x 1\r\nx\r\nPUB s.other.x 1\r\nx\r\n")
            c.expect(b"-ERR 'Permissions Violation for Publish to \"s.other.x\"'\r\n")
            c.send(b"SUB s.%s 1\r\nSUB s.%s 2\r\n" % (u.pub.encode(), u.pub.encode()))
            c.expect(b"-ERR 'maximum subscriptions exceeded'\r\n")  # the template's subs: 1
            c.send(b"PING\r\n")
            c.expect(b"PONG\r\n")
            c.close()

    def test_scoped_signing_key_tag_templates(self):
        # Tag macros take every value of the user's (or the account's) tags of that name, one
        # subject per combination; an allow subject that comes out invalid is left out (an allow
        # list left empty denies everything), a deny subject that does fails the login.
        acc, scope, strict = Key("account"), Key("account"), Key("account")
        tmpl = {"pub": {"allow": ["t.{{tag(dept)}}.>", "r.{{account-tag(region)}}", "_INBOX.>"]},
                "sub": {"allow": ["s.{{tag(dept)}}.{{tag(level)}}"]}}
        claims = {"tags": ["region:eu"], "signing_keys": [
            {"kind": "user_scope", "key": scope.pub, "role": "tags", "template": tmpl},
            {"kind": "user_scope", "key": strict.pub, "role": "strict",
             "template": {"pub": {"deny": ["x.{{tag(missing)}}"]}}}]}
        tagged = User(scope, raw={"tags": ["dept:eng", "dept:ops", "level:1"]}, issuer_account=acc)
        untagged = User(scope, raw={}, issuer_account=acc)
        refused = User(strict, raw={}, issuer_account=acc)
        for s in self.servers(accounts=lambda: {acc.pub: account_jwt(W["op"], acc, claims)}):
            c = s.client()
            jwt_connect(c, c.read_info(), tagged)
            c.expect(b"PONG\r\n")
            c.send(b"PUB t.eng.x 1\r\nx\r\nPUB t.ops.y 1\r\nx\r\nPUB r.eu 1\r\nx\r\nPUB t.hr.z 1\r\nx\r\n")
            c.expect(b"-ERR 'Permissions Violation for Publish to \"t.hr.z\"'\r\n")
            c.send(b"SUB s.eng.1 1\r\nSUB s.ops.1 2\r\nSUB s.eng.2 3\r\n")
            c.expect(b"-ERR 'Permissions Violation for Subscription to \"s.eng.2\"'\r\n")
            c.send(b"PING\r\n")
            c.expect(b"PONG\r\n")
            c.close()
            c = s.client()
            jwt_connect(c, c.read_info(), untagged)
            c.expect(b"PONG\r\n")
            c.send(b"PUB r.eu 1\r\nx\r\nPUB t.eng.x 1\r\nx\r\n")
            c.expect(b"-ERR 'Permissions Violation for Publish to \"t.eng.x\"'\r\n")
            c.send(b"SUB s.eng.1 1\r\n")
            c.expect(b"-ERR 'Permissions Violation for Subscription to \"s.eng.1\"'\r\n")
            c.send(b"PING\r\n")
            c.expect(b"PONG\r\n")
            c.close()
            c = s.client()
            jwt_connect(c, c.read_info(), refused)
            c.expect(AUTH_VIOLATION)
            c.expect_closed()
            c.close()

    def test_account_default_permissions(self):
        for s in self.servers():
            c = self.login(s, "d")
            c.send(b"PUB forbidden.x 1\r\nx\r\n")
            c.expect(b"-ERR 'Permissions Violation for Publish to \"forbidden.x\"'\r\n")
            c.send(b"PUB fine 1\r\nx\r\nPING\r\n")
            c.expect(b"PONG\r\n")
            c.close()

    def test_accounts_are_apart(self):
        for s in self.servers():
            a, b = self.login(s, "a"), self.login(s, "b")
            b.send(b"SUB same 1\r\nPING\r\n")
            b.expect(b"PONG\r\n")
            a.send(b"SUB same 1\r\nPUB same 2\r\nhi\r\nPING\r\n")
            a.expect(b"MSG same 1 2\r\nhi\r\nPONG\r\n")
            b.expect_nothing()

    def test_stream_import_with_prefix(self):
        for s in self.servers():
            a, b = self.login(s, "a"), self.login(s, "b")
            b.send(b"SUB from_a.a.stream.> 1\r\nPING\r\n")
            b.expect(b"PONG\r\n")
            a.send(b"PUB a.stream.x 2\r\nhi\r\nPUB a.other 2\r\nno\r\nPING\r\n")
            a.expect(b"PONG\r\n")
            b.expect(b"MSG from_a.a.stream.x 1 2\r\nhi\r\n")
            b.expect_nothing()

    def test_service_import_with_local_subject(self):
        for s in self.servers():
            a, b = self.login(s, "a"), self.login(s, "b")
            a.send(b"SUB a.svc 1\r\nPING\r\n")
            a.expect(b"PONG\r\n")
            b.send(b"SUB reply.b 1\r\nPUB svc.a reply.b 3\r\nask\r\nPING\r\n")
            b.expect(b"PONG\r\n")
            line = a.read_until(b"\r\n")
            parts = line.split()
            self.assertEqual(parts[:3], [b"MSG", b"a.svc", b"1"], line)
            self.assertTrue(parts[3].startswith(b"_R_."), line)  # the reply, mapped across accounts
            a.expect(b"ask\r\n")
            a.send(b"PUB " + parts[3] + b" 6\r\nanswer\r\n")
            b.expect(b"MSG reply.b 1 6\r\nanswer\r\n")

    def test_account_mappings(self):
        for s in self.servers():
            sub, pub = self.login(s, "m"), self.login(s, "m")
            sub.send(b"SUB > 1\r\nPING\r\n")
            sub.expect(b"PONG\r\n")
            pub.send(b"PUB orders.7 1\r\n1\r\nPUB kept 1\r\n2\r\nPUB other 1\r\n3\r\nPING\r\n")
            pub.expect(b"PONG\r\n")
            sub.expect(b"MSG shop.7 1 1\r\n1\r\nMSG kept 1 1\r\n2\r\nMSG other 1 1\r\n3\r\n")
            sub.send(b"PING\r\n")
            sub.expect(b"PONG\r\n")

    def test_a_sharing_service_import_tells_the_requester(self):
        # B's import of A's service shares: A's responder (taking headers) learns who asked.
        for s in self.servers():
            a = s.client()
            jwt_connect(a, a.read_info(), user("a"), headers=True)
            a.expect(b"PONG\r\n")
            a.send(b"SUB a.svc 1\r\nPING\r\n")
            a.expect(b"PONG\r\n")
            b = self.login(s, "b", lang="py", version="9")
            b.send(b"PUB svc.a reply.b 3\r\nask\r\nPING\r\n")
            b.expect(b"PONG\r\n")
            head = a.read_until(b"\r\n\r\n")
            a.read_until(b"ask\r\n")
            info = json.loads(head.split(b"Nats-Request-Info: ")[1].split(b"\r\n")[0])
            self.assertEqual(sorted(info), ["acc", "client_type", "host", "id", "issuer_key", "jwt", "kind", "lang",
                                            "name_tag", "rtt", "server", "start", "user", "ver"], info)
            self.assertEqual((info["acc"], info["user"], info["jwt"], info["issuer_key"], info["name_tag"], info["lang"]),
                             (W["b"].pub, user("b").pub, user("b").jwt, W["b"].pub, "u", "py"))

    def test_connz_auth_shows_the_users_jwt(self):
        for binary in binaries():
            with self.subTest(server=os.path.basename(binary)):
                tmp = tempfile.TemporaryDirectory()
                s = MonServer(binary, conf=operator_conf(tmp.name)).start()
                try:
                    c = s.client()
                    jwt_connect(c, c.read_info(), user("a_by_signing_key"))
                    c.expect(b"PONG\r\n")
                    url = "http://127.0.0.1:%d/connz?auth=1" % s.mport
                    conn = json.load(urllib.request.urlopen(url, timeout=5))["connections"][0]
                    # Signed by A's signing key: that key is the issuer; the JWT's name is "u".
                    self.assertEqual((conn.get("jwt"), conn.get("issuer_key"), conn.get("name_tag")),
                                     (user("a_by_signing_key").jwt, W["a_sk"].pub, "u"))
                    plain = json.load(urllib.request.urlopen(url.replace("?auth=1", ""), timeout=5))["connections"][0]
                    self.assertNotIn("jwt", plain)
                    c.close()
                finally:
                    s.stop()
                    s._cleanup_files()
                    tmp.cleanup()

    def test_varz_shows_the_trusted_operators(self):
        # The JWT as configured (a file's text with its newline, an inline one as given) and its
        # claims as nats-server decodes them; and the logins resolver_pinned_accounts refused.
        other = Key("operator")
        inline = tool("encode", "-kind", "operator", "-signer", other.seed, "-subject", other.pub, "-name", "op2",
                      "-exp", str(int(time.time()) + 3600), "-claims", json.dumps({
                          "signing_keys": [Key("operator").pub], "account_server_url": "http://127.0.0.1:1/jwt/v1",
                          "operator_service_urls": ["nats://127.0.0.1:4222"], "tags": ["one", "two"],
                          "assert_server_version": "2.2.0"}))
        seen = []
        for binary in binaries():
            with self.subTest(server=os.path.basename(binary)):
                tmp = tempfile.TemporaryDirectory()
                pinned = MonServer(binary, conf=operator_conf(tmp.name, extra="resolver_pinned_accounts: [%s]\n"
                                                              % W["a"].pub)).start()
                rich = MonServer(binary, conf=operator_conf(tmp.name, "operator: %s" % inline)).start()
                try:
                    self.refused(pinned, "b")
                    varz = json.load(urllib.request.urlopen("http://127.0.0.1:%d/varz" % pinned.mport, timeout=5))
                    self.assertEqual(varz.get("trusted_operators_jwt"), [W["op_jwt"] + "\n"])
                    self.assertEqual(varz["trusted_operators_claim"][0]["sub"], W["op"].pub)
                    self.assertEqual(varz.get("pinned_account_fails"), 1)
                    varz = json.load(urllib.request.urlopen("http://127.0.0.1:%d/varz" % rich.mport, timeout=5))
                    self.assertNotIn("pinned_account_fails", varz)
                    self.assertEqual(varz.get("trusted_operators_jwt"), [inline])
                    claims = varz["trusted_operators_claim"][0]
                    self.assertEqual(list(claims), ["exp", "jti", "iat", "iss", "name", "sub", "nats"])
                    self.assertEqual((claims["sub"], claims["name"]), (other.pub, "op2"))
                    self.assertEqual(list(claims["nats"]), ["signing_keys", "account_server_url", "operator_service_urls",
                                                            "assert_server_version", "tags", "type", "version"])
                    self.assertEqual((claims["nats"]["tags"], claims["nats"]["version"]), (["one", "two"], 2))
                    seen.append(claims)
                finally:
                    for s in (pinned, rich):
                        s.stop()
                        s._cleanup_files()
                    tmp.cleanup()
        if len(seen) == 2:
            self.assertEqual(seen[0], seen[1], "zats and nats-server decode the operator alike")

    def test_imports_of_token_required_exports(self):
        # H holds activation tokens for G's private stream and service; I has none of its own.
        for s in self.servers():
            g, h, i = self.login(s, "g"), self.login(s, "h"), self.login(s, "i")
            for c in (h, i):
                c.send(b"SUB g.private.> 1\r\nSUB r 2\r\nPING\r\n")
                c.expect(b"PONG\r\n")
            g.send(b"SUB g.svc 1\r\nPUB g.private.x 2\r\nhi\r\nPING\r\n")
            g.expect(b"PONG\r\n")
            h.expect(b"MSG g.private.x 1 2\r\nhi\r\n")
            i.send(b"PUB g.svc r 1\r\nq\r\nPING\r\n")
            i.expect(b"PONG\r\n")
            h.send(b"PUB g.svc r 1\r\nq\r\nPING\r\n")
            h.expect(b"PONG\r\n")
            line = g.read_until(b"\r\n")
            self.assertTrue(line.startswith(b"MSG g.svc 1 _R_."), line)  # H's request only
            g.expect(b"q\r\n")
            g.expect_nothing()
            i.expect_nothing()

    def test_account_connection_limit(self):
        for s in self.servers():
            first, second = self.login(s, "c"), self.login(s, "c")
            c = s.client()
            jwt_connect(c, c.read_info(), user("c"))
            c.expect(b"-ERR 'maximum account active connections exceeded'\r\n")
            c.expect_closed()
            # Other accounts are not bound by it; a slot freed is a slot taken.
            self.login(s, "a").close()
            first.close()
            deadline = time.monotonic() + 5
            while True:
                c = s.client()
                jwt_connect(c, c.read_info(), user("c"))
                got = c.expect_any([b"PONG\r\n", b"-ERR 'maximum account active connections exceeded'\r\n"])
                if got == b"PONG\r\n" or time.monotonic() > deadline:
                    break
                c.close()
                time.sleep(0.05)
            self.assertEqual(got, b"PONG\r\n")
            c.close()
            second.close()

    def test_subscription_limits(self):
        for s in self.servers():
            # The user's own limit (2) ...
            c = self.login(s, "limits")
            c.read_info()  # its max_payload
            c.send(b"SUB s.1 1\r\nSUB s.2 2\r\nSUB s.3 3\r\n")
            c.expect(b"-ERR 'maximum subscriptions exceeded'\r\n")
            c.send(b"PING\r\n")
            c.expect(b"PONG\r\n")
            c.close()
            # ... and the account's (3).
            c = self.login(s, "c")
            c.read_info()
            c.send(b"SUB s.1 1\r\nSUB s.2 2\r\nSUB s.3 3\r\nSUB s.4 4\r\n")
            c.expect(b"-ERR 'maximum subscriptions exceeded'\r\n")
            c.close()

    def test_no_subscriptions_allowed_closes_the_connection(self):
        # A hand-written user JWT without `subs` or `payload` allows none (Go decodes 0).
        for s in self.servers():
            c = s.client()
            jwt_connect(c, c.read_info(), User(W["a"], raw={"pub": {}}))
            c.expect(b"PONG\r\n")
            self.assertEqual(c.read_info()["max_payload"], 0)
            c.expect(b"-ERR 'maximum subscriptions exceeded'\r\n")
            c.expect_closed()

    def test_payload_limits(self):
        for s in self.servers():
            for name, limit in (("limits", 50), ("c", 100)):
                c = self.login(s, name)
                info = c.read_info()  # after the first PONG: the client's own max_payload
                self.assertEqual(info["max_payload"], limit)
                c.send(b"PUB p %d\r\n%s\r\nPING\r\n" % (limit, b"x" * limit))
                c.expect(b"PONG\r\n")
                c.send(b"PUB p %d\r\n%s\r\n" % (limit + 1, b"x" * (limit + 1)))
                c.expect(b"-ERR 'Maximum Payload Violation'\r\n")
                c.expect_closed()
            # An unlimited user hears nothing more after its PONG.
            c = self.login(s, "a")
            c.expect_nothing()
            c.close()

    def test_user_jwt_expiry_closes_the_connection(self):
        for s in self.servers():
            u = User(W["a"], exp=int(time.time()) + 3)
            c = s.client()
            jwt_connect(c, c.read_info(), u)
            c.expect(b"PONG\r\n")
            expect_err_between_pings(c, b"-ERR 'User Authentication Expired'\r\n", timeout=20, server=s)
            c.expect_closed()

    def test_connect_times(self):
        # Windows in the server's local time: outside one, refused; inside, closed at its end.
        now = time.time()
        t = time.localtime(now)
        if t.tm_hour < 2 or (t.tm_hour == 23 and t.tm_min >= 58):
            self.skipTest("too close to midnight for same-day windows")
        hms = lambda secs: time.strftime("%H:%M:%S", time.localtime(secs))  # noqa: E731
        for s in self.servers():
            past = User(W["a"], {"times": [{"start": hms(now - 7200), "end": hms(now - 3600)}]})
            c = s.client()
            jwt_connect(c, c.read_info(), past)
            c.expect(AUTH_VIOLATION)
            c.expect_closed()
            soon = User(W["a"], {"times": [{"start": hms(time.time() - 3600), "end": hms(time.time() + 3)}]})
            c = s.client()
            jwt_connect(c, c.read_info(), soon)
            c.expect(b"PONG\r\n")
            expect_err_between_pings(c, b"-ERR 'User Authentication Expired'\r\n", timeout=20, server=s)
            c.expect_closed()

    def test_connect_times_in_a_time_zone(self):
        # times_location: the windows are in that zone (far from this machine's), not local time.
        zone = "Pacific/Kiritimati"
        if not os.path.exists("/usr/share/zoneinfo/" + zone):
            self.skipTest("no zone database (tzdata)")
        from zoneinfo import ZoneInfo
        import datetime
        there = lambda secs: datetime.datetime.fromtimestamp(secs, ZoneInfo(zone))  # noqa: E731
        t = there(time.time())
        if t.hour < 2 or (t.hour == 23 and t.minute >= 58):
            self.skipTest("too close to midnight in %s for same-day windows" % zone)
        hms = lambda secs: there(secs).strftime("%H:%M:%S")  # noqa: E731
        for s in self.servers():
            now = time.time()
            past = User(W["a"], {"times": [{"start": hms(now - 7200), "end": hms(now - 3600)}], "times_location": zone})
            unknown = User(W["a"], {"times": [{"start": "00:00:00", "end": "23:59:59"}], "times_location": "No/Where"})
            for u in (past, unknown):
                c = s.client()
                jwt_connect(c, c.read_info(), u)
                c.expect(AUTH_VIOLATION)
                c.expect_closed()
                c.close()
            soon = User(W["a"], {"times": [{"start": hms(time.time() - 3600), "end": hms(time.time() + 3)}],
                                 "times_location": zone})
            c = s.client()
            jwt_connect(c, c.read_info(), soon)
            c.expect(b"PONG\r\n")
            expect_err_between_pings(c, b"-ERR 'User Authentication Expired'\r\n", timeout=20, server=s)
            c.expect_closed()
            c.close()

    def test_account_jwt_expiry_closes_its_connections(self):
        y = Key("account")
        for s in self.servers(accounts=lambda: {y.pub: account_jwt(W["op"], y, exp=int(time.time()) + 4)}):
            c = s.client()
            jwt_connect(c, c.read_info(), User(y))
            c.expect(b"PONG\r\n")
            expect_err_between_pings(c, b"-ERR 'Account Authentication Expired'\r\n", timeout=20, server=s)
            c.expect_closed()


class TrustedKeys(unittest.TestCase):
    """`trusted` (or `trusted_keys`): the operators' public keys, without their JWTs."""

    def test_accounts_signed_by_a_trusted_key_log_in(self):
        # B's JWT is signed by the operator's signing key: trusted only when listed.
        for keys, b_logs_in in (([W["op"].pub], False), ([W["op"].pub, W["op_sk_pub"]], True)):
            extra = "trusted: [%s]\n" % ", ".join(keys)
            operator_line = "# no operator JWT"
            for s in OperatorMode.servers(self, extra=extra, operator_line=operator_line):
                OperatorMode.login(self, s, "a").close()
                if b_logs_in:
                    OperatorMode.login(self, s, "b").close()
                else:
                    OperatorMode.refused(self, s, "b")
                OperatorMode.refused(self, s, "e")  # signed by an operator nobody trusts
                c = s.client()
                jwt_connect(c, c.read_info(), user("a"), sig=False)  # a JWT still needs the nonce signed
                c.expect(AUTH_VIOLATION)
                c.close()


    def test_a_reload_cannot_change_them(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        conf = lambda keys: operator_conf(tmp.name, "trusted: [%s]" % ", ".join(keys))
        cfg = TempConfig(conf([W["op"].pub]))
        self.addCleanup(cfg.cleanup)
        server = Server("-c", cfg.path).start()
        self.addCleanup(server.__exit__, None, None, None)
        cfg.write(conf([W["op"].pub, W["op_sk_pub"]]))
        server.proc.send_signal(signal.SIGHUP)
        want = "config reload not supported for TrustedKeys: old=[%s], new=[%s %s]" % (
            W["op"].pub, W["op"].pub, W["op_sk_pub"])
        deadline = time.monotonic() + 10
        while want not in server.log_text():
            self.assertLess(time.monotonic(), deadline, server.log_text())
            time.sleep(0.05)
        OperatorMode.login(self, server, "a").close()
        OperatorMode.refused(self, server, "b")  # the signing key was not taken


class OperatorReload(unittest.TestCase):
    """SIGHUP in operator mode (zats only: nats-server's memory resolver reloads differently)."""

    def test_account_claims_reload_operators_do_not(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        cfg = TempConfig(operator_conf(tmp.name))
        self.addCleanup(cfg.cleanup)
        server = Server("-c", cfg.path).start()
        self.addCleanup(server.__exit__, None, None, None)
        c = OperatorMode.login(self, server, "a")
        self.addCleanup(c.close)
        # A's JWT re-issued with a payload limit: the connected client stays, new ones get it.
        limited = dict(W["a_claims"], limits={"payload": 20, "subs": -1, "conn": -1, "data": -1,
                                              "imports": -1, "exports": -1, "wildcards": True, "leaf": -1})
        cfg.write(operator_conf(tmp.name, accounts={W["a"].pub: account_jwt(W["op"], W["a"], limited)}))
        server.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 10
        while "Reloaded server configuration" not in server.log_text():
            self.assertLess(time.monotonic(), deadline, server.log_text())
            time.sleep(0.05)
        c.ping()
        n = OperatorMode.login(self, server, "a")
        self.assertEqual(n.read_info()["max_payload"], 20)
        n.close()
        # Another operator: refused, the server runs on.
        other = Key("operator")
        cfg.write(operator_conf(tmp.name, operator_line="operator: " + tool(
            "encode", "-kind", "operator", "-signer", other.seed, "-subject", other.pub)))
        server.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 10
        while "config reload not supported for TrustedOperators" not in server.log_text():
            self.assertLess(time.monotonic(), deadline, server.log_text())
            time.sleep(0.05)
        c.ping()


class ClaimsUpdate(unittest.TestCase):
    """An account's new JWT sent by a system account user on $SYS.REQ.ACCOUNT.<key>.CLAIMS.UPDATE
    (or the older $SYS.ACCOUNT.<key>.CLAIMS.UPDATE): taken by the memory resolver, answered as
    nats-server answers it."""

    @classmethod
    def setUpClass(cls):
        cls.sys = Key("account")
        cls.sys_user = User(cls.sys)
        cls.victim = User(W["a"])

    def servers(self):
        sys_jwt = account_jwt(W["op"], self.sys)
        return OperatorMode.servers(self, extra="system_account: %s\n" % self.sys.pub,
                                    accounts=lambda: {self.sys.pub: sys_jwt})

    def ask(self, conn, subject, payload, inbox):
        """Sends `payload` to `subject` (None: only reads the next answer) and returns the answer
        less its server."""
        if subject is not None:
            conn.send(b"PUB %s %s %d\r\n%s\r\n" % (subject.encode(), inbox, len(payload), payload.encode()))
        header = conn.read_until(b"\r\n", timeout=10)
        self.assertTrue(header.startswith(b"MSG " + inbox + b" "), header)
        size = int(header.split()[-1])
        answer = json.loads(conn.read_exactly(size + 2)[:-2])
        self.assertIsInstance(answer.pop("server")["id"], str)
        return answer

    def test_updates_and_refusals_as_the_reference(self):
        a = W["a"].pub
        stranger = Key("operator")
        unknown = Key("account")
        revoking = account_jwt(W["op"], W["a"], dict(W["a_claims"], revocations={self.victim.pub: int(time.time()) + 3600}))
        for s in self.servers():
            # nats-server takes updates only for accounts a login has looked up.
            held = OperatorMode.login(self, s, "a")
            c = s.client()
            jwt_connect(c, c.read_info(), self.sys_user)
            c.expect(b"PONG\r\n")
            c.send(b"SUB inbox.* 1\r\n")
            c.ping()

            def error(description):
                return {"error": {"account": a, "code": 500, "description": description}}

            update = "$SYS.REQ.ACCOUNT.%s.CLAIMS.UPDATE" % a
            self.assertEqual(self.ask(c, update, "", b"inbox.1"), error("jwt update error - request body is empty"))
            self.assertEqual(self.ask(c, update, W["accounts"][W["b"].pub], b"inbox.2"),
                             error("jwt update resulted in error - subject does not match jwt content"))
            self.assertEqual(self.ask(c, update, account_jwt(stranger, W["a"]), b"inbox.3"),
                             error("jwt update resulted in error - account validation failed"))
            self.assertEqual(self.ask(c, update, account_jwt(W["op"], W["a"], exp=int(time.time()) - 60), b"inbox.4"),
                             error("jwt update resulted in error - account validation failed"))
            garbled = self.ask(c, update, "not a jwt", b"inbox.5")
            self.assertEqual(garbled["error"]["code"], 500)
            self.assertTrue(garbled["error"]["description"].startswith("jwt update resulted in error - "), garbled)
            skipped = "$SYS.REQ.ACCOUNT.%s.CLAIMS.UPDATE" % unknown.pub
            self.assertEqual(self.ask(c, skipped, account_jwt(W["op"], unknown), b"inbox.6"),
                             {"data": {"account": unknown.pub, "code": 200, "message": "jwt update skipped"}})
            # Nothing above changed A: the victim still logs in.
            victim = self.login_victim(s)
            # The update revokes the victim (on the older subject): its connection is closed, and
            # its logins are refused from then on.
            self.assertEqual(self.ask(c, "$SYS.ACCOUNT.%s.CLAIMS.UPDATE" % a, revoking, b"inbox.7"),
                             {"data": {"account": a, "code": 200, "message": "jwt updated"}})
            victim.expect(b"-ERR 'User Authentication Revoked'\r\n", timeout=10)
            victim.expect_closed()
            victim.close()
            v = s.client()
            jwt_connect(v, v.read_info(), self.victim)
            v.expect(AUTH_VIOLATION)
            v.close()
            # The same JWT again changes nothing and is answered as done.
            self.assertEqual(self.ask(c, update, revoking, b"inbox.8"),
                             {"data": {"account": a, "code": 200, "message": "jwt updated"}})
            held.ping()
            held.close()
            c.close()

    def test_every_server_of_a_cluster_takes_it(self):
        if not harness.is_zats():
            self.skipTest("zats-only: the cluster is made of the server under test")
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        sys_jwt = account_jwt(W["op"], self.sys)
        cfg = TempConfig(operator_conf(tmp.name, extra="system_account: %s\n" % self.sys.pub,
                                       accounts={self.sys.pub: sys_jwt}))
        self.addCleanup(cfg.cleanup)
        first, second = routed_pair(self, cfg.path)
        victim = self.login_victim(second)
        self.addCleanup(victim.close)
        c, listener = self.sys_login(first), self.sys_login(second)
        c.send(b"SUB inbox.* 1\r\n")
        c.ping()
        # Interest crosses in order: once a probe subscribed after the services' interest has
        # crossed, so has theirs.
        listener.send(b"SUB probe 2\r\n")
        listener.ping()
        wait_interest(c, listener, b"probe", b"2")
        revoking = account_jwt(W["op"], W["a"], dict(W["a_claims"], revocations={self.victim.pub: int(time.time()) + 3600}))
        done = {"data": {"account": W["a"].pub, "code": 200, "message": "jwt updated"}}
        self.assertEqual(self.ask(c, "$SYS.REQ.ACCOUNT.%s.CLAIMS.UPDATE" % W["a"].pub, revoking, b"inbox.1"), done)
        self.assertEqual(self.ask(c, None, None, b"inbox.1"), done)  # the other server's answer
        victim.expect(b"-ERR 'User Authentication Revoked'\r\n", timeout=10)

    def sys_login(self, node):
        c = Conn(node.port)
        self.addCleanup(c.close)
        jwt_connect(c, c.read_info(), self.sys_user)
        c.expect(b"PONG\r\n")
        return c

    def login_victim(self, s):
        v = Conn(s.port)
        jwt_connect(v, v.read_info(), self.victim)
        v.expect(b"PONG\r\n")
        return v


class OperatorConfig(unittest.TestCase):
    def check(self, text, want_ok, *wanted, reference=True):
        tmp = tempfile.TemporaryDirectory()
        try:
            cfg = TempConfig(text.replace("@DIR@", tmp.name))
            with open(os.path.join(tmp.name, "op.jwt"), "w") as f:
                f.write(W["op_jwt"])
            for binary in binaries() if reference else [harness.server_binary()]:
                with self.subTest(server=os.path.basename(binary)):
                    # A refusal is checked by starting (nats-server's -t skips some of its checks).
                    args = [binary, "-c", cfg.path] + (["-t"] if want_ok else ["-a", "127.0.0.1", "-p", "-1"])
                    r = subprocess.run(args, capture_output=True, text=True, timeout=30)
                    out = r.stdout + r.stderr
                    self.assertEqual(r.returncode == 0, want_ok, out)
                    for w in wanted:
                        self.assertIn(w, out)
            cfg.cleanup()
        finally:
            tmp.cleanup()

    def preload(self):
        return "resolver_preload: { %s: %s }\n" % (W["a"].pub, W["accounts"][W["a"].pub])

    def test_valid(self):
        self.check("operator: @DIR@/op.jwt\nresolver: MEMORY\n" + self.preload(), True)
        self.check("operator: @DIR@/op.jwt\nresolver: mem\n" + self.preload(), True)

    def test_reference_refusals(self):
        # No resolver: nats-server falls back to a URL resolver on the operator's (empty) account
        # server URL and fails to start ("could not fetch"); zats says what is missing.
        self.check("operator: @DIR@/op.jwt\n", False)
        self.check("operator: @DIR@/op.jwt\n", False, "operators require an account resolver to be configured",
                   reference=False)
        self.check("operator: @DIR@/op.jwt\nresolver: MEMORY\naccounts { A {} }\n", False,
                   "operators do not allow Accounts to be configured directly")
        self.check("operator: @DIR@/missing.jwt\nresolver: MEMORY\n", False,
                   "server.conf:1:0: error parsing operator JWT: open ", "missing.jwt: no such file or directory")
        self.check("operator: @DIR@/op.jwt\nresolver: MEMORY\nresolver_preload: { %s: nonsense }\n" % W["a"].pub,
                   False, "invalid account JWT")
        self.check("operator: [\"@DIR@/op.jwt\"]\nresolver: MEMORY\n", False, "error parsing operators: unsupported type")
        self.check("operator: @DIR@/op.jwt\nresolver: {type: full}\n", False,
                   "dir has no value and needs to point to a directory")
        self.check("operator: @DIR@/op.jwt\nresolver: NOPE\n", False, "error parsing account resolver")

    def test_trusted_keys(self):
        op = W["op"].pub
        self.check("trusted: %s\nresolver: MEMORY\n" % op + self.preload(), True)
        self.check("trusted_keys: [%s]\nresolver: MEMORY\n" % op + self.preload(), True)
        self.check("trusted: nope\n", False,
                   'server.conf:1:0: trust key "nope" required to be a valid public operator nkey')
        # Go reports a bad key of a list where the list's last element is.
        self.check("trusted: [%s, nope, %s]\n" % (op, op), False,
                   'server.conf:1:74: trust key "nope" required to be a valid public operator nkey')
        self.check("trusted: 1\n", False, "server.conf:1:0: error parsing trusted: unsupported type int64")
        self.check('trusted: [1, "x"]\n', False, "server.conf:1:10: error parsing trusted: unsupported type in array int64",
                   'server.conf:1:14: trust key "x" required to be a valid public operator nkey')
        self.check("trusted: %s\noperator: @DIR@/op.jwt\nresolver: MEMORY\n" % op, False,
                   "conflicting options for 'TrustedKeys' and 'TrustedOperators'")

    def test_resolvers_not_built_are_refused(self):
        # nats-server runs these; zats refuses them at load, naming the file and line.
        self.check("operator: @DIR@/op.jwt\nresolver: URL(\"http://127.0.0.1:9/jwt/v1/accounts/\")\n", False,
                   "server.conf:2:1: resolver URL(...) (an account server) is not supported by zats yet",
                   reference=False)
        self.check("operator: @DIR@/op.jwt\nresolver: {type: full, dir: @DIR@}\n", False,
                   "server.conf:2:1: resolver type FULL (the NATS account resolver) is not supported by zats yet",
                   reference=False)
        self.check("operator: @DIR@/op.jwt\nresolver: {type: cache, dir: @DIR@}\n", False,
                   "resolver type CACHE", reference=False)


if __name__ == "__main__":
    run_tests()
