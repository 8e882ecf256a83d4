"""Command-line flags that change what clients see, checked the same way against zats and
nats-server: --client_advertise sets INFO's host and port (the port defaults to the listen
port), and Go-style flag spellings (-a, --addr=, -port=) are all accepted."""
import json
import unittest

import harness


def info_of(server):
    with server.client() as c:
        return c.read_info()


class ClientAdvertise(unittest.TestCase):
    def test_host_and_port(self):
        with harness.Server("--client_advertise", "10.1.2.3:4333") as s:
            info = info_of(s)
            self.assertEqual((info["host"], info["port"]), ("10.1.2.3", 4333))

    def test_host_only_keeps_the_listen_port(self):
        with harness.Server("--client_advertise=myhost") as s:
            info = info_of(s)
            self.assertEqual((info["host"], info["port"]), ("myhost", s.port))

    def test_ipv6_with_port(self):
        with harness.Server("-client_advertise", "[::1]:4444") as s:
            info = info_of(s)
            self.assertEqual((info["host"], info["port"]), ("::1", 4444))


class FlagSpellings(unittest.TestCase):
    def test_single_and_double_dash_with_and_without_equals(self):
        # harness passes -a/-p itself; the extra flags use the other spellings.
        with harness.Server("--server_name=spelled", "-max_traced_msg_len=0") as s:
            self.assertEqual(info_of(s)["server_name"], "spelled")


if __name__ == "__main__":
    harness.run_tests()
