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
median over repeats; tinynet and numpy alternate within each repeat so that
both see the same load from anything else running on the machine.
``ratio`` = tinynet GFLOP/s / numpy GFLOP/s (above 1: tinynet is faster).

On some machines OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are set in the
environment and hold OpenBLAS back; to compare against its best, unset both
for the benchmark only:

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_gemm.py [--quick] [--threads 1 2]
"""

import argparse
import os
import statistics
import sys
import time

import numpy as np

import tinynet
from tinynet import kernels

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


# After a call, each library's worker threads spin for a while before they
# sleep (OpenBLAS's for about 2^28 cycles, some 0.1 s; OpenMP's for less), so
# a sample taken right after the other library's holds one core fewer.  A
# pause before each sample lets them fall asleep.
IDLE_BLAS_THREADS_SECONDS = 0.15


def calls_per_sample(fn, target_seconds):
    """How many back-to-back calls of ``fn`` take about ``target_seconds`` (at least 1)."""
    start = time.perf_counter()
    fn()
    once = max(time.perf_counter() - start, 1e-7)
    return max(1, int(target_seconds / once))


def measure(m, k, n, threads, repeats, target_seconds):
    """One row: median GFLOP/s of tinynet and numpy for this shape and thread count."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((m, k), dtype=np.float32)
    b = rng.standard_normal((k, n), dtype=np.float32)
    out_tinynet = np.empty((m, n), dtype=np.float32)
    out_numpy = np.empty((m, n), dtype=np.float32)

    def run_tinynet():
        kernels.gemm(a, b, out=out_tinynet)

    def run_numpy():
        np.matmul(a, b, out=out_numpy)

    flops = 2.0 * m * n * k
    tinynet.set_num_threads(threads)
    with numpy_threads(threads) as numpy_thread_count:
        counts = {fn: calls_per_sample(fn, target_seconds) for fn in (run_tinynet, run_numpy)}
        speeds = {run_tinynet: [], run_numpy: []}
        for _ in range(repeats):
            for fn in (run_tinynet, run_numpy):
                time.sleep(IDLE_BLAS_THREADS_SECONDS)
                start = time.perf_counter()
                for _ in range(counts[fn]):
                    fn()
                seconds = (time.perf_counter() - start) / counts[fn]
                speeds[fn].append(flops / seconds / 1e9)
    # Also a check that the two agree (a benchmark of a wrong answer is worthless).
    scale = np.sqrt(k) * 1e-5 * max(1.0, float(np.abs(out_numpy).max()))
    if not np.allclose(out_tinynet, out_numpy, rtol=1e-4, atol=scale):
        raise AssertionError(f"tinynet and numpy disagree on {m}x{k}x{n}")
    tinynet_speed = statistics.median(speeds[run_tinynet])
    numpy_speed = statistics.median(speeds[run_numpy])
    return {
        "shape (m x k x n)": f"{m} x {k} x {n}",
        "threads": threads,
        "numpy_threads": numpy_thread_count,
        "tinynet GFLOP/s": tinynet_speed,
        "numpy GFLOP/s": numpy_speed,
        "ratio": tinynet_speed / numpy_speed,
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


def markdown(rows):
    """The rows as a markdown table."""
    columns = list(rows[0])
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        cells = [f"{v:.1f}" if isinstance(v, float) and c != "ratio" else
                 f"{v:.2f}" if isinstance(v, float) else str(v) for c, v in row.items()]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer repeats, no 2048")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args(argv)
    for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if name in os.environ:
            print(f"note: {name}={os.environ[name]} is set and may slow numpy (see the docstring)", file=sys.stderr)
    print(f"tinynet: {tinynet.build_info()}")
    print(f"numpy {np.__version__}: {numpy_blas()}\n")
    print(markdown(run(threads=tuple(args.threads), quick=args.quick)))


if __name__ == "__main__":
    main()
