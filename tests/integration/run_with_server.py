#!/usr/bin/env python3
# Starts the server in $ZATS_SERVER (default nats-server) through the harness, runs a program with
# every `{url}` argument replaced by the server's URL, and exits with the program's status.
# Usage: run_with_server.py [--timeout SECONDS] [server args...] -- <program> [args with {url}]
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server  # noqa: E402


def main(argv):
    if "--" not in argv:
        print(__doc__ or "usage: run_with_server.py [--timeout S] [server args] -- program {url}",
              file=sys.stderr)
        return 2
    i = argv.index("--")
    server_args, program = argv[:i], argv[i + 1:]
    timeout = 90.0
    if server_args[:1] == ["--timeout"]:
        timeout = float(server_args[1])
        server_args = server_args[2:]
    if not program:
        print("run_with_server.py: no program after --", file=sys.stderr)
        return 2
    with Server(*server_args) as srv:
        cmd = [a.replace("{url}", srv.url) for a in program]
        try:
            rc = subprocess.run(cmd, timeout=timeout).returncode
        except subprocess.TimeoutExpired:
            print("run_with_server.py: %s timed out after %.0fs" % (cmd[0], timeout), file=sys.stderr)
            rc = 124
        if srv.proc.poll() is not None:
            print("run_with_server.py: the server died during the run:\n" + srv.log_text(), file=sys.stderr)
            rc = rc or 1
        elif rc != 0:
            print("server log tail:\n" + srv.log_text(), file=sys.stderr)
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
