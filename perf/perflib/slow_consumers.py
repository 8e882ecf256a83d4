"""Slow-consumer runs (perf/slow_consumer): when the server cut a slow
subscriber, as its /varz says, and whether a run's fast-subscriber figure can be trusted."""
import json
import threading
import time
import urllib.request


class VarzPoller:
    """Polls /varz slow_consumers in a thread; remembers when it first went up."""

    def __init__(self, url, period=0.05):
        self.url, self.period = url + "/varz", period
        self.t0 = None
        self.first = None  # seconds after t0 when slow_consumers first went above base
        self.first_at = None  # the same moment on time.monotonic()'s clock (CLOCK_MONOTONIC)
        self.last = None
        self.stop_ev = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def read(self):
        try:
            with urllib.request.urlopen(self.url, timeout=0.5) as r:
                return json.loads(r.read().decode()).get("slow_consumers")
        except (OSError, ValueError):
            return None

    def start(self):
        self.base = self.read() or 0
        self.t0 = time.monotonic()
        self.thread.start()

    def run(self):
        while not self.stop_ev.wait(self.period):
            v = self.read()
            if v is None:
                continue
            self.last = v
            if self.first is None and v > self.base:
                self.first_at = time.monotonic()
                self.first = self.first_at - self.t0

    def stop(self):
        """Stops polling; returns how many slow consumers the server counted meanwhile."""
        self.stop_ev.set()
        self.thread.join(timeout=2)
        v = self.read()
        if v is not None:
            self.last = v
        return None if self.last is None else self.last - self.base


def problems(s):
    """Why a fan-out run's fast-subscriber figure cannot be trusted (empty: it can)."""
    out = []
    if s.get("failed"):
        out.append("%d fast clients failed (cut by the server?)" % s["failed"])
    if s.get("timed_out"):
        out.append("timed out")
    if s.get("fast_starved"):
        out.append("%d fast subscribers got nothing" % s["fast_starved"])
    if s.get("expected", 0) > s.get("received", 0):
        out.append("missing deliveries")
    return out
