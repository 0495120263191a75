#!/usr/bin/env python3
"""Plot a packets-per-second harness result (bench/results/pps-*.json) as SVG, with the standard library only.

    scripts/pps-plot.py bench/results/pps-sweep-quick-20260101-120000.json     # writes ...json -> ...svg

  sweep      goodput against offered load: replied and received pps over offered pps, with the y = x line
             (everything answered) and the peak marked; where the curve falls, the core is livelocked by softirq.
  workers    replied pps against worker count.
  responders replied pps per responder and batch size, as horizontal bars.
"""

import json
import math
import os
import sys
from xml.sax.saxutils import escape

WIDTH, HEIGHT = 760, 460
LEFT, RIGHT, TOP, BOTTOM = 90, 30, 50, 70
COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"]


def nice_max(value):
    """The smallest 1, 2 or 5 times a power of ten at or above value."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power


def label(value):
    if value >= 1e6:
        return f"{value / 1e6:g} M"
    if value >= 1e3:
        return f"{value / 1e3:g} k"
    return f"{value:g}"


class Svg:
    def __init__(self, title, subtitle):
        self.parts = [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
            f'font-family="sans-serif" font-size="12">',
            f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
            f'<text x="{WIDTH / 2}" y="22" text-anchor="middle" font-size="15">{escape(title)}</text>',
            f'<text x="{WIDTH / 2}" y="38" text-anchor="middle" fill="#555">{escape(subtitle)}</text>',
        ]

    def add(self, text):
        self.parts.append(text)

    def text(self):
        return "\n".join(self.parts + ["</svg>"]) + "\n"


def axes(svg, x_max, y_max, x_title, y_title, x_ticks=None):
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    x = lambda v: LEFT + plot_w * v / x_max
    y = lambda v: TOP + plot_h * (1 - v / y_max)
    for i in range(6):
        value = y_max * i / 5
        svg.add(f'<line x1="{LEFT}" y1="{y(value):.1f}" x2="{WIDTH - RIGHT}" y2="{y(value):.1f}" stroke="#ddd"/>')
        svg.add(f'<text x="{LEFT - 6}" y="{y(value) + 4:.1f}" text-anchor="end">{label(value)}</text>')
    for value in (x_ticks if x_ticks is not None else [x_max * i / 5 for i in range(6)]):
        svg.add(f'<line x1="{x(value):.1f}" y1="{TOP}" x2="{x(value):.1f}" y2="{HEIGHT - BOTTOM}" stroke="#eee"/>')
        svg.add(f'<text x="{x(value):.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">{label(value)}</text>')
    svg.add(f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#333"/>')
    svg.add(f'<text x="{LEFT + plot_w / 2}" y="{HEIGHT - 30}" text-anchor="middle">{escape(x_title)}</text>')
    svg.add(f'<text transform="translate(22 {TOP + plot_h / 2}) rotate(-90)" text-anchor="middle">'
            f'{escape(y_title)}</text>')
    return x, y


def polyline(svg, points, colour, name, index, dashed=False):
    dash = ' stroke-dasharray="6 4"' if dashed else ""
    path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
    svg.add(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>')
    if not dashed:
        for px, py in points:
            svg.add(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3.5" fill="{colour}"/>')
    legend_y = TOP + 16 + 16 * index
    svg.add(f'<line x1="{LEFT + 12}" y1="{legend_y - 4}" x2="{LEFT + 36}" y2="{legend_y - 4}" stroke="{colour}" '
            f'stroke-width="2"{dash}/>')
    svg.add(f'<text x="{LEFT + 42}" y="{legend_y}">{escape(name)}</text>')


def ok_runs(data):
    """Successful runs; of repeated configurations, the run with the median replied pps (as the tables show)."""
    groups = {}
    for run in data["runs"]:
        if not run.get("error"):
            key = (run["responder"], run["batch"], run["workers"], str(run["target_pps"]))
            groups.setdefault(key, []).append(run)
    medians = []
    for runs in groups.values():
        runs.sort(key=lambda r: r["replied_pps"])
        medians.append(runs[(len(runs) - 1) // 2])
    return medians


def sweep(data, svg):
    runs = sorted(ok_runs(data), key=lambda run: run["offered_pps"])
    if not runs:
        sys.exit("no successful runs to plot")
    top = nice_max(max(max(r["offered_pps"], r["received_pps"], r["replied_pps"]) for r in runs))
    x, y = axes(svg, top, top, "offered load (pps, measured at the flood)", "pps")
    polyline(svg, [(x(0), y(0)), (x(top), y(top))], "#999", "everything answered (y = x)", 0, dashed=True)
    polyline(svg, [(x(r["offered_pps"]), y(r["replied_pps"])) for r in runs], COLOURS[0],
             f'{runs[0]["responder"]} replied (HVRs sent)', 1)
    polyline(svg, [(x(r["offered_pps"]), y(r["received_pps"])) for r in runs], COLOURS[1],
             f'{runs[0]["responder"]} received', 2)
    peak = max(runs, key=lambda r: r["replied_pps"])
    maxed = [r for r in runs if r.get("target_pps") == "max"]
    last = maxed[-1] if maxed else runs[-1]
    svg.add(f'<text x="{x(peak["offered_pps"]):.1f}" y="{y(peak["replied_pps"]) - 10:.1f}" text-anchor="middle">'
            f'peak {label(round(peak["replied_pps"]))}</text>')
    fall = last["replied_pps"] / peak["replied_pps"] if peak["replied_pps"] else 0
    return f'peak {peak["replied_pps"]:,.0f} pps replied at {peak["offered_pps"]:,.0f} offered; ' \
           f'at the highest load {last["replied_pps"]:,.0f} ({fall:.2f} of peak)'


def workers(data, svg):
    runs = sorted(ok_runs(data), key=lambda run: run["workers"])
    if not runs:
        sys.exit("no successful runs to plot")
    most = max(r["workers"] for r in runs)
    top = nice_max(max(max(r["replied_pps"], r["offered_pps"]) for r in runs))
    x, y = axes(svg, most + 1, top, "workers (SO_REUSEPORT sockets, one pinned thread each)", "pps",
                x_ticks=list(range(0, most + 2)))
    polyline(svg, [(x(r["workers"]), y(r["replied_pps"])) for r in runs], COLOURS[0], "replied", 0)
    polyline(svg, [(x(r["workers"]), y(r["offered_pps"])) for r in runs], COLOURS[1], "offered", 1)
    return ", ".join(f'{r["workers"]}: {r["replied_pps"]:,.0f}' for r in runs)


def responders(data, svg):
    runs = ok_runs(data)
    if not runs:
        sys.exit("no successful runs to plot")
    top = nice_max(max(r["replied_pps"] for r in runs))
    plot_w = WIDTH - 200 - RIGHT
    bar = max(8, min(24, (HEIGHT - TOP - BOTTOM) // max(1, len(runs)) - 4))
    for i in range(6):
        gx = 200 + plot_w * i / 5
        svg.add(f'<line x1="{gx:.1f}" y1="{TOP}" x2="{gx:.1f}" y2="{HEIGHT - BOTTOM}" stroke="#ddd"/>')
        svg.add(f'<text x="{gx:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">{label(top * i / 5)}</text>')
    names = sorted({r["responder"] for r in runs}, key=[r["responder"] for r in runs].index)
    for i, r in enumerate(runs):
        by = TOP + 6 + i * (bar + 4)
        width = plot_w * r["replied_pps"] / top
        colour = COLOURS[names.index(r["responder"]) % len(COLOURS)]
        svg.add(f'<text x="194" y="{by + bar * 0.7:.1f}" text-anchor="end">'
                f'{escape(r["responder"])} batch {r["batch"]}</text>')
        svg.add(f'<rect x="200" y="{by}" width="{width:.1f}" height="{bar}" fill="{colour}"/>')
        svg.add(f'<text x="{200 + width + 4:.1f}" y="{by + bar * 0.7:.1f}">{r["replied_pps"]:,.0f}</text>')
    svg.add(f'<text x="{200 + plot_w / 2}" y="{HEIGHT - 30}" text-anchor="middle">replied pps</text>')
    return f"{len(runs)} runs"


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: pps-plot.py RESULT.json")
    path = sys.argv[1]
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    mode = data.get("mode", "responders")
    subtitle = data.get("environment", "")[:110]
    title = {"sweep": "Goodput against offered load", "workers": "Packets per second by worker count",
             "responders": "Replied packets per second by responder"}.get(mode, mode)
    svg = Svg(title, subtitle)
    summary = {"sweep": sweep, "workers": workers}.get(mode, responders)(data, svg)
    out = os.path.splitext(path)[0] + ".svg"
    with open(out, "w", encoding="utf-8") as f:
        f.write(svg.text())
    print(f"pps-plot: {out}: {summary}")


if __name__ == "__main__":
    main()
