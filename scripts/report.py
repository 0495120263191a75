#!/usr/bin/env python3
"""The one renderer of Turnstile's reports: the Java tools and harnesses write JSON, this draws the markdown and SVG a
person reads. Python 3 standard library only.

    scripts/report.py jmh RESULT.json              JMH JSON (run with -prof gc) -> markdown on stdout: score and
                                                    gc.alloc.rate.norm per benchmark, @AuxCounters, and Turnstile's
                                                    VerifierBenchmark over BouncyCastleVerifierBenchmark per MAC
    scripts/report.py pps RESULT.json              pps harness JSON -> RESULT.md (also printed: medians of repeats,
                                                    ratios to the baselines) and RESULT.svg (sweep: goodput against
                                                    offered load; workers: pps by worker count; responders: bars)
    scripts/report.py handshake RESULT.json        handshake harness JSON -> RESULT.md (also printed): one table, a
                                                    column per scenario
    scripts/report.py demo RUN_DIR OUT_PREFIX      scripts/demo's raw outputs -> OUT.md (also printed), OUT.json and
                                                    OUT.svg (pps and legit-client latency over time)
    scripts/report.py xdp RESULT.json              scripts/bench --xdp's raw counters -> derived rows added to
                                                    RESULT.json ("rows", "summary", "targets") and RESULT.md (also
                                                    printed): AF_XDP against the socket path per offered load
    scripts/report.py pcap-rtt FILE CLIENT SERVER PORT
                                                    a tcpdump of legit cookie exchanges -> one JSON object: per
                                                    exchange (client port and ClientHello.random), first hello out
                                                    to first reply back (kernel times)

Demo memory: the issue's target is "heap and RSS flat (+-5 %) across >= 10 M spoofed sources; 0 GC cycles during a
60 s flood". The server's stats lines carry its JVM's rss_kb, heap_used_bytes, heap_committed_bytes, gc_count, gc_ms
and direct_bytes every second, so the report compares the first line a few seconds into the flood (past JIT warm-up
and class loading) with the last line of the flood, and counts GCs over the whole flood. The before/after snapshots
(jstat, jcmd, /proc) taken 1 s after the server listened are kept as a second table, labelled as including warm-up.
"""

import glob
import json
import math
import os
import re
import sys
from xml.sax.saxutils import escape


# --- JMH ------------------------------------------------------------------------------------------------------------

TURNSTILE = "io.turnstile.bench.VerifierBenchmark"
BOUNCY_CASTLE = "io.turnstile.bench.BouncyCastleVerifierBenchmark"
OPERATIONS = ("hvr", "verified", "malformed")


def number(value):
    """Format a score with about three significant digits; n/a for NaN (one iteration has no error)."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return "n/a"
    if math.isnan(value):
        return "n/a"
    if value == 0:
        return "0"
    magnitude = abs(value)
    if magnitude >= 100:
        return f"{value:,.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    if magnitude >= 0.01:
        return f"{value:.2f}"
    return f"{value:.1e}"


def allocation(value):
    """Bytes per operation: three decimals below 10, where JMH's amortised noise (about 0.002) lives."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return "n/a"
    return f"{value:.3f}" if abs(value) < 10 else number(value)


def short_name(benchmark):
    return benchmark.replace("io.turnstile.bench.", "")


def params_text(entry):
    params = entry.get("params") or {}
    return ", ".join(f"{key}={value}" for key, value in params.items())


def jmh(path):
    """Summarise a JMH JSON result (run with -prof gc) as markdown on stdout."""
    with open(path, encoding="utf-8") as f:
        entries = json.load(f)
    if not entries:
        sys.exit(f"{path} holds no results")

    first = entries[0]
    print(f"# JMH results: {os.path.basename(path)}")
    print()
    print(f"- JDK {first.get('jdkVersion', '?')}, {first.get('vmName', '?')} {first.get('vmVersion', '')}")
    print(f"- forks {first.get('forks')}, warmup {first.get('warmupIterations')} x {first.get('warmupTime')}, "
          f"measurement {first.get('measurementIterations')} x {first.get('measurementTime')}, "
          f"mode {first.get('mode')}")
    print(f"- JVM args: `{' '.join(first.get('jvmArgs', []))}`")
    print()
    print("| Benchmark | Params | Score | ± Error | Unit | gc.alloc.rate.norm (B/op) |")
    print("|---|---|---:|---:|---|---:|")
    scores = {}
    for entry in entries:
        primary = entry["primaryMetric"]
        alloc = (entry.get("secondaryMetrics") or {}).get("gc.alloc.rate.norm")
        print(f"| {short_name(entry['benchmark'])} | {params_text(entry)} | {number(primary['score'])} | "
              f"{number(primary.get('scoreError'))} | {primary['scoreUnit']} | "
              f"{allocation(alloc['score']) if alloc else 'not measured'} |")
        scores[(entry["benchmark"], tuple(sorted((entry.get("params") or {}).items())))] = primary

    aux_counters(entries)
    ratios(scores)


def aux_counters(entries):
    """Secondary metrics that are not profiler output: JMH @AuxCounters (OPERATIONS are per second, EVENTS raw)."""
    rows = []
    for entry in entries:
        for metric, value in sorted((entry.get("secondaryMetrics") or {}).items()):
            if metric.startswith("gc.") or metric.startswith("·"):
                continue
            rows.append(f"| {short_name(entry['benchmark'])} | {params_text(entry)} | {metric} | "
                        f"{number(value.get('score'))} | {number(value.get('scoreError'))} | "
                        f"{value.get('scoreUnit', '')} |")
    if not rows:
        return
    print()
    print("## Aux counters")
    print()
    print("| Benchmark | Params | Counter | Score | ± Error | Unit |")
    print("|---|---|---|---:|---:|---|")
    for row in rows:
        print(row)


def ratios(scores):
    """Turnstile time / BouncyCastle time for each operation, MAC and BouncyCastle crypto."""
    turnstile = {}
    bouncy_castle = {}
    for (benchmark, params), primary in scores.items():
        clazz, _, operation = benchmark.rpartition(".")
        values = dict(params)
        if clazz == TURNSTILE and "mac" in values:
            turnstile[(operation, values["mac"])] = primary
        elif clazz == BOUNCY_CASTLE and "crypto" in values:
            bouncy_castle[(operation, values["crypto"])] = primary
    if not turnstile or not bouncy_castle:
        return

    cryptos = sorted({crypto for _, crypto in bouncy_castle})
    macs = []
    for _, mac in turnstile:
        if mac not in macs:
            macs.append(mac)
    print()
    print("## Turnstile / BouncyCastle")
    print()
    print("Time per datagram of Turnstile's verifier divided by BouncyCastle's DTLSVerifier's on the same datagram "
          "(lower is better; BouncyCastle's cookies are always HMAC-SHA256, so each column is one BouncyCastle "
          "crypto provider).")
    for operation in OPERATIONS:
        if not any(key[0] == operation for key in turnstile):
            continue
        print()
        print(f"### {operation}")
        print()
        print("| Turnstile MAC | " + " | ".join(f"vs BouncyCastle {crypto}" for crypto in cryptos) + " |")
        print("|---|" + "---:|" * len(cryptos))
        for mac in macs:
            ours = turnstile.get((operation, mac))
            if ours is None:
                continue
            cells = []
            for crypto in cryptos:
                theirs = bouncy_castle.get((operation, crypto))
                if theirs is None or theirs["scoreUnit"] != ours["scoreUnit"] or not theirs["score"]:
                    cells.append("n/a")
                    continue
                ratio = ours["score"] / theirs["score"]
                if ratio <= 1:
                    cells.append(f"{ratio:.3f} ({1 / ratio:.1f}x faster)")
                else:
                    cells.append(f"{ratio:.3f} ({ratio:.1f}x slower)")
            print(f"| {mac} | " + " | ".join(cells) + " |")


# --- packets per second --------------------------------------------------------------------------------------------

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


def pps_plot(path, data):
    """Plot a pps result as SVG next to it."""
    mode = data.get("mode", "responders")
    subtitle = data.get("environment", "")[:110]
    title = {"sweep": "Goodput against offered load", "workers": "Packets per second by worker count",
             "responders": "Replied packets per second by responder"}.get(mode, mode)
    svg = Svg(title, subtitle)
    summary = {"sweep": sweep, "workers": workers}.get(mode, responders)(data, svg)
    out = os.path.splitext(path)[0] + ".svg"
    with open(out, "w", encoding="utf-8") as f:
        f.write(svg.text())
    print(f"report: {out}: {summary}", file=sys.stderr)


def pps_batches(name):
    """Whether a responder has a batch size to vary: the NIO loops take one datagram per system call."""
    return name not in ("nio", "bc")


def pps_number(value):
    return f"{value:,.0f}".replace(",", " ")


def pps_table(rows):
    out = ["", "| responder | batch | workers | target | offered pps | received pps | replied pps | verified pps | "
           "dropped pps | socket drops pps | reply failures | load avg |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        target = "max" if r["target_pps"] == "max" else pps_number(r["target_pps"])
        head = f'| {r["responder"]} | {r["batch"]} | {r["workers"]} | {target}'
        if r.get("error"):
            out.append(head + " | FAILED: " + r["error"].replace("|", "/") + " ||||||||")
            continue
        out.append(head + "".join(f" | {pps_number(r[k])}" for k in (
            "offered_pps", "received_pps", "replied_pps", "verified_pps", "dropped_pps", "kernel_rcvbuf_drops_pps"))
            + f' | {r["reply_failures"]} | {r["load_average"]:.2f} |')
    return out


def pps_markdown(data):
    """The table a person reads: medians of repeats, and Turnstile's ratios to the baselines the issues target."""
    runs = data["runs"]
    groups = {}
    for r in runs:
        groups.setdefault((r["responder"], r["batch"], r["workers"], str(r["target_pps"])), []).append(r)
    medians = []
    for group in groups.values():
        ok = sorted((r for r in group if not r.get("error")), key=lambda r: r["replied_pps"])
        medians.append(ok[(len(ok) - 1) // 2] if ok else group[0])
    repeats = max((len(g) for g in groups.values()), default=1)
    out = [f'# Packets per second: {data["mode"]}', "", f'- {data["environment"]}']
    for topology in dict.fromkeys(r["topology"] for r in runs if r.get("topology")):
        out.append(f"- topology: {topology}")
    if repeats > 1:
        out += ["", f"Each configuration ran {repeats} times, interleaved; each row is the run with the median "
                    "replied pps (all runs below)."]
    out += pps_table(medians)
    out += ["", "_dropped_: the verifier's drops; _socket drops_: datagrams the kernel dropped at the responder's "
                "full receive buffer (/proc/net/udp), the load it did not keep up with; _reply failures_: replies not "
                "sent (kernel refused, queue full) in the window. UDP NoPorts over the measured windows "
                "(machine-wide; each is an ICMP port-unreachable, which the sink topologies avoid): "
                f'{sum(r["udp_no_ports"] for r in runs)}.']
    targets = {"mmsg-nocrypto": "≥ 0.95× (issue 4)", "nio": "≥ 1.5× (issue 3)", "netty": "≥ 1.2× (issue 3)"}
    lines = []
    for t in medians:
        if t["responder"] != "turnstile" or t.get("error") or t["workers"] != 1:
            continue
        for b in medians:
            name = b["responder"]
            if name == "turnstile" or b.get("error") or b["replied_pps"] <= 0 or b["workers"] != 1 or \
                    b["target_pps"] != t["target_pps"] or (pps_batches(name) and b["batch"] != t["batch"]):
                continue
            lines.append(f'| turnstile batch {t["batch"]} / {name}' +
                         (f' batch {b["batch"]}' if pps_batches(name) else "") +
                         f' | {t["replied_pps"] / b["replied_pps"]:.2f}× | {targets.get(name, "")} |')
    if lines:
        out += ["", "Replied pps, Turnstile over each baseline at the same target rate" +
                (" (medians)" if repeats > 1 else "") + ":", "", "| ratio | value | issue target |", "|---|---:|---|"]
        out += lines
    if repeats > 1:
        out += ["", "All runs:"] + pps_table(runs)
    out += ["", "Responders:", ""]
    out += list(dict.fromkeys(f'- `{r["responder"]}`: {r["description"]}' for r in runs))
    return "\n".join(out) + "\n"


def pps(path):
    """Write RESULT.md and RESULT.svg next to a pps harness result and print the markdown."""
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    markdown = pps_markdown(data)
    with open(os.path.splitext(path)[0] + ".md", "w", encoding="utf-8") as f:
        f.write(markdown)
    print(markdown, end="")
    if any(not r.get("error") for r in data["runs"]):
        pps_plot(path, data)


# --- handshakes ------------------------------------------------------------------------------------------------------

def handshake_markdown(data):
    """The scenarios of a handshake harness run side by side: one markdown table, a column per scenario."""
    scenarios = data["scenarios"]
    out = ["# Handshakes with and without a flood", "",
           f"Mode {data['mode']}, suite {data['suite']}, {data['clients']} clients, {data['duration_s']:.1f} s per "
           f"scenario (warm-up {data['warmup_s']:.1f} s), server worker on CPU {data['server_cpu']}, flood on CPU "
           f"{data['flood_cpu']}. Latencies in microseconds.", "",
           "| |" + "".join(f" {s['name']} |" for s in scenarios), "|---|" + "---:|" * len(scenarios)]

    def latency(key, percentile):
        return lambda s: str(s[key][percentile]) if s[key]["count"] else "-"

    rows = [
        ("flood sent pps", lambda s: f"{s['flood']['pps']:.0f}" if s["flood"] else "-"),
        ("flood mode", lambda s: s["flood"]["mode"] if s["flood"] else "-"),
        ("negotiated suite", lambda s: s["negotiated_suites"]),
        ("handshakes completed", lambda s: str(s["completed"])),
        ("handshakes/s (in window)", lambda s: f"{s['handshakes_per_s']:.1f}"),
        ("last client done, s", lambda s: f"{s['elapsed_s']:.1f}"),
        ("failed", lambda s: str(s["failed"])),
        ("failures", lambda s: "{" + ", ".join(f"{k}={v}" for k, v in s["failures"].items()) + "}"
            if s["failures"] else "-"),
    ]
    rows += [(f"handshake {name}", latency("handshake_us", key))
             for name, key in (("p50", "p50"), ("p90", "p90"), ("p99", "p99"), ("p99.9", "p999"), ("max", "max"))]
    rows += [(f"echo RTT {name}", latency("echo_us", name)) for name in ("p50", "p99", "max")]
    rows += [(f"server {name}", lambda s, key=key: str(s["server"][key]))
             for name, key in (("rx", "received"), ("HVR", "hvr"), ("verified", "verified"), ("dropped", "dropped"),
                               ("handshakes completed", "handshakes_completed"),
                               ("handshakes failed", "handshakes_failed"), ("refused by cap", "refused_by_cap"))]
    for label_text, cell in rows:
        out.append(f"| {label_text} |" + "".join(f" {cell(s).replace('|', '/')} |" for s in scenarios))
    return "\n".join(out) + "\n"


def handshake(path):
    """Write RESULT.md next to a handshake harness result and print it."""
    with open(path, encoding="utf-8") as f:
        markdown = handshake_markdown(json.load(f))
    with open(os.path.splitext(path)[0] + ".md", "w", encoding="utf-8") as f:
        f.write(markdown)
    print(markdown, end="")


# --- demo ------------------------------------------------------------------------------------------------------------

def load_json(path, default=None):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return default


def read(path, default=""):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return default


def stats_lines(path):
    lines = []
    for line in read(path).splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                lines.append(json.loads(line))
            except ValueError:
                pass
    return lines


def jstat(path):
    """jstat -gc: header row then value row; returns heap used (KiB), young/full/concurrent GC counts."""
    rows = [r.split() for r in read(path).splitlines() if r.strip()]
    if len(rows) < 2:
        return None
    values = dict(zip(rows[0], rows[1]))
    def num(key):
        try:
            return float(values.get(key, "0").replace(",", "."))
        except ValueError:
            return 0.0
    used = sum(num(k) for k in ("S0U", "S1U", "EU", "OU"))
    return {
        "heap_used_kib": round(used),
        "heap_committed_kib": round(sum(num(k) for k in ("S0C", "S1C", "EC", "OC"))),
        "young_gc": int(num("YGC")), "full_gc": int(num("FGC")), "concurrent_gc": int(num("CGC")),
        "gc_time_s": num("GCT"),
    }


def heap_info(path):
    """jcmd GC.heap_info: the sum of 'total NK, used MK' over the heap's generations (Serial, Parallel, G1)."""
    used = total = 0
    found = False
    for line in read(path).splitlines():
        if line.startswith(" "):
            continue
        m = re.search(r"total (\d+)K, used (\d+)K", line)
        if m:
            total += int(m.group(1))
            used += int(m.group(2))
            found = True
    gc = next((line.split()[0] for line in read(path).splitlines()[1:2]), None)
    return {"heap_used_kib": used, "heap_total_kib": total, "heap_kind": gc} if found else None


def status(path):
    result = {}
    for line in read(path).splitlines():
        m = re.match(r"(VmRSS|VmHWM):\s+(\d+) kB", line)
        if m:
            result[m.group(1).lower() + "_kib"] = int(m.group(2))
    return result or None


def counters(path):
    parts = read(path).split()
    return [int(p) for p in parts] if len(parts) == 4 else None


def openssl_messages(text):
    """(direction, handshake msg_type) of every handshake record in an `openssl s_client -msg` trace. OpenSSL 3.0
    prints DTLS records as 'Not TLS data or unknown version (version=65277, content_type=22) [length 00c0]' followed
    by the hex of the handshake message, whose first byte is msg_type; newer releases name the message instead."""
    messages = []
    lines = text.splitlines()
    names = {"ClientHello": 1, "ServerHello": 2, "HelloVerifyRequest": 3}
    for i, line in enumerate(lines):
        m = re.match(r"(>>>|<<<) .*content_type=22\) \[length [0-9a-f]+\]", line)
        if m and i + 1 < len(lines):
            first = lines[i + 1].split()
            if first and re.fullmatch(r"[0-9a-f]{2}", first[0]):
                messages.append((m.group(1), int(first[0], 16)))
            continue
        m = re.match(r"(>>>|<<<) DTLS.* Handshake \[length [0-9a-f]+\], (\w+)", line)
        if m and m.group(2) in names:
            messages.append((m.group(1), names[m.group(2)]))
    return messages


def openssl_run(text, echo):
    """What one `openssl s_client -msg` trace shows: hellos sent, HVRs and ServerHellos received."""
    messages = openssl_messages(text)
    sent_hellos = sum(1 for d, t in messages if d == ">>>" and t == 1)
    hvrs = sum(1 for d, t in messages if d == "<<<" and t == 3)
    server_hellos = sum(1 for d, t in messages if d == "<<<" and t == 2)
    handshake_done = bool(re.search(r"^(New|Reused), ", text, re.M)) and "Cipher is (NONE)" not in text
    if echo:
        ok = server_hellos > 0
    else:
        ok = hvrs > 0 and sent_hellos >= 2
    return {"client_hellos_sent": sent_hellos, "hvrs": hvrs, "server_hellos": server_hellos,
            "handshake_completed": handshake_done, "ok": ok}


def pct(a, b):
    return 100.0 * a / b if b else 0.0


# Targets of issue 4 for the memory section.
FLAT_PCT = 5.0
TARGET_SOURCES = 10_000_000
TARGET_FLOOD_S = 60
# A flood with --sink-ports 0 draws source ports from 1024 to 65535.
RANDOM_PORTS = 65536 - 1024


def distinct_sources(flood):
    """How many distinct (address, port) sources a flood's packets named, expected value: N draws, uniform with
    replacement, from a pool of P sources give P * (1 - exp(-N / P)) distinct ones. Raw mode: every packet draws a
    random address of the prefix and one of the sink ports (or a random port); UDP mode: each socket is one source."""
    sent = flood.get("sent") or 0
    addresses = flood.get("source_addresses") or 0
    if not sent or not addresses:
        return None
    if flood.get("mode") == "udp":
        pool, ports = addresses, 1
        how = f"{fmt_int(addresses)} UDP sockets, each one address and port, used in turn"
    else:
        ports = flood.get("sink_ports") or RANDOM_PORTS
        pool = addresses * ports
        port_text = (f"one of {fmt_int(ports)} sink-socket ports" if flood.get("sink_ports")
                     else f"a random port of {fmt_int(ports)}")
        how = (f"each packet from a random address of the {fmt_int(addresses)} usable in {flood.get('sources')} and "
               f"{port_text}: {short(pool)} possible sources")
    def expected(n, p):
        return p * -math.expm1(-n / p)
    return {"packets": sent, "pool": pool, "addresses": addresses, "ports": ports,
            "expected_distinct": round(expected(sent, pool)),
            "expected_distinct_addresses": round(expected(sent, addresses)) if ports > 1 else None, "how": how}


def flood_memory(stats, flood_start, flood_end, flood):
    """Memory and GC of the server JVM across the flood, from its per-second stats lines (see the module doc)."""
    lines = [s for s in stats if "epoch_ms" in s and "heap_used_bytes" in s]
    if not lines:
        return {"error": "the server's stats lines carry no memory figures (a build before rss_kb/heap_used_bytes)"}
    duration_ms = max(0, flood_end - flood_start)
    settle_ms = min(5000, duration_ms / 4)
    inside = [s for s in lines if flood_start + settle_ms <= s["epoch_ms"] <= flood_end]
    before = [s for s in lines if s["epoch_ms"] <= flood_start]
    after = [s for s in lines if s["epoch_ms"] >= flood_end]
    # The whole flood for the GC count: the last line before its first packet to the first line after its last.
    g0 = before[-1] if before else lines[0]
    g1 = after[0] if after else lines[-1]
    result = {"settle_s": round(settle_ms / 1000.0, 1), "flood_s": round(duration_ms / 1000.0, 1),
              "gc_count": g1["gc_count"] - g0["gc_count"], "gc_ms": g1["gc_ms"] - g0["gc_ms"],
              "gc_window_s": round((g1["epoch_ms"] - g0["epoch_ms"]) / 1000.0, 1),
              "sources": distinct_sources(flood)}
    if len(inside) < 2:
        result["error"] = (f"fewer than two stats lines between {result['settle_s']} s into the flood and its end: "
                           f"the flood was too short to measure flatness")
        return result
    first, last = inside[0], inside[-1]
    def change(key, scale=1):
        a, b = first.get(key), last.get(key)
        if a is None or b is None:
            return None
        return {"first": a * scale, "last": b * scale, "delta": (b - a) * scale,
                "pct": round(pct(b - a, a), 2) if a else None,
                "min": min(s[key] for s in inside if s.get(key) is not None) * scale,
                "max": max(s[key] for s in inside if s.get(key) is not None) * scale}
    seconds = max(1e-3, (last["epoch_ms"] - first["epoch_ms"]) / 1000.0)
    gc_steady = last["gc_count"] - first["gc_count"]
    # Heap used grows only by allocation between two lines with no GC between them: sum those steps (TLAB-sized
    # granularity, so a thread allocating little shows as 0) over the seconds they cover.
    grown = grown_s = 0
    for a, b in zip(inside, inside[1:]):
        if b["gc_count"] == a["gc_count"]:
            grown += b["heap_used_bytes"] - a["heap_used_bytes"]
            grown_s += (b["epoch_ms"] - a["epoch_ms"]) / 1000.0
    e0, e1 = first.get("echo"), last.get("echo")
    handshakes = (e1.get("created", 0) - e0.get("created", 0)) if e0 and e1 else None
    result.update({
        "first_t_s": round((first["epoch_ms"] - flood_start) / 1000.0, 1),
        "last_t_s": round((last["epoch_ms"] - flood_start) / 1000.0, 1),
        "rss_kib": change("rss_kb"), "heap_committed_kib": change("heap_committed_bytes", 1 / 1024),
        "heap_used_kib": change("heap_used_bytes", 1 / 1024), "direct_kib": change("direct_bytes", 1 / 1024),
        "gc_count_measured_window": gc_steady,
        # Every thread of the server JVM together: the stats line itself, and the echo handshakes with --echo.
        "allocated_bytes_per_s": round(grown / grown_s) if grown_s > 0 else None,
        "echo_handshakes_started": handshakes,
        "echo_handshakes_per_s": round(handshakes / seconds, 1) if handshakes is not None else None})
    return result


def memory_verdict(mem, flood):
    """Plain-language verdicts on the two memory targets, with the scale this run reached."""
    sources = mem.get("sources") or {}
    n_sources = sources.get("expected_distinct") or 0
    scale_ok = n_sources >= TARGET_SOURCES and (flood.get("duration_s") or 0) >= TARGET_FLOOD_S
    scale = (f"this run: ~{short(n_sources)} distinct sources, {flood.get('duration_s') or 0:.0f} s flood; the "
             f"target asks for >= {short(TARGET_SOURCES)} sources and a {TARGET_FLOOD_S} s flood")
    caveat = "" if scale_ok else f" — but at a smaller scale than the target ({scale}), so the target is not shown"
    verdicts = {"scale_matches_target": scale_ok, "scale": scale}
    rss, committed = mem.get("rss_kib"), mem.get("heap_committed_kib")
    if mem.get("error") and not (rss and committed):
        verdicts["flat"] = None
        verdicts["flat_text"] = f"not measured: {mem['error']}"
    elif rss is None or rss["pct"] is None or committed is None or committed["pct"] is None:
        verdicts["flat"] = None
        verdicts["flat_text"] = "not measured: no RSS (not Linux?) or no heap figures in the stats lines"
    else:
        flat = abs(rss["pct"]) <= FLAT_PCT and abs(committed["pct"]) <= FLAT_PCT
        verdicts["flat"] = flat
        verdicts["flat_text"] = (("MET" if flat else "NOT MET") +
                                 f": RSS {rss['pct']:+.1f} %, heap committed {committed['pct']:+.1f} % "
                                 f"(target ±{FLAT_PCT:.0f} %)" + caveat)
    gcs = mem.get("gc_count")
    if gcs is None:
        verdicts["no_gc"] = None
        verdicts["no_gc_text"] = "not measured"
    else:
        verdicts["no_gc"] = gcs == 0
        verdicts["no_gc_text"] = (("MET" if gcs == 0 else "NOT MET") + f": {gcs} GC cycle{'s' if gcs != 1 else ''} "
                                  f"({mem['gc_ms']} ms) over the flood" + caveat)
    return verdicts


def fmt_int(n):
    return f"{int(round(n)):,}".replace(",", " ")


def svg_plot(series_top, series_bottom, flood_window, title, path):
    """Two stacked panels sharing the time axis: pps (top) and latency in ms (bottom)."""
    width, height, left, right = 900, 560, 80, 170
    panels = [(40, 250), (320, 500)]
    all_t = [t for _, _, pts in series_top + series_bottom for t, _ in pts] + list(flood_window)
    t_min, t_max = (min(all_t), max(all_t)) if all_t else (0, 1)
    if t_max <= t_min:
        t_max = t_min + 1
    def x(t):
        return left + (width - left - right) * (t - t_min) / (t_max - t_min)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="sans-serif" font-size="12">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{left}" y="22" font-size="15">{escape(title)}</text>']
    fs, fe = flood_window
    out.append(f'<rect x="{x(fs):.1f}" y="{panels[0][0]}" width="{max(0.0, x(fe) - x(fs)):.1f}" '
               f'height="{panels[1][1] - panels[0][0]}" fill="#fbe9e7"/>')
    for (top, bottom), series, label in ((panels[0], series_top, "packets / s"),
                                         (panels[1], series_bottom, "latency, ms")):
        values = [v for _, _, pts in series for _, v in pts]
        v_max = max(values) if values else 1
        v_max = v_max * 1.1 if v_max > 0 else 1
        def y(v, top=top, bottom=bottom, v_max=v_max):
            return bottom - (bottom - top) * v / v_max
        out.append(f'<line x1="{left}" y1="{bottom}" x2="{width - right}" y2="{bottom}" stroke="black"/>')
        out.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{bottom}" stroke="black"/>')
        out.append(f'<text x="12" y="{(top + bottom) / 2}" transform="rotate(-90 12 {(top + bottom) / 2})" '
                   f'text-anchor="middle">{label}</text>')
        for i in range(5):
            v = v_max * i / 4
            out.append(f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{short(v)}</text>')
            out.append(f'<line x1="{left}" y1="{y(v):.1f}" x2="{width - right}" y2="{y(v):.1f}" '
                       f'stroke="#ddd"/>')
        for n, (name, colour, pts) in enumerate(series):
            if pts:
                d = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in pts)
                out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{d}"/>')
            ly = top + 14 + 16 * n
            out.append(f'<line x1="{width - right + 10}" y1="{ly - 4}" x2="{width - right + 30}" y2="{ly - 4}" '
                       f'stroke="{colour}" stroke-width="2"/>')
            out.append(f'<text x="{width - right + 35}" y="{ly}">{escape(name)}</text>')
    step = max(1, int((t_max - t_min) / 10))
    t = int(t_min)
    while t <= t_max:
        out.append(f'<text x="{x(t):.1f}" y="{panels[1][1] + 16}" text-anchor="middle">{t}</text>')
        t += step
    out.append(f'<text x="{(left + width - right) / 2}" y="{panels[1][1] + 34}" text-anchor="middle">'
               f"seconds from the flood's first packet (shaded: flood running)</text>")
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def short(v):
    if v >= 1e9:
        return f"{v / 1e9:.1f}G"
    if v >= 1e6:
        return f"{v / 1e6:.1f}M"
    if v >= 1e3:
        return f"{v / 1e3:.0f}k"
    return f"{v:.1f}" if v < 10 else f"{v:.0f}"


def demo(run, out):
    """Turn the raw outputs of one scripts/demo run into OUT.md (also printed), OUT.json and OUT.svg."""
    meta = load_json(f"{run}/meta.json", {})
    echo = meta.get("echo", False)
    stats = stats_lines(f"{run}/stats.jsonl")
    flood = load_json(f"{run}/flood.json", {}) or {}
    legit = load_json(f"{run}/legit.json", {}) or {}
    flood_launch = int(read(f"{run}/flood-start-epoch.txt", "0").strip() or 0)
    flood_end = int(read(f"{run}/flood-end-epoch.txt", "0").strip() or 0)
    # The flood's JVM takes a moment to start: its sending began duration_s before it ended, not at its launch.
    flood_start = max(flood_launch, flood_end - int(1000 * (flood.get("duration_s") or 0)))
    before = {"jvm": jstat(f"{run}/before-jstat.txt"), "heap": heap_info(f"{run}/before-heap.txt"),
              "proc": status(f"{run}/before-status.txt")}
    after = {"jvm": jstat(f"{run}/after-jstat.txt"), "heap": heap_info(f"{run}/after-heap.txt"),
             "proc": status(f"{run}/after-status.txt")}

    last = stats[-1] if stats else {}
    in_flood = [s for s in stats if flood_start + 1000 <= s.get("epoch_ms", 0) <= flood_end + 500]
    rx_pps = [s.get("rx_pps", 0) for s in in_flood]
    tx_pps = [s.get("hvr_pps", s.get("tx_pps", 0)) for s in in_flood]
    def at(epoch):
        prior = [s for s in stats if s.get("epoch_ms", 0) <= epoch]
        return prior[-1] if prior else (stats[0] if stats else {})
    s0, s1 = at(flood_start), at(flood_end + 1000)
    flood_seconds = max(1e-3, flood.get("duration_s") or (flood_end - flood_start) / 1000.0)
    rx_in_flood = s1.get("rx", 0) - s0.get("rx", 0)

    snmp = []
    for line in read(f"{run}/snmp.txt").splitlines():
        parts = line.split()
        if len(parts) == 5 and all(p.isdigit() for p in parts):
            snmp.append([int(p) for p in parts])
    def snmp_at(epoch):
        prior = [r for r in snmp if r[0] <= epoch]
        return prior[-1] if prior else (snmp[0] if snmp else None)
    r0, r1 = snmp_at(flood_start), snmp_at(flood_end + 1000)
    rcvbuf_drops = (r1[4] - r0[4]) if r0 and r1 else None

    openssl = []
    for path in sorted(glob.glob(f"{run}/openssl-*.txt"), key=lambda p: int(re.findall(r"(\d+)\.txt$", p)[0])):
        n = re.findall(r"(\d+)\.txt$", path)[0]
        result = openssl_run(read(path), echo)
        times = read(f"{run}/openssl-{n}.time").split()
        if len(times) == 3:
            result["t_s"] = round((int(times[0]) - flood_start) / 1000.0, 1)
            result["elapsed_ms"] = int(times[1]) - int(times[0])
            result["exit"] = int(times[2])
        openssl.append(result)

    hello_bytes = flood.get("payload_bytes") or (flood.get("bytes", 0) / flood["sent"] if flood.get("sent") else 0)
    hvr_bytes = legit.get("hvr_bytes_received", 0) / legit["hvrs_received"] if legit.get("hvrs_received") else 0
    amplification = {"hvr_bytes": round(hvr_bytes, 1), "hello_bytes": hello_bytes,
                     "factor_payload": round(hvr_bytes / hello_bytes, 4) if hello_bytes and hvr_bytes else None}
    a0, a1 = counters(f"{run}/attacker-before.txt"), counters(f"{run}/attacker-after.txt")
    v0, v1 = counters(f"{run}/victim-before.txt"), counters(f"{run}/victim-after.txt")
    if a0 and a1 and v0 and v1:
        a_bytes, a_packets = a1[2] - a0[2], a1[3] - a0[3]
        v_bytes, v_packets = v1[0] - v0[0], v1[1] - v0[1]
        amplification["victim"] = {
            "attacker_tx_bytes": a_bytes, "attacker_tx_packets": a_packets,
            "victim_rx_bytes": v_bytes, "victim_rx_packets": v_packets,
            "factor_wire_bytes": round(v_bytes / a_bytes, 4) if a_bytes else None,
            "factor_per_reply_wire": round(v_bytes * a_packets / (a_bytes * v_packets), 4)
            if a_bytes and v_packets else None,
            "factor_udp_payload": round((v_bytes - 42 * v_packets) / (a_bytes - 42 * a_packets), 4)
            if a_bytes - 42 * a_packets > 0 else None}

    memory = flood_memory(stats, flood_start, flood_end, flood)
    memory_targets = memory_verdict(memory, flood)
    report = {
        "meta": meta,
        "offered": {"sent": flood.get("sent"), "pps": flood.get("pps"), "duration_s": flood.get("duration_s"),
                    "mode": flood.get("mode"), "stopped_by": flood.get("stopped_by"), "notice": flood.get("notice"),
                    "errors": flood.get("errors"), "would_block": flood.get("would_block")},
        "server": {"rx_total": last.get("rx"), "hvr_total": last.get("hvr"), "verified_total": last.get("verified"),
                   "dropped_total": last.get("dropped"), "drop_reasons": last.get("drop_reasons", {}),
                   "cookie_checks": last.get("cookie_checks", {}),
                   "send_failed": last.get("send_failed"), "send_eagain": last.get("send_eagain"),
                   "reply_queue_full": last.get("reply_queue_full"),
                   "rx_during_flood": rx_in_flood, "handled_pps_mean": round(rx_in_flood / flood_seconds),
                   "rx_pps_peak": max(rx_pps) if rx_pps else None, "tx_pps_mean": round(sum(tx_pps) / len(tx_pps))
                   if tx_pps else None,
                   "socket_buffer_drops_during_flood": rcvbuf_drops,
                   "summary": [line for line in read(f"{run}/server.err").splitlines()
                               if line.startswith(("turnstile: stopped", "  "))]},
        "legit": legit and {k: legit.get(k) for k in ("success_criterion", "attempts", "succeeded", "failed",
                                                        "success_ratio", "retransmits", "failures",
                                                        "malformed_replies", "hvr_latency_us",
                                                        "server_hello_latency_us", "source")},
        "openssl": openssl,
        "amplification": amplification,
        "memory": {"flood_window": memory, "targets": memory_targets,
                   "including_warmup": {"before": before, "after": after}},
        "series": {"server": [{"t": round((s["epoch_ms"] - flood_start) / 1000.0, 3), "rx_pps": s.get("rx_pps"),
                               "tx_pps": s.get("hvr_pps", s.get("tx_pps")), "verified_ps": s.get("verified_ps"),
                               "rss_kb": s.get("rss_kb"), "heap_used_bytes": s.get("heap_used_bytes"),
                               "heap_committed_bytes": s.get("heap_committed_bytes"), "gc_count": s.get("gc_count")}
                              for s in stats if "epoch_ms" in s],
                   "legit": legit.get("intervals", [])},
    }
    with open(out + ".json", "w") as f:
        json.dump(report, f, indent=1)
        f.write("\n")

    # --- plot ----------------------------------------------------------------------------------------------------
    srv = report["series"]["server"]
    legit_start = legit.get("start_epoch_ms", flood_start)
    shift = (legit_start - flood_start) / 1000.0
    drops_series = []
    for prev, cur in zip(snmp, snmp[1:]):
        dt = (cur[0] - prev[0]) / 1000.0
        if dt > 0:
            drops_series.append(((cur[0] - flood_start) / 1000.0, (cur[4] - prev[4]) / dt))
    top = [("received (rx/s)", "#1565c0", [(p["t"], p["rx_pps"] or 0) for p in srv]),
           ("HVRs sent (/s)", "#2e7d32", [(p["t"], p["tx_pps"] or 0) for p in srv]),
           ("socket-buffer drops (/s)", "#c62828", drops_series)]
    if flood.get("pps"):
        top.append(("offered (flood mean)", "#ef6c00",
                    [(0, flood["pps"]), ((flood_end - flood_start) / 1000.0, flood["pps"])]))
    bottom = [("legit HVR p50", "#6a1b9a", [(i["t"] + shift, i["hvr_p50_us"] / 1000.0)
                                            for i in legit.get("intervals", []) if i.get("succeeded")]),
              ("legit HVR p99", "#00838f", [(i["t"] + shift, i["hvr_p99_us"] / 1000.0)
                                            for i in legit.get("intervals", []) if i.get("succeeded")])]
    svg_plot(top, bottom, (0, (flood_end - flood_start) / 1000.0),
             f"Turnstile demo {meta.get('timestamp', '')}: {meta.get('duration_s')} s flood, "
             f"{'netns' if meta.get('netns') else 'loopback'}", out + ".svg")

    # --- markdown ------------------------------------------------------------------------------------------------
    md = []
    md.append(f"# Turnstile demo {meta.get('timestamp', '')}")
    md.append("")
    md.append(f"- **Topology:** {meta.get('topology')}")
    md.append(f"- **Machine:** {meta.get('cpus')} CPUs ({meta.get('cpu_model')}), kernel {meta.get('kernel')}, "
              f"{meta.get('jdk')}, {meta.get('openssl')}")
    md.append(f"- **Server:** `turnstile serve --workers 1 --cpus {meta.get('server_cpu')}` on "
              f"{meta.get('server')}, the worker alone on CPU {meta.get('server_cpu')}, the rest of its JVM "
              f"(handshakes, JIT, GC, stats) on CPU {meta.get('flood_cpu')}"
              + (f", JVM options `{meta.get('server_java_opts')}`" if meta.get("server_java_opts") else "")
              + (", with --echo (BouncyCastle handshake behind the verifier)" if echo else
                 ", verifier only (no --echo)"))
    md.append(f"- **Flood:** `scripts/flood --mode {flood.get('mode', meta.get('flood_mode'))}` pinned to CPU "
              f"{meta.get('flood_cpu')}, rate {meta.get('rate')}, {meta.get('duration_s')} s, template "
              f"{flood.get('template')}, sources {flood.get('sources')}, sink ports {flood.get('sink_ports')}"
              + (f"; notice: {flood.get('notice')}" if flood.get("notice") else ""))
    md.append(f"- **Legit clients:** `scripts/legit-clients` from {legit.get('source')}, {meta.get('legit_rate')} "
              f"exchanges/s started, 500 ms first retransmission timeout, 2 retransmissions; "
              f"{meta.get('openssl_runs')} × `openssl s_client -dtls1_2`; both pinned to CPU {meta.get('flood_cpu')} (the flood's)")
    md.append(f"- **Warm-up:** {meta.get('warmup_s', 0)} s of the same flood and legit load before the measured "
              "one, not counted: the figures are a warm server's")
    md.append("")
    md.append("## Flood and server")
    md.append("")
    md.append("| | |")
    md.append("|---|---:|")
    md.append(f"| offered: hellos the flood sent | {fmt_int(flood.get('sent', 0))} in "
              f"{flood.get('duration_s', 0):.1f} s"
              f" = **{fmt_int(flood.get('pps', 0))} pps** |")
    md.append(f"| handled: datagrams the server received during the flood (legit ones included) | "
              f"{fmt_int(rx_in_flood)} = "
              f"**{fmt_int(report['server']['handled_pps_mean'])} pps** mean, peak "
              f"{fmt_int(report['server']['rx_pps_peak'] or 0)} |")
    if rcvbuf_drops is not None:
        scope = "server namespace" if meta.get("netns") else "whole host, all sockets"
        md.append(f"| dropped by the kernel, receive buffer full ({scope}) | {fmt_int(rcvbuf_drops)} |")
    md.append(f"| HelloVerifyRequests sent during the flood | {fmt_int(s1.get('hvr', 0) - s0.get('hvr', 0))}, "
              f"{fmt_int(report['server']['tx_pps_mean'] or 0)}/s mean in the flood |")
    md.append(f"| verified during the flood | {fmt_int(s1.get('verified', 0) - s0.get('verified', 0))} |")
    md.append(f"| dropped by the verifier during the flood | {fmt_int(s1.get('dropped', 0) - s0.get('dropped', 0))} |")
    reasons = {k: v for k, v in (last.get("drop_reasons") or {}).items() if v}
    md.append(f"| drops by reason | {', '.join(f'{k} {fmt_int(v)}' for k, v in reasons.items()) or 'none'} |")
    md.append(f"| send failures / EAGAIN / reply queue full | {last.get('send_failed', 0)} / "
              f"{last.get('send_eagain', 0)} / {last.get('reply_queue_full', 0)} |")
    md.append("")
    md.append("## Legit clients under the flood")
    md.append("")
    if legit:
        h = legit.get("hvr_latency_us", {})
        md.append(f"- **Success: {legit.get('succeeded', 0)} / {legit.get('attempts', 0)} = "
                  f"{100.0 * legit.get('success_ratio', 0):.2f} %** ({legit.get('success_criterion')}"
                  f"{'; the server counts them as verified' if not echo else ''})")
        failures = legit.get("failures") or {}
        md.append(f"- failures by reason: {', '.join(f'{k} {v}' for k, v in failures.items()) or 'none'}; "
                  f"retransmits {legit.get('retransmits', 0)}")
        md.append(f"- latency first hello → HVR: **p50 {h.get('p50', 0) / 1000:.2f} ms, p99 "
                  f"{h.get('p99', 0) / 1000:.2f} ms, max {h.get('max', 0) / 1000:.2f} ms** "
                  f"({h.get('count', 0)} values)")
        sh = legit.get("server_hello_latency_us", {})
        if sh.get("count"):
            md.append(f"- latency first hello → ServerHello: p50 {sh['p50'] / 1000:.2f} ms, p99 "
                      f"{sh['p99'] / 1000:.2f} ms, max {sh['max'] / 1000:.2f} ms")
    else:
        md.append("- the legit-client load produced no report (see its stderr)")
    ok = sum(1 for r in openssl if r["ok"])
    what = "got a ServerHello" if echo else "got an HVR and sent the cookie hello"
    md.append(f"- `openssl s_client -dtls1_2`: **{ok} / {len(openssl)} {what}**"
              + ("" if echo else " (no handshake behind the verifier, so s_client then waits and is stopped by "
                 "timeout(1))"))
    for i, r in enumerate(openssl, 1):
        md.append(f"  - run {i} at t={r.get('t_s', '?')} s: {r['client_hellos_sent']} ClientHellos sent, "
                  f"{r['hvrs']} HVRs, {r['server_hellos']} ServerHellos"
                  f"{', handshake completed' if r['handshake_completed'] else ''}")
    md.append("")
    md.append("## Amplification")
    md.append("")
    if amplification.get("factor_payload") is not None:
        md.append(f"- HVR bytes / hello bytes (UDP payloads): {amplification['hvr_bytes']:.0f} / "
                  f"{amplification['hello_bytes']:.0f} = **{amplification['factor_payload']:.3f}**")
    victim = amplification.get("victim")
    if victim:
        md.append(f"- at the victim (netns counters): {fmt_int(victim['victim_rx_bytes'])} bytes arrived "
                  f"({fmt_int(victim['victim_rx_packets'])} packets) for {fmt_int(victim['attacker_tx_bytes'])} "
                  f"bytes the attacker sent ({fmt_int(victim['attacker_tx_packets'])} packets): "
                  f"**{victim['factor_wire_bytes']}** on the wire, {victim['factor_udp_payload']} in UDP payload; "
                  f"{victim['factor_per_reply_wire']} per answered hello")
    elif not meta.get("netns"):
        md.append("- at a victim: not measured on loopback (run `scripts/demo --netns` or `scripts/amplification`)")
    md.append("")
    md.append("## Memory and GC of the server JVM")
    md.append("")
    md.append(f"- **Flat across the flood (±{FLAT_PCT:.0f} % RSS and heap committed): {memory_targets['flat_text']}**")
    md.append(f"- **0 GC cycles during the flood: {memory_targets['no_gc_text']}**")
    src = memory.get("sources")
    if src:
        md.append(f"- sources: {fmt_int(src['packets'])} packets from ~{fmt_int(src['expected_distinct'])} distinct "
                  f"random sources ({src['how']}"
                  + (f"; ~{fmt_int(src['expected_distinct_addresses'])} distinct addresses"
                     if src.get("expected_distinct_addresses") else "") + ")")
    if memory.get("rss_kib") and memory.get("heap_committed_kib"):
        md.append("")
        md.append(f"From the server's own once-a-second stats lines, {memory['first_t_s']} s into the flood (past "
                  f"warm-up: the first line at least {memory['settle_s']} s in) to its last line at "
                  f"{memory['last_t_s']} s:")
        md.append("")
        md.append("| | first | last | change | min … max in between |")
        md.append("|---|---:|---:|---:|---:|")
        for name, key in (("RSS (KiB)", "rss_kib"), ("heap committed (KiB)", "heap_committed_kib"),
                          ("heap used (KiB)", "heap_used_kib"), ("direct buffers (KiB)", "direct_kib")):
            c = memory.get(key)
            if c:
                change_text = f"{c['delta']:+,.0f}".replace(",", " ")
                if c["pct"] is not None:
                    change_text += f" ({c['pct']:+.1f} %)"
                md.append(f"| {name} | {fmt_int(c['first'])} | {fmt_int(c['last'])} | {change_text} | "
                          f"{fmt_int(c['min'])} … {fmt_int(c['max'])} |")
        md.append(f"| GC cycles (ms) over the whole flood, {memory['gc_window_s']} s between the bracketing lines | "
                  f"| | {memory['gc_count']} ({memory['gc_ms']} ms) | |")
        if memory.get("allocated_bytes_per_s") is not None:
            md.append("")
            text = (f"Allocation in the server JVM (heap used growth between lines with no GC in between, all "
                    f"threads, TLAB granularity): ~{fmt_int(memory['allocated_bytes_per_s'])} bytes/s.")
            if memory.get("echo_handshakes_per_s") and memory["allocated_bytes_per_s"] > 0:
                text += (f" With --echo the legit clients' BouncyCastle handshakes run in this JVM: "
                         f"{memory['echo_handshakes_per_s']}/s started in the window, "
                         f"~{fmt_int(memory['allocated_bytes_per_s'] / memory['echo_handshakes_per_s'])} bytes "
                         f"each if they did all of it. Spoofed hellos never reach them (no valid cookie); the "
                         f"verifier's hot path is allocation-free by the *AllocationTest tests.")
            rss, committed = memory["rss_kib"], memory["heap_committed_kib"]
            if (rss["pct"] or 0) > FLAT_PCT and abs(committed["pct"] or 0) <= FLAT_PCT \
                    and memory["allocated_bytes_per_s"] > 0:
                text += (" RSS growing while heap committed stays put is most likely the JVM touching committed heap "
                         "pages for the first time as allocation walks through the young generation (it stops once "
                         "that has filled, i.e. after the first GC); `TURNSTILE_JAVA_OPTS=-XX:+AlwaysPreTouch "
                         "scripts/demo` touches them at start-up instead.")
            md.append(text)
    elif memory.get("error"):
        md.append(f"- flood window: {memory['error']}")
    md.append("")
    md.append("### Before and after, including warm-up")
    md.append("")
    md.append("| | before the flood | after | change |")
    md.append("|---|---:|---:|---:|")
    bj, aj = before["jvm"] or {}, after["jvm"] or {}
    bp, ap = before["proc"] or {}, after["proc"] or {}
    def row(name, b, a, unit=""):
        if b is None or a is None:
            md.append(f"| {name} | {b if b is not None else 'n/a'} | {a if a is not None else 'n/a'} | |")
        else:
            change = f"{a - b:+,}".replace(",", " ") + unit
            if b:
                change += f" ({pct(a - b, b):+.1f} %)"
            md.append(f"| {name} | {fmt_int(b)}{unit} | {fmt_int(a)}{unit} | {change} |")
    row("RSS (KiB)", bp.get("vmrss_kib"), ap.get("vmrss_kib"))
    bh, ah = before["heap"] or {}, after["heap"] or {}
    row("heap used (KiB)", bh.get("heap_used_kib"), ah.get("heap_used_kib"))
    row("heap committed (KiB)", bh.get("heap_total_kib"), ah.get("heap_total_kib"))
    row("young GCs", bj.get("young_gc"), aj.get("young_gc"))
    row("full GCs", bj.get("full_gc"), aj.get("full_gc"))
    row("concurrent GC cycles", bj.get("concurrent_gc"), aj.get("concurrent_gc"))
    md.append("")
    md.append(f"(/proc/PID/status, `jstat -gc` and `jcmd GC.heap_info` of the server JVM"
              f"{' (' + bh['heap_kind'] + ' heap)' if bh.get('heap_kind') else ''}, read 1 s after it listened and "
              f"1 s after the legit clients finished: the change includes JIT warm-up and the classes the first "
              f"packets load, so it is not what the flood's sources cost; the flood-window table above is. "
              f"Heap used counts everything allocated since the last GC, the "
              f"once-a-second stats lines and log lines of the server included, so its growth bounds what the "
              f"flood's packets allocated from above.)")
    md.append("")
    md.append(f"Files: `{os.path.basename(out)}.json` (these figures and the per-second series), "
              f"`{os.path.basename(out)}.svg` (pps and latency over time).")
    text = "\n".join(md) + "\n"
    with open(out + ".md", "w") as f:
        f.write(text)
    print(text)


# --- AF_XDP against the socket path (scripts/bench --xdp) ------------------------------------------------------------

# The fields of one xdpbench_snapshot line (scripts/lib/xdpbench.sh), in order.
SNAPSHOT = ("wall_ns", "tx_packets", "tx_dropped", "rx_packets", "rx_dropped", "server_ticks", "napi_ticks",
            "sink_ticks", "ksoftirqd_ticks", "worker_ticks", "cpu0_busy", "cpu1_busy")
XDP_TARGETS = {"max_ratio": 2.5, "per_cpu_ratio": 1.7, "overload_goodput": 0.7, "legit_success": 0.99,
               "legit_p99_us": 5000}


def median(values):
    values = sorted(v for v in values if v is not None)
    if not values:
        return None
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


def xdp_row(record, ticks):
    """Derived figures of one measured offered load: the deltas of its two snapshots and the flooder's report."""
    before = dict(zip(SNAPSHOT, map(int, record["before"].split())))
    after = dict(zip(SNAPSHOT, map(int, record["after"].split())))
    d = {key: after[key] - before[key] for key in SNAPSHOT}
    flood = record["flood"]
    seconds = flood["duration_s"] or d["wall_ns"] / 1e9
    emitted = d["tx_packets"] + d["tx_dropped"]
    cpu0 = d["cpu0_busy"] / ticks
    tasks = (d["worker_ticks"] + d["napi_ticks"] + d["ksoftirqd_ticks"]) / ticks
    return {
        "placement": record["placement"], "mode": record["mode"], "repeat": record["repeat"], "rate": record["rate"],
        "offered": flood["sent"], "offered_pps": flood["sent"] / seconds, "seconds": seconds,
        "received": d["rx_packets"] + d["rx_dropped"], "rx_dropped": d["rx_dropped"],
        "emitted": emitted, "replies_pps": emitted / seconds, "goodput": emitted / flood["sent"] if flood["sent"] else 0,
        "cpu0_busy_s": cpu0, "cpu0_util": d["cpu0_busy"] / ticks / (d["wall_ns"] / 1e9),
        "cpu1_util": d["cpu1_busy"] / ticks / (d["wall_ns"] / 1e9),
        "worker_cpu_s": d["worker_ticks"] / ticks, "server_process_cpu_s": d["server_ticks"] / ticks,
        "napi_cpu_s": d["napi_ticks"] / ticks, "ksoftirqd_cpu_s": d["ksoftirqd_ticks"] / ticks,
        "sink_napi_cpu_s": d["sink_ticks"] / ticks, "tasks_cpu_s": tasks,
        "replies_per_cpu0_s": emitted / cpu0 if cpu0 else None,
        "replies_per_task_cpu_s": emitted / tasks if tasks else None,
    }


def rate_key(rate):
    return float("inf") if rate == "max" else float(rate)


BASE_MODES = ("xdp", "xdp-limited", "xdp-ring", "xdp-busy", "xdp-busy-spin", "xdp-backoff", "socket", "socket-backoff",
              "c", "c-busy")
MODES = BASE_MODES + tuple(m + "-fifo" for m in BASE_MODES)
# Ratios of one mode over another, same repeat, when both ran: the prefix names them in the summary.
PAIRS = (("xdp", "socket", "ratio"), ("xdp", "c", "ratio_c"),
         ("xdp-limited", "socket", "ratio_limited"), ("xdp-limited", "c", "ratio_limited_c"),
         ("xdp-ring", "xdp", "ratio_ring"), ("xdp-ring", "c", "ratio_ring_c"),
         ("xdp-busy", "xdp", "ratio_busy"), ("xdp-busy", "c", "ratio_busy_c"),
         ("xdp-busy", "c-busy", "ratio_busy_cbusy"), ("c-busy", "c", "ratio_cbusy"),
         ("xdp-busy-spin", "xdp", "ratio_busy_spin"), ("xdp-busy-spin", "c-busy", "ratio_busy_spin_cbusy"),
         ("xdp-busy-fifo", "xdp-busy", "ratio_busy_fifo"), ("xdp-busy-fifo", "c-busy-fifo", "ratio_busy_fifo_cbusy"),
         ("xdp-fifo", "xdp", "ratio_fifo"),
         ("xdp", "xdp-backoff", "ratio_idle_xdp"), ("socket", "socket-backoff", "ratio_idle_socket"))


def xdp_summary(rows):
    """Per placement and offered load: medians over the repeats of each mode, and the medians of the same-repeat
    ratios of Turnstile --xdp to the socket path and to the C ceiling (the machine drifts between rounds; a ratio
    within one round does not)."""
    summary = []
    for placement in sorted({r["placement"] for r in rows}, reverse=True):
        for rate in sorted({r["rate"] for r in rows if r["placement"] == placement}, key=rate_key):
            cell = {"placement": placement, "rate": rate}
            by_mode = {}
            for mode in MODES:
                runs = [r for r in rows if (r["placement"], r["rate"], r["mode"]) == (placement, rate, mode)]
                by_mode[mode] = {r["repeat"]: r for r in runs}
                for key in ("offered_pps", "replies_pps", "goodput", "cpu0_util", "replies_per_cpu0_s",
                            "replies_per_task_cpu_s", "tasks_cpu_s", "server_process_cpu_s", "napi_cpu_s",
                            "cpu1_util"):
                    cell[f"{mode}_{key}"] = median([r[key] for r in runs]) if runs else None
                cell[f"{mode}_runs"] = len(runs)
            for mode, baseline, prefix in PAIRS:
                for key in ("replies_pps", "replies_per_cpu0_s", "replies_per_task_cpu_s"):
                    ratios = [x[key] / by_mode[baseline][rep][key] for rep, x in by_mode[mode].items()
                              if rep in by_mode[baseline] and x[key] and by_mode[baseline][rep][key]]
                    cell[f"{prefix}_{key}"] = median(ratios)
                    cell[f"{prefix}_{key}_all"] = ratios
            summary.append(cell)
    return summary


def xdp_targets(summary, legit):
    """Issue 11's targets with receive work on the server core (rx1), each with its figure and a verdict."""
    rx1 = [c for c in summary if c["placement"] == "rx1"]
    out = []

    def add(target, value, threshold, note=None, below=False):
        met = None if value is None else (value < threshold if below else value >= threshold)
        entry = {"target": target, "value": value, "met": met}
        if note:
            entry["note"] = note
        out.append(entry)

    if rx1:
        top = max(rx1, key=lambda c: rate_key(c["rate"]))
        note = None if top["rate"] == "max" else "no max-rate run in --rates"
        value = top["ratio_replies_pps"] if top["rate"] == "max" else None
        add("max-rate flood: Turnstile --xdp replies/s >= 2.5x its socket path's", value,
            XDP_TARGETS["max_ratio"], note)
        value = top["ratio_c_replies_pps"] if top["rate"] == "max" else None
        add("max-rate flood: Turnstile --xdp replies/s >= 0.85x the C AF_XDP ceiling's", value, 0.85,
            note or (None if value is not None else "no c runs (--modes)"))
        if top["xdp-limited_runs"]:
            value = top["ratio_limited_c_replies_pps"] if top["rate"] == "max" else None
            add("max-rate flood: Turnstile --xdp --xdp-hello-rate replies/s >= 0.85x the C AF_XDP ceiling's", value,
                0.85, note or (None if value is not None else "no c runs (--modes)"))
        below = [c for c in rx1 if (c["socket_goodput"] or 0) >= 0.95 and (c["xdp_goodput"] or 0) >= 0.95]
        for c in below:
            add(f"below saturation ({c['rate']} pps): replies per CPU-second of CPU 0 (/proc/stat) >= 1.7x",
                c["ratio_replies_per_cpu0_s"], XDP_TARGETS["per_cpu_ratio"])
            add(f"below saturation ({c['rate']} pps): replies per CPU-second of the server core's tasks >= 1.7x",
                c["ratio_replies_per_task_cpu_s"], XDP_TARGETS["per_cpu_ratio"])
        if not below:
            add("below saturation: replies per CPU-second >= 1.7x", None, 0,
                "no offered load had both Turnstile modes at >= 95 % goodput")
        peak = max((c["xdp_replies_pps"] or 0) for c in rx1)
        last = top["xdp_replies_pps"]
        add(f"Turnstile --xdp goodput at the highest offered load ({top['rate']}) >= 0.7x its peak",
            last / peak if peak and last is not None else None, XDP_TARGETS["overload_goodput"])
    for entry in legit:
        if not entry["mode"].startswith("xdp") or not entry.get("clients"):
            continue
        clients = entry["clients"]
        add(f"legit clients under the flood ({entry['mode']}): cookie-exchange success >= 99 %",
            clients["success_ratio"], XDP_TARGETS["legit_success"])
        add(f"legit clients under the flood ({entry['mode']}): HVR p99 < 5 ms (value in ms)",
            clients["hvr_latency_us"]["p99"] / 1000.0, XDP_TARGETS["legit_p99_us"] / 1000.0, below=True)
    return out


def kpps(value):
    return "-" if value is None else f"{value / 1000:,.0f}k"


def times(value):
    return "-" if value is None else f"{value:.2f}x"


def percent(value):
    return "-" if value is None else f"{100 * value:.0f} %"


def xdp_markdown(data):
    config = data["config"]
    out = ["# AF_XDP against the socket path (scripts/bench --xdp)", "",
           f"Kernel {data['kernel']}, {data['cpus']} CPUs. One worker on CPU {config['server_cpu']}: "
           "`turnstile serve --workers 1 --cpus 0 --xdp DEV` (xdp), the same without `--xdp` (socket: "
           f"recvmmsg/sendmmsg), and a C AF_XDP responder with {config.get('c_work_ns', 250)} ns of busy work per "
           "request (c), in a veth pair between two namespaces. Flooder: AF_PACKET + PACKET_QDISC_BYPASS, spoofed "
           f"10.201.0.0/16, CPU {config['flood_cpu']}; reply sink on the flooder's veth: "
           f"{'XDP drop, NAPI thread on the flooder CPU' if data['sink'] else 'none (blackhole route)'}. "
           f"{config['duration_s']} s per offered load after a {config['warmup_s']} s warm-up, {config['repeat']} "
           "repeats, medians; ratios are medians of same-repeat ratios.", "",
           "Replies: emitted by the server (its veth's tx_packets + tx_dropped). CPU0: the server core's busy time "
           "from /proc/stat (user + system + irq + softirq, tick-sampled, any task on it). Tasks: worker thread + "
           "the AF_XDP NAPI thread + ksoftirqd/0 (exact per-task times; no IRQ time accounting on this kernel, so "
           "softirq work that interrupts the worker is charged to the worker).", "",
           "| placement | offered | mode | offered pps | replies/s | goodput | CPU0 busy | replies per CPU0-s | "
           "replies per task-CPU-s |", "|---|---|---|---:|---:|---:|---:|---:|---:|"]
    for c in data["summary"]:
        for mode in MODES:
            if not c[f"{mode}_runs"]:
                continue
            out.append(f"| {c['placement']} | {c['rate']} | {mode} | {kpps(c[f'{mode}_offered_pps'])} "
                       f"| {kpps(c[f'{mode}_replies_pps'])} | {percent(c[f'{mode}_goodput'])} "
                       f"| {percent(c[f'{mode}_cpu0_util'])} | {kpps(c[f'{mode}_replies_per_cpu0_s'])} "
                       f"| {kpps(c[f'{mode}_replies_per_task_cpu_s'])} |")
    out += ["", "Ratios (median of same-repeat ratios; all repeats in brackets):", "",
            "| placement | offered | ratio | replies/s | per CPU0-s | per task-CPU-s |", "|---|---|---|---:|---:|---:|"]

    def ratio_cell(c, key):
        values = c.get(f"{key}_all") or []
        spread = " (" + ", ".join(f"{v:.2f}" for v in values) + ")" if len(values) > 1 else ""
        return times(c[key]) + spread

    for c in data["summary"]:
        for mode, baseline, prefix in PAIRS:
            if not c[f"{mode}_runs"] or not c[f"{baseline}_runs"]:
                continue
            out.append(f"| {c['placement']} | {c['rate']} | {mode} / {baseline} | " + " | ".join(
                ratio_cell(c, f"{prefix}_{key}")
                for key in ("replies_pps", "replies_per_cpu0_s", "replies_per_task_cpu_s")) + " |")
    out += ["", "Every run:", "",
            "| placement | mode | repeat | offered | offered pps | replies/s | goodput | CPU0 | worker s | NAPI s | "
            "ksoftirqd s | process s | sink NAPI s | CPU1 |",
            "|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in data["rows"]:
        out.append(f"| {r['placement']} | {r['mode']} | {r['repeat']} | {r['rate']} | {kpps(r['offered_pps'])} "
                   f"| {kpps(r['replies_pps'])} | {percent(r['goodput'])} | {percent(r['cpu0_util'])} "
                   f"| {r['worker_cpu_s']:.2f} | {r['napi_cpu_s']:.2f} | {r['ksoftirqd_cpu_s']:.2f} "
                   f"| {r['server_process_cpu_s']:.2f} | {r['sink_napi_cpu_s']:.2f} | {percent(r['cpu1_util'])} |")
    for mode, field, title in (("xdp", "xdp", "Turnstile --xdp servers' last stats line, `xdp` object"),
                               ("xdp-limited", "xdp", "Turnstile --xdp --xdp-hello-rate servers' `xdp` object"),
                               ("xdp-busy", "xdp", "Turnstile --xdp --xdp-busy-poll servers' `xdp` object"),
                               ("c", None, "C ceiling's counters at exit"),
                               ("c-busy", None, "busy-polling C ceiling's counters at exit")):
        servers = [r for r in data["records"] if r["kind"] == "server" and r["mode"] == mode and r.get("stats")]
        objects = [(r, r["stats"].get(field) if field else r["stats"]) for r in servers]
        objects = [(r, o) for r, o in objects if o]
        if not objects:
            continue
        keys = list(objects[0][1].keys())
        out += ["", f"{title} (cumulative, warm-up included):", "",
                "| placement | repeat | " + " | ".join(keys) + " |", "|---|---:|" + "---:|" * len(keys)]
        for r, o in objects:
            out.append(f"| {r['placement']} | {r['repeat']} | " + " | ".join(str(o.get(k)) for k in keys) + " |")
    legit = data.get("legit", [])
    if legit:
        out += ["", f"Legit clients (scripts/legit-clients, {config['legit_rate']} cookie exchanges/s for "
                f"{config.get('legit_duration_s', '?')} s, on CPU {config['flood_cpu']} in the flooder's namespace) "
                f"during a {config['legit_flood_pps']} pps flood, rx1:", "",
                "| mode | flood pps reached | attempts | success | retransmits | HVR p50 ms | p99 ms | max ms | "
                "client CPU share | at the veth: p50 / p99 / max ms (answered, resent) |",
                "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for entry in legit:
            clients = entry.get("clients") or {}
            latency = clients.get("hvr_latency_us", {})
            flood = entry.get("flood") or {}
            share = (entry["client_cpu_s"] / entry["client_wall_s"]) if entry.get("client_cpu_s") is not None and \
                entry.get("client_wall_s") else None
            out.append(f"| {entry['mode']} | {kpps(flood.get('pps'))} | {clients.get('attempts', '-')} "
                       f"| {percent(clients.get('success_ratio'))} | {clients.get('retransmits', '-')} "
                       f"| {latency.get('p50', 0) / 1000:.1f} | {latency.get('p99', 0) / 1000:.1f} "
                       f"| {latency.get('max', 0) / 1000:.1f} | {percent(share)} (JVM start included) "
                       f"| {capture_cell(entry.get('capture'))} |")
    out += ["", "Targets (issue 11, receive work on the server core):", ""]
    for t in data["targets"]:
        verdict = "not measured" if t["met"] is None else ("met" if t["met"] else "NOT met")
        value = "-" if t["value"] is None else f"{t['value']:.2f}"
        out.append(f"- {t['target']}: {value}, {verdict}" + (f" ({t['note']})" if t.get("note") else ""))
    return "\n".join(out) + "\n"


def capture_cell(capture):
    """The legit table's kernel-side latency: what a tcpdump at the clients' veth saw (--legit-capture)."""
    if not capture or not capture.get("answered"):
        return "-"
    rtt = capture["rtt_us"]
    return (f"{rtt['p50'] / 1000:.1f} / {rtt['p99'] / 1000:.1f} / {rtt['max'] / 1000:.1f} "
            f"({capture['answered']} of {capture['exchanges']}, {capture['resent_before_answer']})")


def xdp(path):
    """Derive the rows, summary and targets of a scripts/bench --xdp result, add them to its JSON, write RESULT.md and
    print it."""
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    ticks = data.get("clock_ticks", 100)
    data["rows"] = [xdp_row(r, ticks) for r in data["records"] if r["kind"] == "run"]
    data["legit"] = [r for r in data["records"] if r["kind"] == "legit"]
    data["summary"] = xdp_summary(data["rows"])
    data["targets"] = xdp_targets(data["summary"], data["legit"])
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=1)
        f.write("\n")
    markdown = xdp_markdown(data)
    with open(os.path.splitext(path)[0] + ".md", "w", encoding="utf-8") as f:
        f.write(markdown)
    print(markdown, end="")


def demo_xdp(path, run):
    """scripts/demo --xdp: per phase, the server's replies/s while the legit clients ran (its veth's tx_packets +
    tx_dropped), the clients' CPU share and the openssl traces in RUN; added to the JSON, then the markdown."""
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    for phase in data["phases"]:
        if phase.get("before") and phase.get("after"):
            d = {key: b - a for key, a, b in zip(SNAPSHOT, map(int, phase["before"].split()),
                                                  map(int, phase["after"].split()))}
            phase["replies_pps"] = (d["tx_packets"] + d["tx_dropped"]) / (d["wall_ns"] / 1e9)
        cpu, wall = phase.get("client_cpu_s"), phase.get("client_wall_s")
        phase["client_cpu_share"] = cpu / wall if cpu is not None and wall else None
        name = re.compile(rf"openssl-{re.escape(phase['mode'])}-(\d+)\.txt")
        traces = sorted((p for p in glob.glob(f"{run}/openssl-*.txt") if name.fullmatch(os.path.basename(p))),
                        key=lambda p: int(name.fullmatch(os.path.basename(p)).group(1)))
        phase["openssl"] = [openssl_run(read(t), data["echo"]) for t in traces]
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=1)
        f.write("\n")
    config = data["config"]
    md = ["# Turnstile under a spoofed flood: AF_XDP against the socket path (scripts/demo --xdp)", "",
          f"Kernel {data['kernel']}, {data['cpus']} CPUs, a veth pair between two namespaces. One server per phase, "
          f"its worker on CPU {config['server_cpu']} with the veth's receive work (threaded NAPI for AF_XDP, RPS "
          f"for the socket path){', echo handshakes behind it' if data['echo'] else ''}; on CPU "
          f"{config['flood_cpu']}: a spoofed ClientHello flood at {config['flood']} pps (AF_PACKET, sources "
          f"10.201.0.0/16, {config['warmup_s']} s warm-up first), {config['legit_rate']} legit cookie exchanges/s "
          f"for {config['duration_s']} s (scripts/legit-clients {config['legit_args']}) and "
          f"{config['openssl_runs']} x `openssl s_client -dtls1_2`."
          + (f" xdp-limited: `serve --xdp DEV --xdp-hello-rate {config['hello_rate']}`." if config["hello_rate"] else ""),
          "",
          "| phase | flood pps reached | legit attempts | success | retransmits | HVR p50 ms | HVR p99 ms "
          "| server replies/s | openssl ok | client CPU share |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for phase in data["phases"]:
        clients = phase.get("clients") or {}
        latency = clients.get("hvr_latency_us", {})
        openssl = phase["openssl"]
        md.append(f"| {phase['mode']} | {kpps((phase.get('flood') or {}).get('pps'))} "
                  f"| {clients.get('attempts', '-')} | {percent(clients.get('success_ratio'))} "
                  f"| {clients.get('retransmits', '-')} | {latency.get('p50', 0) / 1000:.1f} "
                  f"| {latency.get('p99', 0) / 1000:.1f} | {kpps(phase.get('replies_pps'))} "
                  f"| {sum(1 for r in openssl if r['ok'])} / {len(openssl)} | {percent(phase['client_cpu_share'])} |")
    objects = [(p["mode"], (p.get("stats") or {}).get("xdp")) for p in data["phases"]]
    objects = [(label, o) for label, o in objects if o]
    if objects:
        keys = list(dict.fromkeys(k for _, o in objects for k in o))
        md += ["", "The AF_XDP servers' `xdp` counters at exit (warm-up included):", "",
               "| phase | " + " | ".join(keys) + " |", "|---|" + "---:|" * len(keys)]
        md += [f"| {label} | " + " | ".join(str(o.get(k, "-")) for k in keys) + " |" for label, o in objects]
    md += ["", "Success: a cookie exchange" + (" and the ServerHello" if data["echo"] else "") + " within the "
           "clients' retransmissions; HVR latency from the first hello. Issue 11's target for --xdp under a 400 "
           "kpps flood: >= 99 % success and p99 < 5 ms. Client CPU share: the legit clients' CPU time over their "
           "wall time, JVM start included."]
    markdown = "\n".join(md) + "\n"
    with open(os.path.splitext(path)[0] + ".md", "w", encoding="utf-8") as f:
        f.write(markdown)
    print(markdown, end="")


USAGE = ("usage: report.py jmh RESULT.json | pps RESULT.json | handshake RESULT.json | demo RUN_DIR OUT_PREFIX | "
         "xdp RESULT.json | demo-xdp RESULT.json RUN_DIR")


# --- packet captures ------------------------------------------------------------------------------------------------

def pcap_rtt(path, client_ip, server_ip, port):
    """The legit clients' cookie exchanges as the kernel saw them (scripts/lib/xdpbench.sh's tcpdump on the flooder's
    veth): per exchange, the first ClientHello out and the first datagram back, so the network's and the server's
    share of the clients' HelloVerifyRequest latency shows apart from the client process's own scheduling. An exchange
    is a client port and a ClientHello.random (RFC 6347 4.2.1: the cookie hello repeats the first one's random), since
    the clients' ephemeral ports come round again within a run; a reply belongs to its port's newest exchange. Prints
    one JSON object."""
    import ipaddress
    import struct
    client, server = ipaddress.ip_address(client_ip).packed, ipaddress.ip_address(server_ip).packed
    with open(path, "rb") as f:
        data = f.read()
    formats = {b"\xd4\xc3\xb2\xa1": ("<", False), b"\x4d\x3c\xb2\xa1": ("<", True),
               b"\xa1\xb2\xc3\xd4": (">", False), b"\xa1\xb2\x3c\x4d": (">", True)}
    if len(data) < 24 or data[:4] not in formats:
        sys.exit(f"pcap-rtt: {path} is not a pcap file (tcpdump -w writes one)")
    order, nanos = formats[data[:4]]
    if struct.unpack_from(order + "I", data, 20)[0] != 1:
        sys.exit(f"pcap-rtt: {path} is not an Ethernet capture")
    exchanges, newest = {}, {}
    offset = 24
    while offset + 16 <= len(data):
        seconds, fraction, captured, _ = struct.unpack_from(order + "IIII", data, offset)
        packet = data[offset + 16:offset + 16 + captured]
        offset += 16 + captured
        t = seconds * 1_000_000_000 + (fraction if nanos else fraction * 1000)
        if len(packet) < 14 + 20 or packet[12:14] != b"\x08\x00" or packet[14 + 9] != 17:
            continue
        udp = 14 + (packet[14] & 0x0F) * 4
        if len(packet) < udp + 8:
            continue
        source, destination = packet[14 + 12:14 + 16], packet[14 + 16:14 + 20]
        source_port, destination_port = struct.unpack_from(">HH", packet, udp)
        if source == client and destination == server and destination_port == port:
            key = (source_port, packet[udp + 8 + 27:udp + 8 + 59])
            exchange = exchanges.setdefault(key, {"out": t, "sent": 0, "back": None})
            if exchange["back"] is None:
                exchange["sent"] += 1
            newest[source_port] = key
        elif source == server and destination == client and source_port == port and destination_port in newest:
            exchange = exchanges[newest[destination_port]]
            if exchange["back"] is None:
                exchange["back"] = t
    rtts = sorted((e["back"] - e["out"]) / 1000.0 for e in exchanges.values() if e["back"] is not None)

    def rank(q):
        return round(rtts[min(len(rtts) - 1, max(0, math.ceil(q * len(rtts)) - 1))], 1) if rtts else None

    print(json.dumps({"exchanges": len(exchanges), "answered": len(rtts),
                      "resent_before_answer": sum(1 for e in exchanges.values() if e["sent"] > 1),
                      "rtt_us": {"p50": rank(0.5), "p90": rank(0.9), "p99": rank(0.99), "max": rank(1.0)}}))

def main():
    args = sys.argv[1:]
    if len(args) == 2 and args[0] == "jmh":
        jmh(args[1])
    elif len(args) == 2 and args[0] == "pps":
        pps(args[1])
    elif len(args) == 2 and args[0] == "handshake":
        handshake(args[1])
    elif len(args) == 3 and args[0] == "demo":
        demo(args[1], args[2])
    elif len(args) == 2 and args[0] == "xdp":
        xdp(args[1])
    elif len(args) == 3 and args[0] == "demo-xdp":
        demo_xdp(args[1], args[2])
    elif len(args) == 5 and args[0] == "pcap-rtt":
        pcap_rtt(args[1], args[2], args[3], int(args[4]))
    else:
        sys.exit(USAGE)


if __name__ == "__main__":
    main()
