"""Benchmark: tinynet's conv2d and max-pool kernels beside PyTorch's, at the shapes of three CNNs.

* LeNet-5 on MNIST, batch 64: conv 1->6 5x5 on 28x28 (no padding), pool 2 on
  6x24x24, conv 6->16 5x5 on 12x12, pool 2 on 16x8x8.
* The 6-conv tanh CNN, batch 1024, 3x3 convs with padding 1: 1->4 and 4->4 on
  28x28, pool 2, 4->8 and 8->8 on 14x14, pool 2, 8->16 and 16->16 on 7x7.
* ResNet-10 (bench_training), batch 64: one 3x3 convolution per stage, at
  28x28 (64 channels), 28x28 -> 14x14 (stride 2, 64 -> 128), 7x7 (256) and
  4x4 (512).

Each kernel is timed as the median of several calls (in child processes,
see run()), forward and backward separately, float32, at each thread count; PyTorch (if importable) runs the
same kernels at the same thread count: ``aten.convolution_backward`` and
``aten.max_pool2d_with_indices[_backward]``, which are what its autograd
calls.  ``tinynet/PyTorch speed`` is PyTorch's time over tinynet's, i.e.
tinynet's speed over PyTorch's (above 1: tinynet is faster), as in every table.

The first conv of each network reads the images themselves, which need no
gradient, so its backward computes only dW and db (for both libraries).

Run:  python -m benchmarks.bench_conv [--quick] [--threads 1 2]
"""

import argparse
import json
import statistics
import time

import numpy as np

import tinynet
from tinynet import kernels

from benchmarks import report
from benchmarks.child import run_child

try:
    import torch
except ImportError:  # PyTorch is optional: the table then has tinynet's column only
    torch = None

# (name, batch, in_channels, size, out_channels, kernel, padding, stride, is_first_layer)
CONV_CASES = [
    ("lenet conv1 1->6 5x5 28x28", 64, 1, 28, 6, 5, 0, 1, True),
    ("lenet conv2 6->16 5x5 12x12", 64, 6, 12, 16, 5, 0, 1, False),
    ("tanh conv 1->4 3x3 28x28", 1024, 1, 28, 4, 3, 1, 1, True),
    ("tanh conv 4->4 3x3 28x28", 1024, 4, 28, 4, 3, 1, 1, False),
    ("tanh conv 4->8 3x3 14x14", 1024, 4, 14, 8, 3, 1, 1, False),
    ("tanh conv 8->8 3x3 14x14", 1024, 8, 14, 8, 3, 1, 1, False),
    ("tanh conv 8->16 3x3 7x7", 1024, 8, 7, 16, 3, 1, 1, False),
    ("tanh conv 16->16 3x3 7x7", 1024, 16, 7, 16, 3, 1, 1, False),
    # ResNet-10 (bench_training), one layer per stage: 64 channels at 28x28, a stride-2 stage entry,
    # 256 channels at 7x7, 512 at 4x4
    ("resnet conv 64->64 3x3 28x28", 64, 64, 28, 64, 3, 1, 1, False),
    ("resnet conv 64->128 3x3 /2 28x28", 64, 64, 28, 128, 3, 1, 2, False),
    ("resnet conv 256->256 3x3 7x7", 64, 256, 7, 256, 3, 1, 1, False),
    ("resnet conv 512->512 3x3 4x4", 64, 512, 4, 512, 3, 1, 1, False),
]

# (name, batch, channels, size, kernel)  -- stride = kernel, no padding
POOL_CASES = [
    ("lenet maxpool 2 6x24x24", 64, 6, 24, 2),
    ("lenet maxpool 2 16x8x8", 64, 16, 8, 2),
    ("tanh maxpool 2 4x28x28", 1024, 4, 28, 2),
    ("tanh maxpool 2 8x14x14", 1024, 8, 14, 2),
]


def _conv_timers(case, rng):
    """{"forward": (tinynet_fn, torch_fn or None), "backward": (...)} for one conv case."""
    _, batch, cin, size, cout, kernel, pad, stride, first = case
    x = rng.standard_normal((batch, cin, size, size), dtype=np.float32)
    w = rng.standard_normal((cout, cin, kernel, kernel), dtype=np.float32) * 0.1
    b = rng.standard_normal(cout, dtype=np.float32)
    y = kernels.conv2d_forward(x, w, b, stride, pad)
    dy = rng.standard_normal(y.shape, dtype=np.float32)
    timers = {
        "forward": [lambda: kernels.conv2d_forward(x, w, b, stride, pad), None],
        "backward": [lambda: kernels.conv2d_backward(x, w, dy, stride, pad, input_grad=not first), None],
    }
    if torch is not None:
        tx, tw, tb, tdy = (torch.from_numpy(a) for a in (x, w, b, dy))
        mask = [not first, True, True]

        def torch_forward():
            with torch.no_grad():
                torch.nn.functional.conv2d(tx, tw, tb, stride, pad)

        def torch_backward():
            torch.ops.aten.convolution_backward(tdy, tx, tw, [cout], [stride, stride], [pad, pad], [1, 1],
                                                False, [0, 0], 1, mask)

        timers["forward"][1] = torch_forward
        timers["backward"][1] = torch_backward
    return timers


def _pool_timers(case, rng):
    """Like _conv_timers, for one max-pool case."""
    _, batch, channels, size, kernel = case
    x = rng.standard_normal((batch, channels, size, size), dtype=np.float32)
    y, argmax = kernels.max_pool2d_forward(x, kernel)
    dy = rng.standard_normal(y.shape, dtype=np.float32)
    timers = {
        "forward": [lambda: kernels.max_pool2d_forward(x, kernel), None],
        "backward": [lambda: kernels.max_pool2d_backward(dy, argmax, x.shape, kernel), None],
    }
    if torch is not None:
        tx, tdy = torch.from_numpy(x), torch.from_numpy(dy)
        _, t_indices = torch.ops.aten.max_pool2d_with_indices(tx, [kernel, kernel], [kernel, kernel])

        def torch_forward():
            torch.ops.aten.max_pool2d_with_indices(tx, [kernel, kernel], [kernel, kernel])

        def torch_backward():
            torch.ops.aten.max_pool2d_with_indices_backward(tdy, tx, [kernel, kernel], [kernel, kernel],
                                                            [0, 0], [1, 1], False, t_indices)

        timers["forward"][1] = torch_forward
        timers["backward"][1] = torch_backward
    return timers


ROUNDS = 3  # child processes per framework and thread count


def child_times(framework, threads, repeats):
    """In a child process: {"case|pass": [ms of each of `repeats` calls]} for one framework's kernels."""
    if framework == "tinynet":
        tinynet.set_num_threads(threads)
    else:
        torch.set_num_threads(threads)
    rng = np.random.default_rng(0)  # the same data in every child
    cases = [(c[0], _conv_timers(c, rng)) for c in CONV_CASES] + [(c[0], _pool_timers(c, rng)) for c in POOL_CASES]
    times = {}
    for name, timers in cases:
        for which in ("forward", "backward"):
            fn = timers[which][0 if framework == "tinynet" else 1]
            fn()  # warm-up
            samples = []
            for _ in range(repeats):
                start = time.perf_counter()
                fn()
                samples.append(1000 * (time.perf_counter() - start))
            times[f"{name}|{which}"] = samples
    return times


def kernel_row(case, which, threads, tinynet_ms, torch_ms):
    """One table row from the two frameworks' call times (lists of ms; ``torch_ms`` None without PyTorch)."""
    ours = statistics.median(tinynet_ms)
    theirs = statistics.median(torch_ms) if torch_ms else None
    return {"case": case, "pass": which, "threads": threads, "tinynet ms": ours, "PyTorch ms": theirs,
            report.ratio_column("PyTorch"): report.time_ratio(ours, theirs)}


def run(threads=(1, 2), quick=False):
    """Time every case at each thread count; returns one row per (case, pass, threads) (see kernel_row).

    Each framework runs in child processes of its own (so that neither meets
    the other's spinning worker threads), ROUNDS of them taking turns (so
    that both meet the machine's ups and downs); a figure is the median of
    all their calls.
    """
    repeats = 5 if quick else 25
    frameworks = ["tinynet"] + (["torch"] if torch is not None else [])
    rows = []
    for n in threads:
        samples = {framework: {} for framework in frameworks}
        for _ in range(ROUNDS):
            for framework in frameworks:
                for key, values in run_child("benchmarks.bench_conv", framework, n, max(3, repeats // ROUNDS)).items():
                    samples[framework].setdefault(key, []).extend(values)
        for key, ours in samples["tinynet"].items():
            name, which = key.split("|")
            rows.append(kernel_row(name, which, n, ours, samples["torch"][key] if torch is not None else None))
    return rows


def notes(rows):
    return [] if torch is not None else ["PyTorch column skipped: torch is not installed (pip install torch)"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="thread counts to run")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)  # framework threads repeats
    args = parser.parse_args()
    if args.child:
        framework, threads, repeats = args.child
        print(json.dumps(child_times(framework, int(threads), int(repeats))))
        return
    from benchmarks import preflight

    print(preflight.check_c_backend())
    if torch is not None:
        print("torch", torch.__version__)
    rows = run(threads=tuple(args.threads), quick=args.quick)
    print(report.markdown(rows, notes(rows)))


if __name__ == "__main__":
    main()
