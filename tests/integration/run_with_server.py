#!/usr/bin/env python3
# Starts the server in $ZATS_SERVER (default nats-server) through the harness, runs a program with
# every `{url}` argument replaced by the server's URL, and exits with the program's status.
# Usage: run_with_server.py [--timeout SECONDS] [--skip-if-rejected] [server args...] -- <program> [args with {url}]
# --skip-if-rejected: when the server exits at startup (e.g. it refuses `-c file`), print why and
# exit 77, which meson reports as SKIP, instead of failing.
import os
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server  # noqa: E402

SKIP = 77  # meson's exit status for a skipped test


def run_program(cmd, timeout):
    """Runs cmd in its own process group (node's test runner starts children) and kills the whole
    group on timeout or when this script is stopped."""
    proc = subprocess.Popen(cmd, start_new_session=True)
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        print("run_with_server.py: %s timed out after %.0fs" % (cmd[0], timeout), file=sys.stderr)
        return 124
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # leftovers of the group, if any
        except (ProcessLookupError, PermissionError):
            pass
        proc.wait()


def main(argv):
    if "--" not in argv:
        print(__doc__ or "usage: run_with_server.py [--timeout S] [server args] -- program {url}",
              file=sys.stderr)
        return 2
    i = argv.index("--")
    server_args, program = argv[:i], argv[i + 1:]
    timeout = 90.0
    skip_if_rejected = False
    while server_args[:1] in (["--timeout"], ["--skip-if-rejected"]):
        if server_args[0] == "--timeout":
            timeout = float(server_args[1])
            server_args = server_args[2:]
        else:
            skip_if_rejected = True
            server_args = server_args[1:]
    if not program:
        print("run_with_server.py: no program after --", file=sys.stderr)
        return 2
    srv = Server(*server_args)
    try:
        srv.start()
    except RuntimeError as e:
        exited = srv.proc is not None and srv.proc.poll() is not None
        if skip_if_rejected and exited:
            print("SKIP: the server rejected its arguments %s: %s" % (server_args, e))
            return SKIP
        raise
    try:
        cmd = [a.replace("{url}", srv.url) for a in program]
        rc = run_program(cmd, timeout)
        if srv.proc.poll() is not None:
            print("run_with_server.py: the server died during the run:\n" + srv.log_text(), file=sys.stderr)
            rc = rc or 1
        elif rc != 0:
            print("server log tail:\n" + srv.log_text(), file=sys.stderr)
    finally:
        srv.__exit__(None, None, None)
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
