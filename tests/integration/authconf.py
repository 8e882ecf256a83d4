# Helpers shared by test_auth.py, test_config.py and test_reload.py: the example configs under
# configs/, writing a config into a temp dir, and logging in over a raw connection.
import os
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CONFIGS = os.path.join(HERE, "configs")
BCRYPT_S3CR3T = "$2a$06$ZD3xliPKwG5Hu2MDyEHpD.hkjrg3HwrtKu2VIPj8YmcXB5vY4468m"


def config_path(name):
    return os.path.join(CONFIGS, name)


class TempConfig:
    """A config file in a temp dir that a test can rewrite (for reloads)."""

    def __init__(self, text):
        self.dir = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.dir.name, "server.conf")
        self.write(text)

    def write(self, text):
        with open(self.path + ".tmp", "w") as f:
            f.write(text)
        os.replace(self.path + ".tmp", self.path)

    def cleanup(self):
        self.dir.cleanup()


def connect_json(user=None, password=None, token=None, verbose=False, **extra):
    import json
    d = {"verbose": verbose, "pedantic": False}
    if user is not None:
        d["user"] = user
    if password is not None:
        d["pass"] = password
    if token is not None:
        d["auth_token"] = token
    d.update(extra)
    return json.dumps(d).encode()


def login(server, user=None, password=None, token=None, **extra):
    """Open a connection and log in; returns (conn, info). Fails the test if the login fails."""
    c = server.client()
    info = c.read_info()
    c.send(b"CONNECT " + connect_json(user, password, token, **extra) + b"\r\nPING\r\n")
    c.expect(b"PONG\r\n")
    return c, info
