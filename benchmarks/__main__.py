"""Run tinynet's benchmark suite: ``python -m benchmarks [--quick] [--threads N ...] [--only NAME ...]``.

Every figure is measured in this run beside its reference (numpy for GEMM,
PyTorch for the rest, when installed): medians of repeats, and the ratio
tinynet / reference (above 1 means tinynet is faster).  Prints one markdown
table per benchmark, and writes them with the raw numbers to
``benchmarks/results/latest.json`` and a chart of the ratios to
``benchmarks/results/latest.png``.
"""

import argparse
import importlib
import json
import os
import platform
import sys
import time

SUITE = {  # name -> module with run(threads=..., quick=...) -> list of row dicts
    "gemm": "benchmarks.bench_gemm",
    "conv": "benchmarks.bench_conv",
    "overhead": "benchmarks.bench_overhead",
    "training": "benchmarks.bench_training",
}

RESULTS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")


def table(rows):
    """A markdown table of row dicts (columns in first-seen order; floats rounded for reading)."""
    columns = []
    for row in rows:
        columns += [key for key in row if key not in columns]

    def cell(value):
        if isinstance(value, float):
            return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"
        return "-" if value is None else str(value)

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(row.get(c)) for c in columns) + " |" for row in rows]
    return "\n".join(lines)


def chart(results, path):
    """A horizontal bar per measured row: tinynet's speed as a ratio of the reference's."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels, ratios = [], []
    for name, rows in results.items():
        for row in rows:
            if isinstance(row.get("ratio"), (int, float)):
                detail = " ".join(f"{v}" for k, v in row.items() if isinstance(v, (str, int)) and k != "ratio")
                labels.append(f"{name}: {detail}"[:60])
                ratios.append(row["ratio"])
    if not ratios:
        return False
    fig, ax = plt.subplots(figsize=(9, 0.28 * len(ratios) + 1.2))
    colors = ["#2a7ab9" if r >= 1 else "#c0392b" for r in ratios]
    ax.barh(range(len(ratios)), ratios, color=colors)
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.set_yticks(range(len(ratios)), labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("tinynet speed / reference speed (above 1: tinynet faster)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer sizes and repeats, a fraction of an epoch")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="thread counts to measure at")
    parser.add_argument("--only", nargs="+", choices=sorted(SUITE), help="run only these benchmarks")
    parser.add_argument("--out", default=RESULTS_DIR, help="folder for latest.json and latest.png")
    args = parser.parse_args(argv)

    results, tables = {}, []
    for name, module_name in SUITE.items():
        if args.only and name not in args.only:
            continue
        print(f"running {name} ...", file=sys.stderr)
        start = time.perf_counter()
        rows = importlib.import_module(module_name).run(threads=tuple(args.threads), quick=args.quick)
        results[name] = rows
        tables.append(f"### {name} ({time.perf_counter() - start:.0f} s)\n\n{table(rows)}\n")
        print(tables[-1], flush=True)

    import tinynet

    os.makedirs(args.out, exist_ok=True)
    meta = {"date": time.strftime("%Y-%m-%d %H:%M"), "machine": platform.machine(), "cpus": os.cpu_count(),
            "build_info": tinynet.build_info(), "quick": args.quick, "threads": args.threads}
    with open(os.path.join(args.out, "latest.json"), "w") as f:
        json.dump({"meta": meta, "results": results}, f, indent=1, default=str)
    chart(results, os.path.join(args.out, "latest.png"))
    print(f"wrote {os.path.join(args.out, 'latest.json')} and latest.png", file=sys.stderr)


if __name__ == "__main__":
    main()
