# A throw-away PKI for the TLS tests, made with the openssl CLI in a temporary directory when a
# test runs (nothing secret is committed): a CA, a server certificate for localhost/127.0.0.1,
# client certificates with chosen subjects and alternative names, an expired one, and an
# unrelated second CA. P-256 keys: fast to make and to use.
import hashlib
import os
import shutil
import subprocess
import tempfile


def _run(*args, cwd=None):
    r = subprocess.run(["openssl"] + list(args), cwd=cwd, capture_output=True, text=True, timeout=30)
    if r.returncode != 0:
        raise RuntimeError("openssl %s failed: %s" % (" ".join(args), r.stderr))
    return r.stdout


def available():
    return shutil.which("openssl") is not None


class Cert:
    def __init__(self, cert, key):
        self.cert = cert
        self.key = key


class Pki:
    def __init__(self):
        self._dir = tempfile.TemporaryDirectory(prefix="zats-tls-")
        self.dir = self._dir.name
        self.ca = self._make_ca("ca", "/CN=zats test CA")
        self.other_ca = self._make_ca("other-ca", "/CN=some other CA")
        self.server = self.leaf("server", "/CN=localhost", "DNS:localhost,IP:127.0.0.1")

    def cleanup(self):
        self._dir.cleanup()

    def path(self, name):
        return os.path.join(self.dir, name)

    def _key(self, name):
        key = self.path(name + "-key.pem")
        _run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key)
        return key

    def _make_ca(self, name, subject):
        key = self._key(name)
        cert = self.path(name + ".pem")
        _run("req", "-x509", "-new", "-key", key, "-out", cert, "-days", "2", "-subj", subject,
             "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        return Cert(cert, key)

    def leaf(self, name, subject, alt_names="", ca=None, expired=False):
        """A certificate signed by `ca` (default: the test CA). alt_names: "email:a@b,DNS:x,URI:y"."""
        ca = ca or self.ca
        key = self._key(name)
        csr = self.path(name + ".csr")
        cert = self.path(name + ".pem")
        _run("req", "-new", "-key", key, "-out", csr, "-subj", subject, "-multivalue-rdn")
        ext = self.path(name + ".ext")
        with open(ext, "w") as f:
            f.write("basicConstraints=CA:FALSE\n")
            if alt_names:
                f.write("subjectAltName=%s\n" % alt_names)
        if not expired:
            _run("x509", "-req", "-in", csr, "-CA", ca.cert, "-CAkey", ca.key, "-CAcreateserial",
                 "-out", cert, "-days", "2", "-extfile", ext)
        else:
            self._sign_expired(csr, cert, ext, ca)
        return Cert(cert, key)

    def _sign_expired(self, csr, cert, ext, ca):
        # `openssl ca` takes explicit dates (x509 -req cannot back-date in OpenSSL 3.0).
        db = self.path("ca-db")
        os.makedirs(db, exist_ok=True)
        open(os.path.join(db, "index.txt"), "a").close()
        conf = os.path.join(db, "ca.conf")
        with open(conf, "w") as f:
            f.write("[ca]\ndefault_ca=test\n[test]\ndir=%s\ndatabase=$dir/index.txt\nnew_certs_dir=$dir\n"
                    "serial=$dir/serial\ndefault_md=sha256\npolicy=any\nunique_subject=no\n"
                    "[any]\ncommonName=supplied\n" % db)
        with open(os.path.join(db, "serial"), "w") as f:
            f.write("1000\n")
        _run("ca", "-batch", "-config", conf, "-cert", ca.cert, "-keyfile", ca.key, "-in", csr, "-out", cert,
             "-startdate", "20200101000000Z", "-enddate", "20200102000000Z", "-extfile", ext, "-notext")

    def with_chain(self, name, cert, *others):
        """`cert` with the certificates a client sends after its own (say, intermediates) in its file."""
        path = self.path(name + ".pem")
        with open(path, "w") as out:
            for c in (cert,) + others:
                with open(c.cert) as f:
                    out.write(f.read())
        return Cert(path, cert.key)

    def spki_sha256(self, cert):
        """The hex SHA-256 of the certificate's DER SubjectPublicKeyInfo (pinned_certs)."""
        pub = _run("x509", "-in", cert.cert, "-pubkey", "-noout")
        der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "DER"], input=pub.encode(),
                             capture_output=True, timeout=30, check=True).stdout
        return hashlib.sha256(der).hexdigest()

    def cert_sha256(self, cert):
        """The hex SHA-256 of the whole DER certificate."""
        der = subprocess.run(["openssl", "x509", "-in", cert.cert, "-outform", "DER"],
                             capture_output=True, timeout=30, check=True).stdout
        return hashlib.sha256(der).hexdigest()
