"""Benchmark: tinynet's float32 GEMM beside numpy's matmul (OpenBLAS), in GFLOP/s.

Shapes (m x k x n, C = A @ B with A m x k and B k x n):

* square: 64, 128, 256, 512, 1024, 2048;
* skinny ones from small CNNs (im2col GEMMs): 36864 x 25 x 6 (LeNet conv1 as
  a batch of 64 28x28 images' 24x24 patches times 6 filters), 4096 x 150 x 16
  (LeNet conv2), 64 x 784 x 128 (a dense layer on a batch of 64 MNIST images).

Each is measured at every requested thread count.  numpy's thread count is
set the same way through threadpoolctl when it is installed; without it,
numpy uses whatever OPENBLAS_NUM_THREADS said at start-up, and the numpy
column is then labelled with ``numpy_threads = None``.  A figure is the
median over repeats.  Each library is timed in a child process of its own,
tinynet's and numpy's one after the other for every row, so that both see
much the same load from anything else on the machine -- and neither sees
the other's worker threads: after a call, OpenBLAS's and OpenMP's threads
spin for a while before they sleep, and in one process each library's
2-thread figures fell to a fraction whenever the other had just run.
``tinynet/numpy speed`` = tinynet GFLOP/s / numpy GFLOP/s (above 1: tinynet is faster).

On a shared VM a process's speed can drift by a quarter or more between
seconds, so two children a second apart can meet different machines.  The
one-thread rows are therefore also measured ``taking turns``: in one child,
where neither library leaves a worker thread behind at one thread, the two
take turns every few milliseconds, TURNS times, and the column is the median
of each pair's numpy time / tinynet time (the same convention: above 1,
tinynet is faster).

The best one-thread figure at 512 or larger, of either library, is taken as
the core's peak float32 rate (``peak``): the training benchmark states its
speeds as a fraction of it.

On some machines OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are set in the
environment and hold OpenBLAS back; to compare against its best, unset both
for the benchmark only:

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python -m benchmarks.bench_gemm [--quick] [--threads 1 2]
"""

import argparse
import json
import os
import statistics
import sys
import time

import numpy as np

import tinynet
from tinynet import kernels

from benchmarks import report, turns
from benchmarks.child import run_child

try:
    import threadpoolctl
except ImportError:  # optional: without it numpy keeps its start-up thread count
    threadpoolctl = None

SQUARE_SIZES = [64, 128, 256, 512, 1024, 2048]
SKINNY_SHAPES = [(36864, 25, 6), (4096, 150, 16), (64, 784, 128)]  # m, k, n


def shapes(quick):
    """The (m, k, n) shapes to measure; --quick drops the largest square."""
    square = [s for s in SQUARE_SIZES if not (quick and s > 1024)]
    return [(s, s, s) for s in square] + SKINNY_SHAPES


def numpy_blas():
    """Which BLAS numpy calls, and its kernel ("architecture"), if threadpoolctl can tell."""
    if threadpoolctl is None:
        return "unknown (threadpoolctl not installed)"
    found = [f"{i.get('internal_api')} {i.get('version')} kernel={i.get('architecture')}"
             for i in threadpoolctl.threadpool_info() if i.get("user_api") == "blas"]
    return "; ".join(found) or "none found"


class numpy_threads:
    """Context manager: numpy's BLAS uses ``n`` threads inside (if threadpoolctl is there)."""

    def __init__(self, n):
        self.n = n
        self.limiter = None

    def __enter__(self):
        if threadpoolctl is not None:
            self.limiter = threadpoolctl.threadpool_limits(limits=self.n, user_api="blas")
            return self.n
        return None

    def __exit__(self, *exc):
        if self.limiter is not None:
            self.limiter.unregister()


ROUNDS = 3  # child processes per library and row
TURNS = 40  # pairs of samples in the one-thread ``taking turns`` child (12 with --quick)


def calls_per_sample(fn, target_seconds):
    """How many back-to-back calls of ``fn`` take about ``target_seconds`` (at least 1)."""
    start = time.perf_counter()
    fn()
    once = max(time.perf_counter() - start, 1e-7)
    return max(1, int(target_seconds / once))


def operands(m, k, n):
    rng = np.random.default_rng(0)
    return rng.standard_normal((m, k), dtype=np.float32), rng.standard_normal((k, n), dtype=np.float32)


def child_speeds(library, m, k, n, threads, repeats, target_seconds):
    """In a child process: GFLOP/s of each repeat of ``library``'s product (the median is taken by the parent)."""
    a, b = operands(m, k, n)
    out = np.empty((m, n), dtype=np.float32)
    if library == "tinynet":
        tinynet.set_num_threads(threads)
        def product():
            kernels.gemm(a, b, out=out)
    else:
        def product():
            np.matmul(a, b, out=out)
    with numpy_threads(threads):
        count = calls_per_sample(product, target_seconds)
        speeds = []
        for _ in range(repeats):
            start = time.perf_counter()
            for _ in range(count):
                product()
            speeds.append(2.0 * m * n * k / ((time.perf_counter() - start) / count) / 1e9)
    return speeds


def child_turns(m, k, n, pairs, target_seconds):
    """In a child process, one thread each: numpy time / tinynet time for ``pairs`` pairs of samples."""
    a, b = operands(m, k, n)
    out = np.empty((m, n), dtype=np.float32)
    tinynet.set_num_threads(1)
    products = {"tinynet": lambda: kernels.gemm(a, b, out=out), "numpy": lambda: np.matmul(a, b, out=out)}
    with numpy_threads(1):
        count = calls_per_sample(products["tinynet"], target_seconds)

        def repeated(product):
            def run():
                for _ in range(count):
                    product()
            return run
        seconds = turns.take_turns({library: repeated(product) for library, product in products.items()}, pairs)
    return [theirs / ours for ours, theirs in zip(seconds["tinynet"], seconds["numpy"])]


def measure(m, k, n, threads, repeats, target_seconds):
    """One row: median GFLOP/s of tinynet and numpy for this shape and thread count."""
    # First a check that the two agree (a benchmark of a wrong answer is worthless),
    # on one thread each, so that no worker thread here spins while a child measures.
    a, b = operands(m, k, n)
    previous = tinynet.get_num_threads()
    tinynet.set_num_threads(1)
    try:
        with numpy_threads(1):
            expected = a @ b
            agree = np.allclose(kernels.gemm(a, b), expected, rtol=1e-4,
                                atol=np.sqrt(k) * 1e-5 * max(1.0, float(np.abs(expected).max())))
    finally:
        tinynet.set_num_threads(previous)
    if not agree:
        raise AssertionError(f"tinynet and numpy disagree on {m}x{k}x{n}")
    speeds = {"tinynet": [], "numpy": []}
    for _ in range(ROUNDS):  # the two children take turns, so that both meet the machine's ups and downs
        for library in speeds:
            speeds[library] += run_child("benchmarks.bench_gemm", library, m, k, n, threads,
                                         max(1, repeats // ROUNDS), target_seconds)
    tinynet_speed, numpy_speed = statistics.median(speeds["tinynet"]), statistics.median(speeds["numpy"])
    turns_ratio = None
    if threads == 1:
        pairs = TURNS if repeats > 5 else 12
        turns_ratio = statistics.median(run_child("benchmarks.bench_gemm", "turns", m, k, n, threads, pairs,
                                                  target_seconds / 4))
    return {
        "shape (m x k x n)": f"{m} x {k} x {n}",
        "threads": threads,
        "numpy_threads": threads if threadpoolctl is not None else None,
        "tinynet GFLOP/s": tinynet_speed,
        "numpy GFLOP/s": numpy_speed,
        report.ratio_column("numpy"): report.speed_ratio(tinynet_speed, numpy_speed),
        "taking turns": turns_ratio,
    }


def run(threads=(1, 2), quick=False):
    """Measure every shape at every thread count; returns one dict per (shape, threads)."""
    repeats = 5 if quick else 9
    target_seconds = 0.02 if quick else 0.05
    previous = tinynet.get_num_threads()
    rows = []
    try:
        for count in threads:
            for m, k, n in shapes(quick):
                rows.append(measure(m, k, n, count, repeats, target_seconds))
    finally:
        tinynet.set_num_threads(previous)
    return rows


PEAK_MIN_SIZE = 512  # smaller products spend a visible share of their time outside the inner kernel


def peak(rows):
    """The core's peak float32 GFLOP/s as this run saw it: the best one-thread speed, tinynet's or numpy's,
    over the square products of PEAK_MIN_SIZE or more (None when no such row was measured)."""
    speeds = []
    for row in rows:
        m, k, n = (int(v) for v in row["shape (m x k x n)"].split(" x "))
        if row["threads"] == 1 and min(m, k, n) >= PEAK_MIN_SIZE and m == k == n:
            speeds += [row["tinynet GFLOP/s"], row["numpy GFLOP/s"]]
    return max(speeds) if speeds else None


def measure_peak(quick=False):
    """Measure the core's peak when the GEMM table itself was not run: the 1024 x 1024 x 1024 row, one thread."""
    repeats, target_seconds = (5, 0.02) if quick else (9, 0.05)
    return peak([measure(1024, 1024, 1024, 1, repeats, target_seconds)])


def notes(rows):
    """The line under the table: the core's peak that the training table measures against."""
    best = peak(rows)
    turns = ["taking turns (one thread): numpy time / tinynet time, the two taking turns in one process, the median "
             "of the pairs (robust to the machine's drift between processes)"]
    return turns + ([f"core peak (best one-thread GFLOP/s at {PEAK_MIN_SIZE} or more): {best:.1f}"] if best else [])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer repeats, no 2048")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--child", nargs=7, help=argparse.SUPPRESS)  # library m k n threads repeats seconds
    args = parser.parse_args(argv)
    if args.child:
        library, *sizes, seconds = args.child
        m, k, n, threads, repeats = (int(v) for v in sizes)
        if library == "turns":
            print(json.dumps(child_turns(m, k, n, repeats, float(seconds))))
        else:
            print(json.dumps(child_speeds(library, m, k, n, threads, repeats, float(seconds))))
        return
    for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if name in os.environ:
            print(f"note: {name}={os.environ[name]} is set and may slow numpy (see the docstring)", file=sys.stderr)
    from benchmarks import preflight

    print(f"tinynet: {preflight.check_c_backend()}")
    print(f"numpy {np.__version__}: {numpy_blas()}\n")
    rows = run(threads=tuple(args.threads), quick=args.quick)
    print(report.markdown(rows, notes(rows)))


if __name__ == "__main__":
    main()
