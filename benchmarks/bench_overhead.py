"""Per-op Python overhead: microseconds for one forward + backward on tiny (4 x 4) tensors.

At tiny sizes the arithmetic costs almost nothing, so the time is the
framework's bookkeeping: wrapping arrays, recording the graph node, sorting
the graph, calling backward.  Three columns per op:

  * numpy   -- the bare forward and hand-written backward arithmetic (the floor),
  * tinynet -- ``y = op(x); y.backward(g)``,
  * torch   -- the same in PyTorch (one thread), when installed.

``tinynet/PyTorch speed`` is PyTorch's time over tinynet's, i.e. tinynet's
speed over PyTorch's (above 1: tinynet has less overhead), as in every table.

    python -m benchmarks.bench_overhead [--quick]
"""

import argparse
import statistics
import timeit

import numpy as np

from benchmarks import report


def _numpy_cases(a, b, g, w, bias, labels):
    """Forward + backward of each op written directly in numpy."""
    def linear():
        y = a @ w.T + bias
        return g @ w, g.T @ a, g.sum(0), y

    def cross_entropy():
        shifted = a - a.max(1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(1, keepdims=True))
        loss = -log_probs[np.arange(4), labels].mean()
        grad = np.exp(log_probs)
        grad[np.arange(4), labels] -= 1
        return loss, grad / 4

    return {
        "add": lambda: (a + b, g, g),
        "mul": lambda: (a * b, g * b, g * a),
        "matmul": lambda: (a @ b, g @ b.T, a.T @ g),
        "tanh": lambda: (lambda t: (t, g * (1 - t * t)))(np.tanh(a)),
        "relu": lambda: (np.maximum(a, 0), g * (a > 0)),
        "sum": lambda: (a.sum(), np.broadcast_to(np.float32(1), a.shape)),
        "linear": linear,
        "cross_entropy": cross_entropy,
    }


def _autograd_cases(F, a, b, g, w, bias, labels):
    """``y = op(...); y.backward(g)`` for each op.  tinynet spells these exactly as PyTorch does, so
    one table serves both: ``F`` is the framework's functional module, the rest its tensors."""
    return {
        "add": lambda: (a + b).backward(g),
        "mul": lambda: (a * b).backward(g),
        "matmul": lambda: (a @ b).backward(g),
        "tanh": lambda: a.tanh().backward(g),
        "relu": lambda: F.relu(a).backward(g),
        "sum": lambda: a.sum().backward(),
        "linear": lambda: F.linear(a, w, bias).backward(g),
        "cross_entropy": lambda: F.cross_entropy(a, labels).backward(),
    }


def _tinynet_cases(a_np, b_np, g, w_np, bias_np, labels):
    import tinynet
    import tinynet.nn.functional as F

    a, b, w, bias = (tinynet.tensor(x, requires_grad=True) for x in (a_np, b_np, w_np, bias_np))
    return _autograd_cases(F, a, b, g, w, bias, labels)  # g and labels stay numpy: tinynet takes them as is


def _torch_cases(torch, a_np, b_np, g_np, w_np, bias_np, labels_np):
    a, b, w, bias = (torch.tensor(x, requires_grad=True) for x in (a_np, b_np, w_np, bias_np))
    return _autograd_cases(torch.nn.functional, a, b, torch.tensor(g_np), w, bias, torch.tensor(labels_np))


def _microseconds(fn, number, repeats):
    """Median over repeats of the mean time per call, in microseconds."""
    fn()  # warm up
    times = timeit.repeat(fn, number=number, repeat=repeats)
    return statistics.median(times) / number * 1e6


def run(threads=(1,), quick=False):
    """One row per op: microseconds per forward+backward for numpy, tinynet and (if installed) torch."""
    rng = np.random.default_rng(0)
    a, b, g, w = (rng.standard_normal((4, 4)).astype(np.float32) for _ in range(4))
    bias = rng.standard_normal(4).astype(np.float32)
    labels = np.array([0, 1, 2, 3])
    number, repeats = (300, 3) if quick else (2000, 7)

    numpy_cases = _numpy_cases(a, b, g, w, bias, labels)
    tinynet_cases = _tinynet_cases(a, b, g, w, bias, labels)
    try:
        import torch
        torch.set_num_threads(1)
        torch_cases = _torch_cases(torch, a, b, g, w, bias, labels)
    except ImportError:
        torch_cases = {}

    rows = []
    for op in numpy_cases:
        tinynet_us = _microseconds(tinynet_cases[op], number, repeats)
        torch_us = _microseconds(torch_cases[op], number, repeats) if op in torch_cases else None
        rows.append({"op": op, "shape": "4x4", "numpy µs": _microseconds(numpy_cases[op], number, repeats),
                     "tinynet µs": tinynet_us, "PyTorch µs": torch_us,
                     report.ratio_column("PyTorch"): report.time_ratio(tinynet_us, torch_us)})
    return rows


def notes(rows):
    lines = ["numpy µs: the bare arithmetic, written by hand (the floor no framework reaches)"]
    if rows and rows[0]["PyTorch µs"] is None:
        lines.append("PyTorch column skipped: torch is not installed (pip install torch)")
    return lines


def main(argv=None):
    """Print the overhead table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = parser.parse_args(argv)
    from benchmarks import preflight

    preflight.check_c_backend()
    rows = run(quick=args.quick)
    print(report.markdown(rows, notes(rows)))


if __name__ == "__main__":
    main()
