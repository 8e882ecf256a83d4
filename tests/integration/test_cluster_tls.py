#!/usr/bin/env python3
# Route TLS (`cluster { tls {} }`; docs/compatibility.md, TLS and Clustering), as nats-server
# 2.9.10 does it: the route port speaks TLS first (the dialler is the TLS client) and the route
# INFO inside says tls_required and tls_verify; both sides present and verify certificates
# against the block's CA; the dialler checks the name it dialled (an address against the
# certificate's IP names, or the first host name among its routes for gossiped addresses)
# unless `insecure`; a peer with a certificate from another CA, or one speaking plaintext, is
# refused, logged, and (when we dialled it) retried; verify_and_map and pinned_certs decide
# which peers may route, and a reload re-checks the pins and gives new routes the files' new
# certificates; the handshake has its timeout.
# zats <-> zats on three nodes, and zats <-> nats-server in both dialling directions (when
# Debian's nats-server is installed). Certificates are made with the openssl CLI when it runs.
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tlspki  # noqa: E402
from harness import run_tests  # noqa: E402
from cluster_harness import Node, drain_probes, reference_binary, wait_for, wait_interest  # noqa: E402

NATS = reference_binary()
PKI = None


def setUpModule():
    global PKI
    if not tlspki.available():
        raise unittest.SkipTest("the openssl CLI is not installed (tools/bootstrap installs it)")
    PKI = tlspki.Pki()  # PKI.server: CN=localhost, DNS:localhost, IP:127.0.0.1
    PKI.rogue = PKI.leaf("rogue", "/CN=localhost", "DNS:localhost,IP:127.0.0.1", ca=PKI.other_ca)
    PKI.named = PKI.leaf("named", "/CN=localhost", "DNS:localhost")  # no IP name
    PKI.peer = PKI.leaf("peer", "/CN=peer", "email:route@example.com,DNS:localhost,IP:127.0.0.1")
    PKI.other = PKI.leaf("other", "/CN=other", "DNS:localhost,IP:127.0.0.1")


def tearDownModule():
    if PKI is not None:
        PKI.cleanup()


def cluster_conf(cert=None, ca=None, tls_extra="", cluster_extra=""):
    cert = cert or PKI.server
    ca = ca or PKI.ca
    return ('cluster {\n  tls {\n    cert_file: "%s"\n    key_file: "%s"\n    ca_file: "%s"\n%s  }\n%s}\n'
            % (cert.cert, cert.key, ca.cert, tls_extra, cluster_extra))


def msg(subject, sid, payload):
    return b"MSG %s %s %d\r\n%s\r\n" % (subject, sid, len(payload), payload)


def route_info_over_tls(node):
    """The route INFO a TLS handshake (with a certificate of the test CA) leads to."""
    raw = socket.create_connection(("127.0.0.1", node.cluster_port), timeout=5)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(PKI.ca.cert)
    ctx.load_cert_chain(PKI.server.cert, PKI.server.key)
    with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as s:
        s.settimeout(5)
        data = b""
        while b"\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    line = data.split(b"\r\n")[0]
    assert line.startswith(b"INFO "), data
    return json.loads(line[5:])


def first_bytes_in_the_clear(node):
    """What a plaintext peer gets from the route port after sending a CONNECT (until EOF)."""
    with socket.create_connection(("127.0.0.1", node.cluster_port), timeout=5) as s:
        s.sendall(b'CONNECT {"name":"x"}\r\n')
        s.settimeout(5)
        data = b""
        while True:
            try:
                chunk = s.recv(4096)
            except (ConnectionResetError, socket.timeout):
                break
            if not chunk:
                break
            data += chunk
        return data


class RouteTls(unittest.TestCase):
    def node(self, conf=None, binary=None, **kw):
        if conf is None:
            conf = cluster_conf()
        d = tempfile.mkdtemp(prefix="zats-ctls-")
        path = os.path.join(d, "node.conf")
        with open(path, "w") as f:
            f.write(conf)
        self.addCleanup(lambda: (os.unlink(path), os.rmdir(d)))
        n = Node(binary, extra=["-c", path], route_tls=True, **kw)
        n.conf_path = path
        return n

    def start(self, *nodes):
        for n in nodes:
            n.start()
            self.addCleanup(n.stop)
        return nodes

    def mesh(self, nodes):
        for n in nodes:
            n.wait_routes(len(nodes) - 1)

    def pub_sub_across(self, nodes):
        subs = []
        for n in nodes:
            s = n.client()
            s.send(b"SUB tls.> 1\r\n")
            s.ping()
            subs.append(s)
        for k, pub_node in enumerate(nodes):
            pub = pub_node.client()
            for s in subs:
                wait_interest(pub, s, b"tls.probe", b"1")
            for s in subs:
                drain_probes(s, b"tls.probe")
            payload = b"from-%d" % k
            pub.send(b"PUB tls.x %d\r\n%s\r\n" % (len(payload), payload))
            pub.ping()
            for s in subs:
                s.expect(msg(b"tls.x", b"1", payload))

    def remote_ids(self, node):
        return sorted(r["remote_id"] for r in node.routez()["routes"])

    def wait_log(self, node, text, count=1, timeout=15):
        return wait_for("%s to log %r %d time(s)" % (node.describe(), text, count),
                        lambda: node.full_log().count(text) >= count, timeout)


class ZatsRoutes(RouteTls):
    def test_three_nodes_mesh_over_tls(self):
        a = self.node(name="A")
        b = self.node(name="B", routes=[a])
        c = self.node(name="C", routes=[b])  # meets A through B's gossip, by address
        self.start(a, b, c)
        self.mesh([a, b, c])
        self.pub_sub_across([a, b, c])
        for n in (a, b, c):
            cluster = n.varz()["cluster"]
            self.assertTrue(cluster.get("tls_required"), cluster)
            self.assertTrue(cluster.get("tls_verify"), cluster)
            self.assertEqual(cluster.get("tls_timeout"), 2)
            self.assertIn("Route connection created", n.full_log())
            self.assertNotIn("TLS route handshake error", n.full_log())
        info = route_info_over_tls(a)
        self.assertTrue(info.get("tls_required"), info)
        self.assertTrue(info.get("tls_verify"), info)
        self.assertNotEqual(first_bytes_in_the_clear(a)[:4], b"INFO")
        self.wait_log(a, "TLS route handshake error: tls: first record does not look like a TLS handshake")

    def test_wrong_ca_and_plaintext_peers_are_refused_logged_and_retried(self):
        a = self.node(name="A")
        good = self.node(name="G", routes=[a])
        rogue = self.node(cluster_conf(cert=PKI.rogue, ca=PKI.other_ca), name="R", routes=[a])
        plain = Node(name="P", routes=[a])  # no TLS at all
        self.start(a, good, rogue, plain)
        a.wait_routes(1)
        # The rogue dials, fails to verify A's certificate, logs it and dials again a second later.
        self.wait_log(rogue, "TLS route handshake error: tls: failed to verify certificate", 2)
        self.wait_log(a, "TLS route handshake error", 3)
        self.wait_log(a, "first record does not look like a TLS handshake")
        self.assertEqual(self.remote_ids(a), [good.server_id()])
        self.assertEqual(rogue.routez()["num_routes"], 0)
        self.assertEqual(plain.routez()["num_routes"], 0)
        self.assertIn("Router connection closed: TLS Handshake Failure", rogue.full_log())

    def test_the_dialled_name_is_verified_unless_insecure(self):
        a = self.node(cluster_conf(cert=PKI.named), name="A")  # a certificate for DNS:localhost only
        f = self.node(cluster_conf(cert=PKI.named), name="F")
        self.start(a, f)
        by_address = self.node(name="B", routes=["nats-route://127.0.0.1:%d" % a.cluster_port])
        # Dialled by name; F by address, checked against the first name among the routes.
        by_name = self.node(name="C", routes=["nats-route://localhost:%d" % a.cluster_port,
                                              "nats-route://127.0.0.1:%d" % f.cluster_port])
        insecure = self.node(cluster_conf(tls_extra="    insecure: true\n"), name="D",
                             routes=["nats-route://127.0.0.1:%d" % a.cluster_port])
        self.start(by_address, by_name, insecure)
        # (D, gossiped, may join them: only the two routes C dialled are looked for.)
        wait_for("C to route to A and F", lambda: {a.server_id(), f.server_id()} <= set(self.remote_ids(by_name)))
        wait_for("D to route to A", lambda: a.server_id() in self.remote_ids(insecure))
        self.wait_log(by_address, "TLS route handshake error: tls: failed to verify certificate: IP address mismatch")
        self.assertEqual(by_address.routez()["num_routes"], 0)
        self.assertIn("TLS certificate chain and hostname of solicited routes will not be verified. "
                      "DO NOT USE IN PRODUCTION!", insecure.full_log())

    def test_verify_and_map_takes_the_cluster_user_from_the_certificate(self):
        # The cluster's user comes with --cluster (which replaces the file's credentials, as in
        # nats-server): the subject of the peer certificate.
        a = self.node(cluster_conf(tls_extra="    verify_and_map: true\n"), name="A", cluster_user=("CN=peer", "unused"))
        self.start(a)
        mapped = self.node(cluster_conf(cert=PKI.peer), name="M", routes=[a])
        unmapped = self.node(cluster_conf(cert=PKI.other), name="U", routes=[a])
        self.start(mapped, unmapped)
        wait_for("M to route to A", lambda: self.remote_ids(a) == [mapped.server_id()])
        self.wait_log(a, "authentication error", 2)  # refused, and refused again on the retry
        self.wait_log(unmapped, "Authorization Violation")
        self.assertEqual(self.remote_ids(a), [mapped.server_id()])

    def test_pinned_certs_and_their_reload(self):
        pins = lambda cert: '    pinned_certs: ["%s"]\n' % PKI.spki_sha256(cert)  # noqa: E731
        a = self.node(cluster_conf(tls_extra=pins(PKI.peer)), name="A")
        self.start(a)
        pinned = self.node(cluster_conf(cert=PKI.peer), name="P", routes=[a])
        other = self.node(cluster_conf(cert=PKI.other), name="O", routes=[a])
        self.start(pinned, other)
        wait_for("P to route to A", lambda: self.remote_ids(a) == [pinned.server_id()])
        self.wait_log(a, "TLS route handshake error: certificate not pinned")
        # Pin the other certificate instead: P's route is closed, O's retry gets in.
        with open(a.conf_path, "w") as f:
            f.write(cluster_conf(tls_extra=pins(PKI.other)))
        a.proc.send_signal(signal.SIGHUP)
        self.wait_log(a, "certificate no longer pinned")
        wait_for("O to route to A instead of P", lambda: self.remote_ids(a) == [other.server_id()])

    def test_new_certificates_apply_to_new_routes_on_reload(self):
        b = self.node(cluster_conf(tls_extra='    pinned_certs: ["%s"]\n' % PKI.spki_sha256(PKI.peer)), name="B")
        self.start(b)
        a = self.node(cluster_conf(cert=PKI.other), name="A", routes=[b])
        self.start(a)
        self.wait_log(b, "TLS route handshake error: certificate not pinned")
        with open(a.conf_path, "w") as f:
            f.write(cluster_conf(cert=PKI.peer))
        a.proc.send_signal(signal.SIGHUP)
        wait_for("A's next dial to present the reloaded certificate", lambda: self.remote_ids(b) == [a.server_id()])

    def test_handshake_timeout(self):
        a = self.node(cluster_conf(tls_extra="    timeout: 0.5\n"), name="A")
        self.start(a)
        with socket.create_connection(("127.0.0.1", a.cluster_port), timeout=5) as s:
            started = time.monotonic()
            s.settimeout(5)
            try:
                self.assertEqual(s.recv(4096), b"")
            except ConnectionResetError:
                pass
            self.assertLess(time.monotonic() - started, 4)
        self.wait_log(a, "TLS route handshake error: timeout")

    def test_ports_file_names_tls_listeners(self):
        client_tls = 'tls {\n  cert_file: "%s"\n  key_file: "%s"\n}\n' % (PKI.server.cert, PKI.server.key)
        for binary in [None] + ([NATS] if NATS else []):
            tmp = tempfile.mkdtemp()
            node = self.node(cluster_conf() + client_tls, binary=binary)
            node.extra += ["--ports_file_dir", tmp]
            node.start()
            path = os.path.join(tmp, "%s_%d.ports" % (os.path.basename(node.binary), node.proc.pid))
            wait_for("the ports file", lambda: os.path.exists(path))
            with open(path) as f:
                ports = json.load(f)
            node.stop()
            for leftover in os.listdir(tmp):
                os.unlink(os.path.join(tmp, leftover))
            os.rmdir(tmp)
            self.assertEqual(ports["nats"], ["tls://127.0.0.1:%d" % node.port], node.describe())
            self.assertEqual(ports["cluster"], ["tls://127.0.0.1:%d" % node.cluster_port], node.describe())

    def test_check_config_accepts_a_full_block(self):
        conf = cluster_conf(tls_extra='    verify_cert_and_check_known_urls: true\n    verify_and_map: true\n'
                                      '    insecure: true\n    timeout: "1.5s"\n    connection_rate_limit: 5\n'
                                      '    cipher_suites: ["TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"]\n'
                                      '    curve_preferences: ["CurveP256"]\n    pinned_certs: ["%s"]\n'
                                      % PKI.spki_sha256(PKI.peer),
                            cluster_extra="  port: -1\n")
        binaries = [Node().binary] + ([NATS] if NATS else [])
        with tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False) as f:
            f.write(conf)
        self.addCleanup(os.unlink, f.name)
        for binary in binaries:
            r = subprocess.run([binary, "-t", "-c", f.name], capture_output=True, text=True, timeout=30)
            self.assertEqual(r.returncode, 0, (binary, r.stderr))
            self.assertIn("is valid", r.stderr + r.stdout)


@unittest.skipIf(NATS is None, "Debian's nats-server is not installed")
class MixedRoutes(RouteTls):
    def test_zats_dials_nats_server(self):
        n = self.node(binary=NATS, name="N")
        z = self.node(name="Z", routes=[n])
        self.start(n, z)
        self.mesh([n, z])
        self.pub_sub_across([n, z])
        self.assertNotIn("TLS route handshake error", z.full_log())

    def test_nats_server_dials_zats(self):
        z = self.node(name="Z")
        n = self.node(binary=NATS, name="N", routes=[z])
        self.start(z, n)
        self.mesh([z, n])
        self.pub_sub_across([z, n])
        self.assertNotIn("TLS route handshake error", z.full_log())

    def test_three_nodes_two_zats_one_nats_server_by_gossip(self):
        z1 = self.node(name="Z1")
        n = self.node(binary=NATS, name="N", routes=[z1])
        z2 = self.node(name="Z2", routes=[n])  # meets Z1 through N's gossip
        self.start(z1, n, z2)
        self.mesh([z1, n, z2])
        self.pub_sub_across([z1, n, z2])

    def test_the_route_info_says_tls_alike(self):
        z = self.node(name="Z")
        n = self.node(binary=NATS, name="N")
        self.start(z, n)
        for node in (z, n):
            info = route_info_over_tls(node)
            self.assertTrue(info.get("tls_required"), (node.describe(), info))
            self.assertTrue(info.get("tls_verify"), (node.describe(), info))
            cluster = node.varz()["cluster"]
            self.assertEqual((cluster.get("tls_required"), cluster.get("tls_verify"), cluster.get("tls_timeout")),
                             (True, True, 2), node.describe())

    def test_a_peer_of_another_ca_is_refused_either_way(self):
        z = self.node(name="Z")
        n = self.node(cluster_conf(cert=PKI.rogue, ca=PKI.other_ca), binary=NATS, name="N", routes=[z])
        self.start(z, n)
        self.wait_log(n, "TLS route handshake error", 2)  # refused, then retried
        self.wait_log(z, "TLS route handshake error", 2)
        z2 = self.node(name="Z2", routes=[n])
        self.start(z2)
        self.wait_log(z2, "TLS route handshake error: tls: failed to verify certificate", 2)
        for node in (z, n, z2):
            self.assertEqual(node.routez()["num_routes"], 0, node.describe())


if __name__ == "__main__":
    run_tests()
