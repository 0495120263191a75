#!/usr/bin/env python3
"""Summarise a JMH JSON result (run with -prof gc) as markdown on stdout.

    scripts/bench-summary.py bench/results/quick-20260101-120000.json > summary.md

For every benchmark: score +- error and gc.alloc.rate.norm (B/op); then the @AuxCounters of those that have them
(e.g. WorkerDutyCycleBenchmark's received/replied/verified/dropped packets per second). Then, when the run has both,
the ratios of Turnstile's VerifierBenchmark to BouncyCastleVerifierBenchmark per MAC and per BouncyCastle crypto
provider.
"""

import json
import math
import os
import sys

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


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: bench-summary.py RESULT.json")
    path = sys.argv[1]
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


if __name__ == "__main__":
    main()
