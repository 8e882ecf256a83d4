"""Small statistics helpers for the perf scripts: medians and ratios, no numpy."""


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


def fmt_rate(x):
    if x is None:
        return "-"
    for unit, div in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(x) >= div:
            return "%.2f%s" % (x / div, unit)
    return "%.0f" % x


def fmt_ratio(r):
    return "-" if r is None else "%.2fx" % r
