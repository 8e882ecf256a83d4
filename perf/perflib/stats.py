"""Small statistics helpers for the perf scripts: medians, ratios and rates, no numpy."""


def median(xs):
    xs = sorted(x for x in xs if x is not None)
    if not xs:
        return None
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2.0


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def rate_between(timeline, t0, t1):
    """Events per second between t0 and t1 (seconds) from a timeline of (seconds, cumulative
    count) samples, oldest first, each end interpolated between the samples around it; None
    when the timeline does not cover [t0, t1]."""
    def count_at(t):
        for (ta, na), (tb, nb) in zip(timeline, timeline[1:]):
            if ta <= t <= tb:
                return na + (nb - na) * ((t - ta) / (tb - ta) if tb > ta else 0)
        return None
    a, b = count_at(t0), count_at(t1)
    if a is None or b is None or t1 <= t0:
        return None
    return (b - a) / (t1 - t0)


def fmt_rate(x):
    if x is None:
        return "-"
    for unit, div in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(x) >= div:
            return "%.2f%s" % (x / div, unit)
    return "%.0f" % x if abs(x) >= 100 else "%.3g" % x  # fractions and small figures keep 3 digits


def fmt_ratio(r):
    return "-" if r is None else "%.2fx" % r
