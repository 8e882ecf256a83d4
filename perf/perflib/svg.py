"""A small SVG writer for the perf plots: grouped bar charts and line charts.

No dependencies; output is plain SVG 1.1 that browsers and GitHub render.
"""
import math
from xml.sax.saxutils import escape

PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]


class Canvas:
    def __init__(self, width, height):
        self.w, self.h = width, height
        self.items = []

    def rect(self, x, y, w, h, fill, title=None):
        t = "<title>%s</title>" % escape(title) if title else ""
        self.items.append('<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s">%s</rect>'
                          % (x, y, max(w, 0), max(h, 0), fill, t))

    def line(self, x1, y1, x2, y2, stroke="#000", width=1, dash=None):
        d = ' stroke-dasharray="%s"' % dash if dash else ""
        self.items.append('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="%s"%s/>'
                          % (x1, y1, x2, y2, stroke, width, d))

    def polyline(self, pts, stroke, width=2):
        p = " ".join("%.1f,%.1f" % xy for xy in pts)
        self.items.append('<polyline points="%s" fill="none" stroke="%s" stroke-width="%s"/>' % (p, stroke, width))

    def text(self, x, y, s, size=12, anchor="start", rotate=None, weight="normal"):
        r = ' transform="rotate(%d %.1f %.1f)"' % (rotate, x, y) if rotate else ""
        self.items.append('<text x="%.1f" y="%.1f" font-family="sans-serif" font-size="%d" '
                          'text-anchor="%s" font-weight="%s"%s>%s</text>'
                          % (x, y, size, anchor, weight, r, escape(str(s))))

    def render(self):
        return ('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d">\n'
                '<rect width="100%%" height="100%%" fill="white"/>\n%s\n</svg>\n'
                % (self.w, self.h, self.w, self.h, "\n".join(self.items)))


def _legend(c, names, x, y):
    for i, n in enumerate(names):
        c.rect(x, y + i * 18 - 10, 12, 12, PALETTE[i % len(PALETTE)])
        c.text(x + 18, y + i * 18, n)


def bar_chart(title, groups, series, values, labels=None, ylabel="relative to best (1.0)"):
    """groups: x categories; series: bar names per group; values[g][s]: bar height
    (already normalised, >= 0); labels[g][s]: text over each bar."""
    W, H, L, R, T, B = max(640, 90 * len(groups) + 160), 420, 60, 150, 40, 90
    c = Canvas(W, H)
    c.text(W / 2, 22, title, 15, "middle", weight="bold")
    top = max([v for row in values for v in row if v is not None] + [1.0]) * 1.1
    ph, pw = H - T - B, W - L - R
    y = lambda v: T + ph - v / top * ph
    for k in range(0, 6):
        v = top * k / 5
        c.line(L, y(v), L + pw, y(v), "#ddd")
        c.text(L - 6, y(v) + 4, "%.2f" % v, 10, "end")
    c.text(16, T + ph / 2, ylabel, 11, "middle", rotate=-90)
    gw = pw / max(1, len(groups))
    bw = gw * 0.8 / max(1, len(series))
    for gi, g in enumerate(groups):
        x0 = L + gi * gw + gw * 0.1
        for si, s in enumerate(series):
            v = values[gi][si]
            if v is None:
                continue
            c.rect(x0 + si * bw, y(v), bw - 2, T + ph - y(v), PALETTE[si % len(PALETTE)],
                   "%s %s: %s" % (g, s, labels[gi][si] if labels else v))
            if labels:
                c.text(x0 + si * bw + bw / 2, y(v) - 4, labels[gi][si], 9, "middle")
        c.text(L + gi * gw + gw / 2, T + ph + 16, g, 11, "end", rotate=-35)
    c.line(L, T + ph, L + pw, T + ph)
    _legend(c, series, L + pw + 20, T + 20)
    return c.render()


def percentile_chart(title, curves):
    """curves: {name: [(percentile, value_ns), ...]}; x is log-scaled as
    1/(1-q/100) (50, 90, 99, 99.9, ... evenly spaced), y is latency in us."""
    W, H, L, R, T, B = 760, 440, 70, 200, 40, 60
    c = Canvas(W, H)
    c.text(W / 2, 22, title, 15, "middle", weight="bold")
    pts = {n: [(q, v) for q, v in pts if q < 100] for n, pts in curves.items()}
    xs = lambda q: math.log10(1.0 / (1.0 - q / 100.0))
    xmax = max([xs(q) for p in pts.values() for q, _ in p] + [xs(99.99)])
    vmax = max([v for p in pts.values() for _, v in p] + [1]) / 1e3 * 1.1
    ph, pw = H - T - B, W - L - R
    X = lambda q: L + (xs(q) - xs(50)) / (xmax - xs(50)) * pw
    Y = lambda us: T + ph - us / vmax * ph
    for q in (50, 90, 99, 99.9, 99.99, 99.999):
        if xs(q) <= xmax + 1e-9:
            c.line(X(q), T, X(q), T + ph, "#ddd")
            c.text(X(q), T + ph + 16, "p%g" % q, 10, "middle")
    for k in range(0, 6):
        v = vmax * k / 5
        c.line(L, Y(v), L + pw, Y(v), "#eee")
        c.text(L - 6, Y(v) + 4, "%.0f" % v, 10, "end")
    c.text(18, T + ph / 2, "latency (us)", 11, "middle", rotate=-90)
    c.text(L + pw / 2, H - 14, "percentile", 11, "middle")
    for i, (n, p) in enumerate(sorted(pts.items())):
        if p:
            c.polyline([(X(q), Y(v / 1e3)) for q, v in p], PALETTE[i % len(PALETTE)])
    c.line(L, T + ph, L + pw, T + ph)
    _legend(c, sorted(pts), L + pw + 20, T + 20)
    return c.render()


def line_chart(title, xlabel, ylabel, series):
    """series: {name: [(x, y), ...]}, linear axes from 0 (the scaling plots)."""
    W, H, L, R, T, B = 760, 440, 80, 200, 40, 60
    c = Canvas(W, H)
    c.text(W / 2, 22, title, 15, "middle", weight="bold")
    allp = [p for s in series.values() for p in s]
    xmax = max([x for x, _ in allp] + [1])
    ymax = max([y for _, y in allp] + [1]) * 1.1
    ph, pw = H - T - B, W - L - R
    X = lambda x: L + x / xmax * pw
    Y = lambda y: T + ph - y / ymax * ph
    for x in sorted({x for x, _ in allp}):
        c.line(X(x), T, X(x), T + ph, "#eee")
        c.text(X(x), T + ph + 16, "%g" % x, 10, "middle")
    for k in range(0, 6):
        v = ymax * k / 5
        c.line(L, Y(v), L + pw, Y(v), "#eee")
        c.text(L - 6, Y(v) + 4, "%.3g" % v, 10, "end")
    c.text(18, T + ph / 2, ylabel, 11, "middle", rotate=-90)
    c.text(L + pw / 2, H - 14, xlabel, 11, "middle")
    for i, (n, p) in enumerate(sorted(series.items())):
        p = sorted(p)
        c.polyline([(X(x), Y(y)) for x, y in p], PALETTE[i % len(PALETTE)])
        for x, y in p:
            c.rect(X(x) - 2, Y(y) - 2, 4, 4, PALETTE[i % len(PALETTE)], "%s: %g" % (n, y))
    c.line(L, T + ph, L + pw, T + ph)
    _legend(c, sorted(series), L + pw + 20, T + 20)
    return c.render()
