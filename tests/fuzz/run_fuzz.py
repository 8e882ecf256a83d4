#!/usr/bin/env python3
"""Runs one libFuzzer target for a bounded time and says what it found.

    run_fuzz.py EXE SEEDS WORKDIR SECONDS [libFuzzer flags...]

The target reads its seed corpus (SEEDS, in the repository; never written) and its working
corpus WORKDIR/corpus, which keeps what earlier runs found. A crash, leak, sanitizer report,
timeout or out-of-memory is saved under WORKDIR/artifacts/ and the exit code is non-zero.
WORKDIR/totals.json adds up executions and seconds over every run. meson test runs this for the
short runs of tools/test; tools/fuzz runs it for long ones.
"""
import json
import os
import re
import subprocess
import sys
import time


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    exe, seeds, workdir, seconds = sys.argv[1:5]
    extra = sys.argv[5:]
    name = os.path.basename(exe)
    corpus = os.path.join(workdir, "corpus")
    artifacts = os.path.join(workdir, "artifacts")
    os.makedirs(corpus, exist_ok=True)
    os.makedirs(artifacts, exist_ok=True)
    env = dict(os.environ)
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
    env.setdefault("UBSAN_OPTIONS", "halt_on_error=1:print_stacktrace=1")
    # -timeout is per input, in wall time: generous, since a niced fuzzer on a busy machine can
    # wait seconds for a CPU; a real hang still shows.
    cmd = [exe, corpus, seeds, "-max_total_time=%d" % int(seconds), "-timeout=60",
           "-rss_limit_mb=2048", "-print_final_stats=1",
           "-artifact_prefix=" + artifacts + os.sep] + extra
    started = time.monotonic()
    # Generous bound over the run itself: libFuzzer stops on its own at max_total_time.
    proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          timeout=int(seconds) + 300)
    elapsed = time.monotonic() - started
    log = proc.stdout.decode("utf-8", "replace")
    with open(os.path.join(workdir, "last.log"), "w") as f:
        f.write(log)
    execs = sum(int(n) for n in re.findall(r"stat::number_of_executed_units:\s*(\d+)", log))
    found = proc.returncode != 0
    totals_path = os.path.join(workdir, "totals.json")
    try:
        with open(totals_path) as f:
            totals = json.load(f)
    except (OSError, ValueError):
        totals = {"runs": 0, "executions": 0, "seconds": 0.0, "findings": 0}
    totals["runs"] += 1
    totals["executions"] += execs
    totals["seconds"] = round(totals["seconds"] + elapsed, 1)
    totals["findings"] += 1 if found else 0
    with open(totals_path, "w") as f:
        json.dump(totals, f, indent=1)
    corpus_size = len(os.listdir(corpus))
    print("%s: %d executions in %.0f s, working corpus %d inputs; all runs so far: %d executions"
          % (name, execs, elapsed, corpus_size, totals["executions"]))
    if found:
        print(log[-6000:])
        print("%s: FOUND a problem (exit %d); inputs saved in %s" % (name, proc.returncode, artifacts))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
