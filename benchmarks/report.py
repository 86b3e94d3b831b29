"""How every benchmark states its results: one ratio convention, markdown tables, the JSON file and the chart.

The convention, everywhere: a ratio column is named ``tinynet/REFERENCE speed``
and holds tinynet's speed divided by the reference's speed, so above 1 means
tinynet is faster.  A speed is work per second (GFLOP/s, images/s) or, for a
timed call, 1 / time -- so for times the ratio is reference time / tinynet time.
"""

import json
import math
import os
import platform
import re
import time
from importlib import metadata

RATIO_CONVENTION = "tinynet/X speed = tinynet's speed / X's speed (above 1: tinynet is faster)"
RATIO_COLUMN = re.compile(r"^tinynet/(.+) speed$")


def ratio_column(reference):
    """The column name of the ratio against ``reference``, e.g. ``tinynet/PyTorch speed``."""
    return f"tinynet/{reference} speed"


def speed_ratio(tinynet_speed, reference_speed):
    """tinynet's speed over the reference's (above 1: tinynet faster); None when either is missing."""
    if not tinynet_speed or not reference_speed:
        return None
    return tinynet_speed / reference_speed


def time_ratio(tinynet_seconds, reference_seconds):
    """The same ratio from two times of the same work: reference time / tinynet time."""
    if not tinynet_seconds or not reference_seconds:
        return None
    return reference_seconds / tinynet_seconds


def _cell(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, float):
        if abs(value) >= 100:
            return f"{value:,.0f}"
        return f"{value:.2f}" if abs(value) >= 1 or value == 0 else f"{value:.3g}"  # 3 digits below 1
    return str(value)


def markdown(rows, notes=()):
    """A markdown table of row dicts (columns in first-seen order; only plain values are shown).

    Under the table: one line stating the ratio convention when any column is
    a ``tinynet/X speed`` ratio, then ``notes``, one line each.
    """
    columns = []
    for row in rows:
        columns += [key for key, value in row.items()
                    if key not in columns and (value is None or isinstance(value, (str, int, float)))]
    if not columns:
        return "(no rows)"
    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join("---" for _ in columns) + "|"]
    lines += ["| " + " | ".join(_cell(row.get(c)) for c in columns) + " |" for row in rows]
    captions = ([RATIO_CONVENTION] if any(RATIO_COLUMN.match(c) for c in columns) else []) + list(notes)
    return "\n".join(lines + ([""] + [f"_{caption}_" for caption in captions] if captions else []))


def chart_bars(results):
    """(label, ratio) for every ``tinynet/X speed`` value in the results, in table order."""
    bars = []
    for name, rows in results.items():
        for row in rows:
            detail = " ".join(str(v) for v in row.values() if isinstance(v, str))
            if "threads" in row:
                detail += f", {row['threads']} thr"
            for key, value in row.items():
                match = RATIO_COLUMN.match(key)
                if match and isinstance(value, (int, float)):
                    bars.append((f"{name}: {detail} vs {match.group(1)}"[:72], float(value)))
    return bars


def chart(results, path, subtitle=""):
    """A horizontal bar per ratio, on a log axis centred on 1; returns False when there is none."""
    bars = chart_bars(results)
    if not bars:
        return False
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels, ratios = zip(*bars)
    fig, ax = plt.subplots(figsize=(9, 0.26 * len(ratios) + 1.6))
    # Each bar grows from 1 (a tie) to the ratio, on a log axis: a 2x win and a 2x loss are the same length.
    ax.barh(range(len(ratios)), [r - 1 for r in ratios], left=1,
            color=["#2a7ab9" if r >= 1 else "#c0392b" for r in ratios])
    ax.set_xscale("log")
    low, high = min(min(ratios), 0.5) / 1.2, max(max(ratios), 2) * 1.2
    ticks = [t for t in (0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100) if low <= t <= high]
    ax.set_xlim(low, high)
    ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.set_yticks(range(len(ratios)), labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("tinynet speed / reference speed (log scale; above 1, blue: tinynet faster)")
    if subtitle:
        ax.set_title(subtitle, fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def _version(package):
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _cpu_model():
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def environment(build_info, blas, note=None):
    """What this run measured on: date, CPU, load, tinynet's backend and SIMD path, the references' versions."""
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "cpu": _cpu_model(),
        "logical_cpus": os.cpu_count(),
        "load_average_at_start": load and round(load[0], 2),
        "python": platform.python_version(),
        "tinynet": build_info,
        "numpy": f"{_version('numpy')} ({blas})",
        "torch": _version("torch"),
        "jax": _version("jax"),
        "note": note,
        "ratio_convention": RATIO_CONVENTION,
    }


def describe(env):
    """The environment as a few markdown lines: what ran, on what, and how busy the machine was."""
    info = env["tinynet"]
    compiled = f"{info.get('compiler')} {info.get('flags')}" if info.get("compiler") else "no compiler"
    lines = [
        f"- date {env['date']}; CPU {env['cpu']}, {env['logical_cpus']} logical CPUs; "
        f"load average at start {env['load_average_at_start']}"
        + (f", at end {env['load_average_at_end']}" if env.get("load_average_at_end") is not None else ""),
        f"- tinynet backend **{info['backend']}**, SIMD path **{info.get('simd')}** "
        f"(the CPU offers {info.get('cpu_simd')}), OpenMP {'on' if info.get('openmp') else 'off'}, {compiled}",
        f"- numpy {env['numpy']}; PyTorch {env['torch'] or 'not installed'}; JAX {env['jax'] or 'not installed'}",
        f"- {env['ratio_convention']}",
    ]
    if env.get("note"):
        lines.append(f"- note: {env['note']}")
    return "\n".join(lines)


def write(out_dir, env, results, tables):
    """Write latest.md (the tables), latest.json (environment + every row) and latest.png (the ratios)."""
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "latest.md"), "w") as f:
        f.write("# tinynet benchmarks\n\n" + describe(env) + "\n\n" + "\n".join(tables))
    with open(os.path.join(out_dir, "latest.json"), "w") as f:
        json.dump({"meta": env, "results": results}, f, indent=1, default=str)
    subtitle = f"{env['date']}, {env['tinynet']['backend']} backend, SIMD {env['tinynet'].get('simd')}"
    png = os.path.join(out_dir, "latest.png")
    drawn = chart(results, png, subtitle)
    if not drawn and os.path.exists(png):
        os.remove(png)  # an older run's chart would not match this run's tables
    return [name for name, made in (("latest.md", True), ("latest.json", True), ("latest.png", drawn)) if made]
