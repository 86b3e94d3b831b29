"""Run tinynet's benchmark suite from the source folder:

    python -m benchmarks [--quick] [--threads 1 2] [--only gemm conv overhead training] [--busy] [--note TEXT]

Every figure is measured in this run beside its reference: numpy for GEMM,
PyTorch for convolution, pooling, per-op overhead and training, and JAX for
training (a column is skipped, with a line saying so, when its library is not
installed).  Figures are medians of repeats.  Every ratio column is named
``tinynet/X speed`` and holds tinynet's speed over X's (above 1: tinynet is
faster).  ``--busy`` adds the busy-machine table (bench_busy.py).

It measures the compiled C kernels only: when tinynet would run on its numpy
backend it refuses, and says how to build (preflight.py).

Prints one markdown table per benchmark and writes to ``benchmarks/results/``
(or ``--out``): ``latest.md`` (the tables, under the machine, tinynet's backend
and SIMD path and the references' versions), ``latest.json`` (the same with
every run's raw figures) and ``latest.png`` (a chart of the ratios).
"""

import argparse
import importlib
import os
import sys
import time

from benchmarks import preflight, report

SUITE = {  # name -> module with run(threads=..., quick=...) -> rows, and notes(rows) -> lines
    "gemm": "benchmarks.bench_gemm",
    "conv": "benchmarks.bench_conv",
    "overhead": "benchmarks.bench_overhead",
    "training": "benchmarks.bench_training",
    "busy": "benchmarks.bench_busy",
}
DEFAULT = ("gemm", "conv", "overhead", "training")  # "busy" runs with --busy or --only busy

RESULTS_DIR = os.path.join(preflight.SOURCE_FOLDER, "benchmarks", "results")


def selected(only, busy):
    """The benchmarks to run, in suite order."""
    wanted = set(only or DEFAULT) | ({"busy"} if busy else set())
    return [name for name in SUITE if name in wanted]


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="fewer sizes, repeats and steps (checks that everything runs; not for quoting)")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="thread counts to measure at")
    parser.add_argument("--only", nargs="+", choices=sorted(SUITE), help="run only these benchmarks")
    parser.add_argument("--busy", action="store_true", help="also train with one competing busy process")
    parser.add_argument("--note", help="a line for the report, e.g. 'other jobs were running'")
    parser.add_argument("--out", default=RESULTS_DIR, help="folder for latest.md, latest.json and latest.png")
    args = parser.parse_args(argv)

    build_info = preflight.check_c_backend()  # exits, saying how to build, unless the C kernels are in use
    from benchmarks import bench_gemm

    env = report.environment(build_info, bench_gemm.numpy_blas(), args.note)
    env.update(quick=args.quick, threads=args.threads)
    print(report.describe(env) + "\n", flush=True)

    names = selected(args.only, args.busy)
    results, tables, peak = {}, [], None
    for name in names:
        module = importlib.import_module(SUITE[name])
        if name == "training" and peak is None:
            print("measuring the core's peak (one-thread 1024^3 GEMM) ...", file=sys.stderr)
            peak = bench_gemm.measure_peak(args.quick)
        print(f"running {name} ...", file=sys.stderr)
        start = time.perf_counter()
        kwargs = {"peak_gflops": peak} if name == "training" else {}
        rows = module.run(threads=tuple(args.threads), quick=args.quick, **kwargs)
        if name == "gemm":
            peak = bench_gemm.peak(rows)
        results[name] = rows
        tables.append(f"### {name} ({time.perf_counter() - start:.0f} s)\n\n"
                      f"{report.markdown(rows, module.notes(rows))}\n")
        print(tables[-1], flush=True)

    env["peak_gflops_per_core"] = peak
    env["load_average_at_end"] = round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None
    written = report.write(args.out, env, results, tables)
    print(f"wrote {', '.join(written)} in {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
